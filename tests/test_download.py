"""Downloads over real HTTP on loopback: atomic, cancellable, confined to their folder."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from heygen_async._download import download_to, safe_filename
from heygen_async._errors import APIConnectionError, PermissionDeniedError, ValidationError

PAYLOAD = bytes(range(256)) * 4096  # 1 MiB


async def _full(_: web.Request) -> web.Response:
    return web.Response(body=PAYLOAD, content_type="video/mp4")


async def _expired(_: web.Request) -> web.Response:
    return web.Response(status=403, text="expired")


async def _broken(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Length": str(len(PAYLOAD))})
    await response.prepare(request)
    await response.write(PAYLOAD[:100_000])
    assert request.transport is not None
    request.transport.abort()  # the connection dies mid-body
    return response


async def _slow(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Length": str(len(PAYLOAD))})
    await response.prepare(request)
    await response.write(PAYLOAD[:65536])
    # Stalls until the client goes away (the cancelled download closes the connection).
    while request.transport is not None and not request.transport.is_closing():  # noqa: ASYNC110  # aiohttp offers no event for a client hang-up
        await asyncio.sleep(0.02)
    return response


@pytest.fixture
async def server() -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_get("/full.mp4", _full)
    app.router.add_get("/expired.mp4", _expired)
    app.router.add_get("/broken.mp4", _broken)
    app.router.add_get("/slow.mp4", _slow)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


def leftovers(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir()) if directory.exists() else []


async def test_download_writes_the_file_and_reports_progress(
    server: str, session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    progress: list[tuple[int, int | None]] = []
    out = tmp_path / "nested" / "out"
    path = await download_to(
        session,
        f"{server}/full.mp4?Expires=1&Signature=abc",
        out,
        "video.mp4",
        on_progress=lambda done, total: progress.append((done, total)),
    )
    assert path == (out / "video.mp4").resolve()
    assert path.read_bytes() == PAYLOAD
    assert progress[-1] == (len(PAYLOAD), len(PAYLOAD))
    assert leftovers(out) == ["video.mp4"]


async def test_expired_url_says_so_and_leaves_nothing(
    server: str, session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    with pytest.raises(PermissionDeniedError, match="expired") as caught:
        await download_to(session, f"{server}/expired.mp4?Signature=secret", tmp_path, "v.mp4")
    assert caught.value.status == 403
    assert "secret" not in str(caught.value)
    assert leftovers(tmp_path) == []


async def test_broken_stream_leaves_no_partial_file(
    server: str, session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    with pytest.raises(APIConnectionError):
        await download_to(session, f"{server}/broken.mp4", tmp_path, "v.mp4")
    assert leftovers(tmp_path) == []


async def test_cancelled_download_leaves_no_files(
    server: str, session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    task = asyncio.create_task(download_to(session, f"{server}/slow.mp4", tmp_path, "v.mp4"))
    for _ in range(200):
        await asyncio.sleep(0.01)
        if any(name.endswith(".part") for name in leftovers(tmp_path)):
            break
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    "hostile",
    ["../../etc/passwd", "/abs/path.mp4", "a/b.mp4", "C:\\x\\y.mp4", "..\\..\\z.mp4", "\x00x.mp4"],
)
async def test_hostile_names_stay_inside_the_folder(
    server: str, session: aiohttp.ClientSession, tmp_path: Path, hostile: str
) -> None:
    out = tmp_path / "out"
    path = await download_to(session, f"{server}/full.mp4", out, hostile)
    assert path.parent == out.resolve()
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


@pytest.mark.parametrize("empty", ["", "..", "/", "...", "\\"])
def test_names_with_nothing_left_are_refused(empty: str) -> None:
    with pytest.raises(ValidationError):
        safe_filename(empty)
