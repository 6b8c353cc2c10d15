"""`/_emulator/`: what tests read and steer. No auth, never faulted, never rate limited."""

from __future__ import annotations

from typing import Any

import attrs
from aiohttp import web

from heygen_async.emulator._config import FaultConfig
from heygen_async.emulator._state import EmulatorState

__all__ = ["admin_routes"]


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
        try:
            if "config" in body:
                state.faults.configure(FaultConfig(**body["config"]))
                state.config.faults = state.faults.config
            for entry in body.get("script", []):
                state.faults.script(
                    entry["method"], entry["path"], entry["kind"], int(entry.get("count", 1))
                )
        except (TypeError, KeyError, ValueError) as exc:
            raise web.HTTPBadRequest(text=f"bad fault settings: {exc}") from None
        return web.json_response({"ok": True})

    async def advance(request: web.Request) -> web.Response:
        seconds = (await _body(request)).get("seconds")
        if not isinstance(seconds, int | float) or seconds < 0:
            raise web.HTTPBadRequest(text="seconds must be a non-negative number")
        state.clock.advance(float(seconds))
        return web.json_response({"now": state.clock.now()})

    async def configure(request: web.Request) -> web.Response:
        body = await _body(request)
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
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text="body must be JSON") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="body must be a JSON object")
    return body
