"""Which failures are retried, and how long to wait: pure functions, no I/O.

The rule that matters most: a paid POST (a render, an AI photo) is retried only when the server
surely did not act on it. Anything else could pay twice, so it surfaces as UnknownOutcomeError.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Mapping

import attrs

__all__ = ["RetryPolicy", "parse_retry_after"]

_RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
# 503 means "not served": the request never reached the part that acts on it.
_PAID_RETRY_STATUSES = frozenset({429, 503})


@attrs.frozen
class RetryPolicy:
    max_retries: int = 2
    backoff_base: float = 0.5
    backoff_cap: float = 8.0
    retry_after_cap: float = 60.0

    def retries_status(self, status: int, *, paid: bool) -> bool:
        """Whether an HTTP error status may be retried for this kind of request."""
        if paid:
            return status in _PAID_RETRY_STATUSES
        return status in _RETRY_STATUSES

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Full-jitter exponential backoff; a longer server Retry-After wins, within the cap."""
        computed = random.uniform(0, min(self.backoff_cap, self.backoff_base * 2**attempt))
        if retry_after is None:
            return computed
        return min(max(computed, retry_after), self.retry_after_cap)


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait: `retry-after-ms` first, then `Retry-After` as seconds or an HTTP date."""
    lowered = {key.lower(): value for key, value in headers.items()}
    millis = _number(lowered.get("retry-after-ms"))
    if millis is not None:
        return max(0.0, millis / 1000)
    raw = lowered.get("retry-after")
    seconds = _number(raw)
    if seconds is not None:
        return max(0.0, seconds)
    if raw:
        try:
            when = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            return None
        return max(0.0, when.timestamp() - time.time())
    return None


def _number(raw: str | None) -> float | None:
    if raw is None:
        return None
    try:
        return float(raw)
    except ValueError:
        return None
