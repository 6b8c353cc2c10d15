"""Photo avatars: AI photo generation, groups, looks, training, motion (contract section 8)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from heygen_async.emulator._envelopes import ApiError, ok
from heygen_async.emulator._http import base_url, json_body, state_of, tenant_of
from heygen_async.emulator._jobs import FAIL_MARKER, Generation, Training
from heygen_async.emulator._state import Tenant, new_id
from heygen_async.emulator._validation import AI_PHOTO_ENUMS, bad, enum_field, text_field

__all__ = ["routes"]

GROUP_READY_SECONDS = 5.0
routes = web.RouteTableDef()


def _charge(request: web.Request, tenant: Tenant, cost: float) -> None:
    if tenant.credits < cost:
        raise ApiError(
            402,
            "Insufficient credit. This operation requires 'api' credits.",
            code="insufficient_credit",
        )
    tenant.credits -= cost


@routes.post("/v2/photo_avatar/photo/generate")
async def generate_photo(request: web.Request) -> web.Response:
    body = await json_body(request)
    text_field(body, "name")
    for field, allowed in AI_PHOTO_ENUMS.items():
        enum_field(body, field, allowed)
    appearance = text_field(body, "appearance", max_chars=1000)
    return _start_generation(request, fails=FAIL_MARKER in appearance)


@routes.post("/v2/photo_avatar/look/generate")
async def generate_look(request: web.Request) -> web.Response:
    body = await json_body(request)
    group = _group(request, text_field(body, "group_id"))
    if tenant_of(request).trainings.get(group["id"]) is None:
        raise ApiError(400, "group_id must be trained before generating looks")
    prompt = text_field(body, "prompt", max_chars=1000)
    for field in ("orientation", "pose", "style"):
        enum_field(body, field, AI_PHOTO_ENUMS[field])
    return _start_generation(request, fails=FAIL_MARKER in prompt)


def _start_generation(request: web.Request, *, fails: bool) -> web.Response:
    state, tenant = state_of(request), tenant_of(request)
    _charge(request, tenant, 1.0)
    generation = Generation(new_id(), state.clock.now(), fails=fails)
    tenant.generations[generation.id] = generation
    tenant.image_keys.update(generation.image_keys())
    return ok("v2", {"generation_id": generation.id})


@routes.get("/v2/photo_avatar/generation/{generation_id}")
async def generation_status(request: web.Request) -> web.Response:
    generation = tenant_of(request).generations.get(request.match_info["generation_id"])
    if generation is None:
        raise ApiError(404, "generation not found")
    status = generation.status(state_of(request).clock.now())
    keys = generation.image_keys() if status == "success" else []
    base = base_url(request)
    return ok(
        "v2",
        {
            "id": generation.id,
            "status": status,
            "msg": "generation failed: prompt was rejected" if status == "failed" else None,
            "image_url_list": [f"{base}/_media/generated/{key}" for key in keys],
            "image_key_list": keys,
        },
    )


@routes.post("/v2/photo_avatar/avatar_group/create")
async def create_group(request: web.Request) -> web.Response:
    body = await json_body(request)
    name = text_field(body, "name")
    image_key = _known_image_key(request, text_field(body, "image_key"))
    tenant, now = tenant_of(request), state_of(request).clock.now()
    group_id = new_id()
    group = {
        "id": group_id,
        "group_id": group_id,
        "name": name,
        "image_key": image_key,
        "created_at": now,
        "business_type": "generated" if body.get("generation_id") else "uploaded",
    }
    tenant.groups[group_id] = group
    tenant.avatars[group_id] = group
    return ok("v2", _avatar_view(request, group))


@routes.post("/v2/photo_avatar/avatar_group/add")
async def add_to_group(request: web.Request) -> web.Response:
    body = await json_body(request)
    group = _group(request, text_field(body, "group_id"))
    keys = body.get("image_keys")
    if not isinstance(keys, list) or not keys:
        raise bad("image_keys", "must be a non-empty list")
    name = text_field(body, "name")
    # Every key checked before any look is made: a refused request must leave no looks behind.
    image_keys = [_known_image_key(request, key, f"image_keys[{n}]") for n, key in enumerate(keys)]
    tenant, now = tenant_of(request), state_of(request).clock.now()
    looks = []
    for image_key in image_keys:
        look = {
            "id": new_id(),
            "group_id": group["id"],
            "name": name,
            "created_at": now,
            "image_key": image_key,
            "business_type": group["business_type"],
        }
        tenant.avatars[look["id"]] = look
        looks.append(_avatar_view(request, look))
    return ok("v2", {"photo_avatar_list": looks})


def _known_image_key(request: web.Request, key: Any, field: str = "image_key") -> str:
    if not isinstance(key, str) or key not in tenant_of(request).image_keys:
        raise bad(field, f"{key!r} is not an image uploaded to or generated for this account")
    return key


def _group(request: web.Request, group_id: str) -> dict[str, Any]:
    group = tenant_of(request).groups.get(group_id)
    if group is None:
        raise ApiError(404, f"photo avatar group {group_id} not found")
    return group


def _avatar_view(request: web.Request, avatar: dict[str, Any]) -> dict[str, Any]:
    now = state_of(request).clock.now()
    ready = now - float(avatar["created_at"]) >= GROUP_READY_SECONDS
    return {
        "id": avatar["id"],
        "group_id": avatar.get("group_id", avatar["id"]),
        "name": avatar["name"],
        "image_url": f"{base_url(request)}/_media/generated/{avatar['image_key']}",
        "created_at": avatar["created_at"],
        "status": "completed" if ready else "pending",
        "is_motion": bool(avatar.get("is_motion")),
        "business_type": avatar["business_type"],
        "motion_preview_url": None,
    }


@routes.get("/v2/photo_avatar/{photo_avatar_id}")
async def get_photo_avatar(request: web.Request) -> web.Response:
    avatar = tenant_of(request).avatars.get(request.match_info["photo_avatar_id"])
    if avatar is None:
        raise ApiError(404, "photo avatar not found")
    return ok("v2", _avatar_view(request, avatar))


@routes.delete("/v2/photo_avatar/{photo_avatar_id}")
async def delete_photo_avatar(request: web.Request) -> web.Response:
    tenant = tenant_of(request)
    if tenant.avatars.pop(request.match_info["photo_avatar_id"], None) is None:
        raise ApiError(404, "photo avatar not found")
    return ok("v2", None)


@routes.delete("/v2/photo_avatar_group/{group_id}")
async def delete_group(request: web.Request) -> web.Response:
    tenant = tenant_of(request)
    group_id = request.match_info["group_id"]
    if tenant.groups.pop(group_id, None) is None:
        raise ApiError(404, "photo avatar group not found")
    for avatar_id in [
        key for key, avatar in tenant.avatars.items() if avatar.get("group_id") == group_id
    ]:
        del tenant.avatars[avatar_id]
    return ok("v2", None)


@routes.post("/v2/photo_avatar/train")
async def train(request: web.Request) -> web.Response:
    body = await json_body(request)
    group = _group(request, text_field(body, "group_id"))
    tenant = tenant_of(request)
    _charge(request, tenant, 4.0)
    tenant.trainings[group["id"]] = Training(group["id"], state_of(request).clock.now())
    return ok("v2", {"flow_id": new_id()})


@routes.get("/v2/photo_avatar/train/status/{group_id}")
async def training_status(request: web.Request) -> web.Response:
    training = tenant_of(request).trainings.get(request.match_info["group_id"])
    if training is None:
        raise ApiError(404, "no training for this group")
    now = state_of(request).clock.now()
    status = training.status(now)
    return ok(
        "v2",
        {
            "status": status,
            "error_msg": None,
            "created_at": training.created_at,
            "updated_at": now if status == "ready" else None,
        },
    )


@routes.post("/v2/photo_avatar/add_motion")
async def add_motion(request: web.Request) -> web.Response:
    body = await json_body(request)
    tenant = tenant_of(request)
    source = tenant.avatars.get(text_field(body, "id"))
    if source is None:
        raise ApiError(404, "photo avatar not found")
    if body.get("motion_type") == "avatar_iv":
        raise ApiError(400, "can't create motion for this type 'avatar_iv'")
    _charge(request, tenant, 1.0)
    motion = {
        **source,
        "id": new_id(),
        "is_motion": True,
        "created_at": state_of(request).clock.now(),
    }
    tenant.avatars[motion["id"]] = motion
    return ok("v2", {"id": motion["id"]})


@routes.get("/v2/avatar_group.list")
async def list_groups(request: web.Request) -> web.Response:
    tenant = tenant_of(request)
    groups = [
        {
            "id": g["id"],
            "name": g["name"],
            "created_at": int(g["created_at"]),
            "num_looks": sum(1 for a in tenant.avatars.values() if a.get("group_id") == g["id"]),
            "preview_image": f"{base_url(request)}/_media/generated/{g['image_key']}",
            "group_type": "PHOTO",
            "train_status": tenant.trainings[g["id"]].status(state_of(request).clock.now())
            if g["id"] in tenant.trainings
            else None,
        }
        for g in tenant.groups.values()
    ]
    return ok("v2", {"total_count": len(groups), "avatar_group_list": groups})


@routes.get("/v2/avatar_group/{group_id}/avatars")
async def list_group_avatars(request: web.Request) -> web.Response:
    group = _group(request, request.match_info["group_id"])
    avatars = [
        {
            "avatar_id": a["id"],
            "avatar_name": a["name"],
            "gender": None,
            "preview_image_url": _avatar_view(request, a)["image_url"],
            "preview_video_url": None,
            "premium": False,
            "type": "talking_photo",
            "tags": None,
            "default_voice_id": None,
        }
        for a in tenant_of(request).avatars.values()
        if a.get("group_id", a["id"]) == group["id"]
    ]
    return ok("v2", {"avatar_list": avatars})
