"""What every resource shares: the transport, the poll schedule, and typed parsing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from heygen_async._converter import from_wire
from heygen_async._errors import ResponseParseError, ValidationError

if TYPE_CHECKING:
    from heygen_async._polling import PollSchedule
    from heygen_async._transport import Transport

__all__ = ["Resource", "request_model"]

T = TypeVar("T")


class Resource:
    def __init__(self, transport: Transport, poll: PollSchedule) -> None:
        self._transport = transport
        self._poll = poll

    @staticmethod
    def _parse(data: Any, cls: type[T]) -> T:
        return from_wire(data, cls)

    @staticmethod
    def _object(data: Any, what: str) -> Mapping[str, Any]:
        """`data` as a JSON object (none is an empty one), or ResponseParseError."""
        if data is None:
            return {}
        if not isinstance(data, Mapping):
            raise ResponseParseError(what, f"expected an object, got {type(data).__name__}")
        return data

    @staticmethod
    def _parse_list(data: Any, cls: type[T], key: str | None = None) -> list[T]:
        """A list of models from `data`, or from `data[key]` when HeyGen wraps it."""
        if isinstance(data, dict) and key is not None:
            data = data.get(key) or []
        return from_wire(data or [], list[cls])  # type: ignore[valid-type]


def request_model(value: object, cls: type[T]) -> T:
    """`value` as a checked `cls`: a dict of its fields is built (and so validated) like one.

    Without this a dict would reach the wire unchecked, and the server, not the SDK, would
    report the mistake.
    """
    if isinstance(value, cls):
        return value
    if isinstance(value, Mapping):
        try:
            return cls(**value)
        except TypeError as exc:
            if isinstance(exc, ValidationError):
                raise
            raise ValidationError("request", f"is not a valid {cls.__name__}: {exc}") from None
    raise ValidationError("request", f"must be a {cls.__name__}, not {type(value).__name__}")
