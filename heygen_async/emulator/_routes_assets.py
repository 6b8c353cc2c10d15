"""Uploads (raw bytes on the upload host) and talking photos."""

from __future__ import annotations

import asyncio
import io

from aiohttp import web
from PIL import Image

from heygen_async.emulator._envelopes import ApiError, ok
from heygen_async.emulator._http import base_url, json_body, state_of, tenant_of
from heygen_async.emulator._media import asset_url
from heygen_async.emulator._middleware import BODY
from heygen_async.emulator._state import EmulatorState, Tenant, new_id
from heygen_async.emulator._validation import text_field

__all__ = ["routes"]

_ALLOWED = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "audio/mpeg": "mp3",
    "audio/wav": "wav",
    "video/mp4": "mp4",
    "video/webm": "webm",
}
_MAGIC = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}
routes = web.RouteTableDef()


async def _validated_upload(request: web.Request, *, images_only: bool) -> tuple[str, bytes]:
    content_type = request.content_type
    allowed = ("image/png", "image/jpeg") if images_only else tuple(_ALLOWED)
    if content_type not in allowed:
        raise ApiError(
            400, f"Content-Type must be one of {', '.join(allowed)} (got '{content_type}')"
        )
    data = request[BODY]  # read and decoded by the middleware
    if not data:
        raise ApiError(400, "asset data must be provided")
    if content_type in _MAGIC:
        await _check_image(state_of(request), content_type, data)
    return content_type, data


async def _check_image(state: EmulatorState, content_type: str, data: bytes) -> None:
    if not data.startswith(_MAGIC[content_type]):
        raise ApiError(400, f"file content is not {content_type} as the Content-Type says")
    try:
        width, height = await asyncio.to_thread(_decoded_size, data)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ApiError(400, "image is corrupt or cannot be decoded") from None
    side = state.config.min_photo_side
    if min(width, height) < side:
        raise ApiError(
            400, f"image is {width}x{height}; photos must be at least {side}x{side} pixels"
        )


def _decoded_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        size = image.size
        if image.format == "JPEG":
            # Every byte is still decoded at 1/8 scale: damage is found for half the CPU.
            image.draft(image.mode, (image.width // 8, image.height // 8))
        image.load()
        return size


def _store_asset(
    request: web.Request, tenant: Tenant, content_type: str, data: bytes
) -> dict[str, object]:
    state = state_of(request)
    asset_id, ext = new_id(), _ALLOWED[content_type]
    url = asset_url(base_url(request), asset_id, ext)
    is_image = content_type.startswith("image/")
    image_key = f"image/{asset_id}/original.{ext}" if is_image else None
    asset: dict[str, object] = {
        "id": asset_id,
        "name": asset_id,
        "file_type": content_type.split("/", maxsplit=1)[0],
        "folder_id": "",
        "meta": None,
        "created_ts": int(state.clock.now()),
        "url": url,
        "image_key": image_key,
    }
    state.blobs[asset_id] = data
    tenant.assets[asset_id] = asset
    tenant.asset_urls[url] = asset_id
    if image_key:
        tenant.image_keys.add(image_key)
    return asset


@routes.post("/v1/asset")
async def upload_asset(request: web.Request) -> web.Response:
    content_type, data = await _validated_upload(request, images_only=False)
    return ok("v1", _store_asset(request, tenant_of(request), content_type, data))


@routes.post("/v1/talking_photo")
async def upload_talking_photo(request: web.Request) -> web.Response:
    content_type, data = await _validated_upload(request, images_only=True)
    tenant = tenant_of(request)
    asset = _store_asset(request, tenant, content_type, data)
    return ok("v1", _new_talking_photo(tenant, str(asset["url"])))


@routes.post("/v2/talking_photo")
async def create_talking_photo(request: web.Request) -> web.Response:
    body = await json_body(request)
    image_url = text_field(body, "image_url")
    tenant = tenant_of(request)
    asset_id = tenant.asset_urls.get(image_url.split("?", 1)[0])
    if asset_id is None or not tenant.assets[asset_id]["image_key"]:
        raise ApiError(400, "image_url does not point at an image uploaded to this account")
    created = _new_talking_photo(tenant, image_url)
    return ok(
        "v2", {"talking_photo_id": created["talking_photo_id"], "talking_photo_url": image_url}
    )


def _new_talking_photo(tenant: Tenant, image_url: str) -> dict[str, str]:
    talking_photo_id = new_id()
    tenant.talking_photos[talking_photo_id] = {
        "id": talking_photo_id,
        "image_url": image_url,
        "circle_image": "",
    }
    return {"talking_photo_id": talking_photo_id, "talking_photo_url": image_url}


@routes.get("/v1/talking_photo.list")
async def list_talking_photos(request: web.Request) -> web.Response:
    return ok("v1", list(tenant_of(request).talking_photos.values()))


@routes.delete("/v2/talking_photo/{talking_photo_id}")
async def delete_talking_photo(request: web.Request) -> web.Response:
    if tenant_of(request).talking_photos.pop(request.match_info["talking_photo_id"], None) is None:
        raise ApiError(404, "talking photo not found")
    return ok("v2", None)
