"""Auth and tenants, render slots with 429, the request-rate limit, credits."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from heygen_async.emulator import DEFAULT_VOICE_ID, Emulator, EmulatorConfig
from tests.emulator.helpers import Api, jpeg, video_body


@pytest.mark.parametrize("key", [None, "sk-wrong"])
async def test_missing_or_unknown_key_is_401_in_each_family(api: Api, key: str | None) -> None:
    stranger = Api(api.session, api.url, key)
    status, v1 = await stranger.call("GET", "/v1/video.list")
    assert (status, v1) == (401, {"code": 400112, "message": "Unauthorized"})
    status, v2 = await stranger.call("GET", "/v2/voices")
    assert status == 401
    assert v2 == {"error": {"code": "unauthorized", "message": "Unauthorized"}, "data": None}


async def test_key_header_name_is_case_insensitive(api: Api) -> None:
    status, _ = await api.call("GET", "/v2/voices", headers={"x-api-key": "sk-a"})
    assert status == 200


async def test_tenants_never_see_each_other(api: Api, other: Api) -> None:
    _, created = await api.video()
    video_id = created["data"]["video_id"]
    assert (await other.call("GET", "/v1/video_status.get", params={"video_id": video_id}))[
        0
    ] == 404
    assert (await other.call("DELETE", "/v1/video.delete", params={"video_id": video_id}))[0] == 404
    assert (await other.call("GET", "/v1/video.list"))[1]["data"]["videos"] == []
    assert (await other.call("GET", "/v1/talking_photo.list"))[1]["data"] == []
    _, asset = await api.upload(jpeg())
    body = {"name": "x", "image_key": asset["data"]["image_key"]}
    assert (await other.call("POST", "/v2/photo_avatar/avatar_group/create", json=body))[0] == 400


@pytest.fixture
async def tight() -> AsyncIterator[tuple[Emulator, Api]]:
    config = EmulatorConfig(api_keys=("sk-a",), render_slots=2, credits=3.0, speed=1.0)
    async with Emulator(config) as emu, aiohttp.ClientSession() as session:
        yield emu, Api(session, emu.url, "sk-a")


async def test_render_slots_full_gives_429_with_retry_after(tight: tuple[Emulator, Api]) -> None:
    emu, api = tight
    talking_photo = await api.talking_photo()
    for _ in range(2):
        assert (await api.call("POST", "/v2/video/generate", json=video_body(talking_photo)))[
            0
        ] == 200
    async with api.session.post(
        api.url + "/v2/video/generate", json=video_body(talking_photo), headers=api.headers()
    ) as response:
        body = await response.json()
        assert response.status == 429
        assert body["error"]["code"] == "rate_limit_exceeded"
        assert int(response.headers["Retry-After"]) >= 1
        assert int(response.headers["retry-after-ms"]) > 0
    emu.clock.advance(60)
    assert (await api.call("POST", "/v2/video/generate", json=video_body(talking_photo)))[0] == 200
    assert emu.stats()["in_flight"]["sk-a"] == 1


async def test_credits_are_debited_and_run_out_with_402(tight: tuple[Emulator, Api]) -> None:
    emu, api = tight
    talking_photo = await api.talking_photo()
    long_script = " ".join(["word"] * 100)  # 40 s spoken: two half-minutes, one credit
    assert (
        await api.call("POST", "/v2/video/generate", json=video_body(talking_photo, long_script))
    )[0] == 200
    assert emu.stats()["credits"]["sk-a"] == 2.0
    quota = (await api.call("GET", "/v2/user/remaining_quota"))[1]["data"]["remaining_quota"]
    assert quota == 120
    emu.clock.advance(60)
    _, asset = await api.upload(jpeg())
    av4 = {
        "image_key": asset["data"]["image_key"],
        "script": long_script,
        "voice_id": DEFAULT_VOICE_ID,
    }
    status, answer = await api.call("POST", "/v2/video/av4/generate", json=av4)  # 6 credits needed
    assert status == 402
    assert answer["error"]["code"] == "insufficient_credit"
    assert (await api.call("POST", "/v2/video/av4/generate", json={**av4, "test": True}))[0] == 200
    assert emu.stats()["credits"]["sk-a"] == 2.0


async def test_request_rate_limit_answers_429_when_configured() -> None:
    config = EmulatorConfig(api_keys=("sk-a",), request_rate=1.0, request_burst=3)
    async with Emulator(config) as emu, aiohttp.ClientSession() as session:
        api = Api(session, emu.url, "sk-a")
        statuses = [(await api.call("GET", "/v2/voices"))[0] for _ in range(5)]
    assert statuses[:3] == [200, 200, 200]
    assert 429 in statuses[3:]
