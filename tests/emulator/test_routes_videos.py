"""Independent check: a completed video serves a real MP4 and a decodable JPEG."""

from __future__ import annotations

import io

import aiohttp
from PIL import Image

from heygen_async.emulator import Emulator
from tests.emulator.helpers import Api


async def test_completed_video_media_is_real(
    api: Api, emulator: Emulator, session: aiohttp.ClientSession
) -> None:
    status, body = await api.video()
    assert status == 200, body
    video_id = body["data"]["video_id"]
    for _ in range(50):
        emulator.clock.advance(60)
        _, got = await api.call("GET", f"/v1/video_status.get?video_id={video_id}")
        if got["data"]["status"] in ("completed", "failed"):
            break
    assert got["code"] == 100
    assert got["data"]["status"] == "completed"
    async with session.get(got["data"]["video_url"]) as resp:
        assert resp.status == 200
        mp4 = await resp.read()
    assert mp4[4:8] == b"ftyp"
    async with session.get(got["data"]["thumbnail_url"]) as resp:
        assert resp.status == 200
        jpg = await resp.read()
    Image.open(io.BytesIO(jpg)).verify()
