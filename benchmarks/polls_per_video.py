"""Status calls per finished video: default polling against webhooks, side by side in one run.

Both runs render the same batch against the same kind of emulator (its own process); the
webhook run registers a loopback aiohttp endpoint and passes `events=WebhookWaiter()` to the
batch. Prints a JSON summary.

    python -m benchmarks.polls_per_video [--quick] [--jobs 40] [--speed 10]
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

RENDER_SECONDS = 30.0  # emulated
DEFAULT_SCHEDULE = PollSchedule()


def scaled_schedule(speed: float) -> PollSchedule:
    """The default schedule on the emulator's faster clock: what the real API would see."""
    return PollSchedule(
        initial=DEFAULT_SCHEDULE.initial / speed,
        factor=DEFAULT_SCHEDULE.factor,
        maximum=DEFAULT_SCHEDULE.maximum / speed,
    )


async def run_batch(
    jobs: list[BatchJob], url: str, speed: float, out: Path, *, webhooks: bool
) -> dict[str, Any]:
    async with (
        webhook_receiver() as (hook, secrets, waiter),
        HeyGenClient(KEY, base_url=url, upload_url=url, poll=scaled_schedule(speed)) as client,
    ):
        if webhooks:
            secrets.append((await client.webhooks.add_endpoint(hook)).secret or "")
        started = time.monotonic()
        events = waiter if webhooks else None
        batch = Batch(client, jobs, out, limits=BatchLimits(rate=500.0), events=events)
        completed = sum([1 async for result in batch.run() if result.status.value == "completed"])
        wall = time.monotonic() - started
    return {"completed": completed, "wall_seconds": round(wall, 2)}


def measure(jobs: list[BatchJob], speed: float, out: Path, *, webhooks: bool) -> dict[str, Any]:
    with EmulatorProcess(speed=speed, render_slots=len(jobs)) as emu:
        result = asyncio.run(run_batch(jobs, emu.url, speed, out, webhooks=webhooks))
        counts = emu.stats()["requests"].get("GET /v1/video_status.get", {})
    status_calls = sum(counts.values())
    return {
        **result,
        "status_calls": status_calls,
        "polls_per_video": round(status_calls / max(result["completed"], 1), 2),
    }


def run(
    *, quick: bool = False, jobs: int | None = None, speed: float | None = None
) -> dict[str, Any]:
    count = jobs or (12 if quick else 40)
    speed = speed or (30.0 if quick else 10.0)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        batch = make_jobs(distinct_photos(root / "photos", count, portraits=3), RENDER_SECONDS)
        polling = measure(batch, speed, root / "polling", webhooks=False)
        webhooks = measure(batch, speed, root / "webhooks", webhooks=True)
    return {
        "polls_per_video": {
            "polls_per_video": polling["polls_per_video"],
            "render_time_over_smallest_interval": RENDER_SECONDS / DEFAULT_SCHEDULE.initial,
            "polling": polling,
            "webhooks": webhooks,
        }
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--speed", type=float, default=None)
    args = parser.parse_args()
    print(json.dumps(run(quick=args.quick, jobs=args.jobs, speed=args.speed), indent=2))
