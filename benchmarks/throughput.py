"""Throughput against the physical limit: how close a big batch gets to what the account allows.

An emulator (own process, one core) with S render slots, renders of T seconds and a request
limit of R per second. A batch of N photo -> video jobs, each photo distinct, needs k requests
per job (upload, create, and the status polls it makes), so no client can finish before

    ideal = max(N * T / S, N * k / R)

and efficiency = ideal / actual. The batch runs twice in one go, ending renders by webhook and by
polling with the default schedule, and records when each job finished (for the plot).

    python -m benchmarks.throughput [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks._emulator import KEY, EmulatorProcess
from benchmarks._workload import distinct_photos, make_jobs, webhook_receiver
from heygen_async import HeyGenClient, PollSchedule
from heygen_async.batch import Batch, BatchJob, BatchLimits

# A real render takes minutes and an account allows far more requests than its render slots
# can use (k * S / T = 75 requests/s here, against R = 400): the batch is render-bound, as it
# is against the real API, and the figure shows how much slot time the client wastes.
RENDER_SECONDS = 120.0  # emulated: a one-minute message renders in about two minutes
# Emulated seconds per real second: T = 4 s of wall time. The client's own latencies (the
# first uploads before the slots fill) are not sped up, so the more the clock is compressed,
# the more they weigh against T: against the real API (no compression) they weigh ~30x less.
SPEED = 30.0
SLOTS = 100  # S: renders in flight the account allows
RATE = 400.0  # R: requests per second the account allows
# k: asset upload, talking photo, create; polling needs at least one status call on top.
MIN_REQUESTS_PER_JOB = {"webhooks": 3, "polling": 4}


def scenario(quick: bool) -> dict[str, Any]:
    # Quick: fewer jobs on a faster clock, to finish in seconds (and read lower: see SPEED).
    speed = SPEED * 2 if quick else SPEED
    return {
        "jobs": 200 if quick else 2000,
        "render_slots": SLOTS,
        "render_seconds": RENDER_SECONDS / speed,
        "request_rate": RATE,
        "clock_speed": speed,
    }


def ideal_seconds(settings: dict[str, Any], requests_per_job: float) -> float:
    jobs = settings["jobs"]
    render_bound = jobs * settings["render_seconds"] / settings["render_slots"]
    rate_bound = jobs * requests_per_job / settings["request_rate"]
    return max(render_bound, rate_bound)


async def run_once(
    jobs: list[BatchJob], out: Path, url: str, speed: float, *, webhooks: bool
) -> tuple[list[float], dict[str, int], int]:
    """Finish times (seconds since start) of completed jobs, the batch stats, and failures."""
    # The default schedule, scaled by the emulator's speed: what the real API would see.
    default = PollSchedule()
    schedule = PollSchedule(
        initial=default.initial / speed, factor=default.factor, maximum=default.maximum / speed
    )
    # The account's limits, and enough uploads and jobs in preparation to fill its slots.
    limits = BatchLimits(rate=RATE, render_slots=SLOTS, concurrency=SLOTS, uploads=32)
    async with (
        webhook_receiver() as (hook, secrets, waiter),
        HeyGenClient(KEY, base_url=url, upload_url=url, poll=schedule) as client,
    ):
        if webhooks:
            secrets.append((await client.webhooks.add_endpoint(hook)).secret or "")
        batch = Batch(client, jobs, out, limits=limits, events=waiter if webhooks else None)
        started = time.monotonic()
        finished: list[float] = []
        failed = 0
        async for result in batch.run():
            if result.status.value == "completed":
                finished.append(time.monotonic() - started)
            else:
                failed += 1
    return finished, batch.stats, failed


def summarize(
    settings: dict[str, Any], mode: str, finished: list[float], stats: dict[str, int], failed: int
) -> dict[str, Any]:
    completed = len(finished)
    requests_per_job = (
        stats["uploads"] + stats["talking_photos"] + stats["submits"] + stats["polls"]
    ) / max(completed, 1)
    actual = max(finished, default=float("nan"))
    # The physical limit counts the requests a job cannot do without, not the ones we made.
    ideal = ideal_seconds(settings, MIN_REQUESTS_PER_JOB[mode])
    return {
        "completed": completed,
        "failed": failed,
        "actual_seconds": round(actual, 2),
        "ideal_seconds": round(ideal, 2),
        "efficiency": round(ideal / actual, 3),
        "requests_per_job": round(requests_per_job, 2),
        "rate_limited": stats["rate_limited"],
        "finish_times": [round(t, 3) for t in sorted(finished)],
    }


def run(*, quick: bool = False) -> dict[str, Any]:
    settings = scenario(quick)
    results: dict[str, Any] = {"settings": settings}
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        jobs = make_jobs(distinct_photos(root / "photos", settings["jobs"]), RENDER_SECONDS)
        for mode in ("webhooks", "polling"):
            speed = settings["clock_speed"]
            with EmulatorProcess(speed=speed, render_slots=SLOTS, request_rate=RATE) as emu:
                # A real account's burst is not published: one second of its rate.
                emu.configure(request_burst=int(RATE))
                finished, stats, failed = asyncio.run(
                    run_once(jobs, root / mode, emu.url, speed, webhooks=mode == "webhooks")
                )
            results[mode] = summarize(settings, mode, finished, stats, failed)
    results["efficiency"] = results["webhooks"]["efficiency"]
    return {"throughput_efficiency": results}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    print(json.dumps(run(quick=parser.parse_args().quick)))  # the output


if __name__ == "__main__":
    main()
