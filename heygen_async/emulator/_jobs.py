"""Jobs whose state is a function of the clock: renders, AI photo generations, training.

Nothing ticks per job: a job stores when it started and how long it takes, and its status is
computed when asked. The server settles finished renders (freeing slots, firing webhooks) from
a heap ordered by end time.
"""

from __future__ import annotations

import attrs

__all__ = [
    "FAIL_MARKER",
    "Generation",
    "Render",
    "Training",
    "render_seconds",
    "spoken_seconds",
]

# A script (or AI-photo prompt) containing this renders `failed`: deterministic failures for tests.
FAIL_MARKER = "EMULATOR_FAIL"

WORDS_PER_SECOND = 2.5
MIN_RENDER_SECONDS = 3.0


def spoken_seconds(script: str) -> float:
    """How long the script takes to say, at HeyGen's typical 2.5 words a second."""
    return max(1.0, len(script.split()) / WORDS_PER_SECOND)


def render_seconds(script: str) -> float:
    return max(MIN_RENDER_SECONDS, spoken_seconds(script))


@attrs.define
class Render:
    """A video or Avatar IV render: waiting 5 %, pending to 15 %, processing to 100 %."""

    id: str
    kind: str  # "video" | "avatar_iv"
    created_at: float
    seconds: float
    duration: float
    fails: bool = False
    failure: str = "Render failed: the photo could not be animated."
    title: str | None = None
    callback_id: str | None = None
    callback_url: str | None = None
    settled: bool = False  # its end has been processed: slot freed, webhooks queued

    @property
    def ends_at(self) -> float:
        return self.created_at + self.seconds

    def status(self, now: float) -> str:
        progress = (now - self.created_at) / self.seconds
        if progress >= 1:
            return "failed" if self.fails else "completed"
        if progress >= 0.15:
            return "processing"
        return "pending" if progress >= 0.05 else "waiting"


@attrs.define
class Generation:
    """An AI photo (or look) generation: pending, then success with four images, or failed."""

    id: str
    created_at: float
    seconds: float = 20.0
    fails: bool = False

    def status(self, now: float) -> str:
        progress = (now - self.created_at) / self.seconds
        if progress >= 1:
            return "failed" if self.fails else "success"
        return "processing" if progress >= 0.1 else "pending"

    def image_keys(self) -> list[str]:
        return [f"photo_generation/{self.id}/image{n}.jpg" for n in range(1, 5)]


@attrs.define
class Training:
    group_id: str
    created_at: float
    seconds: float = 240.0

    def status(self, now: float) -> str:
        progress = (now - self.created_at) / self.seconds
        if progress >= 1:
            return "ready"
        return "training" if progress >= 0.05 else "pending"
