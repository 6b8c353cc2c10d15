"""Requests per second the emulator serves on one core.

The emulator runs in its own process (pinned to one core where the OS allows), the load comes
from this process: the two never share an event loop. Prints a JSON summary.

    python -m benchmarks.emulator_rps [--seconds 5] [--concurrency 64]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

import aiohttp

from benchmarks._emulator import KEY, EmulatorProcess
from heygen_async._samples import portrait_jpeg
from heygen_async.emulator import DEFAULT_VOICE_ID


async def prepare(session: aiohttp.ClientSession, url: str) -> str:
    headers = {"X-Api-Key": KEY, "Content-Type": "image/jpeg"}
    async with session.post(url + "/v1/talking_photo", data=portrait_jpeg(1), headers=headers) as r:
        talking_photo_id = (await r.json())["data"]["talking_photo_id"]
    body = {
        "video_inputs": [
            {
                "character": {"type": "talking_photo", "talking_photo_id": talking_photo_id},
                "voice": {"type": "text", "voice_id": DEFAULT_VOICE_ID, "input_text": "Hi"},
            }
        ]
    }
    async with session.post(url + "/v2/video/generate", json=body, headers={"X-Api-Key": KEY}) as r:
        return str((await r.json())["data"]["video_id"])


async def hammer(url: str, seconds: float, concurrency: int) -> dict[str, float]:
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        video_id = await prepare(session, url)
        status_url = f"{url}/v1/video_status.get?video_id={video_id}"
        done = 0
        deadline = time.monotonic() + seconds

        async def worker() -> None:
            nonlocal done
            while time.monotonic() < deadline:
                async with session.get(status_url, headers={"X-Api-Key": KEY}) as response:
                    await response.read()
                    assert response.status == 200
                done += 1

        started = time.monotonic()
        async with asyncio.TaskGroup() as group:
            for _ in range(concurrency):
                group.create_task(worker())
        return {"requests": done, "seconds": time.monotonic() - started}


def run(
    *, quick: bool = False, seconds: float | None = None, concurrency: int = 64
) -> dict[str, Any]:
    duration = seconds or (2.0 if quick else 5.0)
    with EmulatorProcess(cpu=0) as emu:
        result = asyncio.run(hammer(emu.url, duration, concurrency))
    rps = result["requests"] / result["seconds"]
    return {
        "emulator_rps": {
            "rps": round(rps),
            "route": "GET /v1/video_status.get",
            "concurrency": concurrency,
            **result,
        }
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()
    result = run(quick=args.quick, seconds=args.seconds, concurrency=args.concurrency)
    print(json.dumps(result, indent=2))  # the benchmark's output


if __name__ == "__main__":
    main()
