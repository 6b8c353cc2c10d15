"""Request models refuse bad input locally; response parsing tolerates HeyGen's variations."""

from __future__ import annotations

from typing import Any

import pytest

from heygen_async._converter import from_wire, to_wire
from heygen_async._errors import ResponseParseError, ValidationError
from heygen_async.models import (
    Age,
    AIPhotoRequest,
    AvatarIVRequest,
    Dimension,
    Fit,
    RemainingQuota,
    SilenceVoice,
    TalkingPhotoCharacter,
    TextVoice,
    VideoGenerateRequest,
    VideoInput,
    VideoOrientation,
    VideoStatus,
    VideoStatusInfo,
)

AI_PHOTO: dict[str, Any] = {
    "name": "Ada",
    "age": "Young Adult",
    "gender": "Woman",
    "ethnicity": "South Asian",
    "orientation": "square",
    "pose": "half_body",
    "style": "Realistic",
    "appearance": "smiling, green scarf, office background",
}


def test_ai_photo_request_coerces_wire_strings_and_serialises_them_back() -> None:
    request = AIPhotoRequest(**AI_PHOTO)
    assert request.age is Age.YOUNG_ADULT
    assert to_wire(request) == AI_PHOTO


@pytest.mark.parametrize("field", sorted(AI_PHOTO))
def test_every_ai_photo_field_is_required(field: str) -> None:
    fields = {key: value for key, value in AI_PHOTO.items() if key != field}
    with pytest.raises(TypeError, match=field):
        AIPhotoRequest(**fields)


@pytest.mark.parametrize("field", ["age", "gender", "ethnicity", "orientation", "pose", "style"])
def test_every_ai_photo_enum_rejects_values_off_the_list(field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        AIPhotoRequest(**{**AI_PHOTO, field: "Martian"})
    assert caught.value.field == field
    assert "'Martian' is not one of" in str(caught.value)


def test_appearance_limit_is_1000_characters() -> None:
    AIPhotoRequest(**{**AI_PHOTO, "appearance": "x" * 1000})
    with pytest.raises(ValidationError, match="1001 characters") as caught:
        AIPhotoRequest(**{**AI_PHOTO, "appearance": "x" * 1001})
    assert caught.value.field == "appearance"


def scene(**voice: Any) -> VideoInput:
    return VideoInput(
        character=TalkingPhotoCharacter(talking_photo_id="tp"),
        voice=TextVoice(voice_id="v", input_text="Hello", **voice),
    )


@pytest.mark.parametrize("count", [0, 51])
def test_scene_count_must_be_1_to_50(count: int) -> None:
    with pytest.raises(ValidationError, match=rf"has {count} scenes") as caught:
        VideoGenerateRequest(video_inputs=[scene() for _ in range(count)])
    assert caught.value.field == "video_inputs"


def test_fifty_scenes_are_fine() -> None:
    request = VideoGenerateRequest(video_inputs=[scene() for _ in range(50)])
    assert len(to_wire(request)["video_inputs"]) == 50


@pytest.mark.parametrize("speed", [0, 0.49, 1.51, 2])
def test_voice_speed_outside_half_to_one_and_a_half_is_refused(speed: float) -> None:
    with pytest.raises(ValidationError, match=r"between 0\.5 and 1\.5"):
        scene(speed=speed)


@pytest.mark.parametrize("duration", [0, 0.5, 100.5])
def test_silence_outside_1_to_100_seconds_is_refused(duration: float) -> None:
    with pytest.raises(ValidationError, match="between 1 and 100"):
        SilenceVoice(duration=duration)


@pytest.mark.parametrize("script", ["", "   ", "x" * 5001])
def test_scripts_must_be_present_and_at_most_5000_characters(script: str) -> None:
    with pytest.raises(ValidationError, match="input_text"):
        TextVoice(voice_id="v", input_text=script)
    with pytest.raises(ValidationError, match="script"):
        AvatarIVRequest(image_key="image/k/original.jpg", script=script, voice_id="v")


def test_avatar_iv_request_checks_enums_and_omits_unset_fields() -> None:
    request = AvatarIVRequest(
        image_key="image/k/original.jpg", script="Hi", voice_id="v", video_orientation="portrait"
    )
    assert request.video_orientation is VideoOrientation.PORTRAIT
    assert to_wire(request) == {
        "image_key": "image/k/original.jpg",
        "script": "Hi",
        "voice_id": "v",
        "video_orientation": "portrait",
    }
    with pytest.raises(ValidationError, match="fit"):
        AvatarIVRequest(image_key="k", script="Hi", voice_id="v", fit="stretch")
    assert AvatarIVRequest(image_key="k", script="Hi", voice_id="v", fit="cover").fit is Fit.COVER


@pytest.mark.parametrize(("width", "height"), [(0, 720), (1280, -1), (1280.5, 720)])
def test_dimension_must_be_positive_integers(width: Any, height: Any) -> None:
    with pytest.raises(ValidationError, match="dimension"):
        Dimension(width, height)


def test_talking_photo_shortcut_builds_the_documented_body() -> None:
    request = VideoGenerateRequest.talking_photo(
        "tp1", "Hello there", "voice1", callback_id="job-1", dimension=Dimension(720, 1280)
    )
    assert to_wire(request) == {
        "video_inputs": [
            {
                "character": {"type": "talking_photo", "talking_photo_id": "tp1"},
                "voice": {"type": "text", "voice_id": "voice1", "input_text": "Hello there"},
            }
        ],
        "dimension": {"width": 720, "height": 1280},
        "callback_id": "job-1",
    }


@pytest.mark.parametrize(
    ("error", "code", "message"),
    [
        (None, None, None),
        ("no face detected", None, "no face detected"),
        ({"code": 40119, "message": "bad photo", "detail": "x"}, "40119", "bad photo"),
        ({"code": "internal_error", "msg": "oops"}, "internal_error", "oops"),
    ],
)
def test_status_parsing_tolerates_every_error_shape(
    error: Any, code: str | None, message: str | None
) -> None:
    info = from_wire(
        {"id": 12345, "status": "failed", "error": error, "created_at": 17, "surprise": [1]},
        VideoStatusInfo,
    )
    assert info.id == "12345"
    assert info.status is VideoStatus.FAILED
    assert info.created_at == 17.0
    if message is None:
        assert info.error is None
    else:
        assert info.error is not None
        assert (info.error.code, info.error.message) == (code, message)


@pytest.mark.parametrize(
    "payload",
    [
        None,
        [],
        "text",
        {"status": "completed"},
        {"id": "x", "status": "exploded"},
        {"id": {}, "status": "completed"},
    ],
)
def test_unreadable_responses_raise_a_typed_error(payload: Any) -> None:
    with pytest.raises(ResponseParseError):
        from_wire(payload, VideoStatusInfo)


def test_quota_counts_credit_seconds() -> None:
    quota = from_wire({"remaining_quota": 3000, "details": {"api": 3000}}, RemainingQuota)
    assert quota.credits == 50
