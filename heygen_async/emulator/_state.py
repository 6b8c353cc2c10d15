"""Everything the emulator remembers: tenants and their objects, the log, the counters."""

from __future__ import annotations

import heapq
import random
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

import attrs

from heygen_async.emulator._clock import Clock
from heygen_async.emulator._config import EmulatorConfig
from heygen_async.emulator._faults import FaultInjector
from heygen_async.emulator._jobs import Generation, Render, Training

__all__ = ["EmulatorState", "RequestRecord", "Tenant", "new_id"]


def new_id() -> str:
    return uuid.uuid4().hex


@attrs.frozen
class RequestRecord:
    """One request as the emulator saw it; tests assert on these."""

    method: str
    path: str
    query: dict[str, str]
    status: int | None  # None when the connection was reset instead of answered
    api_key: str | None
    json: Any
    body_size: int
    fault: str | None
    at: float


@attrs.define
class Tenant:
    """One API key's world. Nothing here is visible to another key."""

    key: str
    credits: float
    assets: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    asset_urls: dict[str, str] = attrs.field(factory=dict)  # url -> asset id
    image_keys: set[str] = attrs.field(factory=set)
    talking_photos: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    renders: dict[str, Render] = attrs.field(factory=dict)
    render_order: list[str] = attrs.field(factory=list)  # creation order, for video.list
    in_flight: int = 0
    ending: list[tuple[float, str]] = attrs.field(factory=list)  # heap of (ends_at, render id)
    generations: dict[str, Generation] = attrs.field(factory=dict)
    avatars: dict[str, dict[str, Any]] = attrs.field(factory=dict)  # photo avatars and looks
    groups: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    trainings: dict[str, Training] = attrs.field(factory=dict)
    webhooks: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    renders_by_callback: Counter[str] = attrs.field(factory=Counter)
    jobs_created: int = 0

    def add_render(self, render: Render) -> None:
        self.renders[render.id] = render
        self.render_order.append(render.id)
        self.in_flight += 1
        self.jobs_created += 1
        if render.callback_id:
            self.renders_by_callback[render.callback_id] += 1
        heapq.heappush(self.ending, (render.ends_at, render.id))

    def settle(self, now: float) -> list[Render]:
        """Renders that ended by `now` and were not yet processed, oldest first."""
        ended: list[Render] = []
        while self.ending and self.ending[0][0] <= now:
            _, render_id = heapq.heappop(self.ending)
            render = self.renders.get(render_id)
            if render is None or render.settled:
                continue
            render.settled = True
            self.in_flight -= 1
            ended.append(render)
        return ended

    def next_end(self) -> float | None:
        return self.ending[0][0] if self.ending else None


class EmulatorState:
    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.clock = Clock(config.speed)
        self.rng = random.Random(config.seed)
        self.faults = FaultInjector(config.faults, self.rng)
        self.signing_key = new_id().encode()
        # Set by the server: what happens when a render ends, and how to wake its scheduler.
        self.on_render_end: Callable[[Tenant, Render], None] = lambda _tenant, _render: None
        self.wake: Callable[[], None] = lambda: None
        self.blobs: dict[str, bytes] = {}  # asset id -> bytes (kept to serve asset URLs)
        self.reset()

    def reset(self) -> None:
        self.tenants = {key: Tenant(key, self.config.credits) for key in self.config.api_keys}
        self.request_log: list[RequestRecord] = []
        self.route_counts: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.webhooks_delivered = 0
        self.webhooks_failed = 0
        self.blobs.clear()
        self.faults.clear()

    def settle_tenant(self, tenant: Tenant) -> None:
        """Process the renders of `tenant` that ended by now: free slots, fire webhooks."""
        for render in tenant.settle(self.clock.now()):
            self.on_render_end(tenant, render)

    def next_end(self) -> float | None:
        ends = [end for tenant in self.tenants.values() if (end := tenant.next_end()) is not None]
        return min(ends, default=None)

    def tenant(self, key: str | None) -> Tenant | None:
        return self.tenants.get(key) if key else None

    def stats(self) -> dict[str, Any]:
        tenants = self.tenants.values()
        return {
            "requests": {route: dict(counts) for route, counts in self.route_counts.items()},
            "jobs_created": {t.key: t.jobs_created for t in tenants},
            "renders_by_callback_id": {t.key: dict(t.renders_by_callback) for t in tenants},
            "credits": {t.key: round(t.credits, 4) for t in tenants},
            "in_flight": {t.key: t.in_flight for t in tenants},
            "webhooks_delivered": self.webhooks_delivered,
            "webhooks_failed": self.webhooks_failed,
            "now": self.clock.now(),
        }
