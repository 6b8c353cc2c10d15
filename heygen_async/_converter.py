"""The one cattrs converter: attrs models to HeyGen's JSON and back.

Outgoing JSON drops unset (None) fields because HeyGen rejects some explicit nulls. Incoming
JSON is read tolerantly, as the contract asks: unknown fields ignored, ids as strings whatever
their JSON type, timestamps int or float, `error` as null, a string or an object.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from enum import StrEnum
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_unstructure_fn

from heygen_async._errors import ResponseParseError
from heygen_async.models.videos import RenderError

__all__ = ["converter", "from_wire", "to_wire"]

T = TypeVar("T")

converter = cattrs.Converter(forbid_extra_keys=False)


def _structure_float(value: Any, _: type) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError(f"expected a number, got {type(value).__name__}")
    try:
        number = float(value)
    except OverflowError:  # an int beyond float's range
        raise ValueError("number out of range for a float") from None
    # json.loads accepts NaN and Infinity (and "1e999" reads as inf), but no HeyGen quantity is
    # one: a NaN balance or timestamp would only fail later, far from the answer that held it.
    if not math.isfinite(number):
        raise ValueError(f"expected a finite number, got {str(value)[:40]}")
    return number


def _structure_str(value: Any, _: type) -> str:
    # Ids come back as strings or numbers depending on the endpoint; both mean the same id.
    if isinstance(value, dict | list) or value is None:
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return str(value)


def _structure_bool(value: Any, _: type) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def _structure_enum(value: Any, cls: type[StrEnum]) -> StrEnum:
    return cls(value)


converter.register_structure_hook(float, _structure_float)
converter.register_structure_hook(str, _structure_str)
converter.register_structure_hook(bool, _structure_bool)
# StrEnum precedes str in every wire enum's MRO, so enums do not fall into the str hook.
converter.register_structure_hook(StrEnum, _structure_enum)


def _structure_render_error(value: Any, _: type) -> RenderError:
    # HeyGen reports a failure as a plain string in some places, an object in others.
    if isinstance(value, str):
        return RenderError(message=value)
    if not isinstance(value, dict):
        raise TypeError(f"expected an error object, got {type(value).__name__}")
    code = value.get("code")
    return RenderError(
        code=None if code is None else str(code),
        message=str(value.get("message") or value.get("msg") or "render failed"),
        detail=None if value.get("detail") is None else str(value["detail"]),
    )


converter.register_structure_hook(RenderError, _structure_render_error)


def _unstructure_without_none(cls: type[Any]) -> Callable[[Any], dict[str, Any]]:
    # Dropping None inside each model's generated function, rather than walking the finished
    # JSON afterwards, halves the cost of building a request body (benchmarks/overhead.py).
    unstructure = make_dict_unstructure_fn(cls, converter)

    def without_none(model: Any) -> dict[str, Any]:
        return {key: value for key, value in unstructure(model).items() if value is not None}

    return without_none


converter.register_unstructure_hook_factory(attrs.has, _unstructure_without_none)


def to_wire(model: Any) -> Any:
    """Unstructure a request model to JSON: enums as their values, None fields left out."""
    return converter.unstructure(model)


def from_wire(data: Any, cls: type[T], what: str | None = None) -> T:
    """Structure response JSON into `cls`; any mismatch becomes a ResponseParseError."""
    try:
        return converter.structure(data, cls)
    except (cattrs.BaseValidationError, ValueError, TypeError, KeyError, AttributeError) as exc:
        detail = (
            "; ".join(cattrs.transform_error(exc))
            if isinstance(exc, cattrs.BaseValidationError)
            else str(exc)
        )
        raise ResponseParseError(what or cls.__name__, detail[:500]) from exc
