"""Webhook endpoints and deliveries: section 10.2 payloads signed per section 10.3."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from heygen_async.emulator import Emulator
from tests.emulator.helpers import Api, video_body


class Receiver:
    """A real HTTP endpoint on loopback that records deliveries; can fail the first N."""

    def __init__(self) -> None:
        self.deliveries: list[tuple[bytes, str | None]] = []
        self.fail_first = 0
        self.arrived = asyncio.Event()
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        if request.method == "OPTIONS":
            return web.Response(status=200)
        if self.fail_first > 0:
            self.fail_first -= 1
            return web.Response(status=500)
        self.deliveries.append((await request.read(), request.headers.get("Signature")))
        self.arrived.set()
        return web.Response(status=200)

    async def wait_for(self, count: int) -> None:
        async with asyncio.timeout(10):
            while len(self.deliveries) < count:
                self.arrived.clear()
                await self.arrived.wait()


async def delivered(emulator: Emulator, count: int) -> None:
    """The sender counts a delivery once the receiver's answer is read: wait for that."""
    async with asyncio.timeout(10):
        while emulator.stats()["webhooks_delivered"] < count:  # noqa: ASYNC110  # polls a counter
            await asyncio.sleep(0.01)
    assert emulator.stats()["webhooks_delivered"] == count


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    recorder = Receiver()
    app = web.Application()
    app.router.add_route("*", "/hook", recorder.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    recorder.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    yield recorder
    await runner.cleanup()


async def test_endpoint_management(api: Api, receiver: Receiver) -> None:
    _, types = await api.call("GET", "/v1/webhook/webhook.list")
    assert "avatar_video.success" in types["data"]
    _, added = await api.call("POST", "/v1/webhook/endpoint.add", json={"url": receiver.url})
    endpoint = added["data"]
    assert endpoint["secret"].startswith("whsec_")
    assert endpoint["events"] is None
    _, listed = await api.call("GET", "/v1/webhook/endpoint.list")
    assert [e["endpoint_id"] for e in listed["data"]] == [endpoint["endpoint_id"]]
    body = {"endpoint_id": endpoint["endpoint_id"], "events": ["avatar_video.fail"]}
    _, updated = await api.call("PATCH", "/v1/webhook/endpoint.update", json=body)
    assert updated["data"]["events"] == ["avatar_video.fail"]
    params = {"endpoint_id": endpoint["endpoint_id"]}
    assert (await api.call("DELETE", "/v1/webhook/endpoint.delete", params=params))[0] == 200
    assert (await api.call("GET", "/v1/webhook/endpoint.list"))[1]["data"] == []


async def test_an_endpoint_that_does_not_answer_options_is_refused(api: Api) -> None:
    status, answer = await api.call(
        "POST", "/v1/webhook/endpoint.add", json={"url": "http://127.0.0.1:9/x"}
    )
    assert status == 400
    assert "OPTIONS" in answer["message"]


async def test_finished_renders_are_delivered_signed(
    api: Api, emulator: Emulator, receiver: Receiver
) -> None:
    _, added = await api.call("POST", "/v1/webhook/endpoint.add", json={"url": receiver.url})
    secret = added["data"]["secret"]
    _, ok_video = await api.video(callback_id="job-ok")
    _, bad_video = await api.video("EMULATOR_FAIL here", callback_id="job-bad")
    emulator.clock.advance(60)
    await receiver.wait_for(2)
    events = {}
    for body, signature in receiver.deliveries:
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        assert signature == expected
        payload = json.loads(body)
        events[payload["event_type"]] = payload["event_data"]
    success, failure = events["avatar_video.success"], events["avatar_video.fail"]
    assert success["video_id"] == ok_video["data"]["video_id"]
    assert success["callback_id"] == "job-ok"
    assert "Expires=" in success["url"]
    assert failure["video_id"] == bad_video["data"]["video_id"]
    assert failure["msg"]
    await delivered(emulator, 2)


async def test_callback_url_is_called_and_failures_are_retried(
    api: Api, emulator: Emulator, receiver: Receiver
) -> None:
    receiver.fail_first = 2
    talking_photo = await api.talking_photo()
    body = video_body(talking_photo, callback_url=receiver.url, callback_id="cb")
    await api.call("POST", "/v2/video/generate", json=body)
    emulator.clock.advance(60)
    await receiver.wait_for(1)
    payload = json.loads(receiver.deliveries[0][0])
    assert payload["event_data"]["callback_id"] == "cb"
    await delivered(emulator, 1)
