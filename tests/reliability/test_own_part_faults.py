"""Faults in our own parts, not HeyGen's: a full disk or a read-only folder during a download, a
journal locked by another run or corrupt, the aiohttp session closed under a running batch.

Each must end in a clear typed error, keep what is already done, and let a later run finish
without rendering (paying for) anything twice.
"""

from __future__ import annotations

import asyncio
import errno
import os
import random
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from contextlib import aclosing
from pathlib import Path

import aiohttp
import pytest
from anyio import AsyncFile

from heygen_async import HeyGenClient, PollSchedule
from heygen_async import _download as download_module
from heygen_async._errors import APIConnectionError, ClientClosedError, OutputWriteError
from heygen_async._samples import portrait_jpeg
from heygen_async.batch import (
    Batch,
    BatchEvent,
    BatchJob,
    BatchLimits,
    JobResult,
    JobStatus,
    Stage,
    load_manifest,
    run_batch,
)
from heygen_async.batch._journal import Journal, JournalError
from heygen_async.emulator import DEFAULT_VOICE_ID, Emulator, EmulatorConfig, EmulatorThread
from tests.batch.conftest import (
    CLI,
    CLI_FAST,
    FAST_LIMITS,
    cli_env,
    job_row,
    write_manifest,
)

KEY = "sk-own-faults"
OTHER = "sk-second-run"
POLL = PollSchedule(initial=0.01, factor=1.5, maximum=0.05, jitter=0.1)
PAID = {("POST", "/v2/video/generate"), ("POST", "/v2/video/av4/generate")}


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator(EmulatorConfig(api_keys=(KEY, OTHER), speed=2000.0, seed=9)) as emulator:
        yield emulator


@pytest.fixture
async def client(emu: Emulator) -> AsyncIterator[HeyGenClient]:
    async with HeyGenClient(KEY, base_url=emu.url, upload_url=emu.url, poll=POLL) as heygen:
        yield heygen


def make_jobs(folder: Path, count: int = 2) -> list[BatchJob]:
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for index in range(count):
        photo = folder / f"p{index}.jpg"
        photo.write_bytes(portrait_jpeg(index))
        rows.append(job_row(index, photo, kind="avatar_iv" if index % 2 else "talking_photo"))
    return load_manifest(write_manifest(folder / "manifest.csv", rows))


async def collect(batch: Batch) -> dict[str, JobResult]:
    async with aclosing(batch.run()) as results:
        return {result.job_id: result async for result in results}


def renders(emu: Emulator, key: str = KEY) -> dict[str, int]:
    counts: dict[str, int] = emu.stats()["renders_by_callback_id"].get(key, {})
    return counts


def paid_posts(emu: Emulator) -> int:
    return sum(1 for r in emu.request_log if (r.method, r.path) in PAID)


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def snapshot(paths: list[Path]) -> dict[str, tuple[bytes, int]]:
    return {str(p): (p.read_bytes(), p.stat().st_mtime_ns) for p in paths}


# --- a full disk ------------------------------------------------------------------------------


@pytest.fixture
def full_disk(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every chunk written by a download fails with ENOSPC until the list is cleared."""
    failing = [errno.ENOSPC]
    real = download_module._write_chunk

    async def write_chunk(handle: AsyncFile[bytes], chunk: bytes) -> None:
        if failing:
            raise OSError(failing[0], os.strerror(failing[0]))
        await real(handle, chunk)

    monkeypatch.setattr(download_module, "_write_chunk", write_chunk)
    return failing


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.EDQUOT])
async def test_a_disk_failure_during_a_download_is_a_typed_error_naming_the_file(
    tmp_path: Path, client: HeyGenClient, full_disk: list[int], code: int
) -> None:
    full_disk[:] = [code]
    tp = (await client.talking_photos.upload(portrait_jpeg(1))).talking_photo_id
    video = await client.videos.generate_from_talking_photo(tp, "Hello there", DEFAULT_VOICE_ID)
    info = await client.videos.wait(video.video_id, timeout=10)
    out = tmp_path / "out"
    with pytest.raises(OutputWriteError) as caught:
        await client.videos.download(info, out, filename="clip.mp4")
    error = caught.value
    assert error.path == (out / "clip.mp4").resolve()
    assert error.errno == code
    assert str(out / "clip.mp4") in str(error)
    assert os.strerror(code) in str(error)
    assert isinstance(error.__cause__, OSError)
    assert listing(out) == []  # neither the file nor its .part
    full_disk.clear()  # space is freed: the same call now works
    assert (await client.videos.download(info, out, filename="clip.mp4")).stat().st_size > 0


async def test_a_full_disk_fails_batch_jobs_and_a_rerun_downloads_without_rendering_again(
    tmp_path: Path, emu: Emulator, client: HeyGenClient, full_disk: list[int]
) -> None:
    jobs = make_jobs(tmp_path / "in")
    out = tmp_path / "out"
    first = await collect(Batch(client, jobs, out, limits=FAST_LIMITS, poll=POLL))
    for job in jobs:
        result = first[job.id]
        assert result.status is JobStatus.FAILED
        assert result.error_type == "OutputWriteError"
        assert result.stage is Stage.RENDERED  # the render is kept
        assert str((out / f"{job.id}.mp4").resolve()) in (result.error or "")
        assert "No space left on device" in (result.error or "")
    assert listing(out) == ["journal.sqlite", "journal.sqlite.lock"]
    full_disk.clear()
    second = await collect(Batch(client, jobs, out, limits=FAST_LIMITS, poll=POLL))
    assert {r.status for r in second.values()} == {JobStatus.COMPLETED}
    assert all(r.output is not None and r.output.stat().st_size > 0 for r in second.values())
    assert renders(emu) == {job.callback_id: 1 for job in jobs}
    assert paid_posts(emu) == len(jobs)


# --- a read-only output folder ----------------------------------------------------------------


@pytest.fixture
def make_immutable() -> Iterator[list[Path]]:
    """`chattr +i` (root ignores chmod); skips when the file system or container refuses."""
    frozen: list[Path] = []
    yield frozen
    for path in frozen:
        chattr("-i", path)


def chattr(flag: str, path: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["chattr", flag, str(path)], check=False, capture_output=True)  # noqa: S607  # a system tool, found on PATH


def freeze(frozen: list[Path], path: Path) -> None:
    if shutil.which("chattr") is None:
        pytest.skip("chattr is not installed")
    done = chattr("+i", path)
    if done.returncode != 0:
        pytest.skip(f"chattr +i not permitted here: {done.stderr.decode().strip()}")
    frozen.append(path)
    try:
        (path / ".probe").touch()
    except PermissionError:
        return
    pytest.skip("an immutable folder still takes new files here")


async def test_a_read_only_output_folder_fails_the_downloads_and_a_rerun_finishes_them(
    tmp_path: Path, emu: Emulator, client: HeyGenClient, make_immutable: list[Path]
) -> None:
    jobs = make_jobs(tmp_path / "in")
    out = tmp_path / "out"
    out.mkdir()
    journal = tmp_path / "journal.sqlite"
    freeze(make_immutable, out)
    first = await collect(Batch(client, jobs, out, journal=journal, limits=FAST_LIMITS, poll=POLL))
    for result in first.values():
        assert result.error_type == "OutputWriteError", result
        assert "Operation not permitted" in (result.error or "")
        assert str(out.resolve()) in (result.error or "")
    assert listing(out) == []
    assert (await asyncio.to_thread(chattr, "-i", out)).returncode == 0
    second = await collect(Batch(client, jobs, out, journal=journal, limits=FAST_LIMITS, poll=POLL))
    assert {r.status for r in second.values()} == {JobStatus.COMPLETED}
    assert renders(emu) == {job.callback_id: 1 for job in jobs}


async def test_a_read_only_output_folder_with_the_journal_in_it_stops_before_sending(
    tmp_path: Path, emu: Emulator, client: HeyGenClient, make_immutable: list[Path]
) -> None:
    jobs = make_jobs(tmp_path / "in")
    out = tmp_path / "out"
    out.mkdir()
    freeze(make_immutable, out)
    with pytest.raises(JournalError) as caught:
        await run_batch(client, jobs, out, limits=FAST_LIMITS, poll=POLL)
    assert str(out / "journal.sqlite") in str(caught.value)
    assert "Operation not permitted" in str(caught.value)
    assert emu.request_log == []


async def test_a_read_only_folder_holding_a_good_journal_is_not_called_corrupt(
    tmp_path: Path, emu: Emulator, client: HeyGenClient, make_immutable: list[Path]
) -> None:
    jobs = make_jobs(tmp_path / "in")
    out = tmp_path / "out"
    await run_batch(client, jobs[:1], out, limits=FAST_LIMITS, poll=POLL)
    freeze(make_immutable, out)  # the journal's -wal file cannot be created now
    sent = len(emu.request_log)
    with pytest.raises(JournalError) as caught:
        await run_batch(client, jobs, out, limits=FAST_LIMITS, poll=POLL)
    message = str(caught.value)
    assert str(out / "journal.sqlite") in message
    # Moving a good journal aside would make its finished jobs render (and be paid) again.
    assert "corrupt" not in message
    assert "move it aside" not in message
    assert "writable" in message
    assert len(emu.request_log) == sent


# --- a journal locked by another run ----------------------------------------------------------


async def test_a_journal_in_use_by_a_running_batch_is_refused_before_anything_is_sent(
    tmp_path: Path, emu: Emulator, client: HeyGenClient
) -> None:
    jobs = make_jobs(tmp_path / "in")
    out = tmp_path / "out"
    submitted = asyncio.Event()

    def on_event(event: BatchEvent) -> None:
        if event.stage is Stage.RENDERING:
            submitted.set()

    running = Batch(client, jobs, out, limits=FAST_LIMITS, poll=POLL, on_event=on_event)
    async with aclosing(running.run()) as stream:
        first = asyncio.ensure_future(anext(stream))
        await asyncio.wait_for(submitted.wait(), 10)
        async with HeyGenClient(OTHER, base_url=emu.url, upload_url=emu.url) as second:
            with pytest.raises(JournalError) as caught:
                await run_batch(second, jobs, out, limits=FAST_LIMITS, poll=POLL)
        await first
    message = str(caught.value)
    assert str(out / "journal.sqlite") in message
    assert "in use by another batch run" in message
    assert [r for r in emu.request_log if r.api_key == OTHER] == []


def run_cli_sync(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )  # our own console script


@pytest.fixture(scope="module")
def thread_emu() -> Iterator[Emulator]:
    with EmulatorThread(EmulatorConfig(api_keys=(KEY,), speed=2000.0)) as emulator:
        yield emulator


async def test_the_cli_refuses_a_journal_in_use_and_sends_no_paid_request(
    tmp_path: Path, thread_emu: Emulator
) -> None:
    make_jobs(tmp_path / "in")
    out = tmp_path / "out"
    before = len(thread_emu.request_log)
    async with Journal(out / "journal.sqlite"):  # another run holds it
        done = await asyncio.to_thread(
            run_cli_sync,
            [str(tmp_path / "in" / "manifest.csv"), "--out", str(out), *CLI_FAST],
            cli_env(thread_emu, api_key=KEY),
        )
    assert done.returncode == 2, done.stderr
    assert "in use by another batch run" in done.stderr
    assert str(out / "journal.sqlite") in done.stderr
    assert "Traceback" not in done.stderr
    sent = [(r.method, r.path) for r in thread_emu.request_log[before:]]
    assert all(method == "GET" for method, _ in sent), sent  # at most the voice check


# --- a corrupt journal ------------------------------------------------------------------------


def corrupt_random(path: Path) -> None:
    path.write_bytes(random.Random(4).randbytes(64 * 1024))


def corrupt_truncated(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def corrupt_header(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[:100] = random.Random(5).randbytes(100)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("corrupt", [corrupt_random, corrupt_truncated, corrupt_header])
async def test_a_corrupt_journal_is_a_clear_error_that_keeps_the_videos(
    tmp_path: Path, emu: Emulator, client: HeyGenClient, corrupt: object
) -> None:
    jobs = make_jobs(tmp_path / "in")
    out = tmp_path / "out"
    done = await run_batch(client, jobs, out, limits=FAST_LIMITS, poll=POLL)
    assert done.completed == 2
    journal = out / "journal.sqlite"
    assert callable(corrupt)
    corrupt(journal)
    videos = sorted(out.glob("*.mp4"))
    kept = snapshot(videos)
    sent = len(emu.request_log)
    with pytest.raises(JournalError) as caught:
        await run_batch(client, jobs, out, limits=FAST_LIMITS, poll=POLL)
    message = str(caught.value)
    assert str(journal) in message
    assert "move it aside" in message
    assert len(emu.request_log) == sent  # nothing sent
    assert snapshot(videos) == kept


async def test_moving_a_corrupt_journal_aside_does_not_render_finished_jobs_again(
    tmp_path: Path, emu: Emulator, client: HeyGenClient
) -> None:
    jobs = make_jobs(tmp_path / "in")
    out = tmp_path / "out"
    await run_batch(client, jobs, out, limits=FAST_LIMITS, poll=POLL)
    corrupt_random(out / "journal.sqlite")
    (out / "journal.sqlite").rename(tmp_path / "journal.sqlite.bad")  # what the error says to do
    again = await run_batch(client, jobs, out, limits=FAST_LIMITS, poll=POLL)
    assert again.completed == 2
    assert renders(emu) == {job.callback_id: 1 for job in jobs}


def test_the_cli_reports_a_corrupt_journal_without_a_traceback(
    tmp_path: Path, thread_emu: Emulator
) -> None:
    make_jobs(tmp_path / "in")
    out = tmp_path / "out"
    out.mkdir()
    corrupt_random(out / "journal.sqlite")
    (out / "job-000.mp4").write_bytes(b"an earlier video")
    args = [str(tmp_path / "in" / "manifest.csv"), "--out", str(out), *CLI_FAST]
    done = run_cli_sync(args, cli_env(thread_emu, api_key=KEY))
    assert done.returncode == 2, done.stdout
    assert "corrupt or not a batch journal" in done.stderr
    assert "move it aside" in done.stderr
    assert "Traceback" not in done.stderr
    assert (out / "job-000.mp4").read_bytes() == b"an earlier video"


# --- the session closed under a running batch --------------------------------------------------

SHORT_RENDER_WAIT = BatchLimits(
    rate=2000.0,
    burst=200,
    render_slots=10,
    uploads=4,
    concurrency=64,
    max_attempts=3,
    backoff=0.01,
    render_timeout=2.0,
)


async def run_with_session_closed_after_submit(
    emu: Emulator, jobs: list[BatchJob], out: Path
) -> dict[str, JobResult]:
    """A batch whose client was given a session, which is closed once a render is submitted."""
    emu.clock.speed = 20.0  # renders outlive the close (about 0.2 s each)
    closing: list[asyncio.Task[None]] = []
    async with aiohttp.ClientSession() as session:
        client = HeyGenClient(KEY, base_url=emu.url, upload_url=emu.url, poll=POLL, session=session)

        def on_event(event: BatchEvent) -> None:
            if event.stage is Stage.RENDERING and not closing:
                closing.append(asyncio.ensure_future(session.close()))

        batch = Batch(client, jobs, out, limits=SHORT_RENDER_WAIT, poll=POLL, on_event=on_event)
        results = await collect(batch)
    assert closing
    emu.clock.speed = 2000.0
    return results


async def test_a_session_closed_under_a_batch_fails_its_jobs_and_a_new_client_finishes_them(
    tmp_path: Path, emu: Emulator
) -> None:
    jobs = make_jobs(tmp_path / "in", count=3)
    out = tmp_path / "out"
    first = await run_with_session_closed_after_submit(emu, jobs, out)
    assert {r.status for r in first.values()} == {JobStatus.FAILED}
    # Every failure is one of ours, typed; no bare RuntimeError("Session is closed").
    assert {r.error_type for r in first.values()} <= {
        "APIConnectionError",
        "ClientClosedError",
        "UnknownOutcomeError",
        "WaitTimeoutError",
    }
    async with HeyGenClient(KEY, base_url=emu.url, upload_url=emu.url, poll=POLL) as fresh:
        second = await collect(Batch(fresh, jobs, out, limits=FAST_LIMITS, poll=POLL))
    assert {r.status for r in second.values()} == {JobStatus.COMPLETED}
    assert set(renders(emu).values()) == {1}


async def test_a_session_closed_under_a_batch_names_the_closed_session(
    tmp_path: Path, emu: Emulator
) -> None:
    jobs = make_jobs(tmp_path / "in", count=3)
    first = await run_with_session_closed_after_submit(emu, jobs, tmp_path / "out")
    for result in first.values():
        assert result.error_type == "ClientClosedError", result
        assert "session given to HeyGenClient was closed" in (result.error or "")


async def test_a_closed_session_is_its_own_error_and_sends_nothing(emu: Emulator) -> None:
    """Its own class, so retry loops can tell it from an outage; still an APIConnectionError
    for code that catches those."""
    async with aiohttp.ClientSession() as session:
        client = HeyGenClient(KEY, base_url=emu.url, upload_url=emu.url, session=session)
    with pytest.raises(ClientClosedError, match="session given to HeyGenClient was closed") as e:
        await client.videos.status("v1")
    assert isinstance(e.value, APIConnectionError)
    owned = HeyGenClient(KEY, base_url=emu.url, upload_url=emu.url)
    await owned.aclose()
    with pytest.raises(ClientClosedError, match="client is closed"):
        await owned.with_options(max_retries=5).voices.list()
    assert emu.request_log == []


# --- the report on a disk that refuses it -------------------------------------------------------


def test_the_cli_says_which_file_it_could_not_write_when_the_folder_is_read_only(
    tmp_path: Path, thread_emu: Emulator, make_immutable: list[Path]
) -> None:
    make_jobs(tmp_path / "in", count=1)
    out = tmp_path / "out"
    out.mkdir()
    freeze(make_immutable, out)
    args = [str(tmp_path / "in" / "manifest.csv"), "--out", str(out), *CLI_FAST]
    args += ["--journal", str(tmp_path / "journal.sqlite")]
    done = run_cli_sync(args, cli_env(thread_emu, api_key=KEY))
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode != 0
    assert f"cannot write {out / 'report.jsonl'}" in done.stderr
    assert "Operation not permitted" in done.stderr
