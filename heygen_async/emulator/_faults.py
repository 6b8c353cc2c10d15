"""Fault injection: seeded probabilities and scripted "the next N calls to X fail like Y"."""

from __future__ import annotations

import random
from collections import deque

import attrs

from heygen_async.emulator._config import FaultConfig

__all__ = ["FAULT_KINDS", "FaultInjector"]

FAULT_KINDS = ("500", "502", "503", "429", "reset_before", "reset_after", "slow", "render_failure")
# render_failure is decided when a render is created, not per request.
_REQUEST_KINDS = ("500", "502", "503", "reset_before", "reset_after", "slow")


@attrs.define
class _Scripted:
    method: str
    path: str
    kind: str
    remaining: int


class FaultInjector:
    def __init__(self, config: FaultConfig, rng: random.Random) -> None:
        self.config = config
        self._rng = rng
        self._scripted: deque[_Scripted] = deque()

    def configure(self, config: FaultConfig) -> None:
        self.config = config

    def script(self, method: str, path: str, kind: str, count: int = 1) -> None:
        """The next `count` matching requests fail with `kind` (or their renders do)."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; use one of {', '.join(FAULT_KINDS)}")
        self._scripted.append(_Scripted(method.upper(), path, kind, count))

    def clear(self) -> None:
        self._scripted.clear()

    def for_request(self, method: str, path: str) -> str | None:
        """The fault this request suffers, if any: scripted ones first, then chance."""
        scripted = self._take(method, path, (*_REQUEST_KINDS, "429"))
        if scripted is not None:
            return scripted
        draw = self._rng.random()
        for kind, probability in self._probabilities():
            if draw < probability:
                return kind
            draw -= probability
        return None

    def render_fails(self, method: str, path: str) -> bool:
        if self._take(method, path, ("render_failure",)) is not None:
            return True
        return self.config.render_failure > 0 and self._rng.random() < self.config.render_failure

    def _take(self, method: str, path: str, kinds: tuple[str, ...]) -> str | None:
        for entry in self._scripted:
            if entry.method == method and entry.path == path and entry.kind in kinds:
                entry.remaining -= 1
                if entry.remaining <= 0:
                    self._scripted.remove(entry)
                return entry.kind
        return None

    def _probabilities(self) -> list[tuple[str, float]]:
        c = self.config
        return [
            ("500", c.http_500),
            ("502", c.http_502),
            ("503", c.http_503),
            ("reset_before", c.reset_before),
            ("reset_after", c.reset_after),
            ("slow", c.slow),
        ]
