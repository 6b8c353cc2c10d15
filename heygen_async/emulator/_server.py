"""The emulator as a running server: in-process (`async with`) or on its own thread."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from types import TracebackType
from typing import Any, Self

import aiohttp
from aiohttp import web

from heygen_async.emulator import (
    _routes_account,
    _routes_assets,
    _routes_photo_avatars,
    _routes_videos,
)
from heygen_async.emulator._admin import admin_routes
from heygen_async.emulator._clock import Clock
from heygen_async.emulator._config import EmulatorConfig
from heygen_async.emulator._faults import FaultInjector
from heygen_async.emulator._jobs import Render
from heygen_async.emulator._media import load_samples, media_routes
from heygen_async.emulator._middleware import STATE, make_middlewares
from heygen_async.emulator._state import EmulatorState, RequestRecord, Tenant
from heygen_async.emulator._webhook_delivery import WebhookSender, render_events

__all__ = ["Emulator", "EmulatorThread", "build_app"]

# The longest the scheduler sleeps: bounds how late a render's end is noticed after a speed change.
_MAX_NAP = 0.5
_SENDERS = 4


def build_app(state: EmulatorState) -> web.Application:
    """The emulator's app; serve it with `auto_decompress=False` (the middleware decodes)."""
    # aiohttp refuses bodies strictly larger than client_max_size, so exactly the limit passes;
    # the middleware turns its refusal into HeyGen's 413.
    app = web.Application(
        middlewares=make_middlewares(state), client_max_size=state.config.max_upload_bytes
    )
    app[STATE] = state
    for module in (_routes_assets, _routes_videos, _routes_photo_avatars, _routes_account):
        app.router.add_routes(module.routes)
    app.router.add_routes(admin_routes(state))
    app.router.add_routes(media_routes(state))
    return app


class Emulator:
    """A local HeyGen. `async with Emulator() as emu:` serves on `emu.url` until the block ends."""

    def __init__(
        self, config: EmulatorConfig | None = None, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.config = config or EmulatorConfig()
        self._host, self._port = host, port
        self._state = EmulatorState(self.config)
        self._runner: web.AppRunner | None = None
        self._stack = contextlib.AsyncExitStack()
        self._wake = asyncio.Event()
        self.url = ""

    @property
    def clock(self) -> Clock:
        return self._state.clock

    @property
    def faults(self) -> FaultInjector:
        return self._state.faults

    @property
    def request_log(self) -> list[RequestRecord]:
        return self._state.request_log

    def stats(self) -> dict[str, Any]:
        return self._state.stats()

    def reset(self) -> None:
        self._state.reset()

    def renders_for(self, api_key: str, callback_id: str) -> int:
        tenant = self._state.tenants.get(api_key)
        return tenant.renders_by_callback[callback_id] if tenant else 0

    async def __aenter__(self) -> Self:
        await asyncio.to_thread(load_samples)
        try:
            await self._start()
        except BaseException:
            await self._stack.aclose()
            raise
        return self

    async def _start(self) -> None:
        self._runner = web.AppRunner(
            build_app(self._state),
            access_log=None,
            handle_signals=False,
            shutdown_timeout=0.5,
            # _bodies.py undoes Content-Encoding: aiohttp's own decoding failed bodies that
            # are not what the header says with a 500, a plain-text 400 or no answer at all.
            auto_decompress=False,
        )
        await self._runner.setup()
        self._stack.push_async_callback(self._runner.cleanup)
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{_url_host(host)}:{port}"
        session = await self._stack.enter_async_context(aiohttp.ClientSession())
        sender = WebhookSender(self._state, session)
        self._state.on_render_end = lambda tenant, render: self._on_render_end(
            sender, tenant, render
        )
        self._state.wake = self._wake.set
        self.clock.on_change(self._wake.set)
        tasks = await self._stack.enter_async_context(asyncio.TaskGroup())
        self._stack.push_async_callback(
            _cancel_all,
            tasks,
            [
                tasks.create_task(self._settle_forever()),
                *(tasks.create_task(sender.run()) for _ in range(_SENDERS)),
            ],
        )

    def _on_render_end(self, sender: WebhookSender, tenant: Tenant, render: Render) -> None:
        for delivery in render_events(self._state, self.url, tenant, render):
            sender.queue.put_nowait(delivery)

    async def _settle_forever(self) -> None:
        """Process ended renders when they end: free slots, queue webhooks."""
        state = self._state
        while True:
            self._wake.clear()
            for tenant in state.tenants.values():
                state.settle_tenant(tenant)
            next_end = state.next_end()
            nap = (
                _MAX_NAP
                if next_end is None
                else min(_MAX_NAP, self.clock.real_seconds(next_end - self.clock.now()))
            )
            # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancellation
            # that lands as the wait ends, which left this loop running at shutdown.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(nap + 0.001):
                    await self._wake.wait()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._stack.aclose()


async def _cancel_all(_: asyncio.TaskGroup, tasks: list[asyncio.Task[None]]) -> None:
    # Runs before the TaskGroup exits (exit stacks unwind in reverse), so the group can finish.
    for task in tasks:
        task.cancel()


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


class EmulatorThread:
    """The same emulator on its own event loop in a daemon thread, for sync code and fixtures."""

    def __init__(
        self, config: EmulatorConfig | None = None, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self._emulator = Emulator(config, host=host, port=port)
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="heygen-emulator", daemon=True)

    def __enter__(self) -> Emulator:
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            raise self._error
        return self._emulator

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        try:
            async with self._emulator:
                self._ready.set()
                await self._stop.wait()
        except Exception as exc:  # noqa: BLE001  # handed to the thread that waits for start-up
            self._error = exc
        finally:
            self._ready.set()
