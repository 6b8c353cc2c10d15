"""Per-request overhead: the client's CPU time per call against hand-written raw aiohttp.

The emulator runs in its own process on core 0; this process is pinned to core 1, so its CPU
time is the client's alone. Both sides make the same calls (status reads and video creates) at
the same concurrency over a kept-alive connection pool; the raw side parses the JSON and reads
the fields, as a hand-written script would, while the client also validates the request, checks
the envelope, builds attrs models and runs its retry wrapper. Runs alternate raw / client in
many short rounds; the ratio is the median of each round's paired ratio, so drift on the
machine hits both sides alike.

    python -m benchmarks.overhead [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from benchmarks._emulator import KEY, EmulatorProcess
from heygen_async import HeyGenClient
from heygen_async._samples import portrait_jpeg
from heygen_async.emulator import DEFAULT_VOICE_ID

CONCURRENCY = 16
SCRIPT = "Hello there, this is a short personalised message for you."
Call = Callable[[], Awaitable[object]]


async def cpu_per_call(call: Call, count: int) -> float:
    """CPU seconds of this process per call, `count` calls at CONCURRENCY at a time."""
    remaining = count

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await call()

    started = time.process_time()
    async with asyncio.TaskGroup() as group:
        for _ in range(CONCURRENCY):
            group.create_task(worker())
    return (time.process_time() - started) / count


def raw_calls(
    session: aiohttp.ClientSession, url: str, photo_id: str, video_id: str
) -> dict[str, Call]:
    headers = {"X-Api-Key": KEY}
    body = {
        "video_inputs": [
            {
                "character": {"type": "talking_photo", "talking_photo_id": photo_id},
                "voice": {"type": "text", "voice_id": DEFAULT_VOICE_ID, "input_text": SCRIPT},
            }
        ]
    }

    async def status() -> object:
        params = {"video_id": video_id}
        async with session.get(f"{url}/v1/video_status.get", params=params, headers=headers) as r:
            data = (await r.json())["data"]
            return data["status"], data.get("video_url")

    async def create() -> object:
        async with session.post(f"{url}/v2/video/generate", json=body, headers=headers) as r:
            payload = await r.json()
            if r.status != 200:  # what a careful script checks
                raise RuntimeError(payload)
            return payload["data"]["video_id"]

    return {"status": status, "create": create}


def client_calls(client: HeyGenClient, photo_id: str, video_id: str) -> dict[str, Call]:
    async def status() -> object:
        return await client.videos.status(video_id)

    async def create() -> object:
        return await client.videos.generate_from_talking_photo(photo_id, SCRIPT, DEFAULT_VOICE_ID)

    return {"status": status, "create": create}


async def prepare(client: HeyGenClient) -> tuple[str, str]:
    photo = await client.talking_photos.upload(portrait_jpeg(1))
    video = await client.videos.generate_from_talking_photo(
        photo.talking_photo_id, SCRIPT, DEFAULT_VOICE_ID
    )
    return photo.talking_photo_id, video.video_id


async def measure(url: str, count: int, rounds: int) -> dict[str, Any]:
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    samples: dict[str, dict[str, list[float]]] = {
        name: {"raw": [], "client": []} for name in ("status", "create")
    }
    async with (
        aiohttp.ClientSession(connector=connector) as session,
        HeyGenClient(KEY, base_url=url, upload_url=url) as client,
    ):
        photo_id, video_id = await prepare(client)
        sides = {
            "raw": raw_calls(session, url, photo_id, video_id),
            "client": client_calls(client, photo_id, video_id),
        }
        for name in samples:
            for side in sides.values():  # warm both pools and code paths
                await cpu_per_call(side[name], CONCURRENCY)
            for _ in range(rounds):
                for label, side in sides.items():
                    samples[name][label].append(await cpu_per_call(side[name], count))
    return {name: summarize(runs) for name, runs in samples.items()}


def summarize(runs: dict[str, list[float]]) -> dict[str, Any]:
    raw, ours = statistics.median(runs["raw"]), statistics.median(runs["client"])
    # Each round measures raw then client back to back: the median of the paired ratios
    # cancels the drift of the machine between rounds.
    pairs = [client / raw for raw, client in zip(runs["raw"], runs["client"], strict=True)]
    return {
        "raw_us_per_call": round(raw * 1e6, 1),
        "client_us_per_call": round(ours * 1e6, 1),
        "ratio": round(statistics.median(pairs), 3),
    }


def run(*, quick: bool = False) -> dict[str, Any]:
    count, rounds = (300, 5) if quick else (1000, 21)
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {1})  # the emulator has core 0
    try:
        with EmulatorProcess() as emu:
            calls = asyncio.run(measure(emu.url, count, rounds))
    finally:
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, range(os.cpu_count() or 1))
    # The headline is the worse of the two kinds of call, so neither hides the other.
    worst = max(calls["status"]["ratio"], calls["create"]["ratio"])
    return {
        "overhead_ratio": {
            "ratio": worst,
            "calls_per_round": count,
            "rounds": rounds,
            "concurrency": CONCURRENCY,
            **calls,
        }
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    print(json.dumps(run(quick=parser.parse_args().quick), indent=2))  # output


if __name__ == "__main__":
    main()
