"""Webhook delivery: signed POSTs of contract section 10.2, retried on failure."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from typing import Any

import aiohttp
import attrs

from heygen_async.emulator._jobs import Render
from heygen_async.emulator._media import signed_url
from heygen_async.emulator._state import EmulatorState, Tenant

__all__ = ["Delivery", "WebhookSender", "render_events"]


@attrs.frozen
class Delivery:
    url: str
    body: bytes
    secret: str | None


def render_events(
    state: EmulatorState, base: str, tenant: Tenant, render: Render
) -> list[Delivery]:
    """The deliveries a finished render causes: each matching endpoint, plus its callback_url."""
    event_type = "avatar_video.fail" if render.fails else "avatar_video.success"
    data: dict[str, Any] = {"video_id": render.id, "callback_id": render.callback_id}
    if render.fails:
        data["msg"] = render.failure
    else:
        data["url"] = signed_url(state, base, f"/_media/video/{render.id}.mp4")
    body = json.dumps({"event_type": event_type, "event_data": data}).encode()
    deliveries = [
        Delivery(endpoint["url"], body, endpoint["secret"])
        for endpoint in tenant.webhooks.values()
        if endpoint["events"] is None or event_type in endpoint["events"]
    ]
    if render.callback_url:
        secret = next(iter(tenant.webhooks.values()), {}).get("secret")
        deliveries.append(Delivery(render.callback_url, body, secret))
    return deliveries


def signature(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookSender:
    """Delivers queued events with a few retries; counts what got through."""

    def __init__(self, state: EmulatorState, session: aiohttp.ClientSession) -> None:
        self._state = state
        self._session = session
        self.queue: asyncio.Queue[Delivery] = asyncio.Queue()

    async def run(self) -> None:
        while True:
            delivery = await self.queue.get()
            delivered = await self._deliver(delivery)
            if delivered:
                self._state.webhooks_delivered += 1
            else:
                self._state.webhooks_failed += 1

    async def _deliver(self, delivery: Delivery) -> bool:
        headers = {"Content-Type": "application/json"}
        if delivery.secret:
            headers["Signature"] = signature(delivery.secret, delivery.body)
        for attempt in range(self._state.config.webhook_max_attempts):
            if attempt:
                await asyncio.sleep(0.05 * 2**attempt)
            try:
                async with self._session.post(
                    delivery.url,
                    data=delivery.body,
                    headers=headers,
                    timeout=aiohttp.ClientTimeout(total=5),
                ) as response:
                    if response.status < 300:
                        return True
            except (aiohttp.ClientError, TimeoutError):
                continue
        return False
