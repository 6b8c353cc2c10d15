"""Waiting for jobs: a poll schedule that starts short and grows to a cap, and the wait loop.

Renders take minutes, so polling every second wastes the account's request budget; polling
every minute makes short renders feel slow. The schedule starts short and backs off.
"""

from __future__ import annotations

import inspect
import random
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

import anyio
import attrs

from heygen_async._errors import WaitTimeoutError

__all__ = ["PollSchedule", "poll_until"]

T = TypeVar("T")


@attrs.frozen
class PollSchedule:
    """Delays between status calls: initial, then times factor, capped at maximum."""

    initial: float = 2.0
    factor: float = 1.5
    maximum: float = 20.0
    jitter: float = 0.1  # +-10 % so thousands of pollers do not call in lockstep

    def delays(self) -> Iterator[float]:
        attempt = 0
        while True:
            yield self.delay(attempt)
            attempt += 1

    def delay(self, attempt: int) -> float:
        """The delay before status call `attempt + 1` (0-based), jitter included."""
        # Capped exponent: factor ** 1000 would overflow long after the cap is reached.
        base = min(self.maximum, self.initial * self.factor ** min(attempt, 64))
        spread = base * self.jitter
        return max(0.0, base + random.uniform(-spread, spread))


async def poll_until(
    fetch: Callable[[], Awaitable[T]],
    *,
    done: Callable[[T], bool],
    status_of: Callable[[T], str],
    job_id: str,
    timeout: float,
    schedule: PollSchedule,
    on_status: Callable[[T], Awaitable[None] | None] | None = None,
    wake: Callable[[], Awaitable[object]] | None = None,
) -> T:
    """Fetch until `done`; never sleep past the deadline; WaitTimeoutError when it passes.

    `wake`, when given, cuts a sleep short (a webhook saying the job ended): the schedule then
    only matters as a fallback for a delivery that never comes.
    """
    started = time.monotonic()
    deadline = started + timeout
    last: str | None = None
    for delay in schedule.delays():
        value = await fetch()
        last = status_of(value)
        if on_status is not None:
            outcome = on_status(value)
            if inspect.isawaitable(outcome):
                await outcome
        if done(value):
            return value
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        await _nap(min(delay, remaining), wake)
    raise WaitTimeoutError(job_id, last, time.monotonic() - started)


async def _nap(seconds: float, wake: Callable[[], Awaitable[object]] | None) -> None:
    if wake is None:
        await anyio.sleep(seconds)
        return
    with anyio.move_on_after(seconds):
        await wake()
