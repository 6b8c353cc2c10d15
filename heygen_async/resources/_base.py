"""What every resource shares: the transport, the poll schedule, and typed parsing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from heygen_async._converter import from_wire

if TYPE_CHECKING:
    from heygen_async._polling import PollSchedule
    from heygen_async._transport import Transport

__all__ = ["Resource"]

T = TypeVar("T")


class Resource:
    def __init__(self, transport: Transport, poll: PollSchedule) -> None:
        self._transport = transport
        self._poll = poll

    @staticmethod
    def _parse(data: Any, cls: type[T]) -> T:
        return from_wire(data, cls)

    @staticmethod
    def _parse_list(data: Any, cls: type[T], key: str | None = None) -> list[T]:
        """A list of models from `data`, or from `data[key]` when HeyGen wraps it."""
        if isinstance(data, dict) and key is not None:
            data = data.get(key) or []
        return from_wire(data or [], list[cls])  # type: ignore[valid-type]
