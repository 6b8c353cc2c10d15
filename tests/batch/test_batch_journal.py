"""The journal: committed writes, resume reads, the uploads table, clear errors."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest

from heygen_async.batch._jobs import JobStatus, Stage
from heygen_async.batch._journal import JobRecord, Journal, JournalError, UploadRecord


async def test_a_write_is_committed_when_it_returns(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    async with Journal(path) as journal:
        record = JobRecord(key="k1", job_id="ann", stage=Stage.SUBMITTING, attempts=1)
        await journal.save_job(record)
        # Another connection (another process, after a crash) already sees it.
        other = sqlite3.connect(path)
        row = other.execute("SELECT stage, status, attempts FROM jobs WHERE key='k1'").fetchone()
        other.close()
        assert row == ("submitting", "pending", 1)


async def test_resume_reads_back_every_field(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    saved = JobRecord(
        key="k1",
        job_id="ann",
        stage=Stage.DOWNLOADED,
        status=JobStatus.COMPLETED,
        ids={"video_id": "v1", "asset_id": "a1"},
        output=str(tmp_path / "ann.mp4"),
        attempts=2,
    )
    failed = JobRecord(
        key="k2",
        job_id="bob",
        stage=Stage.RENDERING,
        status=JobStatus.FAILED,
        error="boom",
        error_type="RenderFailedError",
    )
    async with Journal(path) as journal:
        await journal.save_job(saved)
        await journal.save_job(failed)
    async with Journal(path) as journal:
        assert await journal.load_jobs() == {"k1": saved, "k2": failed}


async def test_later_writes_replace_earlier_ones_in_order(tmp_path: Path) -> None:
    async with Journal(tmp_path / "j.sqlite") as journal:
        for stage in (Stage.PENDING, Stage.SUBMITTING, Stage.RENDERING, Stage.RENDERED):
            await journal.save_job(JobRecord(key="k", job_id="a", stage=stage))
        assert (await journal.load_jobs())["k"].stage is Stage.RENDERED


async def test_uploads_table_dedupes_by_sha256(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    async with Journal(path) as journal:
        assert await journal.get_upload("abc") is None
        record = UploadRecord(sha256="abc", asset_id="a1", url="u", image_key="image/a1/o.jpg")
        await journal.save_upload(record)
        await journal.save_upload(
            UploadRecord(
                sha256="abc",
                asset_id="a1",
                url="u",
                image_key="image/a1/o.jpg",
                talking_photo_id="tp",
            )
        )
    async with Journal(path) as journal:
        stored = await journal.get_upload("abc")
        assert stored is not None
        assert stored.talking_photo_id == "tp"
        assert stored.asset_id == "a1"


async def test_calls_run_off_the_event_loop_thread(tmp_path: Path) -> None:
    seen: list[str] = []
    async with Journal(tmp_path / "j.sqlite") as journal:
        original = journal._flush_jobs_sync

        def spy(loop: asyncio.AbstractEventLoop) -> None:
            seen.append(threading.current_thread().name)
            original(loop)

        journal._flush_jobs_sync = spy  # type: ignore[method-assign]
        await journal.save_job(JobRecord(key="k", job_id="a"))
    assert seen
    assert seen[0].startswith("hga-journal")


async def test_concurrent_saves_share_commits_and_all_land(tmp_path: Path) -> None:
    flushes = 0
    async with Journal(tmp_path / "j.sqlite") as journal:
        original = journal._flush_jobs_sync

        def counting(loop: asyncio.AbstractEventLoop) -> None:
            nonlocal flushes
            flushes += 1
            original(loop)

        journal._flush_jobs_sync = counting  # type: ignore[method-assign]
        saves = [JobRecord(key=f"k{n}", job_id=f"j{n}") for n in range(200)]
        # The same job saved twice in one go: the later save is the one that stays.
        saves.append(JobRecord(key="k0", job_id="j0", stage=Stage.SUBMITTING))
        await asyncio.gather(*(journal.save_job(record) for record in saves))
    assert flushes < len(saves) / 2  # saves queued behind a commit shared the next one
    async with Journal(tmp_path / "j.sqlite") as journal:
        stored = await journal.load_jobs()
    assert len(stored) == 200
    assert stored["k0"].stage is Stage.SUBMITTING


async def test_a_save_whose_caller_is_cancelled_still_commits(tmp_path: Path) -> None:
    async with Journal(tmp_path / "j.sqlite") as journal:
        save = asyncio.ensure_future(journal.save_job(JobRecord(key="k", job_id="a")))
        await asyncio.sleep(0)  # queued on the journal's thread
        save.cancel()
        with pytest.raises(asyncio.CancelledError):
            await save
    async with Journal(tmp_path / "j.sqlite") as journal:
        assert "k" in await journal.load_jobs()


async def test_a_second_run_on_the_same_journal_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    async with Journal(path):
        with pytest.raises(JournalError, match="in use by another batch run"):
            async with Journal(path):
                pass
    async with Journal(path):  # released on close
        pass


async def test_a_corrupt_journal_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    path.write_bytes(b"this is not a database" * 200)
    with pytest.raises(JournalError, match="corrupt or not a batch journal"):
        async with Journal(path):
            pass


async def test_a_closed_journal_refuses_calls(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite")
    with pytest.raises(JournalError, match="not open"):
        await journal.load_jobs()


async def test_a_journal_of_another_account_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    async with Journal(path, account="acct-1") as journal:
        await journal.save_job(JobRecord(key="k", job_id="a"))
    async with Journal(path, account="acct-1") as journal:
        assert "k" in await journal.load_jobs()
    with pytest.raises(JournalError, match="another API account or server"):
        async with Journal(path, account="acct-2"):
            pass
    async with Journal(path, account="acct-1"):  # the failed open released the lock
        pass
