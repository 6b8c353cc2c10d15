"""What `/v2/video/generate` and `/v2/video/av4/generate` accept (contract sections 4 and 7)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from heygen_async.emulator._envelopes import ApiError
from heygen_async.emulator._state import Tenant
from heygen_async.emulator._validation import (
    MAX_SCRIPT_CHARS,
    bad,
    enum_field,
    number_field,
    obj,
    optional_text,
    text_field,
)

__all__ = ["check_av4_body", "check_video_body"]

MAX_SCENES = 50


def check_video_body(body: dict[str, Any], tenant: Tenant, voices: Iterable[str]) -> str:
    """Validate a video request; return its whole spoken script (for timing and billing)."""
    scenes = body.get("video_inputs")
    if not isinstance(scenes, list):
        raise bad("video_inputs", "is required and must be a list")
    if not 1 <= len(scenes) <= MAX_SCENES:
        raise bad("video_inputs", f"must have 1 to {MAX_SCENES} scenes (got {len(scenes)})")
    _check_dimension(body.get("dimension"))
    optional_text(body, "title")
    optional_text(body, "callback_id")
    voice_ids = frozenset(voices)
    scripts = [
        _check_scene(obj(scene, f"video_inputs[{n}]"), n, tenant, voice_ids)
        for n, scene in enumerate(scenes)
    ]
    return " ".join(script for script in scripts if script)


def _check_scene(scene: dict[str, Any], n: int, tenant: Tenant, voice_ids: frozenset[str]) -> str:
    where = f"video_inputs[{n}]."
    _check_character(obj(scene.get("character"), f"{where}character"), f"{where}character.", tenant)
    script = _check_voice(
        obj(scene.get("voice"), f"{where}voice"), f"{where}voice.", tenant, voice_ids
    )
    if scene.get("background") is not None:
        background = obj(scene["background"], f"{where}background")
        enum_field(background, "type", ("color", "image", "video"), f"{where}background.")
    return script


def _check_character(character: dict[str, Any], where: str, tenant: Tenant) -> None:
    kind = enum_field(character, "type", ("avatar", "talking_photo"), where)
    if kind == "avatar":
        text_field(character, "avatar_id", where)
        enum_field(
            character, "avatar_style", ("normal", "closeUp", "circle"), where, required=False
        )
    else:
        talking_photo_id = text_field(character, "talking_photo_id", where)
        if not _speaks(tenant, talking_photo_id):
            raise bad(
                f"{where}talking_photo_id",
                f"{talking_photo_id!r} is not a talking photo of this account",
            )
    number_field(character, "scale", 0.0, 5.0, where)


def _speaks(tenant: Tenant, talking_photo_id: str) -> bool:
    return (
        talking_photo_id in tenant.talking_photos
        or talking_photo_id in tenant.avatars
        or talking_photo_id in tenant.groups
    )


def _check_voice(
    voice: dict[str, Any], where: str, tenant: Tenant, voice_ids: frozenset[str]
) -> str:
    kind = enum_field(voice, "type", ("text", "audio", "silence"), where)
    if kind == "text":
        voice_id = text_field(voice, "voice_id", where)
        if voice_id not in voice_ids:
            raise bad(f"{where}voice_id", f"{voice_id!r} is not a known voice")
        script = text_field(voice, "input_text", where, max_chars=MAX_SCRIPT_CHARS)
        number_field(voice, "speed", 0.5, 1.5, where)
        number_field(voice, "pitch", -50, 50, where)
        return script
    if kind == "audio":
        # Type first: a list or an object as the id made the asset lookup raise (a 500).
        audio_url = optional_text(voice, "audio_url", where)
        asset_id = optional_text(voice, "audio_asset_id", where)
        if not (audio_url or asset_id):
            raise bad(f"{where}audio_url", "or audio_asset_id is required for an audio voice")
        if asset_id is not None and asset_id not in tenant.assets:
            raise bad(f"{where}audio_asset_id", f"{asset_id!r} is not an asset of this account")
        return "audio " * 10
    duration = number_field(voice, "duration", 1, 100, where)
    if duration is None:
        raise bad(f"{where}duration", "is required for a silence voice")
    return ""


def _check_dimension(dimension: Any) -> None:
    if dimension is None:
        return
    dimension = obj(dimension, "dimension")
    for side in ("width", "height"):
        value = dimension.get(side)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 4096:
            raise bad(f"dimension.{side}", "must be an integer between 1 and 4096")


def check_av4_body(body: dict[str, Any], tenant: Tenant, voices: Iterable[str]) -> str:
    """Validate an Avatar IV request; return its script."""
    key_field = "image_key" if body.get("image_key") is not None else "photo_s3_key"
    image_key = text_field(body, key_field) if key_field in body else None
    if image_key is None:
        raise bad("image_key", "is required")
    if image_key not in tenant.image_keys:
        raise bad(key_field, f"{image_key!r} is not an image uploaded to this account")
    script = text_field(body, "script", max_chars=MAX_SCRIPT_CHARS)
    voice_id = text_field(body, "voice_id")
    if voice_id not in frozenset(voices):
        raise bad("voice_id", f"{voice_id!r} is not a known voice")
    enum_field(body, "video_orientation", ("portrait", "landscape", "square"), required=False)
    enum_field(body, "fit", ("cover", "contain"), required=False)
    optional_text(body, "video_title")
    optional_text(body, "custom_motion_prompt")
    _check_dimension(body.get("dimension"))
    if not isinstance(body.get("enhance_custom_motion_prompt", False), bool):
        raise ApiError(400, "enhance_custom_motion_prompt must be a boolean")
    return script
