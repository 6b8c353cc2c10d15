"""Talking photos: create from an uploaded image URL, legacy raw upload, list, delete."""

from __future__ import annotations

from typing import Any

from heygen_async._errors import ValidationError
from heygen_async.models import TalkingPhoto, TalkingPhotoSummary
from heygen_async.models._checks import text
from heygen_async.resources._base import Resource
from heygen_async.resources.assets import Source, prepare_upload

__all__ = ["TalkingPhotos"]


class TalkingPhotos(Resource):
    async def create(self, image_url: str) -> TalkingPhoto:
        """A talking photo from an image already uploaded (an asset's `url`)."""
        if not text("image_url", image_url).startswith(("https://", "http://")):
            raise ValidationError(
                "image_url",
                "must be the http(s) URL of an uploaded image (an asset's url); "
                "for a local file use talking_photos.upload(path)",
            )
        data = await self._transport.request(
            "POST", "/v2/talking_photo", json={"image_url": image_url}
        )
        return self._parse(data, TalkingPhoto)

    async def upload(self, source: Source) -> TalkingPhoto:
        """The legacy one-step form: raw photo bytes straight to a talking photo."""
        body = await prepare_upload(source, None, photo_only=True)
        data = await self._transport.request(
            "POST",
            "/v1/talking_photo",
            host="upload",
            content=body.content,
            content_type=body.content_type,
        )
        return self._parse(data, TalkingPhoto)

    async def list(self) -> list[TalkingPhotoSummary]:
        data = await self._transport.request("GET", "/v1/talking_photo.list")
        if isinstance(data, dict):
            # Some accounts get {"talking_photos": [{"talking_photo_id": ...}]} instead of a list.
            items = self._parse(data.get("talking_photos") or [], list[dict[str, Any]])
            data = [
                {"id": item.get("id") or item.get("talking_photo_id"), **item} for item in items
            ]
        return self._parse_list(data, TalkingPhotoSummary)

    async def delete(self, talking_photo_id: str) -> None:
        text("talking_photo_id", talking_photo_id)
        await self._transport.request("DELETE", f"/v2/talking_photo/{talking_photo_id}")
