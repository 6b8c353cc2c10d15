"""The same workload as people write it without this SDK's batch engine, beside ours.

N photo -> talking photo -> video -> download jobs, four ways, each against a fresh emulator
(own process) with a request-rate limit, a few render slots and a small seeded rate of
`reset_after` faults (the server acts, then the connection drops: a careless retry of a paid
submit renders, and bills, twice):

- ours: `run_batch` with `BatchLimits` set to the account's limits;
- naive_gather: `asyncio.gather` over `client.photo_to_video`, client defaults, no limiter;
- requests_threads: `requests` in a 16-thread pool, three tries around each call, sleep-poll;
- aiometer_aiohttp: `aiometer.run_all` over hand-written aiohttp calls, retrying 429s and errors.

Each row: wall time, jobs completed and failed, 429s and requests in the emulator's log, and
duplicate renders (renders beyond the first made with one callback_id). Prints a JSON summary.

    python -m benchmarks.peers [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import functools
import json
import logging
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import aiohttp
import aiometer
import attrs
import requests

from benchmarks._emulator import KEY, EmulatorProcess
from benchmarks._workload import distinct_photos, script_of
from heygen_async import HeyGenClient, PollSchedule
from heygen_async.batch import BatchJob, BatchLimits, run_batch
from heygen_async.emulator import DEFAULT_VOICE_ID

# The account, scaled down so all four contenders finish 500 jobs in about three minutes.
# Renders are 1-3 emulated minutes (the script length varies per job, as a real batch's does)
# at SPEED 60: 1-3 real seconds. With S = 40 slots and R = 100 requests/s no contender can beat
# 500 * 2 s / 40 = 25 s (renders), nor 500 * k / 100 s (requests): k = 3 for the hand-written
# peers (photo straight to a talking photo, create, one status call), 4 for the client and the
# batch engine, which upload an asset and then make the talking photo from its URL.
JOBS = 500
SPEED = 60.0  # emulated seconds per real second
RENDER_SECONDS = (60.0, 180.0)  # emulated, shortest and longest
SLOTS = 40  # S: renders in flight the account allows
RATE = 100.0  # R: requests/second the account allows; its burst is one second of it
RESET_AFTER = 0.015  # 1.5 % of API calls: answered by the server, lost on the way back
SEED = 7  # the emulator's fault draws (the order of requests still varies run to run)
PORTRAITS = 5  # distinct portraits; each job's file still differs (no contender dedupes)

# What the hand-written peers do: a fixed sleep between status calls, literally as written
# in most scripts (about one render time here), and a thread pool of the usual size.
POLL_SECONDS = 2.0
THREADS = 16
TRIES = 3  # requests_threads: `for attempt in range(3)` around each call, 1 s apart
AIOHTTP_TRIES = 6  # aiometer_aiohttp: 429s and errors share this budget
HTTP_TIMEOUT = 30.0
# Quick mode: fewer jobs, and renders, poll schedules and the peers' sleep all four times
# shorter, so the four runs and their four emulator start-ups take under 15 s.
QUICK_JOBS, QUICK_TIME_SCALE = 32, 4.0

Outcome = str  # "completed", or the name of the error that ended the job


@attrs.frozen
class Scenario:
    jobs: int
    speed: float  # the emulator's
    poll_seconds: float  # the hand-written peers' sleep between status calls

    @classmethod
    def of(cls, *, quick: bool) -> Scenario:
        if not quick:
            return cls(JOBS, SPEED, POLL_SECONDS)
        return cls(QUICK_JOBS, SPEED * QUICK_TIME_SCALE, POLL_SECONDS / QUICK_TIME_SCALE)


def make_jobs(folder: Path, count: int) -> list[BatchJob]:
    """`count` jobs with distinct photo files and render times spread over RENDER_SECONDS."""
    low, high = RENDER_SECONDS
    photos = distinct_photos(folder, count, portraits=PORTRAITS)
    return [
        BatchJob(
            id=f"job{n:05d}",
            photo=photo,
            script=script_of(low + (n * 37) % (high - low + 1), n),
            voice_id=DEFAULT_VOICE_ID,
        )
        for n, photo in enumerate(photos)
    ]


def poll_schedule(speed: float) -> PollSchedule:
    """The client's default schedule on the emulator's faster clock: what the real API sees."""
    default = PollSchedule()
    return PollSchedule(
        initial=default.initial / speed, factor=default.factor, maximum=default.maximum / speed
    )


# -- ours ------------------------------------------------------------------------------------


async def ours(jobs: list[BatchJob], url: str, out: Path, scenario: Scenario) -> list[Outcome]:
    limits = BatchLimits(rate=RATE, render_slots=SLOTS, concurrency=SLOTS * 2)
    async with HeyGenClient(
        KEY, base_url=url, upload_url=url, poll=poll_schedule(scenario.speed)
    ) as client:
        summary = await run_batch(client, jobs, out, limits=limits)
    outcomes = ["completed"] * summary.completed
    for reason, count in summary.failures.items():
        outcomes += [reason] * count
    return outcomes


# -- (a) naive asyncio.gather over the client -------------------------------------------------


async def naive_gather(
    jobs: list[BatchJob], url: str, out: Path, scenario: Scenario
) -> list[Outcome]:
    async with HeyGenClient(
        KEY, base_url=url, upload_url=url, poll=poll_schedule(scenario.speed)
    ) as client:
        results = await asyncio.gather(
            *(
                client.photo_to_video(
                    job.photo, job.script, job.voice_id, directory=out, callback_id=job.id
                )
                for job in jobs
            ),
            return_exceptions=True,
        )
    return [
        type(result).__name__
        if isinstance(result, BaseException)
        else ("completed" if result.path is not None else result.status.status.value)
        for result in results
    ]


# -- (b) requests in a thread pool, as most scripts do it --------------------------------------


def generate_body(job: BatchJob, talking_photo_id: str) -> dict[str, Any]:
    return {
        "video_inputs": [
            {
                "character": {"type": "talking_photo", "talking_photo_id": talking_photo_id},
                "voice": {"type": "text", "voice_id": job.voice_id, "input_text": job.script},
            }
        ],
        "callback_id": job.id,
    }


def requests_call(
    session: requests.Session, method: str, url: str, **kwargs: Any
) -> requests.Response:
    for attempt in range(TRIES):
        try:
            response = session.request(method, url, timeout=HTTP_TIMEOUT, **kwargs)
            response.raise_for_status()
        except requests.RequestException:
            if attempt == TRIES - 1:
                raise
            time.sleep(1)
        else:
            return response
    raise AssertionError("unreachable")


def requests_job(
    session: requests.Session, url: str, out: Path, job: BatchJob, poll_seconds: float
) -> None:
    headers = {"X-Api-Key": KEY}
    photo = job.photo.read_bytes()
    upload = requests_call(
        session,
        "POST",
        f"{url}/v1/talking_photo",
        data=photo,
        headers={**headers, "Content-Type": "image/jpeg"},
    )
    talking_photo_id = upload.json()["data"]["talking_photo_id"]
    created = requests_call(
        session,
        "POST",
        f"{url}/v2/video/generate",
        json=generate_body(job, talking_photo_id),
        headers=headers,
    )
    video_id = created.json()["data"]["video_id"]
    while True:
        time.sleep(poll_seconds)
        status = requests_call(
            session, "GET", f"{url}/v1/video_status.get?video_id={video_id}", headers=headers
        ).json()["data"]
        if status["status"] == "completed":
            break
        if status["status"] == "failed":
            raise RuntimeError(status["error"])
    video = requests_call(session, "GET", status["video_url"])
    (out / f"{job.id}.mp4").write_bytes(video.content)


def requests_threads(
    jobs: list[BatchJob], url: str, out: Path, scenario: Scenario
) -> list[Outcome]:
    def one(session: requests.Session, job: BatchJob) -> Outcome:
        try:
            requests_job(session, url, out, job, scenario.poll_seconds)
        except Exception as exc:  # noqa: BLE001  # a failed job is a figure, not a crash
            return type(exc).__name__
        return "completed"

    with requests.Session() as session:
        # One pooled connection per thread (the default pool of 10 would warn, not slow down).
        adapter = requests.adapters.HTTPAdapter(pool_maxsize=THREADS)
        session.mount("http://", adapter)
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            return list(pool.map(functools.partial(one, session), jobs))


# -- (c) aiometer over hand-written aiohttp calls ----------------------------------------------


async def aiohttp_call(
    session: aiohttp.ClientSession, method: str, url: str, **kwargs: Any
) -> bytes:
    for _ in range(AIOHTTP_TRIES):
        try:
            async with session.request(method, url, **kwargs) as response:
                if response.status == 429:
                    await asyncio.sleep(float(response.headers.get("Retry-After", "1")))
                    continue
                response.raise_for_status()
                return await response.read()
        except aiohttp.ClientError:
            await asyncio.sleep(1)
    raise RuntimeError(f"{method} {url}: gave up after {AIOHTTP_TRIES} tries")


async def aiohttp_job(
    session: aiohttp.ClientSession, url: str, out: Path, job: BatchJob, poll_seconds: float
) -> None:
    headers = {"X-Api-Key": KEY}
    photo = await asyncio.to_thread(job.photo.read_bytes)
    upload = await aiohttp_call(
        session,
        "POST",
        f"{url}/v1/talking_photo",
        data=photo,
        headers={**headers, "Content-Type": "image/jpeg"},
    )
    talking_photo_id = json.loads(upload)["data"]["talking_photo_id"]
    body = generate_body(job, talking_photo_id)
    created = await aiohttp_call(
        session, "POST", f"{url}/v2/video/generate", json=body, headers=headers
    )
    video_id = json.loads(created)["data"]["video_id"]
    while True:
        await asyncio.sleep(poll_seconds)
        status_url = f"{url}/v1/video_status.get?video_id={video_id}"
        status = json.loads(await aiohttp_call(session, "GET", status_url, headers=headers))
        if status["data"]["status"] == "completed":
            break
        if status["data"]["status"] == "failed":
            raise RuntimeError(status["data"]["error"])
    video = await aiohttp_call(session, "GET", status["data"]["video_url"])
    await asyncio.to_thread((out / f"{job.id}.mp4").write_bytes, video)


async def aiometer_aiohttp(
    jobs: list[BatchJob], url: str, out: Path, scenario: Scenario
) -> list[Outcome]:
    async def one(session: aiohttp.ClientSession, job: BatchJob) -> Outcome:
        try:
            await aiohttp_job(session, url, out, job, scenario.poll_seconds)
        except Exception as exc:  # noqa: BLE001  # a failed job is a figure, not a crash
            return type(exc).__name__
        return "completed"

    timeout = aiohttp.ClientTimeout(total=HTTP_TIMEOUT)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        return await aiometer.run_all(
            [functools.partial(one, session, job) for job in jobs],
            max_at_once=SLOTS,
            max_per_second=RATE,
        )


# -- measuring --------------------------------------------------------------------------------

Contender = Callable[[list[BatchJob], str, Path, Scenario], Any]
CONTENDERS: dict[str, tuple[Contender, bool]] = {  # name: (function, is it a coroutine)
    "ours": (ours, True),
    "naive_gather": (naive_gather, True),
    "requests_threads": (requests_threads, False),
    "aiometer_aiohttp": (aiometer_aiohttp, True),
}


def emulator_settings(scenario: Scenario) -> dict[str, Any]:
    return {
        "speed": scenario.speed,
        "render_seconds": [s / scenario.speed for s in RENDER_SECONDS],
        "render_slots": SLOTS,
        "request_rate": RATE,
        "request_burst": int(RATE),
        "reset_after": RESET_AFTER,
        "seed": SEED,
        "peer_poll_seconds": scenario.poll_seconds,
        "peer_threads": THREADS,
    }


def measure(name: str, jobs: list[BatchJob], out: Path, scenario: Scenario) -> dict[str, Any]:
    """One contender against a fresh emulator; its figures, read from the emulator's log."""
    function, is_async = CONTENDERS[name]
    out.mkdir(parents=True)
    emulator = EmulatorProcess(
        speed=scenario.speed, render_slots=SLOTS, request_rate=RATE, seed=SEED
    )
    with emulator as emu:
        emu.configure(request_burst=int(RATE))
        emu.admin("faults", {"config": {"reset_after": RESET_AFTER}})
        started = time.monotonic()
        if is_async:
            outcomes = asyncio.run(function(jobs, emu.url, out, scenario))
        else:
            outcomes = function(jobs, emu.url, out, scenario)
        wall = time.monotonic() - started
        log, stats = emu.requests(), emu.stats()
    return summarize(outcomes, wall, log, stats)


def summarize(
    outcomes: list[Outcome], wall: float, log: list[dict[str, Any]], stats: dict[str, Any]
) -> dict[str, Any]:
    renders = stats["renders_by_callback_id"].get(KEY, {})
    failures = collections.Counter(outcome for outcome in outcomes if outcome != "completed")
    return {
        "wall_seconds": round(wall, 2),
        "completed": outcomes.count("completed"),
        "failed": sum(failures.values()),
        "failures": dict(failures),
        "http_429": sum(1 for record in log if record["status"] == 429),
        "connection_resets": sum(1 for record in log if record["status"] is None),
        "duplicate_renders": sum(n - 1 for n in renders.values() if n > 1),
        "renders": sum(renders.values()),
        "requests": len(log),
    }


def compare(results: dict[str, Any]) -> None:
    """Each peer's wall time and request count as a multiple of ours."""
    mine = results.get("ours", {})
    if "wall_seconds" not in mine:
        return
    for name, row in results.items():
        if name != "ours" and "wall_seconds" in row:
            row["wall_vs_ours"] = round(row["wall_seconds"] / mine["wall_seconds"], 2)
            row["requests_vs_ours"] = round(row["requests"] / max(mine["requests"], 1), 2)


def run(*, quick: bool = False) -> dict[str, Any]:
    scenario = Scenario.of(quick=quick)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        jobs = make_jobs(root / "photos", scenario.jobs)
        for name in CONTENDERS:
            try:
                results[name] = measure(name, jobs, root / name, scenario)
            except Exception as exc:  # noqa: BLE001  # one crash must not lose the others' figures
                results[name] = {"error": [f"{type(exc).__name__}: {exc}"]}
    compare(results)
    return {"peers": {"jobs": scenario.jobs, "emulator": emulator_settings(scenario), **results}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    # The client logs each retry; naive_gather's hundreds of them would bury the output.
    logging.getLogger("heygen_async").addHandler(logging.NullHandler())
    print(json.dumps(run(quick=parser.parse_args().quick), indent=2))  # the output


if __name__ == "__main__":
    main()
