"""Avatar IV renders (`POST /v2/video/av4/generate`): a photo speaks, no training needed."""

from __future__ import annotations

from typing import Any

import attrs

from heygen_async.models._checks import MAX_SCRIPT_CHARS, REQUIRED, optional_enum, text
from heygen_async.models._enums import Fit, VideoOrientation
from heygen_async.models.videos import Dimension

__all__ = ["AvatarIVRequest"]


@attrs.frozen(kw_only=True)
class AvatarIVRequest:
    image_key: str = REQUIRED
    script: str = REQUIRED
    voice_id: str = REQUIRED
    video_title: str | None = None
    audio_url: str | None = None
    audio_asset_id: str | None = None
    video_orientation: VideoOrientation | None = None
    fit: Fit | None = None
    custom_motion_prompt: str | None = None
    enhance_custom_motion_prompt: bool | None = None
    callback_id: str | None = None
    callback_url: str | None = None
    test: bool | None = None
    dimension: Dimension | None = None

    def __attrs_post_init__(self) -> None:
        text("image_key", self.image_key)
        text("script", self.script, max_chars=MAX_SCRIPT_CHARS)
        # HeyGen requires voice_id even when custom audio overrides the speech.
        text("voice_id", self.voice_id)
        # Frozen model: the wire strings are swapped for enum members once, at construction.
        object.__setattr__(self, "video_orientation", _orientation(self.video_orientation))
        object.__setattr__(self, "fit", _fit(self.fit))


def _orientation(value: Any) -> VideoOrientation | None:
    return optional_enum("video_orientation", VideoOrientation, value)


def _fit(value: Any) -> Fit | None:
    return optional_enum("fit", Fit, value)
