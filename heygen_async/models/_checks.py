"""Local validation shared by the request models: fail before anything is sent."""

from __future__ import annotations

from enum import Enum
from typing import Any, TypeVar

from heygen_async._errors import ValidationError

__all__ = ["enum_value", "number_in", "optional_enum", "text"]

E = TypeVar("E", bound=Enum)

MAX_SCRIPT_CHARS = 5000


def text(field: str, value: Any, *, max_chars: int | None = None) -> str:
    """A required, non-blank string, optionally capped in length."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, "is required and must be a non-empty string")
    if max_chars is not None and len(value) > max_chars:
        raise ValidationError(field, f"is {len(value)} characters; the limit is {max_chars}")
    return value


def number_in(field: str, value: float | None, low: float, high: float) -> None:
    """An optional number that, when given, lies in [low, high]."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(field, f"must be a number between {low} and {high}")
    if not low <= value <= high:
        raise ValidationError(field, f"is {value}; it must be between {low} and {high}")


def enum_value(field: str, enum: type[E], value: Any) -> E:
    """Coerce a wire string (or the member itself) to the enum, naming allowed values."""
    if isinstance(value, enum):
        return value
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(repr(member.value) for member in enum)
        raise ValidationError(field, f"{value!r} is not one of {allowed}") from None


def optional_enum(field: str, enum: type[E], value: Any) -> E | None:
    return None if value is None else enum_value(field, enum, value)
