"""Fuzzing: arbitrary JSON into every response parser, arbitrary bodies into every emulator route.

Only typed errors may come out (the HeyGenError hierarchy on the client side, a 4xx in the
route's own envelope on the emulator side): never a crash, a 500 or a hang. Runs are
derandomized so CI is reproducible; HEYGEN_SOAK=1 (`make soak`) runs ten times the examples.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import attrs
import pytest
from aiohttp import web
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from heygen_async import HeyGenClient, HeyGenError, models
from heygen_async._converter import from_wire
from heygen_async._envelope import parse_response
from heygen_async.emulator import DEFAULT_VOICE_ID, EmulatorConfig, EmulatorThread
from heygen_async.webhooks import parse_event, verify_signature

from .conftest import API_KEY

EXAMPLES = 600 if os.environ.get("HEYGEN_SOAK") else 60
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=25,
)
RESPONSE_MODELS = sorted(
    (cls for cls in vars(models).values() if isinstance(cls, type) and attrs.has(cls)),
    key=lambda cls: cls.__name__,
)


def near_valid(cls: type) -> st.SearchStrategy[dict[str, Any]]:
    """The model's own field names, each holding any JSON (or left out)."""
    fields = {field.name: JSON for field in attrs.fields(cls)}
    return st.fixed_dictionaries({}, optional=fields)


# --- parsers, called directly ---------------------------------------------------------------


@pytest.mark.parametrize("cls", RESPONSE_MODELS, ids=lambda cls: cls.__name__)
@FUZZ
@given(data=st.data())
def test_every_model_parses_any_json_or_raises_a_typed_error(
    cls: type, data: st.DataObject
) -> None:
    payload = data.draw(JSON | near_valid(cls))
    with contextlib.suppress(HeyGenError):
        from_wire(payload, cls)


@FUZZ
@given(
    status=st.sampled_from([200, 201, 400, 401, 402, 403, 404, 429, 500, 502, 503]),
    body=st.binary(max_size=200) | JSON.map(lambda value: json.dumps(value).encode()),
    headers=st.dictionaries(
        st.sampled_from(["Retry-After", "retry-after-ms", "X-Request-Id"]), st.text(max_size=20)
    ),
)
@example(status=429, body=b'{"error": {"code": 1}}', headers={"Retry-After": "nan"})
def test_the_envelope_parser_returns_data_or_raises_a_typed_error(
    status: int, body: bytes, headers: dict[str, str]
) -> None:
    try:
        parse_response(status, headers, body, method="GET", path="/x")
    except HeyGenError:
        return
    assert status < 300  # an error status always raises


@FUZZ
@given(body=st.binary(max_size=200) | JSON.map(lambda value: json.dumps(value).encode()))
def test_webhook_events_parse_or_raise_a_typed_error(body: bytes) -> None:
    try:
        event = parse_event(body)
    except HeyGenError:
        return
    # Whatever came in, the accessors answer (None when the event lacks the field).
    for name in ("video_id", "callback_id", "url", "message", "group_id", "generation_id"):
        getattr(event, name)


@FUZZ
@given(secret=st.text(max_size=20), body=st.binary(max_size=50), signature=st.text(max_size=80))
def test_signature_checks_never_raise(secret: str, body: bytes, signature: str) -> None:
    assert verify_signature([secret], body, signature) in (True, False)


# --- the client against a server that answers anything ------------------------------------


class Hostile:
    """A loopback server, in a thread, answering every request with `status` and `body`."""

    def __init__(self) -> None:
        self.status = 200
        self.body = b"{}"
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    async def _answer(self, _: web.Request) -> web.Response:
        return web.Response(status=self.status, body=self.body, content_type="application/json")

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._answer)
        self._runner = web.AppRunner(app, access_log=None)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(self._runner.cleanup())
        self._loop.close()

    def __enter__(self) -> Hostile:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *_: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


@pytest.fixture(scope="module")
def hostile() -> Iterator[Hostile]:
    with Hostile() as server:
        yield server


async def _collect(iterator: Any) -> list[Any]:
    return [item async for item in iterator]


CLIENT_CALLS: dict[str, Callable[[HeyGenClient], Awaitable[object]]] = {
    "videos.status": lambda c: c.videos.status("v1"),
    "videos.list": lambda c: _collect(c.videos.list()),
    "videos.delete": lambda c: c.videos.delete("v1"),
    "videos.generate": lambda c: c.videos.generate_from_talking_photo("tp", "Hi", "voice"),
    "talking_photos.create": lambda c: c.talking_photos.create("https://x.test/p.jpg"),
    "talking_photos.list": lambda c: c.talking_photos.list(),
    "photo_avatars.get": lambda c: c.photo_avatars.get("p1"),
    "photo_avatars.generation_status": lambda c: c.photo_avatars.generation_status("g1"),
    "photo_avatars.training_status": lambda c: c.photo_avatars.training_status("g1"),
    "photo_avatars.list_groups": lambda c: c.photo_avatars.list_groups(),
    "photo_avatars.list_group_avatars": lambda c: c.photo_avatars.list_group_avatars("g1"),
    "photo_avatars.train": lambda c: c.photo_avatars.train("g1"),
    "voices.list": lambda c: c.voices.list(),
    "quota.remaining": lambda c: c.quota.remaining(),
    "webhooks.list_endpoints": lambda c: c.webhooks.list_endpoints(),
    "webhooks.list_event_types": lambda c: c.webhooks.list_event_types(),
}


async def _call_once(url: str, call: Callable[[HeyGenClient], Awaitable[object]]) -> None:
    async with HeyGenClient(API_KEY, base_url=url, upload_url=url, max_retries=0, timeout=5) as c:
        with contextlib.suppress(HeyGenError):
            await call(c)


@pytest.mark.parametrize("name", sorted(CLIENT_CALLS))
@settings(FUZZ, max_examples=max(10, EXAMPLES // 4))
@given(
    status=st.sampled_from([200, 200, 200, 400, 404, 429, 500]),
    data=JSON,
    shape=st.sampled_from(["v1", "v2", "bare"]),
)
# Found by this test: video.list, a group's avatars and the event types crashed with
# AttributeError or TypeError on a non-object `data`; the talking photo list on non-object items.
@example(status=200, data=True, shape="v1")
@example(status=200, data={"talking_photos": [1], "videos": [1], "avatar_list": [1]}, shape="v2")
def test_every_client_call_survives_any_answer(
    hostile: Hostile, name: str, status: int, data: Any, shape: str
) -> None:
    envelope: Any = {
        "v1": {"code": 100, "data": data, "message": "ok"},
        "v2": {"error": None, "data": data},
        "bare": data,
    }[shape]
    hostile.status, hostile.body = status, json.dumps(envelope).encode()
    asyncio.run(_call_once(hostile.url, CLIENT_CALLS[name]))


# --- the emulator against arbitrary requests ------------------------------------------------

ROUTES = [
    ("GET", "/v2/voices"),
    ("GET", "/v2/user/remaining_quota"),
    ("GET", "/v1/webhook/webhook.list"),
    ("POST", "/v1/webhook/endpoint.add"),
    ("GET", "/v1/webhook/endpoint.list"),
    ("PATCH", "/v1/webhook/endpoint.update"),
    ("DELETE", "/v1/webhook/endpoint.delete"),
    ("POST", "/v1/asset"),
    ("POST", "/v1/talking_photo"),
    ("POST", "/v2/talking_photo"),
    ("GET", "/v1/talking_photo.list"),
    ("DELETE", "/v2/talking_photo/{id}"),
    ("POST", "/v2/photo_avatar/photo/generate"),
    ("POST", "/v2/photo_avatar/look/generate"),
    ("GET", "/v2/photo_avatar/generation/{id}"),
    ("POST", "/v2/photo_avatar/avatar_group/create"),
    ("POST", "/v2/photo_avatar/avatar_group/add"),
    ("GET", "/v2/photo_avatar/{id}"),
    ("DELETE", "/v2/photo_avatar/{id}"),
    ("DELETE", "/v2/photo_avatar_group/{id}"),
    ("POST", "/v2/photo_avatar/train"),
    ("GET", "/v2/photo_avatar/train/status/{id}"),
    ("POST", "/v2/photo_avatar/add_motion"),
    ("GET", "/v2/avatar_group.list"),
    ("GET", "/v2/avatar_group/{id}/avatars"),
    ("POST", "/v2/video/generate"),
    ("POST", "/v2/video/av4/generate"),
    ("GET", "/v1/video_status.get"),
    ("GET", "/v1/video.list"),
    ("DELETE", "/v1/video.delete"),
    ("GET", "/_media/video/{id}"),
    ("GET", "/_media/generated/{id}"),
    ("GET", "/_media/asset/{id}/original.jpg"),
]
VALID_VIDEO = {
    "video_inputs": [
        {
            "character": {"type": "talking_photo", "talking_photo_id": "tp"},
            "voice": {"type": "text", "voice_id": DEFAULT_VOICE_ID, "input_text": "Hi"},
        }
    ]
}


def mutated(value: Any) -> st.SearchStrategy[Any]:
    """A valid body with one value somewhere replaced by any JSON."""
    if isinstance(value, dict) and value:
        return st.sampled_from(sorted(value)).flatmap(
            lambda key: (JSON | mutated(value[key])).map(lambda new: {**value, key: new})
        )
    if isinstance(value, list) and value:
        return mutated(value[0]).map(lambda new: [new, *value[1:]])
    return JSON


BODIES = (
    st.binary(max_size=300)
    | JSON.map(lambda value: json.dumps(value).encode())
    | mutated(VALID_VIDEO).map(lambda value: json.dumps(value).encode())
)
CONTENT_TYPES = st.sampled_from(
    ["application/json", "image/jpeg", "image/png", "text/plain", "multipart/form-data", ""]
)
SEGMENTS = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/?#%"),
    min_size=1,
    max_size=20,
)


@pytest.fixture(scope="module")
def emulator_url() -> Iterator[str]:
    # Plenty of credits and slots: the fuzz must reach validation, not the account's limits.
    config = EmulatorConfig(api_keys=(API_KEY,), speed=1000.0, credits=1e9, render_slots=10**6)
    with EmulatorThread(config) as emu:
        yield emu.url


def send(url: str, method: str, body: bytes | None, content_type: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method=method)  # loopback
    request.add_header("X-Api-Key", API_KEY)
    if content_type:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # loopback
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.mark.parametrize(("method", "route"), ROUTES, ids=[f"{m} {r}" for m, r in ROUTES])
@settings(FUZZ, max_examples=max(10, EXAMPLES // 3))
@given(body=BODIES, content_type=CONTENT_TYPES, segment=SEGMENTS, query=st.text(max_size=30))
# Found by this test: an id no route pattern matches got aiohttp's plain-text 404.
@example(body=b"", content_type="application/json", segment="{", query="")
def test_every_emulator_route_answers_bad_requests_with_a_4xx(  # noqa: PLR0917  # fixtures
    emulator_url: str,
    method: str,
    route: str,
    body: bytes,
    content_type: str,
    segment: str,
    query: str,
) -> None:
    path = route.replace("{id}", urllib.request.quote(segment, safe=""))
    url = f"{emulator_url}{path}?{urllib.parse.urlencode({'video_id': query, 'x': query})}"
    status, answer = send(url, method, None if method == "GET" else body, content_type)
    assert status < 500, (status, answer[:300])
    if not path.startswith("/_media/") and status >= 400:
        envelope = json.loads(answer)  # errors come in the route's JSON envelope
        assert "error" in envelope or "code" in envelope or "message" in envelope, envelope


def test_the_emulator_still_serves_after_the_fuzz(emulator_url: str) -> None:
    status, answer = send(f"{emulator_url}/v2/voices", "GET", None, "")
    assert status == 200
    assert json.loads(answer)["data"]
