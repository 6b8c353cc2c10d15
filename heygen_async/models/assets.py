"""Uploaded assets and talking photos (contract sections 2 and 3)."""

from __future__ import annotations

import attrs

__all__ = ["Asset", "TalkingPhoto", "TalkingPhotoSummary"]


@attrs.frozen
class Asset:
    """An uploaded file. `image_key` (images only) feeds photo-avatar groups and Avatar IV."""

    id: str
    url: str | None = None
    image_key: str | None = None
    name: str | None = None
    file_type: str | None = None
    folder_id: str | None = None
    created_ts: float | None = None


@attrs.frozen
class TalkingPhoto:
    """A talking photo, usable as `talking_photo_id` in a video."""

    talking_photo_id: str
    talking_photo_url: str | None = None


@attrs.frozen
class TalkingPhotoSummary:
    id: str
    image_url: str | None = None
    circle_image: str | None = None
