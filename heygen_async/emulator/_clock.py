"""The emulator's clock: real time times `speed`, plus whatever tests jump ahead.

Job states are derived from this clock, so `advance()` moves every job at once and a high
speed makes a two-minute render take milliseconds of real time.
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["Clock"]

# Emulated time starts at a realistic epoch so timestamps look like HeyGen's.
_EPOCH_START = time.time()


class Clock:
    def __init__(self, speed: float = 1.0) -> None:
        self._speed = speed
        self._real_origin = time.monotonic()
        self._emulated_origin = _EPOCH_START
        self._listeners: list[Callable[[], None]] = []

    @property
    def speed(self) -> float:
        return self._speed

    @speed.setter
    def speed(self, value: float) -> None:
        # Re-anchor so that changing speed never makes time jump backwards.
        self._emulated_origin = self.now()
        self._real_origin = time.monotonic()
        self._speed = value
        self._notify()

    def now(self) -> float:
        """Emulated seconds since the Unix epoch."""
        return self._emulated_origin + (time.monotonic() - self._real_origin) * self._speed

    def advance(self, seconds: float) -> None:
        """Jump ahead: jobs due in the meantime complete at once."""
        self._emulated_origin += seconds
        self._notify()

    def real_seconds(self, emulated: float) -> float:
        """How long `emulated` seconds take in real time."""
        return max(0.0, emulated) / self._speed

    def on_change(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def _notify(self) -> None:
        for listener in self._listeners:
            listener()
