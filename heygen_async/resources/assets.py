"""Asset uploads (`POST upload.heygen.com/v1/asset`): raw bytes streamed, photos checked first."""

from __future__ import annotations

import os
from collections.abc import AsyncIterable, Callable
from pathlib import Path

import anyio.to_thread
import attrs

from heygen_async._errors import ValidationError
from heygen_async._photos import (
    MAX_PHOTO_BYTES,
    check_photo,
    check_photo_bytes,
    iter_file,
    sniff_content_type,
)
from heygen_async.models import Asset
from heygen_async.resources._base import Resource

__all__ = ["Assets", "UploadBody", "prepare_upload"]

Source = str | os.PathLike[str] | bytes | AsyncIterable[bytes]
_IMAGES = ("image/jpeg", "image/png")
_MEDIA = ("audio/mpeg", "audio/wav", "video/mp4", "video/webm")
_ALLOWED = (*_IMAGES, *_MEDIA)
_PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png")
MAX_UPLOAD_BYTES = MAX_PHOTO_BYTES  # the upload host refuses any larger body with 413


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
        _check_media_size(len(data))
        return UploadBody(media, data)
    return UploadBody((await check_photo_bytes(data)).content_type, data)


async def _from_path(path: Path, content_type: str | None, photo_only: bool) -> UploadBody:
    head, size = await anyio.to_thread.run_sync(_read_head, path)
    # A file named like a photo is checked as one, so video bytes in `me.jpg` are refused
    # with a message naming both, instead of being sent as a video.
    named_photo = path.suffix.lower() in _PHOTO_SUFFIXES
    media = _media_type(content_type, sniff_content_type(head), photo_only or named_photo)
    if media is None:
        # The photo check names missing files, directories, empty files and wrong formats.
        media = (await check_photo(path)).content_type
    else:
        _check_media_size(size)
    return UploadBody(media, lambda: iter_file(path))


def _check_media_size(size: int) -> None:
    """Audio and video get the upload host's limits too, before a byte is sent."""
    if size == 0:
        raise ValidationError("source", "is empty")
    if size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            "source", f"is {size:,} bytes; at most 10 MB ({MAX_UPLOAD_BYTES:,} bytes) is accepted"
        )


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


def _read_head(path: Path) -> tuple[bytes, int]:
    """The first bytes (to sniff the type) and the size of the file."""
    try:
        with path.open("rb") as handle:
            return handle.read(16), os.fstat(handle.fileno()).st_size
    except OSError:
        return b"", 0  # the photo check or the type check names the real problem


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
    async def upload(
        self, source: Source, *, content_type: str | None = None, photo_only: bool = False
    ) -> Asset:
        """Upload a file, bytes or an async byte stream; photos are checked before sending.

        `photo_only=True` refuses anything but a JPEG or PNG photo (audio and video included).
        """
        body = await prepare_upload(source, content_type, photo_only=photo_only)
        data = await self._transport.request(
            "POST", "/v1/asset", host="upload", content=body.content, content_type=body.content_type
        )
        return self._parse(data, Asset)
