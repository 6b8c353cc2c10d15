"""Local validation shared by the request models: fail before anything is sent."""

from __future__ import annotations

from enum import Enum
from typing import Any, TypeVar

from heygen_async._errors import ValidationError

__all__ = ["REQUIRED", "MissingFieldError", "enum_value", "number_in", "optional_enum", "text"]

E = TypeVar("E", bound=Enum)

MAX_SCRIPT_CHARS = 5000


class _Required:
    def __repr__(self) -> str:
        return "<required>"


# The default of a field HeyGen requires (`name: str = REQUIRED`). Left out, the field's check
# raises a ValidationError naming it instead of Python's bare TypeError from __init__, so a caller
# building requests from data (a form, a JSON file) catches one error type for all bad input.
REQUIRED: Any = _Required()


class MissingFieldError(ValidationError, TypeError):
    """A required field left out. Also a TypeError: that is what Python raises for a missing
    argument, so code written against plain attrs classes keeps working."""


def _check_given(field: str, value: Any, choices: str = "") -> None:
    if value is REQUIRED:
        raise MissingFieldError(field, f"is required but was not given{choices}")


def text(field: str, value: Any, *, max_chars: int | None = None) -> str:
    """A required, non-blank string, optionally capped in length."""
    _check_given(field, value)
    if value is not None and not isinstance(value, str):
        # A Path given where a URL or an id goes is a common slip: say what was given.
        raise ValidationError(field, f"must be a string, not {type(value).__name__}")
    if not value or not value.strip():
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
    _check_given(field, value, f": one of {_allowed(enum)}")
    if isinstance(value, enum):
        return value
    if value is None:
        raise ValidationError(field, f"is required: one of {_allowed(enum)}")
    try:
        return enum(value)
    except ValueError:
        raise ValidationError(field, f"{value!r} is not one of {_allowed(enum)}") from None


def _allowed(enum: type[Enum]) -> str:
    return ", ".join(repr(member.value) for member in enum)


def optional_enum(field: str, enum: type[E], value: Any) -> E | None:
    return None if value is None else enum_value(field, enum, value)
