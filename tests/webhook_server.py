"""A webhook endpoint of the user's own, served on a free loopback port for a test."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from aiohttp import web

from heygen_async.webhooks import EventHandler, Secrets, aiohttp_handler


@contextlib.asynccontextmanager
async def serve_webhooks(secrets: Secrets, on_event: EventHandler) -> AsyncIterator[str]:
    """Yield the URL of an `aiohttp_handler(secrets, on_event)` route; stop it on exit."""
    app = web.Application()
    app.router.add_route("*", "/hook", aiohttp_handler(secrets, on_event))
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    finally:
        await runner.cleanup()
