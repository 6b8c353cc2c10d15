"""Video generation requests (`POST /v2/video/generate`) and video status responses."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import attrs

from heygen_async._errors import ValidationError
from heygen_async.models._checks import MAX_SCRIPT_CHARS, number_in, text
from heygen_async.models._enums import AvatarStyle, Fit, VideoStatus

__all__ = [
    "AudioVoice",
    "AvatarCharacter",
    "ColorBackground",
    "Dimension",
    "ImageBackground",
    "RenderError",
    "SilenceVoice",
    "TalkingPhotoCharacter",
    "TextVoice",
    "VideoBackground",
    "VideoCreated",
    "VideoGenerateRequest",
    "VideoInput",
    "VideoResult",
    "VideoStatusInfo",
    "VideoSummary",
]

MAX_SCENES = 50


@attrs.frozen
class Dimension:
    width: int = 1280
    height: int = 720

    def __attrs_post_init__(self) -> None:
        for name in ("width", "height"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValidationError(f"dimension.{name}", "must be a positive integer")


@attrs.frozen(kw_only=True)
class TalkingPhotoCharacter:
    talking_photo_id: str
    type: Literal["talking_photo"] = "talking_photo"
    talking_photo_style: str | None = None
    talking_style: str | None = None
    expression: str | None = None
    scale: float | None = None
    super_resolution: bool | None = None
    matting: bool | None = None

    def __attrs_post_init__(self) -> None:
        text("character.talking_photo_id", self.talking_photo_id)


@attrs.frozen(kw_only=True)
class AvatarCharacter:
    avatar_id: str
    type: Literal["avatar"] = "avatar"
    avatar_style: AvatarStyle | None = None
    scale: float | None = None

    def __attrs_post_init__(self) -> None:
        text("character.avatar_id", self.avatar_id)


@attrs.frozen(kw_only=True)
class TextVoice:
    voice_id: str
    input_text: str
    type: Literal["text"] = "text"
    speed: float | None = None
    pitch: int | None = None
    emotion: str | None = None
    locale: str | None = None

    def __attrs_post_init__(self) -> None:
        text("voice.voice_id", self.voice_id)
        text("voice.input_text", self.input_text, max_chars=MAX_SCRIPT_CHARS)
        number_in("voice.speed", self.speed, 0.5, 1.5)
        number_in("voice.pitch", self.pitch, -50, 50)


@attrs.frozen(kw_only=True)
class AudioVoice:
    audio_url: str | None = None
    audio_asset_id: str | None = None
    type: Literal["audio"] = "audio"

    def __attrs_post_init__(self) -> None:
        if not (self.audio_url or self.audio_asset_id):
            raise ValidationError("voice", "an audio voice needs audio_url or audio_asset_id")


@attrs.frozen(kw_only=True)
class SilenceVoice:
    duration: float
    type: Literal["silence"] = "silence"

    def __attrs_post_init__(self) -> None:
        number_in("voice.duration", self.duration, 1, 100)


@attrs.frozen(kw_only=True)
class ColorBackground:
    value: str = "#f6f6fc"
    type: Literal["color"] = "color"


@attrs.frozen(kw_only=True)
class ImageBackground:
    url: str | None = None
    image_asset_id: str | None = None
    fit: Fit | None = None
    type: Literal["image"] = "image"


@attrs.frozen(kw_only=True)
class VideoBackground:
    url: str | None = None
    video_asset_id: str | None = None
    play_style: str | None = None
    fit: Fit | None = None
    type: Literal["video"] = "video"


Character = TalkingPhotoCharacter | AvatarCharacter
Voice = TextVoice | AudioVoice | SilenceVoice
Background = ColorBackground | ImageBackground | VideoBackground


@attrs.frozen(kw_only=True)
class VideoInput:
    character: Character
    voice: Voice
    background: Background | None = None


@attrs.frozen(kw_only=True)
class VideoGenerateRequest:
    video_inputs: list[VideoInput]
    dimension: Dimension | None = None
    title: str | None = None
    caption: bool | None = None
    callback_id: str | None = None
    callback_url: str | None = None
    folder_id: str | None = None
    test: bool | None = None

    def __attrs_post_init__(self) -> None:
        count = len(self.video_inputs)
        if not 1 <= count <= MAX_SCENES:
            raise ValidationError(
                "video_inputs", f"has {count} scenes; HeyGen takes 1 to {MAX_SCENES}"
            )

    @classmethod
    def talking_photo(
        cls, talking_photo_id: str, script: str, voice_id: str, **options: Any
    ) -> VideoGenerateRequest:
        """One scene of a talking photo speaking `script`: the common case in one call."""
        scene = VideoInput(
            character=TalkingPhotoCharacter(talking_photo_id=talking_photo_id),
            voice=TextVoice(voice_id=voice_id, input_text=script),
        )
        return cls(video_inputs=[scene], **options)


@attrs.frozen
class VideoCreated:
    video_id: str


@attrs.frozen
class RenderError:
    """Why a render failed, as HeyGen reported it (code may be a number or a name)."""

    code: str | None = None
    message: str = "render failed"
    detail: str | None = None


@attrs.frozen
class VideoStatusInfo:
    id: str
    status: VideoStatus
    video_url: str | None = None
    thumbnail_url: str | None = None
    gif_url: str | None = None
    caption_url: str | None = None
    duration: float | None = None
    callback_id: str | None = None
    created_at: float | None = None
    error: RenderError | None = None


@attrs.frozen
class VideoSummary:
    video_id: str
    status: VideoStatus
    callback_id: str | None = None
    created_at: float | None = None
    title: str | None = None


@attrs.frozen
class VideoResult:
    """What a one-call workflow produced: the finished status and, when asked, the file."""

    video_id: str
    status: VideoStatusInfo
    path: Path | None = None
