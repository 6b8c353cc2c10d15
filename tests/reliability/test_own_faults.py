"""Faults in our own parts that test_own_part_faults.py leaves out: a journal path that holds
someone else's SQLite database or a newer journal, a journal locked by another program (not
another batch run), a journal that fills the disk in the middle of a run (simulated at our write
boundary, and for real under a file-size limit), and a session closed while videos download.

Each must end in a clear typed error, touch nothing it does not own, and let a later run finish
without rendering (paying for) anything twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import sqlite3
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import aclosing
from pathlib import Path

import aiohttp
import pytest

from heygen_async import HeyGenClient, PollSchedule
from heygen_async._samples import portrait_jpeg
from heygen_async.batch import (
    Batch,
    BatchEvent,
    BatchJob,
    JobResult,
    JobStatus,
    Stage,
    load_manifest,
    run_batch,
)
from heygen_async.batch import _journal as journal_module
from heygen_async.batch._journal import JobRecord, Journal, JournalError
from heygen_async.emulator import Emulator, EmulatorConfig, EmulatorThread
from tests.batch.conftest import CLI, CLI_FAST, FAST_LIMITS, cli_env, job_row, write_manifest

KEY = "sk-own-faults-2"
POLL = PollSchedule(initial=0.01, factor=1.5, maximum=0.05, jitter=0.1)
DISK_FULL = "database or disk is full"


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator(EmulatorConfig(api_keys=(KEY,), speed=2000.0, seed=21)) as emulator:
        yield emulator


@pytest.fixture
async def client(emu: Emulator) -> AsyncIterator[HeyGenClient]:
    async with HeyGenClient(KEY, base_url=emu.url, upload_url=emu.url, poll=POLL) as heygen:
        yield heygen


def make_jobs(folder: Path, count: int = 3) -> list[BatchJob]:
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for index in range(count):
        photo = folder / f"p{index}.jpg"
        photo.write_bytes(portrait_jpeg(index))
        rows.append(job_row(index, photo))
    return load_manifest(write_manifest(folder / "manifest.csv", rows))


async def collect(batch: Batch) -> dict[str, JobResult]:
    async with aclosing(batch.run()) as results:
        return {result.job_id: result async for result in results}


def renders(emu: Emulator) -> dict[str, int]:
    counts: dict[str, int] = emu.stats()["renders_by_callback_id"].get(KEY, {})
    return counts


def sqlite_rows(path: Path) -> list[tuple[object, ...]]:
    with contextlib.closing(sqlite3.connect(path)) as db:
        return db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()


# --- the journal path holds something that is not our journal ----------------------------------


async def test_someone_elses_sqlite_database_is_refused_and_left_untouched(
    tmp_path: Path, emu: Emulator, client: HeyGenClient
) -> None:
    """`--journal app.db` by mistake: our tables were created in the user's database and its
    journal mode switched to WAL (failed before)."""
    theirs = tmp_path / "app.db"
    with contextlib.closing(sqlite3.connect(theirs)) as db:
        db.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
        db.execute("INSERT INTO users (name) VALUES ('ada')")
        db.commit()
    before = theirs.read_bytes()
    jobs = make_jobs(tmp_path / "in")
    with pytest.raises(JournalError) as caught:
        await run_batch(client, jobs, tmp_path / "out", journal=theirs, limits=FAST_LIMITS)
    message = str(caught.value)
    assert str(theirs) in message
    assert "not a batch journal" in message
    assert theirs.read_bytes() == before
    assert [name for _, name, _ in sqlite_rows(theirs)] == ["users"]
    assert emu.request_log == []


async def test_a_journal_from_a_newer_version_says_what_to_do_and_keeps_the_videos(
    tmp_path: Path, emu: Emulator, client: HeyGenClient
) -> None:
    jobs = make_jobs(tmp_path / "in", count=1)
    out = tmp_path / "out"
    assert (await run_batch(client, jobs, out, limits=FAST_LIMITS, poll=POLL)).completed == 1
    journal = out / "journal.sqlite"
    with contextlib.closing(sqlite3.connect(journal)) as db:
        db.execute("UPDATE meta SET value = '2' WHERE name = 'schema'")
        db.commit()
    video = out / f"{jobs[0].id}.mp4"
    kept = video.read_bytes()
    sent = len(emu.request_log)
    with pytest.raises(JournalError) as caught:
        await run_batch(client, jobs, out, limits=FAST_LIMITS, poll=POLL)
    message = str(caught.value)
    assert str(journal) in message
    assert "newer version of heygen-async" in message  # was only "has schema 2, expected 1"
    assert "upgrade" in message
    assert len(emu.request_log) == sent
    assert video.read_bytes() == kept


# --- a journal locked by another program --------------------------------------------------------


@pytest.fixture
def short_busy_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite waits this long for another program's lock (5 s by default) before giving up."""
    monkeypatch.setattr(journal_module, "BUSY_TIMEOUT", 0.2)


async def test_a_journal_locked_by_another_program_says_so_and_sends_nothing(
    tmp_path: Path, emu: Emulator, client: HeyGenClient, short_busy_wait: None
) -> None:
    """A sqlite3 shell or backup tool holding the file: the message blamed the folder's
    permissions or free space (failed before)."""
    jobs = make_jobs(tmp_path / "in", count=1)
    out = tmp_path / "out"
    await run_batch(client, jobs[:0], out, limits=FAST_LIMITS)  # creates an empty journal
    journal = out / "journal.sqlite"
    holder = sqlite3.connect(journal, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        with pytest.raises(JournalError) as caught:
            await run_batch(client, jobs, out, limits=FAST_LIMITS, poll=POLL)
    finally:
        holder.close()
    message = str(caught.value)
    assert str(journal) in message
    assert "locked by another program" in message
    assert "free space" not in message
    assert emu.request_log == []
    # Once the other program lets go, the same run works.
    assert (await run_batch(client, jobs, out, limits=FAST_LIMITS, poll=POLL)).completed == 1


# --- the journal's disk fills up in the middle of a run -----------------------------------------


@pytest.fixture
def journal_disk(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Once set, every journal transaction fails as SQLite fails on a full disk."""
    full = threading.Event()
    real = journal_module._transaction

    @contextlib.contextmanager
    def transaction(db: sqlite3.Connection, path: Path) -> Iterator[sqlite3.Connection]:
        with real(db, path) as conn:
            if full.is_set():
                raise sqlite3.OperationalError(DISK_FULL)
            yield conn

    monkeypatch.setattr(journal_module, "_transaction", transaction)
    return full


@pytest.fixture
def full_disk_soon(
    journal_disk: threading.Event, monkeypatch: pytest.MonkeyPatch
) -> threading.Event:
    """The disk fills at the first group commit of several jobs' saves, so that several jobs
    learn of it at once, as they do in a busy batch. Jobs start together: their first saves
    queue up while the journal thread commits the first one."""
    real_flush = Journal._flush_jobs_sync
    filled: list[bool] = []  # once: clearing the event frees the space for good

    def flush(self: Journal, loop: asyncio.AbstractEventLoop) -> None:
        if len(self._pending) >= 2 and not filled:
            filled.append(True)
            journal_disk.set()
        real_flush(self, loop)

    monkeypatch.setattr(Journal, "_flush_jobs_sync", flush)
    return journal_disk


async def test_a_journal_that_fills_the_disk_mid_run_loses_no_render(
    tmp_path: Path, emu: Emulator, client: HeyGenClient, full_disk_soon: threading.Event
) -> None:
    jobs = make_jobs(tmp_path / "in", count=8)
    out = tmp_path / "out"
    with pytest.raises((JournalError, ExceptionGroup)):
        await collect(Batch(client, jobs, out, limits=FAST_LIMITS, poll=POLL))
    full_disk_soon.clear()
    again = await collect(Batch(client, jobs, out, limits=FAST_LIMITS, poll=POLL))
    assert {r.status for r in again.values()} == {JobStatus.COMPLETED}
    assert renders(emu) == {job.callback_id: 1 for job in jobs}


async def test_a_disk_full_in_several_jobs_at_once_is_one_journal_error(
    tmp_path: Path, client: HeyGenClient, full_disk_soon: threading.Event
) -> None:
    jobs = make_jobs(tmp_path / "in", count=8)
    with pytest.raises(JournalError, match=DISK_FULL):
        await collect(Batch(client, jobs, tmp_path / "out", limits=FAST_LIMITS, poll=POLL))


async def test_a_failed_journal_write_whose_caller_left_is_not_reported_as_unretrieved(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, journal_disk: threading.Event
) -> None:
    """A job cancelled while its save waited for the journal thread: the failed commit logged
    "Future exception was never retrieved" with a traceback (failed before)."""
    caplog.set_level(logging.ERROR, logger="asyncio")
    journal = Journal(tmp_path / "journal.sqlite")
    async with journal:
        busy = threading.Event()
        assert journal._executor is not None  # the one journal thread, held busy for a moment
        journal._executor.submit(busy.wait, 5)
        journal_disk.set()
        saving = asyncio.ensure_future(journal.save_job(JobRecord(key="k", job_id="j")))
        await asyncio.sleep(0.01)
        saving.cancel()
        busy.set()
        with pytest.raises(asyncio.CancelledError):
            await saving
    del saving
    gc.collect()
    await asyncio.sleep(0)
    assert [r.getMessage() for r in caplog.records] == []


# --- the same, for real: a file-size limit under the command line ---------------------------------


@pytest.fixture(scope="module")
def thread_emu() -> Iterator[Emulator]:
    with EmulatorThread(EmulatorConfig(api_keys=(KEY,), speed=2000.0)) as emulator:
        yield emulator


# Runs the command with a file-size limit: writes past it fail with EFBIG, as on a full disk.
# SIGXFSZ is ignored, else the kernel kills the writer; both survive the exec.
LIMITED = (
    "import os, resource, signal, sys; "
    "signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
    "limit = int(sys.argv[1]); "
    "resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)); "
    "os.execv(sys.argv[2], sys.argv[2:])"
)


def run_cli(args: list[str], emu: Emulator, limit: int | None) -> subprocess.CompletedProcess[str]:
    wrapper = [sys.executable, "-c", LIMITED, str(limit)] if limit else []
    return subprocess.run(
        [*wrapper, *CLI, *args],
        env=cli_env(emu, api_key=KEY),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_real_file_size_limit_under_the_cli_loses_nothing(
    tmp_path: Path, thread_emu: Emulator
) -> None:
    """The journal's write-ahead log outgrows 64 KB mid-run; the 24 KB videos would fit."""
    jobs = make_jobs(tmp_path / "in", count=6)
    out = tmp_path / "out"
    args = [str(tmp_path / "in" / "manifest.csv"), "--out", str(out), *CLI_FAST]
    first = run_cli(args, thread_emu, limit=64 * 1024)
    assert first.returncode != 0, first.stdout
    assert str(out / "journal.sqlite") in first.stderr
    assert "free space, then run the same command again" in first.stderr
    assert "never retrieved" not in first.stderr
    assert not list(out.glob(".*.part"))
    second = run_cli(args, thread_emu, limit=None)
    assert second.returncode == 0, second.stderr
    stats = thread_emu.stats()["renders_by_callback_id"][KEY]
    assert [stats[job.callback_id] for job in jobs] == [1] * len(jobs)


# --- the session closed while videos download ---------------------------------------------------


async def test_a_session_closed_during_the_downloads_keeps_the_renders(
    tmp_path: Path, emu: Emulator
) -> None:
    jobs = make_jobs(tmp_path / "in")
    out = tmp_path / "out"
    closing: list[asyncio.Task[None]] = []
    async with aiohttp.ClientSession() as session:
        client = HeyGenClient(KEY, base_url=emu.url, upload_url=emu.url, poll=POLL, session=session)

        def on_event(event: BatchEvent) -> None:
            if event.stage is Stage.RENDERED and not closing:
                closing.append(asyncio.ensure_future(session.close()))

        first = await collect(
            Batch(client, jobs, out, limits=FAST_LIMITS, poll=POLL, on_event=on_event)
        )
    failed = [r for r in first.values() if r.status is JobStatus.FAILED]
    assert failed
    assert {r.error_type for r in failed} <= {"ClientClosedError", "APIConnectionError"}
    assert not list(out.glob(".*.part"))
    async with HeyGenClient(KEY, base_url=emu.url, upload_url=emu.url, poll=POLL) as fresh:
        second = await collect(Batch(fresh, jobs, out, limits=FAST_LIMITS, poll=POLL))
    assert {r.status for r in second.values()} == {JobStatus.COMPLETED}
    assert renders(emu) == {job.callback_id: 1 for job in jobs}
