"""Limits: token bucket arithmetic on a fake clock, render slots, the global pause."""

from __future__ import annotations

import asyncio

import pytest

from heygen_async.batch._limits import BatchLimits, GlobalPause, Limiter, RenderSlots, TokenBucket


class FakeClock:
    """A clock that only moves when sleeping: sleeps are instant and exact."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


async def test_bucket_starts_full_then_refills_at_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=2.0, burst=3, clock=clock, sleep=clock.sleep)
    assert [bucket.try_acquire() for _ in range(4)] == [True, True, True, False]
    assert bucket.wait_time() == pytest.approx(0.5)
    clock.now += 0.25
    assert bucket.tokens == pytest.approx(0.5)
    assert not bucket.try_acquire()
    clock.now += 0.25
    assert bucket.try_acquire()


async def test_bucket_never_saves_more_than_burst() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=10.0, burst=2, clock=clock, sleep=clock.sleep)
    clock.now += 3600
    assert bucket.tokens == 2.0


async def test_acquire_waits_exactly_for_the_next_token() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=4.0, burst=1, clock=clock, sleep=clock.sleep)
    start = clock.now
    for _ in range(9):
        await bucket.acquire()
    # One token at once, then eight more at 4 per second.
    assert clock.now - start == pytest.approx(2.0)


async def test_concurrent_waiters_share_the_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=5.0, burst=1, clock=clock, sleep=clock.sleep)
    start = clock.now
    await asyncio.gather(*(bucket.acquire() for _ in range(11)))
    assert clock.now - start == pytest.approx(2.0)


async def test_slots_gate_and_release() -> None:
    slots = RenderSlots(2)
    await slots.acquire()
    await slots.acquire()
    third = asyncio.create_task(slots.acquire())
    await asyncio.sleep(0)
    assert not third.done()
    slots.release(clean=True)
    await third
    assert slots.in_use == 2


async def test_slots_shrink_on_429_and_regrow_per_clean_completion() -> None:
    slots = RenderSlots(10)
    slots.shrink()
    assert slots.limit == 5
    slots.shrink()
    slots.shrink()
    slots.shrink()
    assert slots.limit == 1
    slots.shrink()
    assert slots.limit == 1  # never below one
    for _ in range(3):
        await slots.acquire()
        slots.release(clean=True)
    assert slots.limit == 4
    await slots.acquire()
    slots.release(clean=False)  # a failed render does not grow it
    assert slots.limit == 4
    for _ in range(20):
        await slots.acquire()
        slots.release(clean=True)
    assert slots.limit == 10  # capped at the configured size


async def test_shrunk_slots_hold_back_new_renders_until_enough_end() -> None:
    slots = RenderSlots(4)
    for _ in range(4):
        await slots.acquire()
    slots.shrink()  # limit 2 while 4 are in flight
    waiter = asyncio.create_task(slots.acquire())
    slots.release(clean=False)
    slots.release(clean=False)
    await asyncio.sleep(0)
    assert not waiter.done()  # 2 in flight, limit 2
    slots.release(clean=False)
    await waiter
    assert slots.in_use == 2


async def test_a_cancelled_waiter_does_not_leak_a_slot() -> None:
    slots = RenderSlots(1)
    await slots.acquire()
    waiter = asyncio.create_task(slots.acquire())
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    slots.release(clean=True)
    assert slots.in_use == 0
    await slots.acquire()
    assert slots.in_use == 1


async def test_pause_holds_new_calls_until_it_passes_and_extends() -> None:
    clock = FakeClock()
    pause = GlobalPause(clock=clock, sleep=clock.sleep)
    start = clock.now
    await pause.wait()
    assert clock.now == start  # no pause, no wait
    pause.pause_for(2.0)
    pause.pause_for(0.5)  # a shorter one does not cut it short
    await pause.wait()
    assert clock.now - start == pytest.approx(2.0)
    pause.pause_for(None)  # no Retry-After: a default pause
    assert pause.remaining() == pytest.approx(1.0)
    pause.pause_for(10_000)  # clamped
    assert pause.remaining() == pytest.approx(60.0)


async def test_limiter_on_429_pauses_everyone_and_shrinks_slots_only_for_submits() -> None:
    clock = FakeClock()
    limiter = Limiter(BatchLimits(rate=100.0, render_slots=8), clock=clock, sleep=clock.sleep)
    limiter.on_rate_limited(3.0, render_slots=False)
    assert limiter.slots.limit == 8
    start = clock.now
    await limiter.before_request()
    assert clock.now - start == pytest.approx(3.0)
    limiter.on_rate_limited(1.0, render_slots=True)
    assert limiter.slots.limit == 4
    assert limiter.rate_limited == 2


async def test_429s_halve_the_rate_once_per_pause_and_answers_win_it_back() -> None:
    clock = FakeClock()
    limiter = Limiter(BatchLimits(rate=100.0, poll_share=0.5), clock=clock, sleep=clock.sleep)
    limiter.on_rate_limited(2.0, render_slots=True)
    limiter.on_rate_limited(2.0, render_slots=True)  # same overload: no second cut
    assert limiter.requests.rate == pytest.approx(50.0)
    assert limiter.polls.rate == pytest.approx(25.0)
    assert limiter.slots.limit == 5
    for _ in range(6):  # each after the pause: a new overload every time
        clock.now += 3.0
        limiter.on_rate_limited(2.0, render_slots=False)
    assert limiter.requests.rate == pytest.approx(10.0)  # floor: 10 % of the rate
    for _ in range(100):
        limiter.on_success()
    assert limiter.requests.rate == pytest.approx(100.0)  # never above the configured rate
    assert limiter.polls.rate == pytest.approx(50.0)


async def test_polls_are_capped_at_their_share_of_the_rate() -> None:
    clock = FakeClock()
    limiter = Limiter(
        BatchLimits(rate=10.0, burst=1, poll_share=0.5), clock=clock, sleep=clock.sleep
    )
    start = clock.now
    for _ in range(11):
        await limiter.polls.acquire()
        await limiter.before_request()
    # Polls alone: 1 at once then 10 at 5/s = 2 s, although the overall rate is 10/s.
    assert clock.now - start == pytest.approx(2.0)


def test_limits_are_validated() -> None:
    with pytest.raises(ValueError, match="positive"):
        BatchLimits(rate=0)
    with pytest.raises(ValueError, match="poll_share"):
        BatchLimits(poll_share=0)
