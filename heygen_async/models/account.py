"""Voices, remaining quota and webhook endpoints (contract sections 9 and 10)."""

from __future__ import annotations

import attrs

__all__ = ["RemainingQuota", "Voice", "WebhookEndpoint"]


@attrs.frozen
class Voice:
    voice_id: str
    name: str | None = None
    language: str | None = None
    gender: str | None = None
    preview_audio: str | None = None
    support_pause: bool | None = None
    emotion_support: bool | None = None


@attrs.frozen
class RemainingQuota:
    """HeyGen counts quota in credit-seconds: 60 of them make one credit."""

    remaining_quota: float
    details: dict[str, float] = attrs.field(factory=dict)

    @property
    def credits(self) -> float:
        return self.remaining_quota / 60


@attrs.frozen
class WebhookEndpoint:
    endpoint_id: str
    url: str
    secret: str | None = attrs.field(default=None, repr=False)
    status: str | None = None
    events: list[str] | None = None
    created_at: str | None = None
