"""Bad photos through every public entry point that takes one: each is refused with a PhotoError
naming the problem, and the emulator's request log proves nothing was sent."""

from __future__ import annotations

import io
import struct
import tracemalloc
import zlib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from heygen_async import HeyGenClient
from heygen_async._errors import PhotoError, ValidationError
from heygen_async._photos import MAX_PHOTO_BYTES
from heygen_async._samples import portrait_jpeg, portrait_png
from heygen_async.emulator import DEFAULT_VOICE_ID, Emulator

Entry = Callable[[HeyGenClient, Any], Awaitable[Any]]


def image(width: int, height: int, fmt: str = "JPEG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (180, 120, 90)).save(buffer, fmt)
    return buffer.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def png_bomb(width: int, height: int, *, real: bool) -> bytes:
    """A grayscale PNG claiming width x height. `real`: the pixel data is all there, deflated
    (a few hundred KB that decode to width*height bytes); otherwise a header-only bomb."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    if real:
        squeeze = zlib.compressobj(9)
        row = b"\0" * (width + 1)  # filter byte + pixels
        pixels = b"".join(squeeze.compress(row) for _ in range(height)) + squeeze.flush()
    else:
        pixels = zlib.compress(b"\0")
    signature = b"\x89PNG\r\n\x1a\n"
    return signature + _chunk(b"IHDR", header) + _chunk(b"IDAT", pixels) + _chunk(b"IEND", b"")


def oversize_jpeg() -> bytes:
    """A real JPEG padded to one byte over the cap, ending with its end marker."""
    data = image(600, 600)
    return data[:-2] + b"\0" * (MAX_PHOTO_BYTES + 1 - len(data)) + data[-2:]


# (file name, content: bytes, or None for "make it a directory", or ... for "do not create it",
# message fragments)
PHOTOS: list[tuple[str, Any, list[str]]] = [
    ("small.jpg", image(511, 511), ["511x511", "512x512"]),
    ("narrow.png", image(2000, 511, "PNG"), ["2000x511", "512"]),
    ("oversize.jpg", oversize_jpeg(), ["10,485,761 bytes", "at most 10 MB"]),
    ("anim.gif", image(600, 600, "GIF"), ["GIF", "JPEG or PNG"]),
    ("photo.webp", image(600, 600, "WEBP"), ["WebP", "JPEG or PNG"]),
    ("half.jpg", portrait_jpeg(1)[: len(portrait_jpeg(1)) // 2], ["corrupt or truncated"]),
    ("half.png", portrait_png(1)[: len(portrait_png(1)) // 2], ["corrupt or truncated"]),
    ("png-named.jpg", portrait_png(2), ["content is PNG", "(.jpg) says JPEG"]),
    ("jpeg-named.png", portrait_jpeg(2), ["content is JPEG", "(.png) says PNG"]),
    ("header-bomb.png", png_bomb(30_000, 30_000, real=False), ["decompression bomb"]),
    # 64 MP: under Pillow's own 89 MP limit, so only the SDK's 50 MP cap stops it.
    ("deflate-bomb.png", png_bomb(8_000, 8_000, real=True), ["decompression bomb"]),
    ("empty.jpg", b"", ["file is empty"]),
    ("notes.jpg", b"these are my notes, not a photo", ["not an image", "JPEG or PNG"]),
    ("clip.jpg", b"\0\0\0\x18ftypmp42" + b"\0" * 64, ["MP4", "JPEG or PNG"]),
    ("folder.jpg", None, ["is a directory"]),
    ("missing.jpg", ..., ["does not exist"]),
    ("n" * 300 + ".jpg", ..., ["cannot be read", "too long"]),
]

ENTRIES: dict[str, Entry] = {
    "assets.upload": lambda client, photo: client.assets.upload(photo),
    "talking_photos.upload": lambda client, photo: client.talking_photos.upload(photo),
    "photo_to_video": lambda client, photo: client.photo_to_video(photo, "Hi", DEFAULT_VOICE_ID),
    "photo_to_avatar_iv": lambda client, photo: client.photo_to_avatar_iv(
        photo, "Hi", DEFAULT_VOICE_ID
    ),
}


@pytest.fixture(scope="module")
def photo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bad_photos")
    for name, content, _ in PHOTOS:
        if content is None:
            (folder / name).mkdir()
        elif isinstance(content, bytes):
            (folder / name).write_bytes(content)
    return folder


FILE_CASES = [
    pytest.param(
        (name, fragments),
        entry,
        id=f"{name if len(name) < 40 else 'name-too-long'}-{entry}",
    )
    for name, _, fragments in PHOTOS
    for entry in ENTRIES
]


@pytest.mark.parametrize(("case", "entry"), FILE_CASES)
async def test_bad_photo_file_is_refused_before_sending(
    client: HeyGenClient,
    emulator: Emulator,
    photo_dir: Path,
    case: tuple[str, list[str]],
    entry: str,
) -> None:
    name, fragments = case
    path = photo_dir / name
    with pytest.raises(PhotoError) as caught:
        await ENTRIES[entry](client, path)
    for fragment in fragments:
        assert fragment in str(caught.value)
    assert caught.value.path == path  # the message and the error both say which file
    assert caught.value.field == "photo"
    assert emulator.request_log == []


BYTES_CASES = [
    pytest.param(content, fragments, entry, id=f"{name}-{entry}")
    for name, content, fragments in PHOTOS
    for entry in ("assets.upload", "talking_photos.upload")
    # Bytes have no name to contradict; oversize bytes have their own test (10 MB of id).
    if isinstance(content, bytes)
    and "named" not in name
    and name != "oversize.jpg"
    # assets.upload takes video and audio too: MP4 bytes are a video asset, not a bad photo.
    and (name, entry) != ("clip.jpg", "assets.upload")
]


@pytest.mark.parametrize(("content", "fragments", "entry"), BYTES_CASES)
async def test_bad_photo_bytes_are_refused_before_sending(
    client: HeyGenClient, emulator: Emulator, content: bytes, fragments: list[str], entry: str
) -> None:
    with pytest.raises(PhotoError) as caught:
        await ENTRIES[entry](client, content)
    for fragment in fragments:
        assert fragment in str(caught.value)
    assert emulator.request_log == []


async def test_oversize_bytes_are_refused_before_sending(
    client: HeyGenClient, emulator: Emulator
) -> None:
    with pytest.raises(PhotoError, match="10,485,761 bytes"):
        await client.assets.upload(oversize_jpeg())
    assert emulator.request_log == []


async def test_bomb_is_refused_even_with_pillows_limit_switched_off(
    client: HeyGenClient, emulator: Emulator, photo_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An application may set Image.MAX_IMAGE_PIXELS = None; the SDK's own cap still holds."""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    for name in ("header-bomb.png", "deflate-bomb.png"):
        with pytest.raises(PhotoError, match="decompression bomb"):
            await client.assets.upload(photo_dir / name)
    assert emulator.request_log == []


async def test_oversize_file_is_refused_from_its_size_without_reading_it(
    client: HeyGenClient, emulator: Emulator, tmp_path: Path
) -> None:
    """A 512 MB file (sparse: it takes no disk) is refused on its stat: reading it whole first
    would show as hundreds of MB in the traced peak."""
    path = tmp_path / "huge.jpg"
    with path.open("wb") as handle:
        handle.write(portrait_jpeg(1))
        handle.truncate(512 * 1024 * 1024)
    tracemalloc.start()
    try:
        with pytest.raises(PhotoError, match="at most 10 MB"):
            await client.talking_photos.upload(path)
        with pytest.raises(PhotoError, match="at most 10 MB"):
            await client.assets.upload(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024
    assert emulator.request_log == []


async def test_good_photos_of_both_types_are_sent(
    client: HeyGenClient, emulator: Emulator, tmp_path: Path
) -> None:
    """The other side of the matrix: a 512x512 JPEG and a PNG named .png do leave."""
    jpeg, png = tmp_path / "ok.jpeg", tmp_path / "ok.PNG"
    jpeg.write_bytes(image(512, 512))
    png.write_bytes(portrait_png(3))
    for path in (jpeg, png):
        await client.assets.upload(path)
    assert [(r.path, r.status) for r in emulator.request_log] == [("/v1/asset", 200)] * 2


async def test_oversize_video_asset_is_refused_before_sending(
    client: HeyGenClient, emulator: Emulator, tmp_path: Path
) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"\0\0\0\x18ftypmp42" + b"\0" * MAX_PHOTO_BYTES)
    with pytest.raises(ValidationError, match="10 MB"):
        await client.assets.upload(clip)
    assert emulator.request_log == []
