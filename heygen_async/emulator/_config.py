"""Emulator settings. Every default follows the contract's "Decisions" section."""

from __future__ import annotations

import attrs

__all__ = ["EmulatorConfig", "FaultConfig"]


@attrs.define
class FaultConfig:
    """Probabilities in [0, 1] per request (or per render), drawn from a seeded generator."""

    http_500: float = 0.0
    http_502: float = 0.0
    http_503: float = 0.0
    reset_before: float = 0.0  # connection dropped before the handler runs: nothing happened
    reset_after: float = 0.0  # handler runs (job created, credits taken), then no answer
    slow: float = 0.0
    slow_seconds: float = 1.0  # real seconds added to a slow response
    render_failure: float = 0.0  # a created render ends failed


@attrs.define
class EmulatorConfig:
    api_keys: tuple[str, ...] = ("sk-emulator",)  # one tenant per key
    speed: float = 1.0  # emulated seconds per real second
    render_slots: int = 10  # renders in flight per key before a create gets 429
    credits: float = 1000.0  # starting balance per tenant
    request_rate: float | None = None  # requests per second per key; None = unlimited
    request_burst: int = 20
    seed: int = 0
    max_upload_bytes: int = 10 * 1024 * 1024
    min_photo_side: int = 512
    url_ttl_seconds: float = 7 * 24 * 3600  # emulated seconds a signed media URL lives
    faults: FaultConfig = attrs.field(factory=FaultConfig)
    webhook_max_attempts: int = 4
