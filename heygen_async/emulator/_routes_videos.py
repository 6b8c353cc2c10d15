"""Video generation, Avatar IV, status, list and delete; render slots and credits."""

from __future__ import annotations

import math
from typing import Any

from aiohttp import web

from heygen_async.emulator._catalog import VOICE_IDS
from heygen_async.emulator._envelopes import ApiError, ok
from heygen_async.emulator._http import base_url, json_body, state_of, tenant_of
from heygen_async.emulator._jobs import FAIL_MARKER, Render, render_seconds, spoken_seconds
from heygen_async.emulator._limits import retry_headers
from heygen_async.emulator._media import signed_url
from heygen_async.emulator._state import EmulatorState, Tenant, new_id
from heygen_async.emulator._video_body import check_av4_body, check_video_body

__all__ = ["routes"]

routes = web.RouteTableDef()


@routes.post("/v2/video/generate")
async def generate_video(request: web.Request) -> web.Response:
    body = await json_body(request)
    tenant = tenant_of(request)
    script = check_video_body(body, tenant, VOICE_IDS)
    render = _start_render(request, tenant, "video", script, body, per_minute=1.0)
    return ok("v2", {"video_id": render.id})


@routes.post("/v2/video/av4/generate")
async def generate_avatar_iv(request: web.Request) -> web.Response:
    body = await json_body(request)
    tenant = tenant_of(request)
    script = check_av4_body(body, tenant, VOICE_IDS)
    render = _start_render(request, tenant, "avatar_iv", script, body, per_minute=6.0)
    return ok("v2", {"video_id": render.id})


def _start_render(
    request: web.Request,
    tenant: Tenant,
    kind: str,
    script: str,
    body: dict[str, Any],
    *,
    per_minute: float,
) -> Render:
    state = state_of(request)
    now = state.clock.now()
    state.settle_tenant(tenant)
    _check_slot(state, tenant, now)
    cost = 0.0 if body.get("test") is True else _cost(script, per_minute)
    if tenant.credits < cost:
        raise ApiError(
            402,
            "Insufficient credit. This operation requires 'api' credits.",
            code="insufficient_credit",
        )
    title = body.get("title") or body.get("video_title")
    fails = FAIL_MARKER in script or state.faults.render_fails(request.method, request.path)
    render = Render(
        id=new_id(),
        kind=kind,
        created_at=now,
        seconds=render_seconds(script),
        duration=spoken_seconds(script),
        fails=fails,
        title=title if isinstance(title, str) else None,
        callback_id=_optional_str(body.get("callback_id")),
        callback_url=_optional_str(body.get("callback_url")),
    )
    tenant.credits -= cost
    tenant.add_render(render)
    state.wake()
    return render


def _check_slot(state: EmulatorState, tenant: Tenant, now: float) -> None:
    if tenant.in_flight < state.config.render_slots:
        return
    next_end = tenant.next_end() or now
    wait = state.clock.real_seconds(next_end - now)
    raise ApiError(
        429,
        f"You have {tenant.in_flight} videos rendering; the limit is {state.config.render_slots}.",
        code="rate_limit_exceeded",
        headers=retry_headers(wait),
    )


def _cost(script: str, per_minute: float) -> float:
    """Billed per started 30 seconds of spoken video (contract section 1.5)."""
    half_minutes = math.ceil(spoken_seconds(script) / 30)
    return half_minutes * 0.5 * per_minute


def _optional_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


@routes.get("/v1/video_status.get")
async def video_status(request: web.Request) -> web.Response:
    render = _find(request, request.query.get("video_id"))
    state = state_of(request)
    state.settle_tenant(tenant_of(request))
    status = render.status(state.clock.now())
    done = status == "completed"
    base = base_url(request)
    data = {
        "id": render.id,
        "status": status,
        "video_url": signed_url(state, base, f"/_media/video/{render.id}.mp4") if done else None,
        "thumbnail_url": signed_url(state, base, f"/_media/video/{render.id}.jpg")
        if done
        else None,
        "gif_url": None,
        "caption_url": None,
        "video_url_caption": None,
        "duration": round(render.duration, 3) if done else None,
        "callback_id": render.callback_id,
        "created_at": int(render.created_at),
        "error": {"code": 400140, "message": render.failure, "detail": render.failure}
        if status == "failed"
        else None,
    }
    return web.json_response({"code": 100, "data": data, "message": "Success"})


def _find(request: web.Request, video_id: str | None) -> Render:
    if not video_id:
        raise ApiError(400, "video_id is required")
    render = tenant_of(request).renders.get(video_id)
    if render is None:
        raise ApiError(404, f"video {video_id} not found")
    return render


@routes.get("/v1/video.list")
async def list_videos(request: web.Request) -> web.Response:
    tenant = tenant_of(request)
    state = state_of(request)
    limit = _int_param(request, "limit", 100, 1, 100)
    start = _int_param(request, "token", 0, 0, 10**9)
    newest_first = tenant.render_order[::-1]
    page = newest_first[start : start + limit]
    now = state.clock.now()
    videos = [_summary(tenant.renders[video_id], now) for video_id in page]
    token = str(start + limit) if start + limit < len(newest_first) else None
    return ok("v1", {"videos": videos, "token": token})


def _summary(render: Render, now: float) -> dict[str, Any]:
    return {
        "video_id": render.id,
        "status": render.status(now),
        "created_at": int(render.created_at),
        "type": "GENERATED",
        "callback_id": render.callback_id,
        "video_title": render.title,
    }


def _int_param(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"{name} must be an integer") from None
    if not low <= value <= high:
        raise ApiError(400, f"{name} must be between {low} and {high}")
    return value


@routes.delete("/v1/video.delete")
async def delete_video(request: web.Request) -> web.Response:
    render = _find(request, request.query.get("video_id"))
    tenant = tenant_of(request)
    state_of(request).settle_tenant(tenant)
    if not render.settled:
        render.settled = True  # deleting a render in flight frees its slot
        tenant.in_flight -= 1
    del tenant.renders[render.id]
    tenant.render_order.remove(render.id)
    return ok("v1", None)
