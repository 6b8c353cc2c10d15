"""The bad-photo matrix: each photo HeyGen would reject is refused locally, with the reason."""

from __future__ import annotations

import asyncio
import hashlib
import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from heygen_async._errors import PhotoError
from heygen_async._photos import (
    MAX_PHOTO_BYTES,
    check_photo,
    check_photo_bytes,
    iter_file,
    sniff_content_type,
)
from heygen_async._samples import portrait_jpeg, portrait_png


def image_bytes(width: int, height: int, fmt: str = "JPEG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (180, 120, 90)).save(buffer, fmt)
    return buffer.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge canvas: the classic decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0"))
        + chunk(b"IEND", b"")
    )


async def test_smallest_accepted_photo_reports_type_size_and_hash(tmp_path: Path) -> None:
    data = image_bytes(512, 512)
    path = tmp_path / "ok.jpg"
    path.write_bytes(data)
    info = await check_photo(path)
    assert (info.content_type, info.width, info.height) == ("image/jpeg", 512, 512)
    assert info.size_bytes == len(data)
    assert info.sha256 == hashlib.sha256(data).hexdigest()


async def test_png_named_jpg_is_refused_naming_both_types(tmp_path: Path) -> None:
    # A name that contradicts the content is usually a botched conversion: the user fixes it.
    path = tmp_path / "actually.jpg"
    path.write_bytes(image_bytes(600, 600, "PNG"))
    with pytest.raises(PhotoError, match=r"content is PNG but its name \(\.jpg\) says JPEG"):
        await check_photo(path)


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("small.jpg", image_bytes(511, 511), "511x511"),
        ("narrow.jpg", image_bytes(511, 2000), "511x2000"),
        ("anim.gif", image_bytes(600, 600, "GIF"), "GIF"),
        ("photo.webp", image_bytes(600, 600, "WEBP"), "WebP"),
        ("truncated.jpg", image_bytes(600, 600)[:-400], "corrupt or truncated"),
        ("empty.jpg", b"", "empty"),
        ("noise.jpg", b"this is not an image at all", "JPEG or PNG"),
        ("bomb.png", png_claiming(30000, 30000), "bomb"),
        ("video.jpg", b"\x00\x00\x00\x18ftypmp42" + b"\0" * 64, "MP4"),
    ],
)
async def test_bad_photos_are_rejected_with_a_reason(
    tmp_path: Path, name: str, data: bytes, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(PhotoError) as caught:
        await check_photo(path)
    assert reason in str(caught.value)
    assert caught.value.path == path
    with pytest.raises(PhotoError, match=reason):
        await check_photo_bytes(data, name=name)


async def test_truncation_is_caught_even_if_pillow_is_told_to_allow_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from PIL import ImageFile  # noqa: PLC0415

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    for fmt in ("JPEG", "PNG"):
        with pytest.raises(PhotoError, match="truncated"):
            await check_photo_bytes(image_bytes(600, 600, fmt)[:-2000])


async def test_over_ten_megabytes_is_refused_before_decoding(tmp_path: Path) -> None:
    path = tmp_path / "huge.jpg"
    # A valid JPEG start followed by padding: only the size check can refuse it cheaply.
    path.write_bytes(image_bytes(600, 600) + b"\0" * MAX_PHOTO_BYTES)
    with pytest.raises(PhotoError, match="at most 10 MB"):
        await check_photo(path)


async def test_missing_path_and_directory_are_named(tmp_path: Path) -> None:
    with pytest.raises(PhotoError, match="does not exist"):
        await check_photo(tmp_path / "nope.jpg")
    with pytest.raises(PhotoError, match="directory"):
        await check_photo(tmp_path)


async def test_check_runs_off_the_event_loop(tmp_path: Path) -> None:
    path = tmp_path / "big.png"
    path.write_bytes(portrait_png(1, size=2400))
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    try:
        await check_photo(path)
    finally:
        task.cancel()
    assert ticks > 1, "the loop was blocked while the photo was decoded"


async def test_iter_file_streams_the_whole_file(tmp_path: Path) -> None:
    data = portrait_jpeg(3)
    path = tmp_path / "p.jpg"
    path.write_bytes(data)
    chunks = [chunk async for chunk in iter_file(path, chunk_size=4096)]
    assert len(chunks) > 1
    assert b"".join(chunks) == data


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"\xff\xd8\xff\xe0", "image/jpeg"),
        (b"GIF89a", "image/gif"),
        (b"RIFF\0\0\0\0WEBPVP8 ", "image/webp"),
        (b"RIFF\0\0\0\0WAVEfmt ", "audio/wav"),
        (b"\0\0\0\x18ftypisom", "video/mp4"),
        (b"\x1a\x45\xdf\xa3", "video/webm"),
        (b"ID3\x04", "audio/mpeg"),
        (b"hello", None),
    ],
)
def test_sniffing_by_magic_bytes(head: bytes, expected: str | None) -> None:
    assert sniff_content_type(head) == expected
