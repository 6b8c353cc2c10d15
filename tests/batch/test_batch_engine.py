"""The engine end to end, against the real emulator over loopback."""

from __future__ import annotations

import gc
import sqlite3
from collections.abc import AsyncIterator
from contextlib import aclosing
from pathlib import Path

import attrs
import pytest

from heygen_async import HeyGenClient
from heygen_async.batch import (
    Batch,
    BatchEvent,
    BatchJob,
    JobKind,
    JobResult,
    JobStatus,
    Stage,
    load_manifest,
    run_batch,
)
from heygen_async.batch._journal import JobRecord, Journal
from heygen_async.emulator import Emulator, EmulatorConfig

from .conftest import API_KEY, FAST_LIMITS, FAST_POLL, job_row, requests_to, write_manifest

GENERATE = "/v2/video/generate"
AV4 = "/v2/video/av4/generate"
UPLOAD = "/v1/asset"


@pytest.fixture
async def client(emulator: Emulator) -> AsyncIterator[HeyGenClient]:
    async with HeyGenClient(API_KEY, base_url=emulator.url, upload_url=emulator.url) as client:
        yield client


def make_jobs(
    tmp_path: Path, photos: dict[str, Path], count: int, **special: set[int]
) -> list[BatchJob]:
    """`count` jobs over the good photos, alternating kinds; `bad_photo` and `fail` pick rows."""
    rows = []
    for index in range(count):
        photo = (
            photos["bad"]
            if index in special.get("bad_photo", set())
            else photos[f"good{index % 3}"]
        )
        kind = "avatar_iv" if index % 2 else "talking_photo"
        script = (
            f"Hello number {index}, EMULATOR_FAIL please."
            if index in special.get("fail", set())
            else None
        )
        rows.append(job_row(index, photo, kind=kind, script=script))
    return load_manifest(write_manifest(tmp_path / "manifest.csv", rows))


async def collect(batch: Batch) -> dict[str, JobResult]:
    async with aclosing(batch.run()) as results:
        return {result.job_id: result async for result in results}


def assert_one_render_per_submitted_job(
    emu: Emulator, jobs: list[BatchJob], results: dict[str, JobResult]
) -> None:
    for job in jobs:
        renders = emu.renders_for(API_KEY, job.callback_id)
        expected = 1 if "video_id" in results[job.id].ids else 0
        assert renders == expected, (job.id, renders, results[job.id])


async def test_mixed_outcomes_with_faults_end_every_job_and_never_pay_twice(
    tmp_path: Path, photo_files: dict[str, Path], emulator: Emulator, client: HeyGenClient
) -> None:
    bad, fail = {3, 50, 120}, {7, 8, 61, 99, 140}
    jobs = make_jobs(tmp_path, photo_files, 150, bad_photo=bad, fail=fail)
    emulator.faults.script("POST", GENERATE, "429", 15)
    emulator.faults.script("POST", GENERATE, "reset_after", 4)
    emulator.faults.script("POST", AV4, "reset_after", 3)
    emulator.faults.script("POST", AV4, "429", 10)
    emulator.faults.script("GET", "/v1/video_status.get", "503", 6)
    emulator.faults.script("GET", "/v1/video_status.get", "reset_before", 4)
    batch = Batch(client, jobs, tmp_path / "out", limits=FAST_LIMITS, poll=FAST_POLL)

    results = await collect(batch)

    assert set(results) == {job.id for job in jobs}
    for index, job in enumerate(jobs):
        result = results[job.id]
        if index in bad:
            assert (result.status, result.error_type) == (JobStatus.FAILED, "PhotoError")
            assert "video_id" not in result.ids
        elif index in fail:
            assert (result.status, result.error_type) == (JobStatus.FAILED, "RenderFailedError")
            assert result.stage is Stage.RENDERING
        else:
            assert result.status is JobStatus.COMPLETED, result
            assert result.stage is Stage.DOWNLOADED
            assert result.output == tmp_path / "out" / f"{job.id}.mp4"
            assert result.output.stat().st_size > 0
    assert_one_render_per_submitted_job(emulator, jobs, results)
    assert batch.stats["adopted"] >= 7  # every reset_after render was found, not resubmitted
    assert batch.summary.completed == 150 - len(bad) - len(fail)
    assert batch.summary.failed == len(bad) + len(fail)
    # Three distinct good photos: three uploads and (for talking photos) three talking photos.
    assert requests_to(emulator, "POST", UPLOAD) == 3
    assert requests_to(emulator, "POST", "/v2/talking_photo") == 3
    assert not list((tmp_path / "out").glob("*.part"))


async def test_identical_photos_are_uploaded_once_across_runs(
    tmp_path: Path, photo_files: dict[str, Path], emulator: Emulator, client: HeyGenClient
) -> None:
    first = make_jobs(tmp_path, photo_files, 6)
    await run_batch(client, first, tmp_path / "out", limits=FAST_LIMITS, poll=FAST_POLL)
    assert requests_to(emulator, "POST", UPLOAD) == 3
    rows = [job_row(100 + i, photo_files[f"good{i % 3}"]) for i in range(6)]
    second = load_manifest(write_manifest(tmp_path / "more.csv", rows))
    summary = await run_batch(client, second, tmp_path / "out", limits=FAST_LIMITS, poll=FAST_POLL)
    assert summary.completed == 6
    assert requests_to(emulator, "POST", UPLOAD) == 3  # the journal remembered every photo


async def test_resume_after_cancel_skips_finished_jobs_and_duplicates_nothing(
    tmp_path: Path, photo_files: dict[str, Path], emulator: Emulator, client: HeyGenClient
) -> None:
    jobs = make_jobs(tmp_path, photo_files, 60)
    out = tmp_path / "out"
    first = Batch(client, jobs, out, limits=FAST_LIMITS, poll=FAST_POLL)
    seen: list[JobResult] = []
    async with aclosing(first.run()) as results:
        async for result in results:
            seen.append(result)
            if len(seen) == 20:
                break  # closing the stream cancels every job task mid-flight
    assert all(result.status is JobStatus.COMPLETED for result in seen)
    assert not list(out.glob("*.part"))

    second = Batch(client, jobs, out, limits=FAST_LIMITS, poll=FAST_POLL)
    results = await collect(second)

    assert all(result.status is JobStatus.COMPLETED for result in results.values())
    assert second.summary.resumed >= 20
    assert {r.job_id for r in results.values() if r.resumed} >= {r.job_id for r in seen}
    assert_one_render_per_submitted_job(emulator, jobs, results)


async def test_a_submit_whose_answer_was_lost_is_adopted_not_resubmitted(
    tmp_path: Path, photo_files: dict[str, Path], emulator: Emulator, client: HeyGenClient
) -> None:
    found, absent = make_jobs(tmp_path, photo_files, 2)
    asset = await client.assets.upload(photo_files["good0"])
    photo = await client.talking_photos.create(asset.url)
    # A crash right after the POST: the render exists, the journal only says "submitting".
    await client.videos.generate_from_talking_photo(
        photo.talking_photo_id, found.script, found.voice_id, callback_id=found.callback_id
    )
    out = tmp_path / "out"
    async with Journal(out / "journal.sqlite") as journal:
        for job in (found, absent):
            await journal.save_job(JobRecord(key=job.key, job_id=job.id, stage=Stage.SUBMITTING))

    batch = Batch(client, [found, absent], out, limits=FAST_LIMITS, poll=FAST_POLL)
    results = await collect(batch)

    assert all(result.status is JobStatus.COMPLETED for result in results.values())
    assert emulator.renders_for(API_KEY, found.callback_id) == 1
    assert emulator.renders_for(API_KEY, absent.callback_id) == 1
    assert batch.stats["adopted"] == 1


async def test_no_credit_stops_new_submissions_and_lets_renders_finish(
    tmp_path: Path, photo_files: dict[str, Path]
) -> None:
    config = EmulatorConfig(api_keys=(API_KEY,), speed=2000.0, credits=3.0)
    async with (
        Emulator(config) as emu,
        HeyGenClient(API_KEY, base_url=emu.url, upload_url=emu.url) as client,
    ):
        jobs = make_jobs(tmp_path, photo_files, 30)
        batch = Batch(client, jobs, tmp_path / "out", limits=FAST_LIMITS, poll=FAST_POLL)
        results = await collect(batch)
        assert_one_render_per_submitted_job(emu, jobs, results)

    statuses = [result.status for result in results.values()]
    assert JobStatus.PENDING not in statuses
    completed = [r for r in results.values() if r.status is JobStatus.COMPLETED]
    failed = [r for r in results.values() if r.status is JobStatus.FAILED]
    assert completed
    assert failed
    assert {r.error_type for r in failed} <= {"InsufficientCreditError", "NotSubmittedError"}
    assert any(r.error_type == "InsufficientCreditError" for r in failed)
    assert all(r.output is not None and r.output.exists() for r in completed)


async def test_a_wrong_key_fails_every_job_without_hanging(
    tmp_path: Path, photo_files: dict[str, Path], emulator: Emulator
) -> None:
    jobs = make_jobs(tmp_path, photo_files, 10)
    async with HeyGenClient("sk-wrong", base_url=emulator.url, upload_url=emulator.url) as client:
        summary = await run_batch(
            client, jobs, tmp_path / "out", limits=FAST_LIMITS, poll=FAST_POLL
        )
    assert summary.failed == 10


async def test_events_follow_each_job_through_its_stages(
    tmp_path: Path, photo_files: dict[str, Path], emulator: Emulator, client: HeyGenClient
) -> None:
    jobs = make_jobs(tmp_path, photo_files, 2)
    stages: dict[str, list[Stage]] = {}
    await run_batch(
        client,
        jobs,
        tmp_path / "out",
        limits=FAST_LIMITS,
        poll=FAST_POLL,
        on_event=lambda event: stages.setdefault(event.job_id, []).append(event.stage),
    )
    talking, avatar = (stages[job.id] for job in jobs)
    assert jobs[0].kind is JobKind.TALKING_PHOTO
    expected = [Stage.VALIDATED, Stage.UPLOADED, Stage.PHOTO_READY, Stage.SUBMITTING]
    assert talking[:4] == expected
    assert talking[-3:] == [Stage.RENDERING, Stage.RENDERED, Stage.DOWNLOADED]
    assert Stage.PHOTO_READY not in avatar


class _JournalCheckingVideos:
    """Delegates to the real `client.videos`, checking the journal before each paid submit."""

    def __init__(self, videos: object, journal: Path, seen: list[tuple[str, int]]) -> None:
        self._videos = videos
        self._journal = journal
        self._seen = seen

    def __getattr__(self, name: str) -> object:
        return getattr(self._videos, name)

    async def generate_from_talking_photo(self, *args: object, **kwargs: object) -> object:
        callback_id = str(kwargs["callback_id"])
        # Read with a separate connection, as a crashed-and-restarted run would.
        with sqlite3.connect(self._journal) as db:
            row = db.execute(
                "SELECT stage, attempts FROM jobs WHERE key = ?",
                (callback_id.removeprefix("hga-"),),
            ).fetchone()
        self._seen.append(row)
        return await self._videos.generate_from_talking_photo(*args, **kwargs)  # type: ignore[attr-defined]


class _ClientWithCheckedSubmits:
    def __init__(self, client: HeyGenClient, journal: Path, seen: list[tuple[str, int]]) -> None:
        self._client = client
        self.videos = _JournalCheckingVideos(client.videos, journal, seen)
        self._journal = journal
        self._seen = seen

    def __getattr__(self, name: str) -> object:
        return getattr(self._client, name)

    def with_options(self, **options: object) -> _ClientWithCheckedSubmits:
        return _ClientWithCheckedSubmits(
            self._client.with_options(**options), self._journal, self._seen
        )  # type: ignore[arg-type]


async def test_submitting_is_committed_to_the_journal_before_the_paid_post(
    tmp_path: Path, photo_files: dict[str, Path], emulator: Emulator, client: HeyGenClient
) -> None:
    jobs = [job for job in make_jobs(tmp_path, photo_files, 6) if job.kind is JobKind.TALKING_PHOTO]
    out = tmp_path / "out"
    seen: list[tuple[str, int]] = []
    checked = _ClientWithCheckedSubmits(client, out / "journal.sqlite", seen)
    summary = await run_batch(checked, jobs, out, limits=FAST_LIMITS, poll=FAST_POLL)  # type: ignore[arg-type]
    assert summary.completed == len(jobs)
    assert seen == [("submitting", 1)] * len(jobs)


async def test_a_render_timeout_fails_the_job_and_a_rerun_waits_for_the_same_render(
    tmp_path: Path, photo_files: dict[str, Path], emulator: Emulator, client: HeyGenClient
) -> None:
    jobs = make_jobs(tmp_path, photo_files, 4)
    out = tmp_path / "out"
    impatient = attrs.evolve(FAST_LIMITS, render_timeout=0.000_001)
    first = await run_batch(client, jobs, out, limits=impatient, poll=FAST_POLL)
    assert first.failures == {"WaitTimeoutError": 4}

    second = Batch(client, jobs, out, limits=FAST_LIMITS, poll=FAST_POLL)
    results = await collect(second)

    assert all(result.status is JobStatus.COMPLETED for result in results.values())
    assert second.stats["submits"] == 0
    assert_one_render_per_submitted_job(emulator, jobs, results)


async def test_an_expired_download_url_is_refreshed_once(
    tmp_path: Path, photo_files: dict[str, Path], emulator: Emulator, client: HeyGenClient
) -> None:
    # One job: with two, the second job's clock push would also expire the URL the first one
    # had just been re-signed, and the test would measure that race instead.
    jobs = make_jobs(tmp_path, photo_files, 1)

    def expire_urls(event: BatchEvent) -> None:
        if event.stage is Stage.RENDERED:
            emulator.clock.advance(8 * 24 * 3600)  # signed URLs last 7 days

    batch = Batch(
        client, jobs, tmp_path / "out", limits=FAST_LIMITS, poll=FAST_POLL, on_event=expire_urls
    )
    results = await collect(batch)

    assert all(result.status is JobStatus.COMPLETED for result in results.values())
    # One extra status call: the re-signed URL after the expired one was refused.
    assert requests_to(emulator, "GET", "/v1/video_status.get") == batch.stats["polls"] + 1


async def test_concurrency_bounds_jobs_at_work_not_renders_in_flight(
    tmp_path: Path, photo_files: dict[str, Path], client: HeyGenClient
) -> None:
    jobs = make_jobs(tmp_path, photo_files, 8)
    rendering: set[str] = set()
    most = 0

    def track(event: BatchEvent) -> None:
        nonlocal most
        if event.stage is Stage.RENDERING:
            rendering.add(event.job_id)
            most = max(most, len(rendering))
        elif event.stage is Stage.RENDERED:
            rendering.discard(event.job_id)

    # Renders take a few seconds of the emulator's clock: long enough to overlap.
    limits = attrs.evolve(FAST_LIMITS, concurrency=2, render_slots=8)
    batch = Batch(client, jobs, tmp_path / "out", limits=limits, poll=FAST_POLL, on_event=track)
    results = await collect(batch)

    assert all(result.status is JobStatus.COMPLETED for result in results.values())
    assert most > 2  # two jobs prepared at a time, but their renders piled up


async def test_submits_begun_by_killed_runs_do_not_use_up_a_resumed_jobs_tries(
    tmp_path: Path, photo_files: dict[str, Path], emulator: Emulator, client: HeyGenClient
) -> None:
    (job,) = make_jobs(tmp_path, photo_files, 1)
    out = tmp_path / "out"
    async with Journal(out / "journal.sqlite") as journal:
        # Five runs were killed between committing `submitting` and hearing the answer.
        record = JobRecord(key=job.key, job_id=job.id, stage=Stage.SUBMITTING, attempts=5)
        await journal.save_job(record)
    emulator.faults.script("POST", GENERATE, "reset_before")  # nothing created: send again

    results = await collect(Batch(client, [job], out, limits=FAST_LIMITS, poll=FAST_POLL))

    assert results[job.id].status is JobStatus.COMPLETED
    assert emulator.renders_for(API_KEY, job.callback_id) == 1


@pytest.mark.parametrize("freeze", [True, False])
async def test_freeze_gc_freezes_the_heap_only_while_the_batch_runs(
    tmp_path: Path, photo_files: dict[str, Path], client: HeyGenClient, freeze: bool
) -> None:
    jobs = make_jobs(tmp_path, photo_files, 2)
    frozen_during: list[int] = []
    limits = attrs.evolve(FAST_LIMITS, freeze_gc=freeze)
    batch = Batch(
        client,
        jobs,
        tmp_path / "out",
        limits=limits,
        poll=FAST_POLL,
        on_event=lambda _: frozen_during.append(gc.get_freeze_count()),
    )
    before = gc.get_freeze_count()
    results = await collect(batch)

    assert all(result.status is JobStatus.COMPLETED for result in results.values())
    assert (min(frozen_during) > 0) is freeze
    assert gc.get_freeze_count() == before  # thawed again when the batch ended
