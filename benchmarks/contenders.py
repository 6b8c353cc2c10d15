"""`peers`: the same N-job workload done four ways, each against a fresh emulator of its own.

Every contender does, per job: upload the photo (`POST /v1/asset`), make a talking photo from
its URL (`POST /v2/talking_photo`), create the video with `callback_id` = the job id
(`POST /v2/video/generate`), poll its status until it ends, download the file. The emulator
(own process) enforces a request rate R, S render slots and 2-second renders, and drops the
connection after acting on a small seeded share of API calls (`reset_after`): a careless retry
of the paid create then renders, and bills, twice.

- ours: `run_batch` with `BatchLimits(rate=R, render_slots=S)`;
- naive_gather: `asyncio.gather` over `client.photo_to_video`, no limiter;
- requests_threads: `requests` in a 16-thread pool, three tries around each call, sleep-poll;
- aiometer_aiohttp: `aiometer.run_all(max_at_once=S, max_per_second=R)` over hand-written
  aiohttp calls that retry 429s (after Retry-After) and errors.

Each row: wall time, jobs completed / failed / unfinished when the time cap hit, 429s and
requests in the emulator's log, and duplicate renders (renders beyond the first made with one
callback_id). Peers get a time cap of CAP_FACTOR x ours. Prints one JSON object.

    python -m benchmarks.contenders [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import inspect
import json
import logging
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import aiohttp
import aiometer
import attrs
import requests
import requests.adapters

from benchmarks._emulator import KEY, EmulatorProcess
from benchmarks._workload import distinct_photos, make_jobs
from heygen_async import HeyGenClient, PollSchedule
from heygen_async.batch import BatchEvent, BatchJob, BatchLimits, JobStatus, run_batch

# The account. A render is RENDER_SECONDS of emulated time (a 75-word script) on a clock SPEED
# times real time: 2 s of wall time. S slots end 10 renders/s; each job needs 3 calls plus its
# status polls (~6 on the default schedule), so R = 100 keeps a careful client near the render
# bound (500 x 2 s / 20 = 50 s) while a client that polls or retries without care hits 429s.
# With N = 500 the four runs take about three and a half minutes.
JOBS = 500
# A 30 s render is where the default poll schedule (2 s, x1.5 per poll) sees the end latest
# relative to the render: its polls fall at 26.4 s and 41.6 s, so ours holds each slot about a
# third longer than the render takes, where a fixed 5 s sleep holds it 2.5 s longer on average.
# It is measured as it is, not hidden by a luckier render time.
RENDER_SECONDS = 30.0  # emulated
SPEED = 15.0  # emulated seconds per real second
SLOTS = 20  # S: renders in flight the account allows (over that, a create gets a 429)
RATE = 100.0  # R: requests/second the account allows
BURST = 100  # requests the account allows at once: one second of R
RESET_AFTER = 0.02  # 2 % of API calls: acted on by the server, then the connection drops
SEED = 7  # the emulator's fault draws (the order of requests still varies from run to run)

# What the hand-written peers do, as scripts usually do it: a fixed sleep between status calls
# (5 s against the real API, scaled by the clock), a thread pool of the usual size.
PEER_POLL_SECONDS = 5.0  # emulated
THREADS = 16
TRIES = 3  # requests_threads: `for attempt in range(3)`, one second apart
AIOHTTP_TRIES = 5  # aiometer_aiohttp: 429s and errors share this budget
HTTP_TIMEOUT = 30.0

# Ours gets CAP_SECONDS; each peer CAP_FACTOR times ours (bounded by CAP_SECONDS), and is
# reported with what it finished by then.
CAP_SECONDS = 180.0
CAP_FACTOR = 3.0
# Quick mode: fewer jobs on a clock three times as fast (0.67 s renders): under 20 s in all.
QUICK_JOBS, QUICK_SPEEDUP, QUICK_CAP_SECONDS = 40, 3.0, 30.0

logger = logging.getLogger(__name__)


@attrs.frozen
class Scenario:
    jobs: int
    speed: float
    cap_seconds: float

    @classmethod
    def of(cls, *, quick: bool, jobs: int | None) -> Scenario:
        if quick:
            return cls(jobs or QUICK_JOBS, SPEED * QUICK_SPEEDUP, QUICK_CAP_SECONDS)
        return cls(jobs or JOBS, SPEED, CAP_SECONDS)

    @property
    def peer_poll_seconds(self) -> float:
        return PEER_POLL_SECONDS / self.speed


class TimeCapError(Exception):
    """The contender's time cap passed: the job is left unfinished."""


@attrs.define
class Run:
    """What one contender works on, and where it reports each job's end."""

    jobs: list[BatchJob]
    url: str
    out: Path
    scenario: Scenario
    deadline: float  # time.monotonic() at which the contender is stopped
    # job id -> "completed" or the name of what ended it. Written from the requests threads
    # too: one dict item assignment each, atomic under the GIL.
    outcomes: dict[str, str] = attrs.field(factory=dict)

    def check_time(self) -> None:
        if time.monotonic() >= self.deadline:
            raise TimeCapError


def poll_schedule(speed: float) -> PollSchedule:
    """The client's default schedule on the emulator's clock: what the real API would see."""
    default = PollSchedule()
    return PollSchedule(
        initial=default.initial / speed, factor=default.factor, maximum=default.maximum / speed
    )


def generate_body(job: BatchJob, talking_photo_id: str) -> dict[str, Any]:
    """`/v2/video/generate` for a talking photo, as the hand-written peers send it."""
    character = {"type": "talking_photo", "talking_photo_id": talking_photo_id}
    voice = {"type": "text", "voice_id": job.voice_id, "input_text": job.script}
    return {"video_inputs": [{"character": character, "voice": voice}], "callback_id": job.id}


# -- ours -------------------------------------------------------------------------------------


async def ours(run: Run) -> None:
    def on_event(event: BatchEvent) -> None:
        if event.status is JobStatus.COMPLETED:
            run.outcomes[event.job_id] = "completed"
        elif event.status is JobStatus.FAILED:
            run.outcomes[event.job_id] = f"failed at {event.stage}"  # detail is free text

    poll = poll_schedule(run.scenario.speed)
    async with HeyGenClient(KEY, base_url=run.url, upload_url=run.url, poll=poll) as client:
        limits = BatchLimits(rate=RATE, render_slots=SLOTS)
        await run_batch(client, run.jobs, run.out, limits=limits, on_event=on_event)


# -- (a) naive asyncio.gather over the client -------------------------------------------------


async def naive_gather(run: Run) -> None:
    # The client's defaults (its retries included) but the same poll clock as ours, so the
    # difference is the missing limiter, not a slower schedule.
    poll = poll_schedule(run.scenario.speed)
    async with HeyGenClient(KEY, base_url=run.url, upload_url=run.url, poll=poll) as client:

        async def one(job: BatchJob) -> None:
            result = await client.photo_to_video(
                job.photo, job.script, job.voice_id, directory=run.out, callback_id=job.id
            )
            ok = result.path is not None
            run.outcomes[job.id] = "completed" if ok else result.status.status.value

        results = await asyncio.gather(*(one(job) for job in run.jobs), return_exceptions=True)
    for job, result in zip(run.jobs, results, strict=True):
        if isinstance(result, BaseException):
            run.outcomes[job.id] = type(result).__name__


# -- (b) requests in a thread pool, as most scripts do it --------------------------------------


def requests_call(
    session: requests.Session, run: Run, method: str, url: str, **kwargs: Any
) -> requests.Response:
    """Three tries, one second apart, on any error, 429 or 5xx: what most scripts write."""
    for attempt in range(TRIES):
        run.check_time()
        try:
            response = session.request(method, url, timeout=HTTP_TIMEOUT, **kwargs)
            response.raise_for_status()  # 429 and 5xx included: an HTTPError, retried below
        except requests.RequestException:
            if attempt == TRIES - 1:
                raise
            time.sleep(1)
        else:
            return response
    raise AssertionError("unreachable")


def requests_job(session: requests.Session, run: Run, job: BatchJob) -> None:
    key = {"X-Api-Key": KEY}
    call = functools.partial(requests_call, session, run)
    photo = job.photo.read_bytes()
    jpeg = {**key, "Content-Type": "image/jpeg"}
    asset = call("POST", f"{run.url}/v1/asset", data=photo, headers=jpeg).json()["data"]
    body = {"image_url": asset["url"]}
    talking = call("POST", f"{run.url}/v2/talking_photo", json=body, headers=key).json()["data"]
    body = generate_body(job, talking["talking_photo_id"])
    created = call("POST", f"{run.url}/v2/video/generate", json=body, headers=key).json()["data"]
    status_url = f"{run.url}/v1/video_status.get?video_id={created['video_id']}"
    while True:
        time.sleep(run.scenario.peer_poll_seconds)
        status = call("GET", status_url, headers=key).json()["data"]
        if status["status"] == "completed":
            break
        if status["status"] == "failed":
            raise RuntimeError(status["error"])
    video = call("GET", status["video_url"])
    (run.out / f"{job.id}.mp4").write_bytes(video.content)


def requests_threads(run: Run) -> None:
    def one(session: requests.Session, job: BatchJob) -> None:
        try:
            requests_job(session, run, job)
        except TimeCapError:
            return  # unfinished
        except Exception as exc:  # noqa: BLE001  # a failed job is a figure, not a crash
            run.outcomes[job.id] = type(exc).__name__
        else:
            run.outcomes[job.id] = "completed"

    with requests.Session() as session:
        # A pooled connection per thread (the default pool of 10 warns, and reconnects).
        session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=THREADS))
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            list(pool.map(functools.partial(one, session), run.jobs))


# -- (c) aiometer over hand-written aiohttp calls ----------------------------------------------


async def aiohttp_call(session: aiohttp.ClientSession, method: str, url: str, **kwargs: Any) -> Any:
    """The JSON (or the bytes, for a download); a 429 waits Retry-After, an error one second."""
    for _ in range(AIOHTTP_TRIES):
        try:
            async with session.request(method, url, **kwargs) as response:
                if response.status == 429:
                    await asyncio.sleep(float(response.headers.get("Retry-After", "1")))
                    continue
                response.raise_for_status()
                if response.content_type == "application/json":
                    return await response.json()
                return await response.read()
        except aiohttp.ClientError:
            await asyncio.sleep(1)
    raise RuntimeError(f"{method} {url}: gave up after {AIOHTTP_TRIES} tries")


async def aiohttp_job(session: aiohttp.ClientSession, run: Run, job: BatchJob) -> None:
    key = {"X-Api-Key": KEY}
    photo = await asyncio.to_thread(job.photo.read_bytes)
    jpeg = {**key, "Content-Type": "image/jpeg"}
    asset = await aiohttp_call(session, "POST", f"{run.url}/v1/asset", data=photo, headers=jpeg)
    body = {"image_url": asset["data"]["url"]}
    talking = await aiohttp_call(
        session, "POST", f"{run.url}/v2/talking_photo", json=body, headers=key
    )
    body = generate_body(job, talking["data"]["talking_photo_id"])
    created = await aiohttp_call(
        session, "POST", f"{run.url}/v2/video/generate", json=body, headers=key
    )
    status_url = f"{run.url}/v1/video_status.get?video_id={created['data']['video_id']}"
    while True:
        await asyncio.sleep(run.scenario.peer_poll_seconds)
        status = (await aiohttp_call(session, "GET", status_url, headers=key))["data"]
        if status["status"] == "completed":
            break
        if status["status"] == "failed":
            raise RuntimeError(status["error"])
    video = await aiohttp_call(session, "GET", status["video_url"])
    await asyncio.to_thread((run.out / f"{job.id}.mp4").write_bytes, video)


async def aiometer_aiohttp(run: Run) -> None:
    async def one(session: aiohttp.ClientSession, job: BatchJob) -> None:
        try:
            await aiohttp_job(session, run, job)
        except Exception as exc:  # noqa: BLE001  # a failed job is a figure, not a crash
            run.outcomes[job.id] = type(exc).__name__
        else:
            run.outcomes[job.id] = "completed"

    timeout = aiohttp.ClientTimeout(total=HTTP_TIMEOUT)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        await aiometer.run_all(
            [functools.partial(one, session, job) for job in run.jobs],
            max_at_once=SLOTS,
            max_per_second=RATE,
        )


# -- measuring --------------------------------------------------------------------------------

# name: the contender; a coroutine function runs in a loop of its own, the other in this thread.
CONTENDERS: dict[str, Callable[[Run], Awaitable[None] | None]] = {
    "ours": ours,
    "naive_gather": naive_gather,
    "requests_threads": requests_threads,
    "aiometer_aiohttp": aiometer_aiohttp,
}


async def _capped(coroutine: Awaitable[None], run: Run) -> None:
    try:
        async with asyncio.timeout_at(_loop_time(run.deadline)):
            await coroutine
    except TimeoutError:
        pass  # the jobs not in run.outcomes are the unfinished ones


def _loop_time(monotonic_deadline: float) -> float:
    # The loop's clock is time.monotonic() on every platform asyncio ships, but say so.
    return asyncio.get_running_loop().time() + monotonic_deadline - time.monotonic()


def play(name: str, run: Run) -> None:
    contender = CONTENDERS[name]
    if inspect.iscoroutinefunction(contender):
        asyncio.run(_capped(contender(run), run))
    else:
        contender(run)  # blocking: the requests contender runs its own threads


def measure(
    name: str, jobs: list[BatchJob], out: Path, scenario: Scenario, cap: float
) -> dict[str, Any]:
    """One contender against a fresh emulator: its figures, read from the emulator's log."""
    out.mkdir(parents=True)
    emulator = EmulatorProcess(
        speed=scenario.speed, render_slots=SLOTS, request_rate=RATE, seed=SEED
    )
    with emulator as emu:
        emu.configure(request_burst=BURST)
        emu.admin("faults", {"config": {"reset_after": RESET_AFTER}})
        started = time.monotonic()
        run = Run(jobs, emu.url, out, scenario, deadline=started + cap)
        play(name, run)
        wall = time.monotonic() - started
        log, stats = emu.requests(), emu.stats()
    return summarize(run, wall, cap, log, stats)


def summarize(
    run: Run, wall: float, cap: float, log: list[dict[str, Any]], stats: dict[str, Any]
) -> dict[str, Any]:
    renders = stats["renders_by_callback_id"].get(KEY, {})
    outcomes = Counter(run.outcomes.values())
    completed = outcomes.pop("completed", 0)
    unfinished = len(run.jobs) - len(run.outcomes)
    return {
        "wall_seconds": round(wall, 2),
        "completed": completed,
        "failed": sum(outcomes.values()),
        "unfinished": unfinished,
        "time_capped": unfinished > 0 and wall >= cap,
        "cap_seconds": round(cap, 1),
        "failures": dict(outcomes),
        "http_429": sum(1 for record in log if record["status"] == 429),
        "connection_resets": sum(1 for record in log if record["status"] is None),
        "duplicate_renders": sum(n - 1 for n in renders.values() if n > 1),
        "renders": sum(renders.values()),
        "requests": len(log),
    }


def compare(results: dict[str, Any]) -> None:
    """Each peer's wall time and request count as a multiple of ours."""
    mine = results["ours"]
    if "wall_seconds" not in mine:
        return
    for name, row in results.items():
        if name != "ours" and "wall_seconds" in row:
            row["wall_vs_ours"] = round(row["wall_seconds"] / mine["wall_seconds"], 2)
            row["requests_vs_ours"] = round(row["requests"] / max(mine["requests"], 1), 2)


def peer_cap(scenario: Scenario, ours_row: dict[str, Any]) -> float:
    if "wall_seconds" not in ours_row:
        return scenario.cap_seconds
    return min(scenario.cap_seconds, CAP_FACTOR * float(ours_row["wall_seconds"]))


def emulator_settings(scenario: Scenario) -> dict[str, Any]:
    return {
        "speed": scenario.speed,
        "render_seconds": RENDER_SECONDS / scenario.speed,
        "render_slots": SLOTS,
        "request_rate": RATE,
        "request_burst": BURST,
        "reset_after": RESET_AFTER,
        "seed": SEED,
        "peer_poll_seconds": round(scenario.peer_poll_seconds, 3),
        "peer_threads": THREADS,
    }


def run(*, quick: bool = False, jobs: int | None = None) -> dict[str, Any]:
    """Every contender in turn; `jobs` overrides N (the smoke test runs a handful)."""
    scenario = Scenario.of(quick=quick, jobs=jobs)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        work = make_jobs(distinct_photos(root / "photos", scenario.jobs), RENDER_SECONDS)
        for name in CONTENDERS:
            cap = scenario.cap_seconds if name == "ours" else peer_cap(scenario, results["ours"])
            logger.info("%s: up to %.0f s", name, cap)
            try:
                results[name] = measure(name, work, root / name, scenario, cap)
            except Exception as exc:
                # One contender crashing must not lose the others' figures.
                logger.exception("%s crashed", name)
                results[name] = {"error": f"{type(exc).__name__}: {exc}"}
    compare(results)
    return {"peers": {"jobs": scenario.jobs, "emulator": emulator_settings(scenario), **results}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="40 jobs, under 20 s")
    args = parser.parse_args()
    # Progress on stderr; the client's own retry warnings (hundreds, from naive_gather) muted.
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("heygen_async").setLevel(logging.ERROR)
    print(json.dumps(run(quick=args.quick), indent=2))  # the output: stdout holds only this


if __name__ == "__main__":
    main()
