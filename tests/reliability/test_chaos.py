"""Chaos: a whole batch against an emulator that fails about one request in ten, every way it can.

Mixed faults (500/502/503, resets before and after the handler ran, slow answers), 429 storms
(a request rate and render slots below what the batch asks for, plus scripted bursts), random
failed renders, scripts that always fail and photos that are not photos. Every job must end in
the state the emulator agrees with, and no job may pay for two renders.

`HEYGEN_SOAK=1` (`make soak`) runs it at full size (1000 jobs) and prints its figures.
"""

from __future__ import annotations

import asyncio
import collections
import os
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import aclosing
from importlib import resources
from pathlib import Path

import pytest

from heygen_async import HeyGenClient
from heygen_async._samples import portrait_jpeg
from heygen_async.batch import Batch, BatchJob, BatchLimits, JobResult, JobStatus, load_manifest
from heygen_async.batch._plan import estimate_credits
from heygen_async.batch._report import REPORT_NAME, write_report
from heygen_async.emulator import Emulator, EmulatorConfig, FaultConfig
from heygen_async.models import VideoSummary
from tests.batch.conftest import FAST_POLL, job_row, read_report, write_manifest

from .conftest import API_KEY

SOAK = bool(os.environ.get("HEYGEN_SOAK"))
JOBS = 1000 if SOAK else 160
# Seeds the emulator's faults (and the crash test's kills); set it to explore other runs.
SEED = int(os.environ.get("HEYGEN_CHAOS_SEED", "20261125"))
GENERATE = "/v2/video/generate"
AV4 = "/v2/video/av4/generate"
STATUS = "/v1/video_status.get"
LIST = "/v1/video.list"
CREDITS = 100_000.0
# About one API request in ten is faulted; three renders in a hundred fail on their own.
CHAOS = FaultConfig(
    http_500=0.015,
    http_502=0.015,
    http_503=0.02,
    reset_before=0.015,
    reset_after=0.015,
    slow=0.02,
    slow_seconds=0.05,
    render_failure=0.03,
)
REQUEST_FAULTS = ("500", "502", "503", "reset_before", "reset_after", "slow")
# The batch asks for 5x the request rate and more render slots than the account has: 429s.
LIMITS = BatchLimits(
    rate=2000.0, burst=200, render_slots=10, uploads=4, concurrency=64, max_attempts=4, backoff=0.01
)
SAMPLE_MP4 = resources.files("heygen_async.emulator").joinpath("media/sample.mp4").read_bytes()


def chaos_photos(folder: Path, *, bad: bool = True) -> dict[str, Path]:
    """Four distinct portraits, and (unless `bad=False`) one file that only claims to be a JPEG."""
    folder.mkdir(parents=True, exist_ok=True)
    photos = {}
    for seed in range(4):
        photos[f"good{seed}"] = folder / f"good{seed}.jpg"
        photos[f"good{seed}"].write_bytes(portrait_jpeg(seed))
    if bad:
        photos["bad"] = folder / "bad.jpg"
        photos["bad"].write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    return photos


def chaos_config(*, speed: float = 150.0) -> EmulatorConfig:
    return EmulatorConfig(
        api_keys=(API_KEY,),
        speed=speed,
        render_slots=6,
        request_rate=400.0,
        request_burst=40,
        credits=CREDITS,
        seed=SEED,
        faults=CHAOS,
    )


def chaos_rows(count: int, photos: Mapping[str, Path]) -> list[dict[str, str]]:
    """Both kinds over four distinct photos; every 41st row a bad photo, every 29th a script
    that always renders failed."""
    rows = []
    for index in range(count):
        bad = index % 41 == 40 and "bad" in photos
        photo = photos["bad"] if bad else photos[f"good{index % 4}"]
        script = f"Hello number {index}, this is your chaos test video message."
        if index % 29 == 28:
            script = f"Hello number {index}, EMULATOR_FAIL on purpose."
        kind = "avatar_iv" if index % 3 == 0 else "talking_photo"
        rows.append(job_row(index, photo, kind=kind, script=script))
    return rows


def expected_outcome(job: BatchJob) -> str | None:
    """The error type the job must end with, or None when it may complete."""
    if job.photo.name == "bad.jpg":
        return "PhotoError"
    if "EMULATOR_FAIL" in job.script:
        return "RenderFailedError"
    return None


def script_chaos(emu: Emulator) -> None:
    """On top of the random faults: lost answers to the first submits, 429 storms, and at least
    one of every kind, so that each is sure to happen whatever the order of requests."""
    for path in (GENERATE, AV4):
        emu.faults.script("POST", path, "reset_after", 3)
        emu.faults.script("POST", path, "429", 25)
        emu.faults.script("POST", path, "render_failure", 2)
    for kind in REQUEST_FAULTS:
        emu.faults.script("GET", STATUS, kind)
    emu.faults.script("GET", STATUS, "429", 40)


@pytest.fixture
async def chaos_emu() -> AsyncIterator[Emulator]:
    async with Emulator(chaos_config()) as emu:
        yield emu


async def emulator_videos(emu: Emulator) -> dict[str, VideoSummary]:
    """The account's renders as the API lists them, asked once the chaos is over."""
    emu.faults.configure(FaultConfig())
    emu.config.request_rate = None
    async with HeyGenClient(API_KEY, base_url=emu.url, upload_url=emu.url) as client:
        return {video.video_id: video async for video in client.videos.list()}


def emulator_videos_sync(emu: Emulator) -> dict[str, VideoSummary]:
    """The same, for an emulator on its own thread, from synchronous test code."""
    return asyncio.run(emulator_videos(emu))


def video_id_of(line: Mapping[str, object]) -> str | None:
    ids = line["ids"]
    assert isinstance(ids, dict)
    return ids.get("video_id")


def assert_results_match_expectations(
    jobs: Iterable[BatchJob],
    report: Mapping[str, Mapping[str, object]],
    videos: Mapping[str, VideoSummary],
) -> collections.Counter[str]:
    """Each job's one report line agrees with what it was meant to do and what the emulator
    says its render did; returns the outcomes counted."""
    outcomes: collections.Counter[str] = collections.Counter()
    for job in jobs:
        line = report[job.id]
        expected = expected_outcome(job)
        if expected == "PhotoError":
            assert (line["status"], line["error_type"]) == ("failed", "PhotoError"), line
            assert video_id_of(line) is None, line
            outcomes["bad photo"] += 1
            continue
        video_id = video_id_of(line)
        assert video_id is not None, (
            line["stage"],
            line["error_type"],
            line["error"],
        )  # every other job has exactly one render ...
        render = videos[video_id]  # ... the emulator knows
        assert render.callback_id == job.callback_id, (line, render)
        assert render.status.value == line["status"], (line, render)
        if line["status"] == "failed":
            # Marked scripts fail; any other failure must be a render the emulator failed.
            assert line["error_type"] == "RenderFailedError", line
            outcomes["marked failure" if expected else "random render failure"] += 1
            continue
        assert expected is None, line
        assert line["status"] == "completed", line
        output = Path(str(line["output"]))
        assert output.name == f"{job.id}.mp4"
        data = output.read_bytes()
        assert data[4:8] == b"ftyp", output  # a playable MP4 ...
        assert data == SAMPLE_MP4, output  # ... and the very bytes the emulator served
        outcomes["completed"] += 1
    return outcomes


def assert_no_double_pay(
    emu: Emulator,
    jobs: Iterable[BatchJob],
    report: Mapping[str, Mapping[str, object]],
    videos: Mapping[str, VideoSummary],
) -> None:
    """One render per submitted job, no render the report does not know, credits that add up."""
    jobs = list(jobs)
    by_job = {job.callback_id: job for job in jobs}
    stats = emu.stats()
    renders = stats["renders_by_callback_id"][API_KEY]
    assert {key: n for key, n in renders.items() if n != 1} == {}
    reported = {job.callback_id for job in jobs if video_id_of(report[job.id])}
    assert set(renders) == reported
    assert len(videos) == len(renders) == stats["jobs_created"][API_KEY]
    cost = sum(estimate_credits(by_job[callback_id]) for callback_id in renders)
    assert CREDITS - stats["credits"][API_KEY] == pytest.approx(cost)


def fault_counts(emu: Emulator) -> collections.Counter[str]:
    counts = collections.Counter(r.fault for r in emu.request_log if r.fault is not None)
    counts["429"] = sum(1 for r in emu.request_log if r.status == 429)
    return counts


def print_figures(title: str, figures: Mapping[str, object]) -> None:
    print(f"\n--- {title} ---")  # noqa: T201 - `make soak` reports these figures
    for name, value in figures.items():
        print(f"{name:>24}: {value}")  # noqa: T201


async def run_and_report(batch: Batch, out: Path) -> dict[str, JobResult]:
    """Run the batch and write its report as the CLI does: one line per job, in job order."""
    async with aclosing(batch.run()) as stream:
        results = {result.job_id: result async for result in stream}
    await write_report(out / REPORT_NAME, [results[job.id] for job in batch.jobs])
    return results


@pytest.mark.slow
@pytest.mark.timeout(1800 if SOAK else 120)
async def test_chaos_batch_ends_every_job_right_and_never_pays_twice(
    tmp_path: Path, chaos_emu: Emulator
) -> None:
    photos = chaos_photos(tmp_path / "photos")
    jobs = load_manifest(write_manifest(tmp_path / "manifest.csv", chaos_rows(JOBS, photos)))
    script_chaos(chaos_emu)
    out = tmp_path / "out"
    started = time.monotonic()
    async with HeyGenClient(API_KEY, base_url=chaos_emu.url, upload_url=chaos_emu.url) as client:
        batch = Batch(client, jobs, out, limits=LIMITS, poll=FAST_POLL)
        results = await run_and_report(batch, out)
    wall = time.monotonic() - started
    faults = fault_counts(chaos_emu)
    videos = await emulator_videos(chaos_emu)
    report = {str(line["id"]): line for line in read_report(out)}

    assert len(read_report(out)) == len(jobs) == len(results) == len(report)
    outcomes = assert_results_match_expectations(jobs, report, videos)
    assert_no_double_pay(chaos_emu, jobs, report, videos)
    assert batch.summary.completed == outcomes["completed"]
    assert batch.summary.pending == 0
    # The chaos really happened: about one request in ten was faulted.
    requests = len(chaos_emu.request_log)
    assert sum(faults[kind] for kind in REQUEST_FAULTS) >= requests * 0.05, faults
    assert outcomes["random render failure"] >= 4
    # Every render was either answered or, its answer lost, found again and adopted.
    answered = sum(
        1 for r in chaos_emu.request_log if r.path in (GENERATE, AV4) and r.status == 200
    )
    assert chaos_emu.stats()["jobs_created"][API_KEY] == answered + batch.stats["adopted"]
    assert batch.stats["adopted"] >= 1
    assert not list(out.glob("*.part"))
    print_figures(
        f"chaos: {len(jobs)} jobs",
        {
            "outcomes": dict(outcomes),
            "faults injected": dict(sorted((k, v) for k, v in faults.items() if k != "429")),
            "429s": faults["429"],
            "API requests": requests,
            "batch stats": batch.stats,
            "duplicates": sum(
                n - 1 for n in chaos_emu.stats()["renders_by_callback_id"][API_KEY].values()
            ),
            "wall time (s)": round(wall, 1),
        },
    )


async def test_a_status_outage_longer_than_the_retry_budget_does_not_abandon_a_paid_render(
    tmp_path: Path, chaos_emu: Emulator
) -> None:
    chaos_emu.faults.configure(FaultConfig())
    chaos_emu.config.request_rate = None
    photos = chaos_photos(tmp_path / "photos", bad=False)
    jobs = load_manifest(write_manifest(tmp_path / "manifest.csv", chaos_rows(1, photos)))
    # More failed polls in a row than one call may retry (max_attempts=4).
    chaos_emu.faults.script("GET", STATUS, "503", 6)
    chaos_emu.faults.script("GET", STATUS, "reset_before", 3)
    async with HeyGenClient(API_KEY, base_url=chaos_emu.url, upload_url=chaos_emu.url) as client:
        batch = Batch(client, jobs, tmp_path / "out", limits=LIMITS, poll=FAST_POLL)
        results = await run_and_report(batch, tmp_path / "out")

    (result,) = results.values()
    assert result.status is JobStatus.COMPLETED, result
    assert chaos_emu.renders_for(API_KEY, jobs[0].callback_id) == 1
    failed_polls = [r for r in chaos_emu.request_log if r.path == STATUS and r.fault]
    assert len(failed_polls) == 9
    assert batch.stats["poll_outages"] >= 1


async def test_a_search_for_a_lost_submit_outlasts_failed_list_pages(
    tmp_path: Path, chaos_emu: Emulator
) -> None:
    chaos_emu.faults.configure(FaultConfig())
    chaos_emu.config.request_rate = None
    photos = chaos_photos(tmp_path / "photos", bad=False)
    jobs = load_manifest(write_manifest(tmp_path / "manifest.csv", chaos_rows(1, photos)))
    # The submit's answer is lost (nothing was created), then the search for it meets as many
    # failed list requests in a row as one call may retry.
    chaos_emu.faults.script("POST", AV4, "500")
    chaos_emu.faults.script("GET", LIST, "502", LIMITS.max_attempts)
    async with HeyGenClient(API_KEY, base_url=chaos_emu.url, upload_url=chaos_emu.url) as client:
        batch = Batch(client, jobs, tmp_path / "out", limits=LIMITS, poll=FAST_POLL)
        results = await run_and_report(batch, tmp_path / "out")

    (result,) = results.values()
    assert result.status is JobStatus.COMPLETED, result
    assert chaos_emu.renders_for(API_KEY, jobs[0].callback_id) == 1
    assert batch.stats["adopted"] == 0  # not found: sent again, once
