"""What wraps every API request: the log, auth, the request-rate limit, faults, error shapes.

Admin (`/_emulator/`) and media (`/_media/`) paths skip auth, limits and faults: tests must
always be able to look, and downloads are signed URLs, not API calls.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from heygen_async.emulator._bodies import decode_body, too_large
from heygen_async.emulator._envelopes import ApiError, family_of
from heygen_async.emulator._limits import TokenBucket, retry_headers
from heygen_async.emulator._state import EmulatorState, RequestRecord, Tenant

__all__ = ["BODY", "INVALID_JSON", "JSON_BODY", "STATE", "TENANT", "make_middlewares"]

STATE = web.AppKey("state", EmulatorState)
TENANT = web.RequestKey("tenant", Tenant)
# The JSON body, parsed once here for both the route and the request log.
INVALID_JSON = object()
JSON_BODY = web.RequestKey("json_body", object)
# The body as sent, its Content-Encoding undone (the server leaves that to _bodies.py).
BODY = web.RequestKey("body", bytes)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_UNPROTECTED = ("/_emulator/", "/_media/")


class _Reset(Exception):  # noqa: N818  # internal signal: drop the connection, answer nothing
    pass


def make_middlewares(state: EmulatorState) -> list[Any]:
    buckets: dict[str, TokenBucket] = {}

    @web.middleware
    async def api(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(_UNPROTECTED):
            return await handler(request)
        fault = state.faults.for_request(request.method, request.path)
        status: int | None = None
        body = b""
        try:
            body = await _read_body(request, state)
            request[JSON_BODY] = _parse_json(request, body)
            response = await _serve(request, handler, state, buckets, fault)
            status = response.status
        except ApiError as error:  # the body itself could not be read or decoded
            response = error.response(family_of(request.path))
            status = response.status
        except _Reset:
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError from None
        finally:
            _record(state, request, body, status, fault)
        return response

    return [api]


async def _read_body(request: web.Request, state: EmulatorState) -> bytes:
    """The body, read once and decoded (routes read `request[BODY]`); capped by client_max_size."""
    limit = state.config.max_upload_bytes
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise too_large(limit) from None
    body = decode_body(raw, request.headers.get("Content-Encoding", ""), limit)
    request[BODY] = body
    return body


async def _serve(
    request: web.Request,
    handler: Handler,
    state: EmulatorState,
    buckets: dict[str, TokenBucket],
    fault: str | None,
) -> web.StreamResponse:
    family = family_of(request.path)
    try:
        if fault == "reset_before":
            raise _Reset
        if fault == "slow":
            await asyncio.sleep(state.config.faults.slow_seconds)
        if fault in ("500", "502", "503", "429"):
            raise _fault_error(fault)
        _authenticate(request, state)
        _rate_limit(request, state, buckets)
        response = await handler(request)
    except ApiError as error:
        response = error.response(family)
    except (web.HTTPNotFound, web.HTTPMethodNotAllowed) as exc:
        # The router found no route (an id with characters no id has, a wrong method): the
        # real API answers in its JSON envelope, not with aiohttp's plain-text page.
        code = "not_found" if exc.status == 404 else "method_not_allowed"
        response = ApiError(exc.status, exc.reason, code=code).response(family)
    if fault == "reset_after":
        raise _Reset
    return response


def _fault_error(kind: str) -> ApiError:
    if kind == "429":
        return ApiError(429, "Rate limit exceeded.", headers=retry_headers(0.05))
    messages = {
        "500": "Internal server error.",
        "502": "Bad gateway.",
        "503": "Service unavailable.",
    }
    return ApiError(int(kind), messages[kind], code="internal_error")


def _authenticate(request: web.Request, state: EmulatorState) -> None:
    tenant = state.tenant(request.headers.get("X-Api-Key"))
    if tenant is None:
        raise ApiError(401, "Unauthorized", code="unauthorized")
    request[TENANT] = tenant


def _rate_limit(
    request: web.Request, state: EmulatorState, buckets: dict[str, TokenBucket]
) -> None:
    rate = state.config.request_rate
    if rate is None:
        return
    key = request[TENANT].key
    bucket = buckets.get(key)
    if bucket is None or bucket.rate != rate:
        bucket = buckets[key] = TokenBucket(rate, state.config.request_burst)
    wait = bucket.take(time.monotonic())
    if wait > 0:
        raise ApiError(429, "Too many requests: slow down.", headers=retry_headers(wait))


def _record(
    state: EmulatorState, request: web.Request, body: bytes, status: int | None, fault: str | None
) -> None:
    route = f"{request.method} {_route_label(request)}"
    state.route_counts[route]["reset" if status is None else str(status)] += 1
    state.request_log.append(
        RequestRecord(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            status=status,
            api_key=request.headers.get("X-Api-Key"),
            json=_logged_json(request),
            body_size=len(body),
            fault=fault,
            at=state.clock.now(),
        )
    )


def _route_label(request: web.Request) -> str:
    """The route template (`/v2/photo_avatar/{id}`), so counters group by endpoint."""
    info = request.match_info.route.resource
    return info.canonical if info is not None else request.path


def _parse_json(request: web.Request, body: bytes) -> Any:
    """The body as JSON; None for a non-JSON content type; INVALID_JSON when it does not parse."""
    if "json" not in (request.content_type or ""):
        return None
    try:
        return json.loads(body)  # an empty body is invalid JSON too
    except (ValueError, RecursionError):  # nested deeper than the interpreter's limit
        return INVALID_JSON


def _logged_json(request: web.Request) -> Any:
    parsed = request.get(JSON_BODY)
    return None if parsed is INVALID_JSON else parsed
