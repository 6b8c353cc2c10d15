"""Bad request input: each case is refused with a typed error naming the problem, and the
emulator's request log proves nothing was sent. Boundary values go through, so the log check
can see a request when there is one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from heygen_async import HeyGenClient
from heygen_async._errors import ValidationError
from heygen_async._samples import portrait_jpeg
from heygen_async.emulator import DEFAULT_VOICE_ID, Emulator
from heygen_async.models import (
    AIPhotoRequest,
    AvatarIVRequest,
    LookRequest,
    SilenceVoice,
    TalkingPhotoCharacter,
    TextVoice,
    VideoGenerateRequest,
    VideoInput,
)

Call = Callable[[HeyGenClient], Awaitable[Any]]

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
OFF_ENUM = "'Martian' is not one of"
ENUM_FIELDS = ("age", "gender", "ethnicity", "orientation", "pose", "style")
LOOK: dict[str, Any] = {
    "group_id": "g1",
    "prompt": "a navy suit",
    "orientation": "square",
    "pose": "close_up",
    "style": "Realistic",
}
AV4: dict[str, Any] = {"image_key": "image/abc/original.jpg", "script": "Hi", "voice_id": "v1"}


def ai_photo(**changes: Any) -> Call:
    """generate_photo with AI_PHOTO changed; a value of `...` leaves the field out."""
    fields = {k: v for k, v in {**AI_PHOTO, **changes}.items() if v is not ...}
    return lambda client: client.photo_avatars.generate_photo(AIPhotoRequest(**fields))


def look(**changes: Any) -> Call:
    fields = {k: v for k, v in {**LOOK, **changes}.items() if v is not ...}
    return lambda client: client.photo_avatars.generate_look(LookRequest(**fields))


def avatar_iv(**changes: Any) -> Call:
    fields = {k: v for k, v in {**AV4, **changes}.items() if v is not ...}
    return lambda client: client.avatar_iv.generate(AvatarIVRequest(**fields))


def scene(voice: TextVoice | SilenceVoice | None = None) -> VideoInput:
    return VideoInput(
        character=TalkingPhotoCharacter(talking_photo_id="tp1"),
        voice=voice or TextVoice(voice_id=DEFAULT_VOICE_ID, input_text="Hello there."),
    )


def video(*, scenes: int = 1, **voice: Any) -> Call:
    def call(client: HeyGenClient) -> Awaitable[Any]:
        if "duration" in voice:
            made: TextVoice | SilenceVoice = SilenceVoice(**voice)
        else:
            made = TextVoice(voice_id=DEFAULT_VOICE_ID, input_text="Hello there.", **voice)
        inputs = [scene(made) for _ in range(scenes)]
        return client.videos.generate(VideoGenerateRequest(video_inputs=inputs))

    return call


def from_talking_photo(script: str) -> Call:
    return lambda client: client.videos.generate_from_talking_photo("tp1", script, DEFAULT_VOICE_ID)


# (case id, the call, the message fragments that must appear)
AI_PHOTO_CASES = [
    *(
        pytest.param(ai_photo(**{field: ...}), [f"{field}:", "is required"], id=f"{field}-gone")
        for field in AI_PHOTO
    ),
    *(
        pytest.param(ai_photo(**{field: None}), [f"{field}:", "is required"], id=f"{field}-none")
        for field in AI_PHOTO
    ),
    *(
        pytest.param(ai_photo(**{field: "Martian"}), [f"{field}:", OFF_ENUM], id=f"{field}-off")
        for field in ENUM_FIELDS
    ),
    # The wire values are case-sensitive: "woman" is not "Woman".
    pytest.param(ai_photo(gender="woman"), ["gender:", "'woman'", "'Woman'"], id="gender-case"),
    pytest.param(ai_photo(orientation="Square"), ["orientation:", "'Square'"], id="orient-case"),
    pytest.param(
        ai_photo(appearance="x" * 1001), ["appearance:", "1001", "1000"], id="appear-1001"
    ),
    pytest.param(ai_photo(appearance="   "), ["appearance:", "is required"], id="appear-blank"),
    pytest.param(ai_photo(name=""), ["name:", "is required"], id="name-empty"),
    pytest.param(ai_photo(age=3), ["age:", "3 is not one of"], id="age-number"),
    pytest.param(ai_photo(name=7), ["name:", "must be a string, not int"], id="name-number"),
]

LOOK_CASES = [
    pytest.param(look(prompt=...), ["prompt:", "is required"], id="look-prompt-missing"),
    pytest.param(look(style=...), ["style:", "is required"], id="look-style-missing"),
    pytest.param(look(pose="sitting"), ["pose:", "'sitting'"], id="look-pose-off"),
    pytest.param(look(prompt="x" * 1001), ["prompt:", "1001"], id="look-prompt-1001"),
]

VIDEO_CASES = [
    pytest.param(video(speed=0.49), ["voice.speed:", "0.49", "0.5", "1.5"], id="speed-0.49"),
    pytest.param(video(speed=1.51), ["voice.speed:", "1.51"], id="speed-1.51"),
    pytest.param(video(speed=0), ["voice.speed:", "is 0"], id="speed-0"),
    pytest.param(video(speed=float("nan")), ["voice.speed:", "nan"], id="speed-nan"),
    pytest.param(video(speed="fast"), ["voice.speed:", "must be a number"], id="speed-text"),
    pytest.param(video(duration=0), ["voice.duration:", "is 0", "1", "100"], id="silence-0"),
    pytest.param(video(duration=101), ["voice.duration:", "101"], id="silence-101"),
    pytest.param(video(duration=0.99), ["voice.duration:", "0.99"], id="silence-0.99"),
    pytest.param(video(scenes=0), ["video_inputs:", "0 scenes", "1 to 50"], id="scenes-0"),
    pytest.param(video(scenes=51), ["video_inputs:", "51 scenes"], id="scenes-51"),
    pytest.param(from_talking_photo("x" * 5001), ["input_text:", "5001", "5000"], id="script-5001"),
    pytest.param(from_talking_photo(" "), ["input_text:", "is required"], id="script-blank"),
]

AVATAR_IV_CASES = [
    pytest.param(avatar_iv(script="x" * 5001), ["script:", "5001", "5000"], id="av4-script-5001"),
    *(
        pytest.param(avatar_iv(**{field: ...}), [f"{field}:", "is required"], id=f"av4-{field}")
        for field in AV4
    ),
    pytest.param(
        avatar_iv(video_orientation="diagonal"), ["video_orientation:", "'diagonal'"], id="av4-ori"
    ),
    pytest.param(avatar_iv(fit="stretch"), ["fit:", "'stretch'"], id="av4-fit"),
]


@pytest.mark.parametrize(
    ("call", "fragments"), [*AI_PHOTO_CASES, *LOOK_CASES, *VIDEO_CASES, *AVATAR_IV_CASES]
)
async def test_bad_request_is_refused_before_sending(
    client: HeyGenClient, emulator: Emulator, call: Call, fragments: list[str]
) -> None:
    with pytest.raises(ValidationError) as caught:
        await call(client)
    for fragment in fragments:
        assert fragment in str(caught.value)
    assert emulator.request_log == []


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(ai_photo(appearance="x" * 1000), id="appearance-1000"),
        pytest.param(look(prompt="x" * 1000), id="look-prompt-1000"),
        pytest.param(video(speed=0.5), id="speed-0.5"),
        pytest.param(video(speed=1.5), id="speed-1.5"),
        pytest.param(video(duration=1), id="silence-1"),
        pytest.param(video(duration=100), id="silence-100"),
        pytest.param(video(scenes=50), id="scenes-50"),
        pytest.param(from_talking_photo("x" * 5000), id="script-5000"),
        pytest.param(avatar_iv(script="x" * 5000), id="av4-script-5000"),
    ],
)
async def test_boundary_values_are_sent(
    client: HeyGenClient, emulator: Emulator, call: Call
) -> None:
    """The other side of every limit: accepted locally, so the refusals above are not vacuous.
    (The emulator may refuse an id it does not know; what matters is that the request left.)"""
    try:
        await call(client)
    except ValidationError as exc:  # a local refusal: the case failed
        pytest.fail(f"refused locally: {exc}")
    except Exception:  # noqa: S110  # the server's verdict on fake ids is not under test
        pass
    assert [(r.method, r.status is not None) for r in emulator.request_log] == [("POST", True)]


async def test_missing_field_error_is_also_the_type_error_python_raises() -> None:
    """Code that caught TypeError for a left-out argument keeps working."""
    fields = {k: v for k, v in AI_PHOTO.items() if k != "pose"}
    with pytest.raises(TypeError, match="pose"):
        AIPhotoRequest(**fields)


async def test_avatar_iv_workflow_checks_the_script_before_uploading(
    client: HeyGenClient, emulator: Emulator, tmp_path: Path
) -> None:
    photo = tmp_path / "ada.jpg"
    photo.write_bytes(portrait_jpeg(1))
    with pytest.raises(ValidationError, match="script: is 5001 characters"):
        await client.photo_to_avatar_iv(photo, "x" * 5001, DEFAULT_VOICE_ID)
    with pytest.raises(ValidationError, match="video_orientation: 'tall'"):
        await client.photo_to_avatar_iv(photo, "Hi", DEFAULT_VOICE_ID, video_orientation="tall")
    assert emulator.request_log == []


async def test_talking_photo_workflow_checks_the_script_before_uploading(
    client: HeyGenClient, emulator: Emulator, tmp_path: Path
) -> None:
    photo = tmp_path / "ada.jpg"
    photo.write_bytes(portrait_jpeg(1))
    with pytest.raises(ValidationError, match="input_text: is 5001 characters"):
        await client.photo_to_video(photo, "x" * 5001, DEFAULT_VOICE_ID)
    assert emulator.request_log == []


async def test_ai_photo_request_as_a_dict_is_checked_too(
    client: HeyGenClient, emulator: Emulator
) -> None:
    body = {k: v for k, v in AI_PHOTO.items() if k != "age"}
    with pytest.raises(ValidationError, match="age"):
        await client.photo_avatars.generate_photo(body)  # type: ignore[arg-type]
    assert emulator.request_log == []


async def test_talking_photo_create_refuses_a_local_path(
    client: HeyGenClient, emulator: Emulator, tmp_path: Path
) -> None:
    photo = tmp_path / "ada.jpg"
    photo.write_bytes(portrait_jpeg(1))
    with pytest.raises(ValidationError, match="image_url"):
        await client.talking_photos.create(str(photo))
    assert emulator.request_log == []


async def test_talking_photo_create_refuses_a_path_object(
    client: HeyGenClient, emulator: Emulator, tmp_path: Path
) -> None:
    with pytest.raises(ValidationError, match="image_url: must be a string, not PosixPath"):
        await client.talking_photos.create(tmp_path / "ada.jpg")  # type: ignore[arg-type]
    assert emulator.request_log == []
