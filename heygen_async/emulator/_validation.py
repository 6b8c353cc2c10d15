"""Request validation the way HeyGen does it: each rejection names the field at fault."""

from __future__ import annotations

from typing import Any

from heygen_async.emulator._envelopes import ApiError

__all__ = [
    "AI_PHOTO_ENUMS",
    "MAX_SCRIPT_CHARS",
    "bad",
    "enum_field",
    "number_field",
    "obj",
    "optional_text",
    "text_field",
]

MAX_SCRIPT_CHARS = 5000
AI_PHOTO_ENUMS: dict[str, tuple[str, ...]] = {
    "age": ("Young Adult", "Early Middle Age", "Late Middle Age", "Senior", "Unspecified"),
    "gender": ("Woman", "Man", "Unspecified"),
    "ethnicity": (
        "White",
        "Black",
        "Asian American",
        "East Asian",
        "South East Asian",
        "South Asian",
        "Middle Eastern",
        "Pacific",
        "Hispanic",
        "Unspecified",
    ),
    "orientation": ("square", "horizontal", "vertical"),
    "pose": ("half_body", "close_up", "full_body"),
    "style": ("Realistic", "Pixar", "Cinematic", "Vintage", "Noir", "Cyberpunk", "Unspecified"),
}


def bad(field: str, problem: str) -> ApiError:
    return ApiError(400, f"{field} {problem}", code="invalid_parameter")


def obj(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise bad(field, "must be an object")
    return value


def text_field(
    body: dict[str, Any], name: str, where: str = "", *, max_chars: int | None = None
) -> str:
    field = f"{where}{name}"
    value = body.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise bad(field, "is required")
    if not isinstance(value, str):
        raise bad(field, "must be a string")
    if max_chars is not None and len(value) > max_chars:
        raise bad(field, f"must be at most {max_chars} characters (got {len(value)})")
    return value


def optional_text(body: dict[str, Any], name: str, where: str = "") -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise bad(f"{where}{name}", "must be a string")
    return value


def enum_field(
    body: dict[str, Any],
    name: str,
    allowed: tuple[str, ...],
    where: str = "",
    *,
    required: bool = True,
) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if value not in allowed:
        shown = "missing" if value is None else repr(value)
        raise bad(f"{where}{name}", f"must be one of {', '.join(allowed)} (got {shown})")
    return str(value)


def number_field(
    body: dict[str, Any], name: str, low: float, high: float, where: str = ""
) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise bad(f"{where}{name}", "must be a number")
    if not low <= value <= high:
        raise bad(f"{where}{name}", f"must be between {low} and {high} (got {value})")
    return float(value)
