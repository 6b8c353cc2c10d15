"""Asset uploads (`POST upload.heygen.com/v1/asset`): raw bytes streamed, photos checked first."""

from __future__ import annotations

import os
from collections.abc import AsyncIterable, Callable
from pathlib import Path

import anyio.to_thread
import attrs

from heygen_async._errors import ValidationError
from heygen_async._photos import check_photo, check_photo_bytes, iter_file, sniff_content_type
from heygen_async.models import Asset
from heygen_async.resources._base import Resource

__all__ = ["Assets", "UploadBody", "prepare_upload"]

Source = str | os.PathLike[str] | bytes | AsyncIterable[bytes]
_IMAGES = ("image/jpeg", "image/png")
_MEDIA = ("audio/mpeg", "audio/wav", "video/mp4", "video/webm")
_ALLOWED = (*_IMAGES, *_MEDIA)


@attrs.frozen
class UploadBody:
    """What the transport sends: a content type and a body it can replay on retry."""

    content_type: str
    content: bytes | Callable[[], AsyncIterable[bytes]]


async def prepare_upload(
    source: Source, content_type: str | None, *, photo_only: bool = False
) -> UploadBody:
    """Validate a source locally and turn it into a replayable upload body."""
    if isinstance(source, bytes):
        return await _from_bytes(source, content_type, photo_only)
    if isinstance(source, str | os.PathLike):
        return await _from_path(Path(source), content_type, photo_only)
    if content_type is None:
        raise ValidationError("content_type", "is required when uploading from a stream")
    return UploadBody(_checked_type(content_type, photo_only), _once(source))


async def _from_bytes(data: bytes, content_type: str | None, photo_only: bool) -> UploadBody:
    media = _media_type(content_type, sniff_content_type(data[:16]), photo_only)
    if media is not None:
        return UploadBody(media, data)
    return UploadBody((await check_photo_bytes(data)).content_type, data)


async def _from_path(path: Path, content_type: str | None, photo_only: bool) -> UploadBody:
    head = await anyio.to_thread.run_sync(_read_head, path)
    media = _media_type(content_type, sniff_content_type(head), photo_only)
    if media is None:
        # The photo check names missing files, directories, empty files and wrong formats.
        media = (await check_photo(path)).content_type
    return UploadBody(media, lambda: iter_file(path))


def _media_type(declared: str | None, sniffed: str | None, photo_only: bool) -> str | None:
    """The audio/video type to send as is, or None: then it is a photo and gets checked."""
    if photo_only:
        return None
    kind = declared or sniffed
    if kind in _MEDIA:
        return kind
    if declared is not None and declared not in _IMAGES:
        raise ValidationError("content_type", f"{declared} is not one of {', '.join(_ALLOWED)}")
    return None


def _read_head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(16)
    except OSError:
        return b""  # the photo check or the type check names the real problem


def _checked_type(content_type: str, photo_only: bool) -> str:
    allowed = _IMAGES if photo_only else _ALLOWED
    if content_type not in allowed:
        shown = content_type or "unknown"
        raise ValidationError("content_type", f"{shown} is not one of {', '.join(allowed)}")
    return content_type


def _once(stream: AsyncIterable[bytes]) -> Callable[[], AsyncIterable[bytes]]:
    """A caller's stream can be sent once; a retry after it was consumed fails clearly."""
    used = False

    def factory() -> AsyncIterable[bytes]:
        nonlocal used
        if used:
            raise ValidationError("source", "an async stream cannot be re-sent on retry")
        used = True
        return stream

    return factory


class Assets(Resource):
    async def upload(self, source: Source, *, content_type: str | None = None) -> Asset:
        """Upload a file, bytes or an async byte stream; photos are checked before sending."""
        body = await prepare_upload(source, content_type)
        data = await self._transport.request(
            "POST", "/v1/asset", host="upload", content=body.content, content_type=body.content_type
        )
        return self._parse(data, Asset)
