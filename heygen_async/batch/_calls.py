"""Every API call of a batch goes through here: limits first, then our own retry rules.

The client runs with `max_retries=0`, so these rules are the only ones: a 429 pauses every new
call for its Retry-After and is retried without counting against the attempt budget;
connection errors and 5xx are retried with backoff when repeating the call is harmless; a paid
submit is retried only when the server surely did not act (429, 503). Anything else on a paid
submit is left to the caller to reconcile.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from heygen_async._errors import (
    APIConnectionError,
    ClientClosedError,
    RateLimitError,
    ServerError,
)
from heygen_async.batch._limits import Limiter

__all__ = ["Caller"]

T = TypeVar("T")
MAX_BACKOFF_SECONDS = 8.0


class Caller:
    def __init__(
        self,
        limiter: Limiter,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limiter = limiter
        self._sleep = sleep
        self.retries = 0  # transient failures retried, for the summary

    async def call(self, fn: Callable[[], Awaitable[T]], *, budget: bool = True) -> T:
        """A call that is harmless to repeat (reads, uploads, talking photo creation).

        `budget=False` for calls that are not API requests (media downloads) or that draw
        from the budget themselves.
        """
        attempt = 0
        while True:
            if budget:
                await self.limiter.before_request()
            try:
                result = await fn()
            except RateLimitError as exc:
                self.limiter.on_rate_limited(exc.retry_after, render_slots=False)
            except ClientClosedError:
                raise  # not an outage: no retry can reopen the caller's session
            except (APIConnectionError, ServerError):
                attempt += 1
                if attempt >= self.limiter.limits.max_attempts:
                    raise
                await self.backoff(attempt)
            else:
                self.limiter.on_success()
                return result

    async def call_paid(self, fn: Callable[[], Awaitable[T]]) -> T:
        """A paid submit. Retried here only when the server surely did not create the job."""
        attempt = 0
        while True:
            await self.limiter.before_request()
            try:
                result = await fn()
            except RateLimitError as exc:
                # On a create, 429 means "too many renders in flight": fewer slots from now on.
                self.limiter.on_rate_limited(exc.retry_after, render_slots=True)
            except ServerError as exc:
                attempt += 1
                if exc.status != 503 or attempt >= self.limiter.limits.max_attempts:
                    raise
                await self.backoff(attempt)
            else:
                self.limiter.on_success()
                return result

    async def backoff(self, attempt: int) -> None:
        """Wait before retry number `attempt` (1-based)."""
        self.retries += 1
        ceiling = min(MAX_BACKOFF_SECONDS, self.limiter.limits.backoff * 2 ** (attempt - 1))
        # Half fixed, half jitter: spreads retries out without ever retrying at once.
        await self._sleep(ceiling / 2 + random.uniform(0, ceiling / 2))
