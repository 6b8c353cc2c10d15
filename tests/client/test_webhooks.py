"""Receiving webhooks: real signed deliveries from the emulator, and every rejection path."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from heygen_async import HeyGenClient, PollSchedule, VideoStatus
from heygen_async._samples import portrait_jpeg
from heygen_async.emulator import DEFAULT_VOICE_ID, Emulator, EmulatorConfig
from heygen_async.webhooks import (
    SIGNATURE_HEADER,
    WebhookASGIApp,
    WebhookEvent,
    WebhookPayloadError,
    WebhookWaiter,
    parse_event,
    sign,
    verify_signature,
)
from tests.webhook_server import serve_webhooks

SECRET = "whsec_test-secret"


class Inbox:
    def __init__(self) -> None:
        self.events: list[WebhookEvent] = []
        self.secrets: list[str] = []
        self.fail_next = False
        self.arrived = asyncio.Event()

    async def on_event(self, event: WebhookEvent) -> None:
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("handler broke")
        self.events.append(event)
        self.arrived.set()


@pytest.fixture
async def inbox() -> Inbox:
    return Inbox()


@pytest.fixture
async def receiver(inbox: Inbox) -> AsyncIterator[str]:
    """Our handler on a real loopback port; its secret is filled in once registered."""
    async with serve_webhooks(inbox.secrets, inbox.on_event) as url:
        yield url


async def test_registered_endpoint_receives_verified_events(
    client: HeyGenClient, emulator: Emulator, inbox: Inbox, receiver: str
) -> None:
    endpoint = await client.webhooks.add_endpoint(
        receiver, events=["avatar_video.success", "avatar_video.fail"]
    )
    assert endpoint.secret is not None
    assert endpoint.secret not in repr(endpoint)
    inbox.secrets.append(endpoint.secret)
    inbox.fail_next = True  # the first delivery fails; the emulator retries it
    tp = (await client.talking_photos.upload(portrait_jpeg(1))).talking_photo_id
    created = await client.videos.generate_from_talking_photo(
        tp, "Hello", DEFAULT_VOICE_ID, callback_id="job-7"
    )
    async with asyncio.timeout(10):
        await inbox.arrived.wait()
    event = inbox.events[0]
    assert event.event_type == "avatar_video.success"
    assert event.succeeded
    assert not event.failed
    assert (event.video_id, event.callback_id) == (created.video_id, "job-7")
    assert event.url is not None
    assert "Expires=" in event.url
    assert [e.endpoint_id for e in await client.webhooks.list_endpoints()] == [endpoint.endpoint_id]
    await client.webhooks.delete_endpoint(endpoint.endpoint_id)
    assert await client.webhooks.list_endpoints() == []


async def post(url: str, body: bytes, signature: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers[SIGNATURE_HEADER] = signature
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=headers) as r,
    ):
        return r.status


async def test_rejections_never_reach_the_handler(inbox: Inbox, receiver: str) -> None:
    inbox.secrets.append(SECRET)
    good = json.dumps(
        {"event_type": "avatar_video.fail", "event_data": {"video_id": "v", "msg": "no face"}}
    ).encode()
    assert await post(receiver, good, None) == 401
    assert await post(receiver, good, sign("whsec_other", good)) == 401
    assert await post(receiver, good, sign(SECRET, good)[:-1] + "0") == 401
    assert await post(receiver, b"{not json", sign(SECRET, b"{not json")) == 400
    assert await post(receiver, b"[]", sign(SECRET, b"[]")) == 400
    assert inbox.events == []
    assert await post(receiver, good, sign(SECRET, good).upper()) == 200
    assert inbox.events[0].message == "no face"
    async with aiohttp.ClientSession() as session:
        async with session.options(receiver) as response:
            assert response.status == 200
        async with session.get(receiver) as response:
            assert response.status == 405


def test_signature_check_accepts_any_current_secret() -> None:
    body = b'{"event_type":"x"}'
    assert verify_signature(["whsec_old", "whsec_new"], body, sign("whsec_new", body))
    assert not verify_signature("whsec_old", body, sign("whsec_new", body))
    assert not verify_signature("whsec_old", body, "")


@pytest.mark.parametrize(
    ("payload", "event_type", "video_id"),
    [
        (
            {"event_type": "avatar_video.success", "event_data": {"video_id": "a"}},
            "avatar_video.success",
            "a",
        ),
        (
            {"event": "avatar_video.completed", "data": {"video_id": 12}},
            "avatar_video.completed",
            "12",
        ),
        (
            {"event_type": "photo_avatar_train.success", "event_data": {"group_id": "g"}},
            "photo_avatar_train.success",
            None,
        ),
    ],
)
def test_event_shapes(payload: dict[str, Any], event_type: str, video_id: str | None) -> None:
    event = parse_event(json.dumps(payload))
    assert (event.event_type, event.video_id) == (event_type, video_id)


def test_photo_avatar_events_expose_their_ids() -> None:
    train = parse_event(
        b'{"event_type": "photo_avatar_train.fail", "event_data": {"group_id": "g1", "msg": "x"}}'
    )
    generation = parse_event(
        b'{"event_type": "photo_avatar_generation.success", "event_data": {"generation_id": "gen"}}'
    )
    assert (train.group_id, train.failed, train.message) == ("g1", True, "x")
    assert (generation.generation_id, generation.succeeded) == ("gen", True)


@pytest.mark.parametrize(
    "payload", [b"", b"null", b'{"event_data": {}}', b'{"event_type": "x", "event_data": []}']
)
def test_malformed_events_raise_a_typed_error(payload: bytes) -> None:
    with pytest.raises(WebhookPayloadError):
        parse_event(payload)


async def call_asgi(
    app: WebhookASGIApp, method: str, body: bytes, headers: list[tuple[bytes, bytes]]
) -> int:
    sent: list[dict[str, Any]] = []
    chunks = [
        {"type": "http.request", "body": body[:5], "more_body": True},
        {"type": "http.request", "body": body[5:], "more_body": False},
    ]

    async def receive() -> dict[str, Any]:
        return chunks.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app({"type": "http", "method": method, "headers": headers}, receive, send)
    return int(sent[0]["status"])


async def test_asgi_app_for_fastapi_and_starlette(inbox: Inbox) -> None:
    app = WebhookASGIApp(SECRET, inbox.on_event)
    body = json.dumps(
        {"event_type": "avatar_video.success", "event_data": {"video_id": "v1"}}
    ).encode()
    good = [(b"signature", sign(SECRET, body).encode())]
    assert await call_asgi(app, "POST", body, good) == 200
    assert await call_asgi(app, "POST", body, [(b"signature", b"00")]) == 401
    assert (
        await call_asgi(app, "POST", b"nope!!", [(b"signature", sign(SECRET, b"nope!!").encode())])
        == 400
    )
    assert await call_asgi(app, "OPTIONS", b"", []) == 200
    inbox.fail_next = True
    assert await call_asgi(app, "POST", body, good) == 500
    assert [event.video_id for event in inbox.events] == ["v1"]


async def test_waiter_ends_a_wait_on_the_webhook_not_the_next_poll() -> None:
    waiter = WebhookWaiter(fallback=PollSchedule(initial=30.0, maximum=60.0))
    secrets: list[str] = []
    # speed 20: a 3 s render ends after 0.15 s of real time, far before the 30 s fallback poll.
    async with (
        serve_webhooks(secrets, waiter.on_event) as hook,
        Emulator(EmulatorConfig(api_keys=("sk-w",), speed=20.0)) as emu,
    ):
        async with HeyGenClient("sk-w", base_url=emu.url, upload_url=emu.url) as client:
            secrets.append((await client.webhooks.add_endpoint(hook)).secret or "")
            result = await client.photo_to_video(
                portrait_jpeg(2), "Hello", DEFAULT_VOICE_ID, timeout=20, events=waiter
            )
        status_calls = sum(r.path == "/v1/video_status.get" for r in emu.request_log)
    assert result.status.status is VideoStatus.COMPLETED
    assert status_calls == 2  # one before the event, one after it


async def test_waiter_falls_back_to_polling_when_no_event_comes(client: HeyGenClient) -> None:
    waiter = WebhookWaiter(fallback=PollSchedule(initial=0.01, maximum=0.05))
    tp = (await client.talking_photos.upload(portrait_jpeg(3))).talking_photo_id
    created = await client.videos.generate_from_talking_photo(tp, "Hi", DEFAULT_VOICE_ID)
    done = await client.videos.wait(created.video_id, timeout=10, events=waiter)
    assert done.status is VideoStatus.COMPLETED
