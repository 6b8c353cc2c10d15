"""Small helpers every route uses: who is calling, the JSON body, the public base URL."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from heygen_async.emulator._envelopes import ApiError
from heygen_async.emulator._middleware import INVALID_JSON, JSON_BODY, STATE, TENANT
from heygen_async.emulator._state import EmulatorState, Tenant

__all__ = ["base_url", "json_body", "state_of", "tenant_of"]


def state_of(request: web.Request) -> EmulatorState:
    return request.app[STATE]


def tenant_of(request: web.Request) -> Tenant:
    tenant: Tenant = request[TENANT]
    return tenant


def base_url(request: web.Request) -> str:
    return str(request.url.origin())


async def json_body(request: web.Request) -> dict[str, Any]:
    """The JSON object body, or the 400 HeyGen gives for a wrong type or bad JSON."""
    if request.content_type != "application/json":
        shown = request.content_type if request.body_exists else ""
        raise ApiError(
            400, f"Unsupported media type '{shown}' in request. 'application/json' is required."
        )
    body = request.get(JSON_BODY)  # parsed once by the middleware
    if body is INVALID_JSON:
        raise ApiError(400, "request body is not valid JSON", code="invalid_parameter")
    if not isinstance(body, dict):
        raise ApiError(400, "request body must be a JSON object", code="invalid_parameter")
    return body
