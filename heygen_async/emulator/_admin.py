"""`/_emulator/`: what tests read and steer. No auth, never faulted, never rate limited."""

from __future__ import annotations

import json
import math
from typing import Any, TypeGuard

import attrs
from aiohttp import web

from heygen_async.emulator._bodies import decode_body
from heygen_async.emulator._config import FaultConfig
from heygen_async.emulator._envelopes import ApiError
from heygen_async.emulator._faults import FAULT_KINDS
from heygen_async.emulator._state import EmulatorState

__all__ = ["admin_routes"]

_ADMIN_BODY_LIMIT = 1 << 20  # settings take a few hundred bytes


def admin_routes(state: EmulatorState) -> list[web.RouteDef]:
    async def stats(_: web.Request) -> web.Response:
        return web.json_response(state.stats())

    async def requests(_: web.Request) -> web.Response:
        return web.json_response([attrs.asdict(record) for record in state.request_log])

    async def reset(_: web.Request) -> web.Response:
        state.reset()
        return web.json_response({"ok": True})

    async def faults(request: web.Request) -> web.Response:
        body = await _body(request)
        # Everything is checked before anything changes: a refused request leaves no trace.
        config = _fault_config(body["config"]) if "config" in body else None
        script = _fault_script(body.get("script", []))
        if config is not None:
            state.faults.configure(config)
            state.config.faults = config
        for method, path, kind, count in script:
            state.faults.script(method, path, kind, count)
        return web.json_response({"ok": True})

    async def advance(request: web.Request) -> web.Response:
        value = (await _body(request)).get("seconds")
        seconds = float(value) if _is_number(value) else math.nan
        # NaN or infinity (given, or reached by adding up) would leave every later timestamp
        # NaN or inf: a 500 on each status call.
        if not (seconds >= 0 and math.isfinite(state.clock.now() + seconds)):
            raise web.HTTPBadRequest(text="seconds must be a finite non-negative number")
        state.clock.advance(seconds)
        return web.json_response({"now": state.clock.now()})

    async def configure(request: web.Request) -> web.Response:
        body = await _body(request)
        _check_settings(body)
        for name in ("render_slots", "request_rate", "request_burst"):
            if name in body:
                setattr(state.config, name, body[name])
        if "speed" in body:
            state.config.speed = state.clock.speed = float(body["speed"])
        if "credits" in body:
            for tenant in state.tenants.values():
                tenant.credits = float(body["credits"])
        return web.json_response({"ok": True})

    return [
        web.get("/_emulator/stats", stats),
        web.get("/_emulator/requests", requests),
        web.post("/_emulator/reset", reset),
        web.post("/_emulator/faults", faults),
        web.post("/_emulator/clock/advance", advance),
        web.post("/_emulator/config", configure),
    ]


async def _body(request: web.Request) -> dict[str, Any]:
    # Bytes, not request.json(): that decodes with the declared charset, and an unknown one
    # (`charset=bogus`) raised LookupError, a 500.
    try:
        coding = request.headers.get("Content-Encoding", "")
        raw = decode_body(await request.read(), coding, _ADMIN_BODY_LIMIT)
    except ApiError as error:  # junk labelled gzip or deflate
        raise web.HTTPBadRequest(text=error.message) from None
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise web.HTTPBadRequest(text="body must be JSON") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="body must be a JSON object")
    return body


def _is_number(value: Any) -> TypeGuard[int | float]:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int past float's range (10**400): was a 500, not a 400
        return False


def _is_count(value: Any, low: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= low


def _fault_config(value: Any) -> FaultConfig:
    """A FaultConfig from JSON; junk used to be stored and fail every later API request."""
    if not isinstance(value, dict):
        raise web.HTTPBadRequest(text="config must be an object of FaultConfig fields")
    known = {field.name for field in attrs.fields(FaultConfig)}
    for name, number in value.items():
        if name not in known:
            raise web.HTTPBadRequest(text=f"config.{name} is not a fault setting")
        high = math.inf if name == "slow_seconds" else 1.0
        if not _is_number(number) or not 0 <= number <= high:
            raise web.HTTPBadRequest(text=f"config.{name} must be a number from 0 to {high}")
    return FaultConfig(**{name: float(number) for name, number in value.items()})


def _fault_script(entries: Any) -> list[tuple[str, str, str, int]]:
    if not isinstance(entries, list):
        raise web.HTTPBadRequest(text="script must be a list")
    script = []
    for n, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise web.HTTPBadRequest(text=f"script[{n}] must be an object")
        method, path, kind = entry.get("method"), entry.get("path"), entry.get("kind")
        count = entry.get("count", 1)
        if not (isinstance(method, str) and isinstance(path, str)):
            raise web.HTTPBadRequest(text=f"script[{n}].method and .path must be strings")
        if kind not in FAULT_KINDS:
            raise web.HTTPBadRequest(
                text=f"script[{n}].kind must be one of {', '.join(FAULT_KINDS)}"
            )
        if not _is_count(count, 1):
            raise web.HTTPBadRequest(text=f"script[{n}].count must be a positive integer")
        script.append((method, path, str(kind), count))
    return script


def _check_settings(body: dict[str, Any]) -> None:
    """Each setting the config route takes, checked: junk used to break later requests."""
    checks: dict[str, tuple[bool, str]] = {
        "speed": (_is_number(body.get("speed")) and body.get("speed", 0) > 0, "a positive number"),
        "render_slots": (_is_count(body.get("render_slots"), 0), "a non-negative integer"),
        "request_rate": (
            body.get("request_rate") is None
            or (_is_number(body["request_rate"]) and body["request_rate"] > 0),
            "null or a positive number",
        ),
        "request_burst": (_is_count(body.get("request_burst"), 1), "a positive integer"),
        "credits": (_is_number(body.get("credits")), "a finite number"),
    }
    for name, (ok, wanted) in checks.items():
        if name in body and not ok:
            raise web.HTTPBadRequest(text=f"{name} must be {wanted}")
