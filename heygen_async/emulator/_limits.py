"""Per-key request-rate limiting: a token bucket in real seconds, and 429 headers."""

from __future__ import annotations

import math

import attrs

__all__ = ["TokenBucket", "retry_headers"]


@attrs.define
class TokenBucket:
    rate: float  # tokens per second
    burst: int
    tokens: float = attrs.field(default=-1.0)
    updated: float = 0.0

    def take(self, now: float) -> float:
        """0 when a token was taken, else the seconds until one is available."""
        if self.tokens < 0:
            self.tokens, self.updated = float(self.burst), now
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


def retry_headers(real_seconds: float) -> dict[str, str]:
    """Both headers: whole seconds for everyone, milliseconds for clients that read them."""
    return {
        "Retry-After": str(max(1, math.ceil(real_seconds))),
        "retry-after-ms": str(max(1, math.ceil(real_seconds * 1000))),
    }
