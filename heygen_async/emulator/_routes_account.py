"""Voices, remaining quota, and webhook endpoint management (contract sections 9 and 10)."""

from __future__ import annotations

import base64
import os
from typing import Any

import aiohttp
from aiohttp import web

from heygen_async.emulator._catalog import VOICES
from heygen_async.emulator._envelopes import ApiError, ok
from heygen_async.emulator._http import json_body, state_of, tenant_of
from heygen_async.emulator._state import new_id
from heygen_async.emulator._validation import bad, text_field

__all__ = ["EVENT_TYPES", "routes"]

EVENT_TYPES = [
    "avatar_video.success",
    "avatar_video.fail",
    "avatar_video_gif.success",
    "avatar_video_gif.fail",
    "avatar_video_caption.success",
    "avatar_video_caption.fail",
    "video_translate.success",
    "video_translate.fail",
    "personalized_video",
    "instant_avatar.success",
    "instant_avatar.fail",
    "photo_avatar_generation.success",
    "photo_avatar_generation.fail",
    "photo_avatar_train.success",
    "photo_avatar_train.fail",
    "photo_avatar_add_motion.success",
    "photo_avatar_add_motion.fail",
]
routes = web.RouteTableDef()


@routes.get("/v2/voices")
async def voices(_: web.Request) -> web.Response:
    return ok("v2", {"voices": VOICES})


@routes.get("/v2/user/remaining_quota")
async def remaining_quota(request: web.Request) -> web.Response:
    seconds = int(tenant_of(request).credits * 60)  # HeyGen counts credit-seconds
    details = {
        "api": seconds,
        "streaming_avatar": 0,
        "streaming_avatar_instance_quota": 0,
        "seat": 1,
    }
    return ok("v2", {"remaining_quota": seconds, "details": details})


@routes.get("/v1/webhook/webhook.list")
async def event_types(_: web.Request) -> web.Response:
    return ok("v1", EVENT_TYPES)


@routes.post("/v1/webhook/endpoint.add")
async def add_endpoint(request: web.Request) -> web.Response:
    body = await json_body(request)
    url = text_field(body, "url")
    events = _events(body.get("events"))
    await _probe(url)
    endpoint: dict[str, Any] = {
        "endpoint_id": new_id(),
        "url": url,
        "secret": "whsec_" + base64.urlsafe_b64encode(os.urandom(16)).decode(),
        "status": "enabled",
        "events": events,
        "username": "emulator",
        "created_at": str(int(state_of(request).clock.now())),
    }
    tenant_of(request).webhooks[endpoint["endpoint_id"]] = endpoint
    return ok("v1", endpoint)


async def _probe(url: str) -> None:
    """HeyGen checks a new endpoint with an OPTIONS request and a one-second timeout."""
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.options(url, timeout=aiohttp.ClientTimeout(total=1.0)) as response,
        ):
            if response.status >= 400:
                raise bad("url", f"answered OPTIONS with HTTP {response.status}")
    except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
        raise bad(
            "url", f"did not answer an OPTIONS request within 1 s ({exc.__class__.__name__})"
        ) from None


def _events(value: Any) -> list[str] | None:
    if value in (None, []):
        return None  # all events
    if not isinstance(value, list) or any(event not in EVENT_TYPES for event in value):
        raise bad("events", f"must be a list of: {', '.join(EVENT_TYPES)}")
    return list(value)


@routes.get("/v1/webhook/endpoint.list")
async def list_endpoints(request: web.Request) -> web.Response:
    return ok("v1", list(tenant_of(request).webhooks.values()))


@routes.patch("/v1/webhook/endpoint.update")
async def update_endpoint(request: web.Request) -> web.Response:
    body = await json_body(request)
    endpoint = _endpoint(request, text_field(body, "endpoint_id"))
    if body.get("url") is not None:
        url = text_field(body, "url")
        await _probe(url)
        endpoint["url"] = url
    if "events" in body:
        endpoint["events"] = _events(body["events"])
    return ok("v1", endpoint)


@routes.delete("/v1/webhook/endpoint.delete")
async def delete_endpoint(request: web.Request) -> web.Response:
    endpoint = _endpoint(request, request.query.get("endpoint_id", ""))
    del tenant_of(request).webhooks[str(endpoint["endpoint_id"])]
    return ok("v1", None)


def _endpoint(request: web.Request, endpoint_id: str) -> dict[str, Any]:
    endpoint = tenant_of(request).webhooks.get(endpoint_id)
    if endpoint is None:
        raise ApiError(404, "webhook endpoint not found")
    return endpoint
