"""The retry wrapper and the poll scheduler, driven by plain async functions."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from heygen_async._errors import (
    APIConnectionError,
    NotFoundError,
    RateLimitError,
    ServerError,
    UnknownOutcomeError,
)
from heygen_async._polling import PollSchedule
from heygen_async.batch._calls import Caller
from heygen_async.batch._limits import BatchLimits, Limiter
from heygen_async.batch._poller import Poller
from heygen_async.models import VideoStatus

from .conftest import FAST_POLL


def caller(max_attempts: int = 3) -> Caller:
    limits = BatchLimits(rate=10_000.0, burst=1000, max_attempts=max_attempts, backoff=0.001)
    return Caller(Limiter(limits))


def failing(*errors: Exception, result: str = "ok") -> tuple[Counter[str], object]:
    calls: Counter[str] = Counter()
    queue = list(errors)

    async def fn() -> str:
        calls["n"] += 1
        if queue:
            raise queue.pop(0)
        return result

    return calls, fn


def rate_limited() -> RateLimitError:
    return RateLimitError("slow down", retry_after=0.001, status=429)


async def test_429s_are_retried_without_using_the_attempt_budget() -> None:
    c = caller(max_attempts=1)
    calls, fn = failing(*(rate_limited() for _ in range(5)))
    assert await c.call(fn) == "ok"  # type: ignore[arg-type]
    assert calls["n"] == 6
    assert c.limiter.rate_limited == 5
    assert c.limiter.slots.limit == 10  # reads do not shrink the render slots


async def test_transient_errors_are_retried_up_to_max_attempts() -> None:
    c = caller(max_attempts=3)
    calls, fn = failing(ServerError("x", status=502), APIConnectionError("reset"))
    assert await c.call(fn) == "ok"  # type: ignore[arg-type]
    calls, fn = failing(*(ServerError("x", status=500) for _ in range(3)))
    with pytest.raises(ServerError):
        await c.call(fn)  # type: ignore[arg-type]
    assert calls["n"] == 3


async def test_client_errors_are_not_retried() -> None:
    calls, fn = failing(NotFoundError("gone", status=404))
    with pytest.raises(NotFoundError):
        await caller().call(fn)  # type: ignore[arg-type]
    assert calls["n"] == 1


async def test_a_paid_call_is_retried_only_when_surely_not_created() -> None:
    c = caller(max_attempts=3)
    calls, fn = failing(rate_limited(), ServerError("busy", status=503))
    assert await c.call_paid(fn) == "ok"  # type: ignore[arg-type]
    assert c.limiter.slots.limit == 5  # a 429 on a create means fewer render slots
    for ambiguous in (
        ServerError("x", status=500),
        APIConnectionError("reset"),
        UnknownOutcomeError("POST", "/v2/video/generate", "reset"),
    ):
        calls, fn = failing(ambiguous)
        with pytest.raises(type(ambiguous)):
            await c.call_paid(fn)  # type: ignore[arg-type]
        assert calls["n"] == 1


class FakeStatus:
    """Status answers for videos that finish after a given number of polls."""

    def __init__(self, polls_needed: dict[str, int], *, failing: str | None = None) -> None:
        self.polls_needed = polls_needed
        self.polls: Counter[str] = Counter()
        self.failing = failing

    async def __call__(self, video_id: str) -> object:
        self.polls[video_id] += 1
        if video_id == self.failing:
            raise NotFoundError("no such video", status=404)
        done = self.polls[video_id] >= self.polls_needed[video_id]
        status = VideoStatus.COMPLETED if done else VideoStatus.PROCESSING
        return _Info(video_id, status)


class _Info:
    def __init__(self, video_id: str, status: VideoStatus) -> None:
        self.id = video_id
        self.status = status


async def test_one_loop_polls_every_video_until_it_ends() -> None:
    fetch = FakeStatus({f"v{i}": 1 + i % 4 for i in range(40)}, failing="v7")
    poller = Poller(fetch, caller(max_attempts=1), FAST_POLL)  # type: ignore[arg-type]
    async with asyncio.TaskGroup() as tasks:
        loop = tasks.create_task(poller.run())
        futures = {video_id: poller.watch(video_id) for video_id in fetch.polls_needed}
        outcomes = await asyncio.gather(*futures.values(), return_exceptions=True)
        poller.stop()
    assert loop.done()
    by_id = dict(zip(futures, outcomes, strict=True))
    assert isinstance(by_id.pop("v7"), NotFoundError)
    for video_id, info in by_id.items():
        assert info.status is VideoStatus.COMPLETED  # type: ignore[union-attr]
        assert fetch.polls[video_id] == fetch.polls_needed[video_id]
    assert poller.polls == sum(fetch.polls.values())


async def test_watching_the_same_video_twice_shares_one_schedule() -> None:
    fetch = FakeStatus({"v": 2})
    poller = Poller(
        fetch, caller(), PollSchedule(initial=0.001, factor=1.0, maximum=0.001, jitter=0.0)
    )  # type: ignore[arg-type]
    async with asyncio.TaskGroup() as tasks:
        tasks.create_task(poller.run())
        first, second = poller.watch("v"), poller.watch("v")
        assert first is second
        await first
        poller.stop()
    assert fetch.polls["v"] == 2
