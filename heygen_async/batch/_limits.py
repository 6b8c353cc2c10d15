"""What the account allows: request rate, renders in flight, a global pause on 429, and what
this machine allows: uploads and downloads in flight.

One `Limiter` is shared by every call of a batch. Clocks and sleeps are injectable so the
arithmetic can be tested without waiting.
"""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import Awaitable, Callable

import attrs

__all__ = ["BatchLimits", "GlobalPause", "Limiter", "RenderSlots", "TokenBucket"]

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
MAX_PAUSE_SECONDS = 60.0
DEFAULT_PAUSE_SECONDS = 1.0
MIN_RATE_SHARE = 0.1  # a 429 storm slows the batch to 10 % of its rate, never to a halt
RATE_REGROWTH = 0.05  # share of the rate won back per answered call (20 calls: full rate)


@attrs.frozen(kw_only=True)
class BatchLimits:
    """Knobs of a batch. `rate` is requests/second over every API call of the batch."""

    rate: float = 5.0
    burst: int | None = None  # default: max(1, rate) requests at once
    render_slots: int = 10  # renders in flight (submitted, not yet ended)
    uploads: int = 4  # uploads in flight
    downloads: int = 8  # video downloads in flight (renders that end together queue here)
    concurrency: int = 32  # jobs being prepared and submitted at once (not renders in flight)
    max_attempts: int = 4  # per call, for transient failures (429s are not counted)
    poll_share: float = 0.5  # status polls may use at most this share of `rate`
    backoff: float = 0.5  # first retry delay in seconds; doubles per attempt, capped at 8 s
    render_timeout: float = 3600.0  # seconds a render may take before its job is failed
    # Exempt the objects that exist when the batch starts (your jobs, loaded modules) from
    # Python's full garbage collections while it runs (`gc.freeze`), so thousands of renders in
    # flight do not pause the event loop for 100 ms at a time. Process-wide: opt in.
    freeze_gc: bool = False

    def __attrs_post_init__(self) -> None:
        counts = (self.render_slots, self.uploads, self.downloads, self.concurrency)
        if self.rate <= 0 or min(counts) < 1:
            raise ValueError(
                "rate, render_slots, uploads, downloads and concurrency must be positive"
            )
        if self.max_attempts < 1 or not 0 < self.poll_share <= 1:
            raise ValueError("max_attempts must be >= 1 and poll_share in (0, 1]")


class TokenBucket:
    """`rate` tokens per second, at most `burst` saved up; waiters are served first come first."""

    def __init__(
        self,
        rate: float,
        burst: float,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.rate = rate
        self.burst = max(1.0, burst)
        self._clock = clock
        self._sleep = sleep
        self._tokens = self.burst
        self._stamp = clock()
        self._lock = asyncio.Lock()

    @property
    def tokens(self) -> float:
        self._refill()
        return self._tokens

    def set_rate(self, rate: float) -> None:
        self._refill()  # tokens earned so far count at the old rate
        self.rate = rate

    def try_acquire(self) -> bool:
        self._refill()
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False

    def wait_time(self) -> float:
        """Seconds until one token is available (0 if one is now)."""
        self._refill()
        return max(0.0, (1.0 - self._tokens) / self.rate)

    async def acquire(self) -> None:
        async with self._lock:  # asyncio.Lock is FIFO: no waiter is starved
            while not self.try_acquire():
                await self._sleep(self.wait_time())

    def _refill(self) -> None:
        now = self._clock()
        elapsed = max(0.0, now - self._stamp)
        self._stamp = now
        self._tokens = min(self.burst, self._tokens + elapsed * self.rate)


class RenderSlots:
    """A gate on renders in flight, held from submit until the render ends.

    Its size halves on a 429 (the account has fewer slots than we thought, or other work uses
    them) and grows back by one per clean completion, up to the configured maximum. Release is
    synchronous so it can run in any `finally`, even in a task being cancelled.
    """

    def __init__(self, maximum: int) -> None:
        self.maximum = maximum
        self.limit = maximum
        self.in_use = 0
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()

    async def acquire(self) -> None:
        if self.in_use < self.limit and not self._waiters:
            self.in_use += 1
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release(clean=False)  # granted just as we were cancelled: hand it on
            elif waiter in self._waiters:
                self._waiters.remove(waiter)
            raise

    def release(self, *, clean: bool) -> None:
        self.in_use -= 1
        if clean:
            self.limit = min(self.maximum, self.limit + 1)
        self._wake()

    def shrink(self) -> None:
        self.limit = max(1, int(self.limit * 0.5))

    def _wake(self) -> None:
        while self._waiters and self.in_use < self.limit:
            waiter = self._waiters.popleft()
            if not waiter.done():
                self.in_use += 1
                waiter.set_result(None)


class GlobalPause:
    """After a 429 with Retry-After, no new call starts until the time has passed."""

    def __init__(self, *, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        self._clock = clock
        self._sleep = sleep
        self.until = 0.0

    def pause_for(self, seconds: float | None) -> None:
        seconds = DEFAULT_PAUSE_SECONDS if seconds is None else seconds
        seconds = min(MAX_PAUSE_SECONDS, max(0.0, seconds))
        self.until = max(self.until, self._clock() + seconds)

    def remaining(self) -> float:
        return max(0.0, self.until - self._clock())

    async def wait(self) -> None:
        # Loops because another 429 may extend the pause while we sleep.
        while (left := self.remaining()) > 0:
            await self._sleep(left)


class Limiter:
    """Every limit of one batch run, in one place."""

    def __init__(
        self, limits: BatchLimits, *, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep
    ) -> None:
        burst = limits.burst if limits.burst is not None else max(1.0, limits.rate)
        self.limits = limits
        self.requests = TokenBucket(limits.rate, burst, clock=clock, sleep=sleep)
        # Polls first pass their own, smaller bucket, so they can never take the whole budget
        # and starve submissions.
        poll_rate = limits.rate * limits.poll_share
        self.polls = TokenBucket(
            poll_rate, max(1.0, burst * limits.poll_share), clock=clock, sleep=sleep
        )
        self.slots = RenderSlots(limits.render_slots)
        self.pause = GlobalPause(clock=clock, sleep=sleep)
        self.uploads = asyncio.Semaphore(limits.uploads)
        self.downloads = asyncio.Semaphore(limits.downloads)
        self.rate_limited = 0  # 429s seen, for the summary
        self.rate_share = 1.0  # of limits.rate currently used: lowered by 429s, regrown

    async def before_request(self, *, poll: bool = False) -> None:
        await self.pause.wait()
        if poll:
            await self.polls.acquire()
        await self.requests.acquire()
        # A 429 may have arrived while we queued for a token.
        await self.pause.wait()

    def on_rate_limited(self, retry_after: float | None, *, render_slots: bool) -> None:
        """A 429: pause everyone, halve the request rate (the account allows less than we
        asked for), and for a create also the render slots."""
        self.rate_limited += 1
        # 429s that arrive while already paused answer calls sent before the first one:
        # the same overload, slowed down for once.
        if self.pause.remaining() == 0:
            self._scale_rate(max(MIN_RATE_SHARE, self.rate_share * 0.5))
            if render_slots:
                self.slots.shrink()
        self.pause.pause_for(retry_after)

    def on_success(self) -> None:
        """Each answered call wins back a little of the configured rate."""
        if self.rate_share < 1.0:
            self._scale_rate(min(1.0, self.rate_share + RATE_REGROWTH))

    def _scale_rate(self, share: float) -> None:
        self.rate_share = share
        self.requests.set_rate(self.limits.rate * share)
        self.polls.set_rate(self.limits.rate * self.limits.poll_share * share)
