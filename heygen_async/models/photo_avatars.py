"""AI photo generation, photo-avatar groups, looks, training and motion (contract section 8)."""

from __future__ import annotations

from typing import Any

import attrs

from heygen_async.models._checks import REQUIRED, enum_value, text
from heygen_async.models._enums import (
    Age,
    Ethnicity,
    Gender,
    GenerationStatus,
    Orientation,
    Pose,
    Style,
    TrainingStatus,
)

__all__ = [
    "AIPhotoRequest",
    "LookRequest",
    "PhotoAvatar",
    "PhotoAvatarGroup",
    "PhotoGeneration",
    "PhotoGenerationCreated",
    "TrainingStatusInfo",
]

MAX_APPEARANCE_CHARS = 1000


def _coerce_enums(model: Any, fields: dict[str, type[Any]]) -> None:
    """Accept wire strings for enum fields; a wrong value names the field and the choices."""
    for name, enum in fields.items():
        # The models are frozen: setting once, during construction, keeps them immutable after.
        object.__setattr__(model, name, enum_value(name, enum, getattr(model, name)))


_PHOTO_ENUMS: dict[str, type[Any]] = {
    "age": Age,
    "gender": Gender,
    "ethnicity": Ethnicity,
    "orientation": Orientation,
    "pose": Pose,
    "style": Style,
}


@attrs.frozen(kw_only=True)
class AIPhotoRequest:
    """All eight fields are required by HeyGen; strings are checked against the enums here.

    A field left out raises a ValidationError naming it (also a TypeError), like a bad value.
    """

    name: str = REQUIRED
    age: Age = REQUIRED
    gender: Gender = REQUIRED
    ethnicity: Ethnicity = REQUIRED
    orientation: Orientation = REQUIRED
    pose: Pose = REQUIRED
    style: Style = REQUIRED
    appearance: str = REQUIRED

    def __attrs_post_init__(self) -> None:
        text("name", self.name)
        _coerce_enums(self, _PHOTO_ENUMS)
        text("appearance", self.appearance, max_chars=MAX_APPEARANCE_CHARS)


@attrs.frozen(kw_only=True)
class LookRequest:
    """A new look for a trained group (`POST /v2/photo_avatar/look/generate`)."""

    group_id: str = REQUIRED
    prompt: str = REQUIRED
    orientation: Orientation = REQUIRED
    pose: Pose = REQUIRED
    style: Style = REQUIRED

    def __attrs_post_init__(self) -> None:
        text("group_id", self.group_id)
        _coerce_enums(self, {key: _PHOTO_ENUMS[key] for key in ("orientation", "pose", "style")})
        text("prompt", self.prompt, max_chars=MAX_APPEARANCE_CHARS)


@attrs.frozen
class PhotoGenerationCreated:
    generation_id: str


@attrs.frozen
class PhotoGeneration:
    id: str
    status: GenerationStatus
    image_url_list: list[str] = attrs.field(factory=list)
    image_key_list: list[str] = attrs.field(factory=list)
    msg: str | None = None


@attrs.frozen
class PhotoAvatar:
    """A photo avatar or look; its `id` works as `talking_photo_id` in a video."""

    id: str
    group_id: str | None = None
    name: str | None = None
    image_url: str | None = None
    status: str | None = None
    created_at: float | None = None
    is_motion: bool | None = None
    business_type: str | None = None
    motion_preview_url: str | None = None


@attrs.frozen
class PhotoAvatarGroup:
    id: str
    name: str | None = None
    created_at: float | None = None
    num_looks: int | None = None
    preview_image: str | None = None
    group_type: str | None = None
    train_status: str | None = None


@attrs.frozen
class TrainingStatusInfo:
    status: TrainingStatus
    error_msg: str | None = None
    created_at: float | None = None
    updated_at: float | None = None
