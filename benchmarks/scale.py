"""10,000 jobs in flight in one process: peak memory and the worst event-loop lag.

One batch of N jobs with N render slots: jobs are prepared 64 at a time (the batch's
`concurrency`) and renders take long enough that all N are in flight together, polled by the
batch's one poll scheduler. A watchdog task
sleeps 10 ms at a time and records how late it wakes: that is the lag every other coroutine in
the user's process (a web server, say) would feel. Peak RSS is the process's high-water mark.

    python -m benchmarks.scale [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks._emulator import KEY, EmulatorProcess
from benchmarks._workload import distinct_photos, make_jobs
from heygen_async import HeyGenClient, PollSchedule
from heygen_async.batch import Batch, BatchEvent, BatchJob, BatchLimits, Stage

SPEED = 10.0
RENDER_SECONDS = 300.0  # emulated: 30 s of wall time, longer than it takes to submit them all
TICK = 0.01  # the watchdog's sleep


class LagMonitor:
    """How late a 10 ms sleep wakes up, worst case and 99th percentile, in milliseconds."""

    def __init__(self) -> None:
        self.lags: list[float] = []
        self._running = True

    async def run(self) -> None:
        while self._running:
            before = time.perf_counter()
            await asyncio.sleep(TICK)
            self.lags.append(time.perf_counter() - before - TICK)

    def stop(self) -> None:
        self._running = False

    def summary(self) -> dict[str, float]:
        ordered = sorted(self.lags) or [0.0]
        return {
            "worst_loop_lag_ms": round(ordered[-1] * 1000, 1),
            "p99_loop_lag_ms": round(ordered[int(len(ordered) * 0.99)] * 1000, 1),
        }


class InFlight:
    """Renders submitted and not yet seen to end, and the most there were at once."""

    def __init__(self) -> None:
        self.now = 0
        self.peak = 0

    def on_event(self, event: BatchEvent) -> None:
        if event.stage is Stage.RENDERING:
            self.now += 1
            self.peak = max(self.peak, self.now)
        elif event.stage is Stage.RENDERED:
            self.now -= 1


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / 1024 if sys.platform == "darwin" else peak / 1024  # bytes vs KiB


async def run_batch(
    jobs: list[BatchJob], out: Path, url: str, *, freeze_gc: bool = False
) -> dict[str, Any]:
    default = PollSchedule()
    schedule = PollSchedule(
        initial=default.initial / SPEED, factor=default.factor, maximum=default.maximum / SPEED
    )
    limits = BatchLimits(rate=3000.0, render_slots=len(jobs), concurrency=64, freeze_gc=freeze_gc)
    monitor = LagMonitor()
    in_flight = InFlight()
    started = time.monotonic()
    async with HeyGenClient(KEY, base_url=url, upload_url=url, poll=schedule) as client:
        batch = Batch(client, jobs, out, limits=limits, on_event=in_flight.on_event)
        async with asyncio.TaskGroup() as group:
            group.create_task(monitor.run())
            completed = sum([1 async for r in batch.run() if r.status.value == "completed"])
            monitor.stop()
    return {
        "completed": completed,
        "wall_seconds": round(time.monotonic() - started, 1),
        "peak_renders_in_flight": in_flight.peak,
        "polls": batch.stats["polls"],
        **monitor.summary(),
    }


def run(*, quick: bool = False) -> dict[str, Any]:
    count = 300 if quick else 10_000
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        # A few photos shared by every job: uploads are not what this measures.
        photos = distinct_photos(root / "photos", 20)
        # Quick: renders of 10 s, still longer than it takes to submit 300.
        render = RENDER_SECONDS / 3 if quick else RENDER_SECONDS
        jobs = make_jobs([photos[n % len(photos)] for n in range(count)], render)
        baseline = peak_rss_mb()
        with EmulatorProcess(speed=SPEED) as emu:
            result = asyncio.run(run_batch(jobs, root / "out", emu.url))
            created = emu.stats()["jobs_created"][KEY]
        peak = peak_rss_mb()  # before the second run: the high-water mark is per process
        # The same batch again with BatchLimits(freeze_gc=True): full garbage collections skip
        # what existed before the batch (its 10,000 jobs, the loaded modules).
        with EmulatorProcess(speed=SPEED) as emu:
            frozen = asyncio.run(run_batch(jobs, root / "frozen", emu.url, freeze_gc=True))
    return {
        "scale_10k": {
            "jobs": count,
            "renders_created": created,
            "peak_rss_mb": round(peak, 1),
            "rss_before_batch_mb": round(baseline, 1),
            **result,
            "freeze_gc": {key: frozen[key] for key in ("worst_loop_lag_ms", "p99_loop_lag_ms")},
        }
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    print(json.dumps(run(quick=parser.parse_args().quick), indent=2))


if __name__ == "__main__":
    main()
