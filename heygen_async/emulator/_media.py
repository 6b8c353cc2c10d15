"""Signed media URLs and the files behind them (a real MP4 and JPEG shipped with the package)."""

from __future__ import annotations

import hashlib
import hmac
from importlib import resources

from aiohttp import web

from heygen_async.emulator._state import EmulatorState

__all__ = ["asset_url", "load_samples", "media_routes", "signed_url"]

_MEDIA = resources.files("heygen_async.emulator") / "media"
_TYPES = {
    "mp4": "video/mp4",
    "jpg": "image/jpeg",
    "png": "image/png",
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
    "webm": "video/webm",
    "jpeg": "image/jpeg",
}


_SAMPLES: dict[str, bytes] = {}


def load_samples() -> None:
    """Read the sample files once (the server calls this in a worker thread at start-up)."""
    for name in ("sample.mp4", "thumbnail.jpg"):
        if name not in _SAMPLES:
            _SAMPLES[name] = (_MEDIA / name).read_bytes()


def signed_url(state: EmulatorState, base: str, path: str) -> str:
    """A URL valid for the configured TTL of emulated time from now."""
    expires = int(state.clock.now() + state.config.url_ttl_seconds)
    return f"{base}{path}?Expires={expires}&Signature={_sign(state, path, expires)}"


def asset_url(base: str, asset_id: str, ext: str) -> str:
    return f"{base}/_media/asset/{asset_id}/original.{ext}"


def _sign(state: EmulatorState, path: str, expires: int) -> str:
    return hmac.new(state.signing_key, f"{path}:{expires}".encode(), hashlib.sha256).hexdigest()


def _check_signature(request: web.Request, state: EmulatorState) -> None:
    try:
        expires = int(request.query["Expires"])
        signature = request.query["Signature"]
    except (KeyError, ValueError):
        raise web.HTTPForbidden(text="missing or malformed signature") from None
    if not hmac.compare_digest(signature, _sign(state, request.path, expires)):
        raise web.HTTPForbidden(text="bad signature")
    if state.clock.now() > expires:
        raise web.HTTPForbidden(text="Request has expired")


def media_routes(state: EmulatorState) -> list[web.RouteDef]:
    async def video_file(request: web.Request) -> web.Response:
        _check_signature(request, state)
        video_id, ext = request.match_info["name"].rsplit(".", 1)
        known = any(
            video_id in tenant.renders
            and tenant.renders[video_id].status(state.clock.now()) == "completed"
            for tenant in state.tenants.values()
        )
        if not known or ext not in ("mp4", "jpg"):
            raise web.HTTPNotFound
        sample = "sample.mp4" if ext == "mp4" else "thumbnail.jpg"
        return web.Response(body=_SAMPLES[sample], content_type=_TYPES[ext])

    async def asset_file(request: web.Request) -> web.Response:
        data = state.blobs.get(request.match_info["asset_id"])
        if data is None:
            raise web.HTTPNotFound
        ext = request.match_info["ext"]
        return web.Response(body=data, content_type=_TYPES.get(ext, "application/octet-stream"))

    async def generated_file(_: web.Request) -> web.Response:
        # AI-generated photos are all the same sample picture: tests need a real JPEG, not art.
        return web.Response(body=_SAMPLES["thumbnail.jpg"], content_type="image/jpeg")

    return [
        web.get("/_media/video/{name}", video_file),
        web.get("/_media/generated/{key:.+}", generated_file),
        web.get("/_media/asset/{asset_id}/original.{ext}", asset_file),
    ]
