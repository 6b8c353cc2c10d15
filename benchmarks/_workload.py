"""What the benchmarks feed the batch: distinct photos, jobs, and a webhook receiver."""

from __future__ import annotations

import struct
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from aiohttp import web

from heygen_async._samples import portrait_jpeg
from heygen_async.batch import BatchJob
from heygen_async.emulator import DEFAULT_VOICE_ID
from heygen_async.webhooks import WebhookWaiter, aiohttp_handler

__all__ = ["distinct_photos", "make_jobs", "script_of", "webhook_receiver"]

WORDS_PER_SECOND = 2.5  # the emulator's speech rate: a script's render time follows its length


def script_of(emulated_seconds: float, n: int) -> str:
    """A script the emulator renders in `emulated_seconds` (the number keeps scripts unique)."""
    words = max(1, round(emulated_seconds * WORDS_PER_SECOND) - 1)
    return " ".join(["word"] * words) + f" {n}"


def distinct_photos(folder: Path, count: int, *, portraits: int = 8) -> list[Path]:
    """`count` JPEG files that differ in their bytes (so none is deduplicated) but cost only
    `portraits` encodes: each copy gets its own JPEG comment segment after the SOI marker."""
    folder.mkdir(parents=True, exist_ok=True)
    bases = [portrait_jpeg(seed) for seed in range(portraits)]
    paths = []
    for n in range(count):
        base = bases[n % portraits]
        comment = f"photo {n}".encode()
        segment = b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment
        path = folder / f"photo{n:05d}.jpg"
        path.write_bytes(base[:2] + segment + base[2:])
        paths.append(path)
    return paths


def make_jobs(photos: list[Path], emulated_seconds: float) -> list[BatchJob]:
    return [
        BatchJob(
            id=f"job{n:05d}",
            photo=photo,
            script=script_of(emulated_seconds, n),
            voice_id=DEFAULT_VOICE_ID,
        )
        for n, photo in enumerate(photos)
    ]


@asynccontextmanager
async def webhook_receiver() -> AsyncIterator[tuple[str, list[str], WebhookWaiter]]:
    """A loopback endpoint feeding a WebhookWaiter: (its URL, the secrets list to fill, waiter)."""
    waiter = WebhookWaiter()
    secrets: list[str] = []
    app = web.Application()
    app.router.add_route("*", "/hook", aiohttp_handler(secrets, waiter.on_event))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/hook", secrets, waiter
    finally:
        await runner.cleanup()
