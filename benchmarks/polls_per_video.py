"""Status calls per finished video: default polling against webhooks, side by side in one run.

Both runs render the same batch against the same kind of emulator; the webhook run registers an
aiohttp endpoint and passes `events=WebhookWaiter()` to the batch. Prints a JSON summary.

    python -m benchmarks.polls_per_video [--jobs 40] [--speed 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from aiohttp import web

from heygen_async import HeyGenClient, PollSchedule
from heygen_async._samples import portrait_jpeg
from heygen_async.batch import Batch, BatchJob, BatchLimits
from heygen_async.emulator import DEFAULT_VOICE_ID, Emulator, EmulatorConfig
from heygen_async.webhooks import WebhookWaiter, aiohttp_handler

KEY = "sk-bench"
SCRIPT = " ".join(["word"] * 75)  # 30 s of speech: a 30 s render on the emulator's clock


async def run_batch(
    jobs: list[BatchJob], speed: float, out: Path, *, webhooks: bool
) -> dict[str, Any]:
    waiter = WebhookWaiter() if webhooks else None
    secrets: list[str] = []
    app = web.Application()
    if waiter is not None:
        app.router.add_route("*", "/hook", aiohttp_handler(secrets, waiter.on_event))
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    hook = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    # The emulator's clock runs `speed` times faster; the default poll schedule is scaled the
    # same way so the polling run behaves as it would against the real API.
    schedule = PollSchedule(initial=2.0 / speed, factor=1.5, maximum=20.0 / speed)
    try:
        config = EmulatorConfig(api_keys=(KEY,), speed=speed, render_slots=len(jobs))
        async with (
            Emulator(config) as emu,
            HeyGenClient(KEY, base_url=emu.url, upload_url=emu.url, poll=schedule) as client,
        ):
            if waiter is not None:
                secrets.append((await client.webhooks.add_endpoint(hook)).secret or "")
            started = time.monotonic()
            batch = Batch(client, jobs, out, limits=BatchLimits(rate=500.0), events=waiter)
            completed = sum(
                [1 async for result in batch.run() if result.status.value == "completed"]
            )
            status_calls = sum(r.path == "/v1/video_status.get" for r in emu.request_log)
    finally:
        await runner.cleanup()
    return {
        "completed": completed,
        "status_calls": status_calls,
        "polls_per_video": round(status_calls / max(completed, 1), 2),
        "wall_seconds": round(time.monotonic() - started, 2),
    }


async def main(job_count: int, speed: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        photo = root / "p.jpg"
        photo.write_bytes(portrait_jpeg(1))
        jobs = [
            BatchJob(id=f"j{n}", photo=photo, script=f"{SCRIPT} {n}", voice_id=DEFAULT_VOICE_ID)
            for n in range(job_count)
        ]
        polling = await run_batch(jobs, speed, root / "polling", webhooks=False)
        webhooks = await run_batch(jobs, speed, root / "webhooks", webhooks=True)
    return {
        "polls_per_video": {
            "polling": polling,
            "webhooks": webhooks,
            "render_time_over_smallest_interval": 30.0 / 2.0,
            "ratio_webhooks_to_polling": round(
                webhooks["polls_per_video"] / polling["polls_per_video"], 3
            ),
        }
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=40)
    parser.add_argument("--speed", type=float, default=10.0)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.jobs, args.speed)), indent=2))
