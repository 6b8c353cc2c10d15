"""Implementation checks of contract details the main suite does not pin down."""

from __future__ import annotations

import logging

import aiohttp
import pytest

from heygen_async.emulator import DEFAULT_VOICE_ID, Emulator, EmulatorConfig
from tests.emulator.helpers import Api, jpeg, png, video_body


async def test_unauthorized_shapes_per_family(
    session: aiohttp.ClientSession, emulator: Emulator
) -> None:
    anonymous = Api(session, emulator.url, None)
    v1_status, v1 = await anonymous.call("GET", "/v1/video.list")
    v2_status, v2 = await anonymous.call("GET", "/v2/voices")
    assert (v1_status, v1["code"], v1["message"]) == (401, 400112, "Unauthorized")
    assert v2_status == 401
    assert v2 == {
        "error": {"code": "unauthorized", "message": v2["error"]["message"]},
        "data": None,
    }


async def test_v2_talking_photo_from_issued_asset_url(api: Api) -> None:
    status, asset = await api.upload(png(), content_type="image/png")
    assert status == 200, asset
    assert asset["code"] == 100
    status, created = await api.call(
        "POST", "/v2/talking_photo", json={"image_url": asset["data"]["url"]}
    )
    assert status == 200, created
    assert created["error"] is None
    talking_photo_id = created["data"]["talking_photo_id"]
    _, listing = await api.call("GET", "/v1/talking_photo.list")
    assert talking_photo_id in {item["id"] for item in listing["data"]}


async def test_upload_rejections(api: Api) -> None:
    assert (await api.upload(b""))[0] == 400
    assert (await api.upload(jpeg(), content_type="image/png"))[0] == 400
    assert (await api.upload(jpeg(100, 100)))[0] == 400
    assert (await api.upload(b"x", content_type="text/plain"))[0] == 400
    status, body = await api.upload(b"\0" * (10 * 1024 * 1024 + 1), content_type="video/mp4")
    assert status == 413, body


async def test_speed_message_names_the_field(api: Api) -> None:
    body = video_body(await api.talking_photo())
    body["video_inputs"][0]["voice"]["speed"] = 2.0
    status, answer = await api.call("POST", "/v2/video/generate", json=body)
    assert status == 400
    assert answer["error"]["code"] == "invalid_parameter"
    assert "video_inputs[0].voice.speed" in answer["error"]["message"]


async def test_av4_accepts_legacy_photo_s3_key(api: Api) -> None:
    _, asset = await api.upload(jpeg())
    key = asset["data"]["image_key"]
    for field in ("image_key", "photo_s3_key"):
        status, body = await api.call(
            "POST",
            "/v2/video/av4/generate",
            json={field: key, "script": "Hi there", "voice_id": DEFAULT_VOICE_ID},
        )
        assert status == 200, body
        assert body["data"]["video_id"]


async def test_video_list_pages_newest_first(api: Api, emulator: Emulator) -> None:
    ids = []
    for index in range(3):
        _, created = await api.video(callback_id=f"c{index}")
        ids.append(created["data"]["video_id"])
        emulator.clock.advance(1)
    _, first = await api.call("GET", "/v1/video.list", params={"limit": "2"})
    assert [v["video_id"] for v in first["data"]["videos"]] == ids[::-1][:2]
    token = first["data"]["token"]
    assert token
    _, second = await api.call("GET", "/v1/video.list", params={"limit": "2", "token": token})
    assert [v["video_id"] for v in second["data"]["videos"]] == ids[:1]
    assert second["data"]["token"] is None


async def test_render_slots_answer_429_with_both_retry_headers(
    session: aiohttp.ClientSession,
) -> None:
    async with Emulator(EmulatorConfig(render_slots=1, speed=10.0)) as emu:
        api = Api(session, emu.url, "sk-emulator")
        assert (await api.video())[0] == 200
        body = video_body(await api.talking_photo())
        async with session.post(
            emu.url + "/v2/video/generate", json=body, headers=api.headers()
        ) as response:
            assert response.status == 429
            assert int(response.headers["Retry-After"]) >= 1
            assert int(response.headers["retry-after-ms"]) >= 0
            assert (await response.json())["error"]["code"] == "rate_limit_exceeded"


async def test_insufficient_credit_is_402(session: aiohttp.ClientSession) -> None:
    async with Emulator(EmulatorConfig(credits=0.0)) as emu:
        api = Api(session, emu.url, "sk-emulator")
        status, body = await api.video()
        assert status == 402
        assert body["error"]["code"] == "insufficient_credit"
        assert (await api.video(test=True))[0] == 200


async def test_completed_video_media_is_signed(api: Api, emulator: Emulator) -> None:
    _, created = await api.video()
    emulator.clock.advance(600)
    params = {"video_id": created["data"]["video_id"]}
    _, status = await api.call("GET", "/v1/video_status.get", params=params)
    data = status["data"]
    assert data["status"] == "completed"
    assert data["error"] is None
    assert data["gif_url"] is None
    async with api.session.get(data["video_url"]) as response:
        assert response.status == 200
        assert (await response.read())[4:8] == b"ftyp"
    async with api.session.get(data["video_url"] + "0") as response:
        assert response.status == 403
    emulator.clock.advance(8 * 24 * 3600)
    async with api.session.get(data["video_url"]) as response:
        assert response.status == 403


async def test_reset_after_is_quiet_and_looks_like_a_dropped_connection(
    api: Api, emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    # POST: aiohttp silently retries an idempotent GET once on a reused connection.
    body = video_body(await api.talking_photo())
    emulator.faults.script("POST", "/v2/video/generate", "reset_after", count=3)
    with caplog.at_level(logging.DEBUG):
        for _ in range(3):
            with pytest.raises((aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)):
                await api.call("POST", "/v2/video/generate", json=body)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert emulator.stats()["jobs_created"]["sk-a"] == 3
    assert (await api.call("POST", "/v2/video/generate", json=body))[0] == 200
