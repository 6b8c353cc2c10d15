"""Photo checks: reject what HeyGen would reject, before a byte is sent.

HeyGen takes JPEG or PNG, at least 512x512 px, under 10 MB. Every check runs in one worker
thread (file read, hash, Pillow decode) so the event loop never blocks on disk or pixels.
"""

from __future__ import annotations

import hashlib
import io
import os
import warnings
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import anyio.to_thread
import attrs
from PIL import Image

from heygen_async._errors import PhotoError

__all__ = [
    "MAX_PHOTO_BYTES",
    "MIN_PHOTO_SIDE",
    "PhotoInfo",
    "check_photo",
    "check_photo_bytes",
    "iter_file",
    "sniff_content_type",
]

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MIN_PHOTO_SIDE = 512
# Far above any real portrait, far below what would exhaust memory when decoded.
_MAX_PIXELS = 50_000_000
_ACCEPTED = {"image/jpeg": "JPEG", "image/png": "PNG"}
_NAMES = {
    "image/gif": "GIF",
    "image/webp": "WebP",
    "video/mp4": "an MP4 video",
    "video/webm": "a WebM video",
    "audio/mpeg": "MP3 audio",
    "audio/wav": "WAV audio",
}


@attrs.frozen
class PhotoInfo:
    """What a checked photo is: its real type (by content), size and content hash."""

    content_type: str
    width: int
    height: int
    size_bytes: int
    sha256: str


# (offset, magic bytes, MIME type); first match wins.
_MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"GIF87a", "image/gif"),
    (0, b"GIF89a", "image/gif"),
    (8, b"WEBP", "image/webp"),
    (8, b"WAVE", "audio/wav"),
    (4, b"ftyp", "video/mp4"),
    (0, b"\x1a\x45\xdf\xa3", "video/webm"),
    (0, b"ID3", "audio/mpeg"),
    (0, b"\xff\xfb", "audio/mpeg"),
    (0, b"\xff\xf3", "audio/mpeg"),
)


def sniff_content_type(head: bytes) -> str | None:
    """The MIME type the magic bytes say, whatever the file name claims."""
    for offset, magic, content_type in _MAGIC:
        if head[offset : offset + len(magic)] == magic:
            return content_type
    return None


async def check_photo(path: str | os.PathLike[str]) -> PhotoInfo:
    """Check a photo file; raise PhotoError naming the problem."""
    return await anyio.to_thread.run_sync(_check_file, Path(path))


async def check_photo_bytes(data: bytes, *, name: str = "<bytes>") -> PhotoInfo:
    """Check photo bytes already in memory; raise PhotoError naming the problem."""
    return await anyio.to_thread.run_sync(_check_data, data, name)


async def iter_file(
    path: str | os.PathLike[str], chunk_size: int = 256 * 1024
) -> AsyncIterator[bytes]:
    """Stream a file in chunks without blocking the loop (uploads never load it whole)."""
    async with await anyio.open_file(path, "rb") as handle:
        while chunk := await handle.read(chunk_size):
            yield chunk


def _check_file(path: Path) -> PhotoInfo:
    try:
        if not path.exists():
            raise PhotoError(path, "file does not exist")
        if path.is_dir():
            raise PhotoError(path, "is a directory, not a photo")
        # Size first (stat only): a 2 GB file is refused without reading it.
        _check_size(path.stat().st_size, path)
        data = path.read_bytes()
    except OSError as exc:
        # Too long a name, no permission, an I/O error: still a photo the user must fix.
        raise PhotoError(path, f"cannot be read: {exc.strerror or exc}") from exc
    return _check_data(data, str(path), suffix=path.suffix)


def _check_size(size: int, where: str | Path) -> None:
    if size == 0:
        raise PhotoError(where, "file is empty")
    if size > MAX_PHOTO_BYTES:
        # Bytes as well as MB: 10 MB plus a few bytes would otherwise read "10.0 MB".
        raise PhotoError(
            where,
            f"photo is {size:,} bytes ({size / 1_048_576:.1f} MB); "
            f"HeyGen accepts at most 10 MB ({MAX_PHOTO_BYTES:,} bytes)",
        )


def _check_data(data: bytes, where: str, *, suffix: str = "") -> PhotoInfo:
    _check_size(len(data), where)
    content_type = sniff_content_type(data[:16])
    if content_type not in _ACCEPTED:
        what = _NAMES.get(content_type or "", "not an image HeyGen reads")
        raise PhotoError(where, f"photo is {what}; HeyGen accepts JPEG or PNG")
    _check_name(suffix, content_type, where)
    _check_complete(data, content_type, where)
    width, height = _decode(data, _ACCEPTED[content_type], where)
    if min(width, height) < MIN_PHOTO_SIDE:
        raise PhotoError(
            where,
            f"photo is {width}x{height} px; HeyGen needs at least "
            f"{MIN_PHOTO_SIDE}x{MIN_PHOTO_SIDE}",
        )
    return PhotoInfo(content_type, width, height, len(data), hashlib.sha256(data).hexdigest())


# The type each image file name promises; a file whose content says otherwise is refused, so
# the user fixes the file (rename or re-save) instead of it passing here and misleading others.
_SUFFIX_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".jpe": "image/jpeg",
    ".jfif": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
}
_TYPE_NAMES = {**_NAMES, "image/jpeg": "JPEG", "image/png": "PNG"}


def _check_name(suffix: str, content_type: str, where: str) -> None:
    named = _SUFFIX_TYPES.get(suffix.lower())
    if named is not None and named != content_type:
        real, claimed = _TYPE_NAMES[content_type], _TYPE_NAMES[named]
        raise PhotoError(
            where,
            f"photo content is {real} but its name ({suffix}) says {claimed}; "
            f"rename it or save it as {claimed}",
        )


# Where a complete file ends: JPEG's EOI marker, PNG's IEND chunk. Checked on the bytes
# themselves, so an application that enables Pillow's LOAD_TRUNCATED_IMAGES still gets the check.
_END_MARKERS = {"image/jpeg": b"\xff\xd9", "image/png": b"IEND"}
_END_WINDOW = 4096  # some cameras append padding after the end marker


def _check_complete(data: bytes, content_type: str, where: str) -> None:
    if _END_MARKERS[content_type] not in data[-_END_WINDOW:]:
        raise PhotoError(where, "photo is corrupt or truncated (its end is missing)")


def _decode(data: bytes, expected_format: str, where: str) -> tuple[int, int]:
    """Decode every byte of the image: verify() alone misses truncated JPEG scan data.

    A JPEG is decoded in draft mode (at 1/8 scale): all of its entropy-coded data is still
    read, so damage is still found, for half the CPU time and a sixty-fourth of the memory.
    """
    try:
        with warnings.catch_warnings():
            # A bomb warning is an error here, but only inside this check.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[expected_format]) as probe:
                size = probe.size
                _check_pixels(size, where)
                probe.verify()
            with Image.open(io.BytesIO(data), formats=[expected_format]) as image:
                if expected_format == "JPEG":
                    image.draft(image.mode, (image.width // 8, image.height // 8))
                image.load()
    except PhotoError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoError(where, "photo is a decompression bomb (too many pixels)") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise PhotoError(where, f"photo is corrupt or truncated ({exc})") from exc
    return size


def _check_pixels(size: tuple[int, int], where: str) -> None:
    if size[0] * size[1] > _MAX_PIXELS:
        raise PhotoError(where, f"photo claims {size[0]}x{size[1]} px: a decompression bomb")
