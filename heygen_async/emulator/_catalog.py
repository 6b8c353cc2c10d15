"""The emulator's fixed voice catalog (the real one lists thousands; a handful serve tests)."""

from __future__ import annotations

from typing import Any

__all__ = ["DEFAULT_VOICE_ID", "VOICES", "VOICE_IDS"]


def _voice(voice_id: str, name: str, language: str, gender: str) -> dict[str, Any]:
    return {
        "voice_id": voice_id,
        "language": language,
        "gender": gender,
        "name": name,
        "preview_audio": f"https://static.heygen.ai/voice_preview/{voice_id}.mp3",
        "support_pause": True,
        "emotion_support": False,
        "support_interactive_avatar": False,
    }


VOICES: list[dict[str, Any]] = [
    _voice("1bd001e7e50f421d891986aad5158bc8", "Sara", "English", "female"),
    _voice("2d5b0e6cf36f460aa7fc47e3eee4ba54", "Paul", "English", "male"),
    _voice("131a436c47064f708210df6628ef8f32", "Amber", "English", "female"),
    _voice("f38a635bee7a4d1f9b0a654a31d050d2", "Chill Brian", "English", "male"),
    _voice("3b1633a466c44379bf8b5a2884727588", "Lucía", "Spanish", "female"),
    _voice("9169a1fb6e1b4c0e9b9e1b1e0a0f3c22", "Léa", "French", "female"),
]
VOICE_IDS = frozenset(voice["voice_id"] for voice in VOICES)
DEFAULT_VOICE_ID = VOICES[0]["voice_id"]
