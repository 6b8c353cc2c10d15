"""Helpers for emulator tests: plain aiohttp calls and tiny test photos."""

from __future__ import annotations

import io
from typing import Any

import aiohttp
from PIL import Image

from heygen_async.emulator import DEFAULT_VOICE_ID

KEY_A, KEY_B = "sk-a", "sk-b"


def jpeg(width: int = 600, height: int = 600) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 150, 120)).save(buffer, "JPEG")
    return buffer.getvalue()


def png(width: int = 600, height: int = 600) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (90, 150, 120)).save(buffer, "PNG")
    return buffer.getvalue()


class Api:
    """A thin caller that keeps the status and the JSON of every answer."""

    def __init__(self, session: aiohttp.ClientSession, url: str, key: str | None) -> None:
        self.session, self.url, self.key = session, url, key

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        base = {"X-Api-Key": self.key} if self.key else {}
        return {**base, **(extra or {})}

    async def call(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        headers = self.headers(kwargs.pop("headers", None))
        async with self.session.request(method, self.url + path, headers=headers, **kwargs) as r:
            return r.status, await r.json(content_type=None)

    async def upload(
        self, data: bytes, content_type: str = "image/jpeg", path: str = "/v1/asset"
    ) -> tuple[int, Any]:
        return await self.call("POST", path, data=data, headers={"Content-Type": content_type})

    async def talking_photo(self) -> str:
        status, body = await self.upload(jpeg(), path="/v1/talking_photo")
        assert status == 200, body
        return str(body["data"]["talking_photo_id"])

    async def video(self, script: str = "Hello there, friend", **extra: Any) -> tuple[int, Any]:
        return await self.call(
            "POST",
            "/v2/video/generate",
            json=video_body(await self.talking_photo(), script, **extra),
        )


def video_body(talking_photo_id: str, script: str = "Hello there", **extra: Any) -> dict[str, Any]:
    scene = {
        "character": {"type": "talking_photo", "talking_photo_id": talking_photo_id},
        "voice": {"type": "text", "voice_id": DEFAULT_VOICE_ID, "input_text": script},
    }
    return {"video_inputs": [scene], **extra}
