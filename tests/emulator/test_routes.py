"""Every route's success shape, in the envelope of its family (v1 code, v2 error)."""

from __future__ import annotations

import io

import aiohttp
from PIL import Image

from heygen_async.emulator import DEFAULT_VOICE_ID, VOICES, Emulator
from tests.emulator.helpers import Api, jpeg, video_body


async def test_asset_upload_answers_the_v1_envelope_with_an_image_key(api: Api) -> None:
    status, body = await api.upload(jpeg())
    assert status == 200
    assert body["code"] == 100
    assert body["msg"] is None
    assert body["message"] is None
    data = body["data"]
    assert len(data["id"]) == 32
    assert data["file_type"] == "image"
    assert data["image_key"] == f"image/{data['id']}/original.jpg"
    async with api.session.get(data["url"]) as response:
        assert response.status == 200
        assert await response.read() == jpeg()


async def test_audio_asset_has_no_image_key(api: Api) -> None:
    status, body = await api.upload(b"ID3\x04" + b"\0" * 100, "audio/mpeg")
    assert status == 200
    assert body["data"]["file_type"] == "audio"
    assert body["data"]["image_key"] is None


async def test_talking_photo_from_an_uploaded_image_url(api: Api) -> None:
    _, asset = await api.upload(jpeg())
    status, body = await api.call(
        "POST", "/v2/talking_photo", json={"image_url": asset["data"]["url"]}
    )
    assert status == 200
    assert body["error"] is None
    talking_photo_id = body["data"]["talking_photo_id"]
    _, listing = await api.call("GET", "/v1/talking_photo.list")
    assert [item["id"] for item in listing["data"]] == [talking_photo_id]
    status, deleted = await api.call("DELETE", f"/v2/talking_photo/{talking_photo_id}")
    assert (status, deleted) == (200, {"error": None, "data": None})
    assert (await api.call("GET", "/v1/talking_photo.list"))[1]["data"] == []


async def test_video_lifecycle_on_the_clock(api: Api, emulator: Emulator) -> None:
    status, body = await api.video(
        "one two three four five six seven eight nine ten", callback_id="cb-1"
    )
    assert status == 200
    video_id = body["data"]["video_id"]
    seen = []
    for _ in range(5):
        _, info = await api.call("GET", "/v1/video_status.get", params={"video_id": video_id})
        seen.append(info["data"]["status"])
        emulator.clock.advance(1.0)
    assert seen[0] == "waiting"
    assert "processing" in seen
    emulator.clock.advance(10)
    _, info = await api.call("GET", "/v1/video_status.get", params={"video_id": video_id})
    data = info["data"]
    assert info["code"] == 100
    assert data["status"] == "completed"
    assert data["callback_id"] == "cb-1"
    assert data["duration"] == 4.0
    assert data["error"] is None
    async with api.session.get(data["video_url"]) as video:
        assert video.status == 200
        assert (await video.read())[4:8] == b"ftyp"
    async with api.session.get(data["thumbnail_url"]) as thumb:
        Image.open(io.BytesIO(await thumb.read())).verify()


async def test_video_urls_are_resigned_on_each_call_and_expire_after_seven_days(
    api: Api, emulator: Emulator
) -> None:
    _, body = await api.video()
    video_id = body["data"]["video_id"]
    emulator.clock.advance(60)
    _, first = await api.call("GET", "/v1/video_status.get", params={"video_id": video_id})
    emulator.clock.advance(3600)
    _, second = await api.call("GET", "/v1/video_status.get", params={"video_id": video_id})
    old, new = first["data"]["video_url"], second["data"]["video_url"]
    assert "Expires=" in old
    assert old != new
    emulator.clock.advance(7 * 24 * 3600 - 1800)
    async with api.session.get(old) as expired, api.session.get(new) as fresh:
        assert expired.status == 403
        assert fresh.status == 200
    async with api.session.get(new.replace("Signature=", "Signature=0")) as forged:
        assert forged.status == 403


async def test_failed_render_reports_an_error_object(api: Api, emulator: Emulator) -> None:
    _, body = await api.video("please EMULATOR_FAIL now")
    emulator.clock.advance(60)
    _, info = await api.call(
        "GET", "/v1/video_status.get", params={"video_id": body["data"]["video_id"]}
    )
    assert info["data"]["status"] == "failed"
    assert info["data"]["video_url"] is None
    assert info["data"]["error"]["message"]


async def test_video_list_pages_newest_first_and_delete(api: Api) -> None:
    ids = [(await api.video(callback_id=f"cb-{n}"))[1]["data"]["video_id"] for n in range(3)]
    _, page1 = await api.call("GET", "/v1/video.list", params={"limit": 2})
    _, page2 = await api.call(
        "GET", "/v1/video.list", params={"limit": 2, "token": page1["data"]["token"]}
    )
    listed = [v["video_id"] for v in page1["data"]["videos"] + page2["data"]["videos"]]
    assert listed == ids[::-1]
    assert page2["data"]["token"] is None
    assert page1["data"]["videos"][0]["callback_id"] == "cb-2"
    status, _ = await api.call("DELETE", "/v1/video.delete", params={"video_id": ids[0]})
    assert status == 200
    status, gone = await api.call("GET", "/v1/video_status.get", params={"video_id": ids[0]})
    assert status == 404
    assert gone["code"] != 100


async def test_avatar_iv_takes_an_image_key_or_the_legacy_name(
    api: Api, emulator: Emulator
) -> None:
    _, asset = await api.upload(jpeg())
    key = asset["data"]["image_key"]
    for field in ("image_key", "photo_s3_key"):
        body = {
            field: key,
            "script": "Hi there",
            "voice_id": DEFAULT_VOICE_ID,
            "video_orientation": "portrait",
        }
        status, created = await api.call("POST", "/v2/video/av4/generate", json=body)
        assert status == 200
        assert created["error"] is None
    emulator.clock.advance(60)
    _, info = await api.call(
        "GET", "/v1/video_status.get", params={"video_id": created["data"]["video_id"]}
    )
    assert info["data"]["status"] == "completed"


async def test_ai_photo_generation_then_group_then_looks(api: Api, emulator: Emulator) -> None:
    body = {
        "name": "Ada",
        "age": "Young Adult",
        "gender": "Woman",
        "ethnicity": "Hispanic",
        "orientation": "square",
        "pose": "half_body",
        "style": "Realistic",
        "appearance": "smiling",
    }
    _, created = await api.call("POST", "/v2/photo_avatar/photo/generate", json=body)
    generation_id = created["data"]["generation_id"]
    _, pending = await api.call("GET", f"/v2/photo_avatar/generation/{generation_id}")
    assert pending["data"]["status"] in ("pending", "processing")
    assert pending["data"]["image_key_list"] == []
    emulator.clock.advance(60)
    _, done = await api.call("GET", f"/v2/photo_avatar/generation/{generation_id}")
    keys = done["data"]["image_key_list"]
    assert done["data"]["status"] == "success"
    assert len(keys) == 4 == len(done["data"]["image_url_list"])
    _, group = await api.call(
        "POST",
        "/v2/photo_avatar/avatar_group/create",
        json={"name": "Ada", "image_key": keys[0], "generation_id": generation_id},
    )
    group_id = group["data"]["id"]
    assert group["data"]["group_id"] == group_id
    assert group["data"]["status"] == "pending"
    _, added = await api.call(
        "POST",
        "/v2/photo_avatar/avatar_group/add",
        json={"group_id": group_id, "image_keys": keys[1:3], "name": "Ada 2"},
    )
    looks = added["data"]["photo_avatar_list"]
    assert len(looks) == 2
    assert all(look["group_id"] == group_id for look in looks)
    emulator.clock.advance(10)
    _, fetched = await api.call("GET", f"/v2/photo_avatar/{group_id}")
    assert fetched["data"]["status"] == "completed"
    _, avatars = await api.call("GET", f"/v2/avatar_group/{group_id}/avatars")
    assert len(avatars["data"]["avatar_list"]) == 3
    status, _ = await api.call("DELETE", f"/v2/photo_avatar/{looks[0]['id']}")
    assert status == 200
    assert (await api.call("GET", f"/v2/photo_avatar/{looks[0]['id']}"))[0] == 404
    # A photo avatar speaks in a video like any talking photo.
    status, _ = await api.call("POST", "/v2/video/generate", json=video_body(group_id))
    assert status == 200


async def test_training_goes_pending_training_ready(api: Api, emulator: Emulator) -> None:
    _, asset = await api.upload(jpeg())
    _, group = await api.call(
        "POST",
        "/v2/photo_avatar/avatar_group/create",
        json={"name": "G", "image_key": asset["data"]["image_key"]},
    )
    group_id = group["data"]["id"]
    _, started = await api.call("POST", "/v2/photo_avatar/train", json={"group_id": group_id})
    assert started["data"]["flow_id"]
    statuses = []
    for step in (0, 30, 300):
        emulator.clock.advance(step)
        statuses.append(
            (await api.call("GET", f"/v2/photo_avatar/train/status/{group_id}"))[1]["data"][
                "status"
            ]
        )
    assert statuses == ["pending", "training", "ready"]
    _, groups = await api.call("GET", "/v2/avatar_group.list")
    assert groups["data"]["avatar_group_list"][0]["train_status"] == "ready"


async def test_voices_and_quota(api: Api) -> None:
    _, voices = await api.call("GET", "/v2/voices")
    assert voices["data"]["voices"] == VOICES
    assert DEFAULT_VOICE_ID in {voice["voice_id"] for voice in VOICES}
    _, quota = await api.call("GET", "/v2/user/remaining_quota")
    assert quota["data"]["remaining_quota"] == 1000 * 60


async def test_unknown_route_is_a_plain_404(
    emulator: Emulator, session: aiohttp.ClientSession
) -> None:
    async with session.get(emulator.url + "/v2/nothing", headers={"X-Api-Key": "sk-a"}) as response:
        assert response.status == 404
