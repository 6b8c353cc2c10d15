"""Rejections like the real API's: the right status, in the family's shape, naming the field."""

from __future__ import annotations

from typing import Any

import pytest

from heygen_async.emulator import DEFAULT_VOICE_ID, Emulator
from tests.emulator.helpers import Api, jpeg, png, video_body

AI_PHOTO = {
    "name": "Ada",
    "age": "Senior",
    "gender": "Woman",
    "ethnicity": "White",
    "orientation": "square",
    "pose": "close_up",
    "style": "Noir",
    "appearance": "kind eyes",
}


def scene_with(**voice: Any) -> dict[str, Any]:
    return {
        "character": {"type": "talking_photo", "talking_photo_id": "TP"},
        "voice": {"type": "text", "voice_id": DEFAULT_VOICE_ID, "input_text": "Hello", **voice},
    }


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b.pop("video_inputs"), "video_inputs"),
        (lambda b: b.update(video_inputs=[]), "video_inputs"),
        (lambda b: b.update(video_inputs=b["video_inputs"] * 51), "video_inputs"),
        (lambda b: b["video_inputs"][0]["voice"].update(speed=0), "voice.speed"),
        (lambda b: b["video_inputs"][0]["voice"].update(speed=1.6), "voice.speed"),
        (lambda b: b["video_inputs"][0]["voice"].update(input_text="x" * 5001), "voice.input_text"),
        (lambda b: b["video_inputs"][0]["voice"].update(input_text=""), "voice.input_text"),
        (lambda b: b["video_inputs"][0]["voice"].update(voice_id="nope"), "voice.voice_id"),
        (lambda b: b["video_inputs"][0]["voice"].update(type="shout"), "voice.type"),
        (
            lambda b: b["video_inputs"][0].update(voice={"type": "silence", "duration": 0.5}),
            "voice.duration",
        ),
        (
            lambda b: b["video_inputs"][0].update(voice={"type": "silence", "duration": 101}),
            "voice.duration",
        ),
        (
            lambda b: b["video_inputs"][0]["character"].update(talking_photo_id="unknown"),
            "character.talking_photo_id",
        ),
        (lambda b: b["video_inputs"][0]["character"].update(type="robot"), "character.type"),
        (lambda b: b.update(dimension={"width": 0, "height": 720}), "dimension.width"),
    ],
)
async def test_video_generate_rejections_name_the_field(api: Api, mutate: Any, field: str) -> None:
    body = video_body(await api.talking_photo())
    mutate(body)
    status, answer = await api.call("POST", "/v2/video/generate", json=body)
    assert status == 400
    assert answer["data"] is None
    assert answer["error"]["code"] == "invalid_parameter"
    assert field in answer["error"]["message"]


async def test_fifty_scenes_and_the_range_limits_are_accepted(api: Api) -> None:
    body = video_body(await api.talking_photo())
    body["video_inputs"][0]["voice"].update(speed=1.5, input_text="x" * 5000)
    body["video_inputs"] *= 50
    status, _ = await api.call("POST", "/v2/video/generate", json=body)
    assert status == 200


async def test_json_routes_want_json(api: Api) -> None:
    status, answer = await api.call(
        "POST",
        "/v2/video/generate",
        data=b"video_inputs=1",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 400
    assert "application/json" in answer["error"]["message"]
    status, answer = await api.call(
        "POST",
        "/v2/video/generate",
        data=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert status == 400
    assert "JSON" in answer["error"]["message"]


@pytest.mark.parametrize("field", sorted(AI_PHOTO))
async def test_every_ai_photo_field_is_required(api: Api, field: str) -> None:
    body = {k: v for k, v in AI_PHOTO.items() if k != field}
    status, answer = await api.call("POST", "/v2/photo_avatar/photo/generate", json=body)
    assert status == 400
    assert field in answer["error"]["message"]


@pytest.mark.parametrize("field", ["age", "gender", "ethnicity", "orientation", "pose", "style"])
async def test_ai_photo_enums_are_checked(api: Api, field: str) -> None:
    status, answer = await api.call(
        "POST", "/v2/photo_avatar/photo/generate", json={**AI_PHOTO, field: "Other"}
    )
    assert status == 400
    assert field in answer["error"]["message"]


async def test_appearance_is_capped_at_1000_characters(api: Api) -> None:
    ok, _ = await api.call(
        "POST", "/v2/photo_avatar/photo/generate", json={**AI_PHOTO, "appearance": "a" * 1000}
    )
    status, answer = await api.call(
        "POST", "/v2/photo_avatar/photo/generate", json={**AI_PHOTO, "appearance": "a" * 1001}
    )
    assert (ok, status) == (200, 400)
    assert "appearance" in answer["error"]["message"]


async def test_avatar_iv_rejections(api: Api) -> None:
    _, asset = await api.upload(jpeg())
    good = {"image_key": asset["data"]["image_key"], "script": "Hi", "voice_id": DEFAULT_VOICE_ID}
    cases = [
        ({**good, "image_key": "image/nope/original.jpg"}, "image_key"),
        ({k: v for k, v in good.items() if k != "voice_id"}, "voice_id"),
        ({**good, "script": "x" * 5001}, "script"),
        ({**good, "video_orientation": "diagonal"}, "video_orientation"),
        ({**good, "fit": "stretch"}, "fit"),
    ]
    for body, field in cases:
        status, answer = await api.call("POST", "/v2/video/av4/generate", json=body)
        assert status == 400, body
        assert field in answer["error"]["message"]


@pytest.mark.parametrize(
    ("data", "content_type", "status", "words"),
    [
        (b"", "image/jpeg", 400, "asset data must be provided"),
        (jpeg(), "image/gif", 400, "Content-Type"),
        (png(), "image/jpeg", 400, "image/jpeg"),
        (b"not an image at all", "image/png", 400, "image/png"),
        (jpeg(511, 511), "image/jpeg", 400, "511x511"),
        (jpeg()[:-300] + b"\0" * 10, "image/jpeg", 400, "corrupt"),
    ],
)
async def test_upload_rejections_use_the_v1_error_shape(
    api: Api, data: bytes, content_type: str, status: int, words: str
) -> None:
    got, answer = await api.upload(data, content_type)
    assert got == status
    assert isinstance(answer["code"], int)
    assert answer["code"] != 100
    assert words in answer["message"]


async def test_512_square_is_the_smallest_photo_accepted(api: Api) -> None:
    assert (await api.upload(jpeg(512, 512)))[0] == 200


async def test_uploads_over_ten_megabytes_get_413(api: Api, emulator: Emulator) -> None:
    status, answer = await api.upload(jpeg() + b"\0" * emulator.config.max_upload_bytes)
    assert status == 413
    assert "limit" in answer["message"]


async def test_talking_photo_needs_an_image_this_account_uploaded(api: Api, other: Api) -> None:
    _, asset = await other.upload(jpeg())
    status, answer = await api.call(
        "POST", "/v2/talking_photo", json={"image_url": asset["data"]["url"]}
    )
    assert status == 400
    assert "image_url" in answer["error"]["message"]
