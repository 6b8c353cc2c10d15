"""Fuzzing the client's parsers: whatever a server answers, only typed errors come out.

Every response model the resources parse, the envelope parser and webhook events get arbitrary
JSON and "near-valid" payloads (a real answer with fields swapped for wrong types, None, huge
numbers, odd unicode or nested junk). The pure functions are driven directly for speed; a
smaller run sends the same answers through real HTTP from a loopback server to every client
method. Runs are derandomized so CI is reproducible; HEYGEN_SOAK=1 runs ten times the examples.
"""

from __future__ import annotations

import ast
import asyncio
import enum
import json
import math
import os
import threading
import types
import typing
from collections.abc import Awaitable, Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs
import pytest
from aiohttp import web
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from heygen_async import (
    APIStatusError,
    HeyGenClient,
    HeyGenError,
    PollSchedule,
    ResponseParseError,
    models,
)
from heygen_async._converter import from_wire
from heygen_async._envelope import parse_response
from heygen_async.webhooks import (
    SIGNATURE_HEADER,
    WebhookASGIApp,
    WebhookEvent,
    WebhookPayloadError,
    aiohttp_handler,
    parse_event,
    sign,
)

SOAK = bool(os.environ.get("HEYGEN_SOAK"))
EXAMPLES = 700 if SOAK else 70
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
HTTP_FUZZ = settings(FUZZ, max_examples=150 if SOAK else 15)

# --- what a hostile or buggy server can put in JSON ----------------------------------------

ODD_STRINGS = st.sampled_from(
    ["", " ", "nan", "NaN", "inf", "-Infinity", "1e999", "0x10", "true", "null", "٣", "\x00"]
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from([2**63, -(2**63) - 1, 10**400, -(10**400), 10**4000])
    | st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -0.0, 5e-324])
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.text(st.characters(codec=None), max_size=5)  # lone surrogates, as json.loads makes them
    | ODD_STRINGS
)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)
# What replaces a field: mostly a wrong scalar, now and then a whole structure.
JUNK = st.one_of(SCALARS, SCALARS, SCALARS, JSON)


def mutated(value: Any) -> st.SearchStrategy[Any]:
    """`value` with one place somewhere inside replaced by junk, dropped, or joined by junk."""
    if isinstance(value, dict) and value:

        def change(key: str) -> st.SearchStrategy[Any]:
            without = {k: v for k, v in value.items() if k != key}
            return st.one_of(
                (JUNK | mutated(value[key])).map(lambda new: {**value, key: new}),
                st.just(without),
                st.builds(
                    lambda extra: {**value, **extra},
                    st.dictionaries(st.text(max_size=8), JSON, max_size=2),
                ),
            )

        return st.sampled_from(sorted(value)).flatmap(change)
    if isinstance(value, list) and value:
        return st.one_of(
            mutated(value[0]).map(lambda new: [new, *value[1:]]),
            st.lists(JUNK, max_size=3).map(lambda extra: [*value, *extra]),
        )
    return JUNK


def near_valid(value: Any) -> st.SearchStrategy[Any]:
    """One to three mutations stacked on a valid answer."""
    return mutated(value).flatmap(
        lambda once: st.just(once) | mutated(once) | mutated(once).flatmap(mutated)
    )


def deep(depth: int, *, wrap: Callable[[str], str] = lambda inner: inner) -> bytes:
    return wrap("[" * depth + "]" * depth).encode()


# --- the response models, each with an answer shaped the way HeyGen (and the emulator) sends it

VALID: dict[type, dict[str, Any]] = {
    models.Asset: {
        "id": "a1",
        "url": "https://upload.test/a1.jpg",
        "image_key": "image/a1/original.jpg",
        "name": "a1",
        "file_type": "image",
        "folder_id": "",
        "created_ts": 1700000000,
    },
    models.PhotoAvatar: {
        "id": "p1",
        "group_id": "g1",
        "name": "look",
        "image_url": "https://x.test/p.jpg",
        "status": "completed",
        "created_at": 1700000000.5,
        "is_motion": False,
        "business_type": "uploaded",
        "motion_preview_url": None,
    },
    models.PhotoAvatarGroup: {
        "id": "g1",
        "name": "group",
        "created_at": 1700000000,
        "num_looks": 2,
        "preview_image": "https://x.test/g.jpg",
        "group_type": "PHOTO",
        "train_status": "ready",
    },
    models.PhotoGeneration: {
        "id": "gen1",
        "status": "success",
        "msg": None,
        "image_url_list": ["https://x.test/1.jpg"],
        "image_key_list": ["image/gen1/1.jpg"],
    },
    models.PhotoGenerationCreated: {"generation_id": "gen1"},
    models.RemainingQuota: {
        "remaining_quota": 60000,
        "details": {"api": 60000, "streaming_avatar": 0, "seat": 1},
    },
    models.TalkingPhoto: {"talking_photo_id": "tp1", "talking_photo_url": "https://x.test/tp.jpg"},
    models.TalkingPhotoSummary: {
        "id": "tp1",
        "image_url": "https://x.test/tp.jpg",
        "circle_image": "",
    },
    models.TrainingStatusInfo: {
        "status": "ready",
        "error_msg": None,
        "created_at": 1700000000,
        "updated_at": 1700000100.25,
    },
    models.VideoCreated: {"video_id": "v1"},
    models.VideoStatusInfo: {
        "id": "v1",
        "status": "failed",
        "video_url": None,
        "thumbnail_url": None,
        "gif_url": None,
        "caption_url": None,
        "duration": 12.5,
        "callback_id": "job-1",
        "created_at": 1700000000,
        "error": {"code": 400140, "message": "bad photo", "detail": "no face"},
    },
    models.VideoSummary: {
        "video_id": "v1",
        "status": "completed",
        "callback_id": "job-1",
        "created_at": 1700000000,
        "title": "hello",
    },
    models.Voice: {
        "voice_id": "voice1",
        "name": "Ann",
        "language": "English",
        "gender": "female",
        "preview_audio": "https://x.test/a.mp3",
        "support_pause": True,
        "emotion_support": False,
    },
    models.WebhookEndpoint: {
        "endpoint_id": "e1",
        "url": "https://hook.test/h",
        "secret": "whsec_x",
        "status": "enabled",
        "events": ["avatar_video.success"],
        "created_at": "1700000000",
    },
}
# Plain containers the resources parse besides the models.
CONTAINERS: dict[Any, Any] = {
    list[str]: ["avatar_video.success", "avatar_video.fail"],
    list[dict[str, Any]]: [{"avatar_id": "a", "avatar_name": "n"}],
}


def _parsed_names() -> set[str]:
    """Every name handed to `_parse`, `_parse_list` or `from_wire` in the resources' source."""
    names: set[str] = set()
    for source in Path(models.__file__).parent.parent.joinpath("resources").glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or len(node.args) < 2:
                continue
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in ("_parse", "_parse_list", "from_wire"):
                names.add(ast.unparse(node.args[1]))
    return names


def test_every_parsed_model_is_fuzzed() -> None:
    """A resource that starts parsing a new model fails here until the model is fuzzed too."""
    covered = {cls.__name__ for cls in VALID} | {repr(t).replace("typing.", "") for t in CONTAINERS}
    missing = _parsed_names() - covered - {"cls", "list[cls]"}
    assert not missing, f"add a valid answer for {sorted(missing)} to VALID"


@pytest.mark.parametrize("cls", list(VALID), ids=lambda cls: cls.__name__)
def test_the_valid_answers_parse(cls: type) -> None:
    """The near-valid payloads start from answers that really parse (else they test nothing)."""
    parsed = from_wire(VALID[cls], cls)
    assert attrs.asdict(parsed)


# --- a parsed model holds what its annotations say (or parsing failed) ---------------------


def conforms(value: Any, hint: Any) -> bool:  # noqa: PLR0911  # one case per kind of type
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(conforms(value, arg) for arg in args)
    if hint is type(None):
        return value is None
    if origin is list:
        return isinstance(value, list) and all(conforms(item, args[0]) for item in value)
    if origin is dict:
        return isinstance(value, dict) and all(
            conforms(k, args[0]) and conforms(v, args[1]) for k, v in value.items()
        )
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return isinstance(value, hint)
    if hint is float:
        return isinstance(value, float) and math.isfinite(value)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(hint, type) and attrs.has(hint):
        return isinstance(value, hint) and all(
            conforms(getattr(value, name), field_hint)
            for name, field_hint in typing.get_type_hints(hint).items()
        )
    return isinstance(value, hint)


def check_parsed(parsed: Any, hint: Any) -> None:
    assert conforms(parsed, hint), parsed
    repr(parsed)
    for item in parsed if isinstance(parsed, list) else [parsed]:
        if attrs.has(type(item)):
            attrs.asdict(item)
            for name, member in vars(type(item)).items():
                if isinstance(member, property):
                    getattr(item, name)


@pytest.mark.parametrize("cls", list(VALID), ids=lambda cls: cls.__name__)
@FUZZ
@given(data=st.data())
def test_every_model_parses_any_answer_or_raises_response_parse_error(
    cls: type, data: st.DataObject
) -> None:
    as_list = data.draw(st.booleans(), label="as_list")  # _parse_list reads list[cls]
    valid = [VALID[cls]] if as_list else VALID[cls]
    payload = data.draw(JSON | near_valid(valid), label="payload")
    hint = list[cls] if as_list else cls  # type: ignore[valid-type]
    try:
        parsed = from_wire(payload, hint)
    except ResponseParseError:
        return
    check_parsed(parsed, hint)


@pytest.mark.parametrize("hint", list(CONTAINERS), ids=repr)
@FUZZ
@given(data=st.data())
def test_the_plain_containers_parse_any_answer_or_raise_response_parse_error(
    hint: Any, data: st.DataObject
) -> None:
    payload = data.draw(JSON | near_valid(CONTAINERS[hint]))
    try:
        parsed = from_wire(payload, hint)
    except ResponseParseError:
        return
    check_parsed(parsed, hint)


# Pinned: huge and non-finite numbers where a float goes.
@pytest.mark.parametrize(
    "quota", [10**400, -(10**400), "1e999", "nan", float("inf"), float("nan"), "-Infinity"]
)
def test_a_quota_that_is_no_finite_number_is_a_response_parse_error(quota: Any) -> None:
    with pytest.raises(ResponseParseError):
        from_wire({"remaining_quota": quota}, models.RemainingQuota)


# --- the envelope parser ------------------------------------------------------------------

ERROR_FIELDS = JSON | st.sampled_from(["invalid_parameter", "insufficient_credit", 400112, 100])
ENVELOPES = st.one_of(
    st.fixed_dictionaries(
        {"code": ERROR_FIELDS}, optional={"data": JSON, "message": JSON, "msg": JSON}
    ),
    st.fixed_dictionaries({"error": ERROR_FIELDS}, optional={"data": JSON}),
    st.fixed_dictionaries(
        {"error": st.fixed_dictionaries({}, optional={"code": ERROR_FIELDS, "message": JSON})},
        optional={"data": JSON},
    ),
    st.fixed_dictionaries({"detail": JSON}),
)
BODIES = st.one_of(
    st.binary(max_size=200),
    (JSON | ENVELOPES).map(lambda value: json.dumps(value).encode()),
    st.integers(900, 3000).map(deep),
)
STATUSES = st.sampled_from(
    [200, 201, 204, 302, 400, 401, 402, 403, 404, 409, 413, 422, 429, 500, 503]
) | st.integers(100, 599)
HEADERS = st.dictionaries(
    st.sampled_from(["Retry-After", "retry-after-ms", "X-Request-Id", "Content-Type"]),
    st.text(max_size=20) | st.sampled_from(["nan", "-1", "1e999", "Wed, 21 Oct 2015 07:28:00 GMT"]),
)


@settings(FUZZ, max_examples=EXAMPLES * 4)  # cheap: no I/O, one function at the heart of it all
@given(status=STATUSES, body=BODIES, headers=HEADERS)
# Found by this test: an error code that is a list or an object inside an HTTP 200 was looked up
# in a dict of codes and raised TypeError (unhashable) instead of an APIStatusError.
@example(status=200, body=b'{"error": {"code": [1], "message": "x"}}', headers={})
@example(status=200, body=b'{"error": {"code": {}}}', headers={})
# Found by this test: JSON nested deeper than Python's recursion limit raised RecursionError.
@example(status=200, body=deep(5000), headers={})
@example(status=500, body=deep(5000, wrap=lambda inner: f'{{"error": {inner}}}'), headers={})
def test_the_envelope_parser_returns_data_or_raises_an_api_status_error(
    status: int, body: bytes, headers: dict[str, str]
) -> None:
    try:
        parse_response(status, headers, body, method="GET", path="/v1/x")
    except APIStatusError as error:
        raised = error
    else:
        assert status < 300  # an error status always raises
        return
    assert raised.status >= 400  # what a retry policy reads must be an error status
    str(raised)


# --- webhook events -------------------------------------------------------------------------

VALID_EVENT = {
    "event_type": "avatar_video.success",
    "event_data": {
        "video_id": "v1",
        "url": "https://x.test/v1.mp4",
        "callback_id": "job-1",
        "msg": None,
    },
}
EVENT_BODIES = st.one_of(
    st.binary(max_size=200),
    (JSON | near_valid(VALID_EVENT)).map(lambda value: json.dumps(value).encode()),
    st.integers(900, 3000).map(deep),
)


def check_event(event: WebhookEvent) -> None:
    assert isinstance(event.event_type, str)
    assert event.event_type
    for name, member in vars(WebhookEvent).items():
        if isinstance(member, property):
            value = getattr(event, name)
            assert value is None or isinstance(value, str | bool)


@FUZZ
@given(body=EVENT_BODIES, as_text=st.booleans())
# Found by this test: a body nested deeper than the recursion limit raised RecursionError.
@example(body=deep(5000), as_text=False)
@example(
    body=deep(5000, wrap=lambda inner: f'{{"event_type": "a", "event_data": {inner}}}'),
    as_text=True,
)
def test_webhook_events_parse_or_raise_webhook_payload_error(body: bytes, as_text: bool) -> None:
    raw: bytes | str = body.decode("utf-8", "replace") if as_text else body
    try:
        event = parse_event(raw)
    except WebhookPayloadError:
        return
    check_event(event)


@FUZZ
@given(payload=JSON | near_valid(VALID_EVENT))
def test_an_already_decoded_event_parses_or_raises_webhook_payload_error(payload: Any) -> None:
    if not isinstance(payload, Mapping):
        return  # the signature says Mapping: a non-mapping is a caller's type error
    try:
        event = parse_event(payload)
    except WebhookPayloadError:
        return
    check_event(event)


# --- webhook receivers over real HTTP (aiohttp) and called as ASGI apps -------------------

SECRET = "whsec_fuzz"


class Background:
    """An event loop in a daemon thread, for aiohttp servers that a sync hypothesis test calls."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coro: Awaitable[Any], timeout: float = 30) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)  # type: ignore[arg-type]

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


async def _serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


@pytest.fixture(scope="module")
def background() -> Iterator[Background]:
    loop = Background()
    yield loop
    loop.close()


@pytest.fixture(scope="module")
def webhook_url(background: Background) -> Iterator[str]:
    app = web.Application()
    app.router.add_route("*", "/hook", aiohttp_handler(SECRET, lambda _event: None))
    runner, url = background.run(_serve(app))
    yield f"{url}/hook"
    background.run(runner.cleanup())


async def _post(url: str, body: bytes, signature: str) -> int:
    import aiohttp  # noqa: PLC0415  # the client side of this test only

    timeout = aiohttp.ClientTimeout(total=10)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.post(url, data=body, headers={SIGNATURE_HEADER: signature}) as response,
    ):
        return response.status


async def _asgi(body: bytes, signature: str) -> int:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "headers": [(b"signature", signature.encode())]}
    await WebhookASGIApp(SECRET, lambda _event: None)(scope, receive, send)
    return int(sent[0]["status"])


@settings(HTTP_FUZZ, max_examples=EXAMPLES // 2)
@given(body=EVENT_BODIES, signed=st.booleans())
# Found by this test: a signed body nested too deep answered 500 (RecursionError), not 400.
@example(body=deep(5000), signed=True)
def test_the_webhook_receivers_answer_any_delivery_with_200_400_or_401(
    background: Background, webhook_url: str, body: bytes, signed: bool
) -> None:
    signature = sign(SECRET, body) if signed else "0" * 64
    over_http = background.run(_post(webhook_url, body, signature))
    as_asgi = asyncio.run(_asgi(body, signature))
    assert over_http == as_asgi
    assert over_http in ((200, 400) if signed else (401,))


# --- every client method against a loopback server that answers anything ---------------------

LOOP_CAP = 25  # requests one call may make before the server calls it a loop and answers 500


class Hostile:
    """Answers every request with the current `status` and `body`; counts what it was asked."""

    def __init__(self) -> None:
        self.status = 200
        self.body = b"{}"
        self.requests = 0

    def answer(self, status: int, body: bytes) -> None:
        self.status, self.body, self.requests = status, body, 0

    async def handle(self, request: web.Request) -> web.Response:
        await request.read()
        self.requests += 1
        if self.requests > LOOP_CAP:
            return web.json_response({"error": {"code": "looping"}}, status=500)
        return web.Response(status=self.status, body=self.body, content_type="application/json")


@pytest.fixture(scope="module")
def hostile(background: Background) -> Iterator[tuple[Hostile, str]]:
    server = Hostile()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", server.handle)
    runner, url = background.run(_serve(app))
    yield server, url
    background.run(runner.cleanup())


FAST = PollSchedule(initial=0.001, factor=1.0, maximum=0.001, jitter=0.0)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
Call = Callable[[HeyGenClient, Path], Awaitable[object]]


async def _collect(iterator: Any) -> list[Any]:
    return [item async for item in iterator]


def _video_request() -> models.VideoGenerateRequest:
    return models.VideoGenerateRequest(
        video_inputs=[
            models.VideoInput(
                character=models.TalkingPhotoCharacter(talking_photo_id="tp1"),
                voice=models.TextVoice(voice_id="v1", input_text="Hi"),
            )
        ]
    )


def _photo_request() -> models.AIPhotoRequest:
    return models.AIPhotoRequest(
        name="n",
        age=models.Age.SENIOR,
        gender=models.Gender.MAN,
        ethnicity=models.Ethnicity.WHITE,
        orientation=models.Orientation.SQUARE,
        pose=models.Pose.CLOSE_UP,
        style=models.Style.NOIR,
        appearance="a",
    )


def _look_request() -> models.LookRequest:
    return models.LookRequest(
        group_id="g1",
        prompt="p",
        orientation=models.Orientation.SQUARE,
        pose=models.Pose.CLOSE_UP,
        style=models.Style.NOIR,
    )


CALLS: dict[str, Call] = {
    "assets.upload": lambda c, _: c.assets.upload(PNG, content_type="image/png"),
    "avatar_iv.generate": lambda c, _: c.avatar_iv.generate(
        models.AvatarIVRequest(image_key="image/k.jpg", script="Hi", voice_id="v1")
    ),
    "photo_avatars.add_motion": lambda c, _: c.photo_avatars.add_motion("p1"),
    "photo_avatars.add_to_group": lambda c, _: c.photo_avatars.add_to_group(
        group_id="g1", image_keys=["k"], name="n"
    ),
    "photo_avatars.create_group": lambda c, _: c.photo_avatars.create_group(
        name="n", image_key="k"
    ),
    "photo_avatars.delete": lambda c, _: c.photo_avatars.delete("p1"),
    "photo_avatars.delete_group": lambda c, _: c.photo_avatars.delete_group("g1"),
    "photo_avatars.generate_look": lambda c, _: c.photo_avatars.generate_look(_look_request()),
    "photo_avatars.generate_photo": lambda c, _: c.photo_avatars.generate_photo(_photo_request()),
    "photo_avatars.generation_status": lambda c, _: c.photo_avatars.generation_status("gen1"),
    "photo_avatars.get": lambda c, _: c.photo_avatars.get("p1"),
    "photo_avatars.list_group_avatars": lambda c, _: c.photo_avatars.list_group_avatars("g1"),
    "photo_avatars.list_groups": lambda c, _: c.photo_avatars.list_groups(),
    "photo_avatars.train": lambda c, _: c.photo_avatars.train("g1"),
    "photo_avatars.training_status": lambda c, _: c.photo_avatars.training_status("g1"),
    "photo_avatars.wait_for_generation": lambda c, _: c.photo_avatars.wait_for_generation(
        "gen1", timeout=0.05, poll=FAST
    ),
    "quota.remaining": lambda c, _: c.quota.remaining(),
    "talking_photos.create": lambda c, _: c.talking_photos.create("https://x.test/p.jpg"),
    "talking_photos.delete": lambda c, _: c.talking_photos.delete("tp1"),
    "talking_photos.list": lambda c, _: c.talking_photos.list(),
    "talking_photos.upload": lambda c, _: c.talking_photos.upload(PNG),
    "videos.delete": lambda c, _: c.videos.delete("v1"),
    "videos.download": lambda c, tmp: c.videos.download("v1", tmp),
    "videos.generate": lambda c, _: c.videos.generate(_video_request()),
    "videos.generate_from_talking_photo": lambda c, _: c.videos.generate_from_talking_photo(
        "tp1", "Hi", "v1"
    ),
    "videos.list": lambda c, _: _collect(c.videos.list()),
    "videos.status": lambda c, _: c.videos.status("v1"),
    "videos.wait": lambda c, _: c.videos.wait("v1", timeout=0.05, poll=FAST),
    "voices.list": lambda c, _: c.voices.list(),
    "webhooks.add_endpoint": lambda c, _: c.webhooks.add_endpoint("https://hook.test/h"),
    "webhooks.delete_endpoint": lambda c, _: c.webhooks.delete_endpoint("e1"),
    "webhooks.list_endpoints": lambda c, _: c.webhooks.list_endpoints(),
    "webhooks.list_event_types": lambda c, _: c.webhooks.list_event_types(),
    "webhooks.update_endpoint": lambda c, _: c.webhooks.update_endpoint("e1", events=["x"]),
}
# What each call's `data` looks like when all is well: the start of its near-valid answers.
ANSWERS: dict[str, Any] = {
    "assets.upload": VALID[models.Asset],
    "avatar_iv.generate": VALID[models.VideoCreated],
    "photo_avatars.add_motion": VALID[models.PhotoAvatar],
    "photo_avatars.add_to_group": {"photo_avatar_list": [VALID[models.PhotoAvatar]]},
    "photo_avatars.create_group": VALID[models.PhotoAvatar],
    "photo_avatars.generate_look": VALID[models.PhotoGenerationCreated],
    "photo_avatars.generate_photo": VALID[models.PhotoGenerationCreated],
    "photo_avatars.generation_status": VALID[models.PhotoGeneration],
    "photo_avatars.get": VALID[models.PhotoAvatar],
    "photo_avatars.list_group_avatars": {"avatar_list": CONTAINERS[list[dict[str, Any]]]},
    "photo_avatars.list_groups": {"avatar_group_list": [VALID[models.PhotoAvatarGroup]]},
    "photo_avatars.train": {"flow_id": "f1"},
    "photo_avatars.training_status": VALID[models.TrainingStatusInfo],
    "photo_avatars.wait_for_generation": VALID[models.PhotoGeneration],
    "quota.remaining": VALID[models.RemainingQuota],
    "talking_photos.create": VALID[models.TalkingPhoto],
    "talking_photos.list": {"talking_photos": [{"talking_photo_id": "tp1", "image_url": "u"}]},
    "talking_photos.upload": VALID[models.TalkingPhoto],
    "videos.download": {**VALID[models.VideoStatusInfo], "status": "completed", "error": None},
    "videos.generate": VALID[models.VideoCreated],
    "videos.generate_from_talking_photo": VALID[models.VideoCreated],
    "videos.list": {"videos": [VALID[models.VideoSummary]], "token": None},
    "videos.status": VALID[models.VideoStatusInfo],
    "videos.wait": VALID[models.VideoStatusInfo],
    "voices.list": {"voices": [VALID[models.Voice]]},
    "webhooks.add_endpoint": VALID[models.WebhookEndpoint],
    "webhooks.list_endpoints": [VALID[models.WebhookEndpoint]],
    "webhooks.list_event_types": CONTAINERS[list[str]],
    "webhooks.update_endpoint": VALID[models.WebhookEndpoint],
}


def test_every_client_method_is_fuzzed() -> None:
    """A new resource method fails here until it is in CALLS."""
    import inspect  # noqa: PLC0415  # only this check looks at signatures

    client = HeyGenClient("sk-x")
    public: set[str] = set()
    for area, resource in vars(client).items():
        if hasattr(resource, "_transport") and not area.startswith("_"):
            public |= {
                f"{area}.{name}"
                for name in dir(resource)
                if not name.startswith("_")
                and (
                    inspect.iscoroutinefunction(getattr(resource, name))
                    or inspect.isasyncgenfunction(getattr(resource, name))
                )
            }
    assert public == set(CALLS)


async def _call(url: str, call: Call, tmp: Path) -> None:
    async with HeyGenClient(
        "sk-fuzz", base_url=url, upload_url=url, max_retries=0, timeout=5
    ) as client:
        try:
            async with asyncio.timeout(15):  # a hang fails the test instead of stalling CI
                await call(client, tmp)
        except HeyGenError:
            pass


def _envelope(shape: str, data: Any) -> Any:
    return {
        "v1": {"code": 100, "data": data, "message": "Success"},
        "v2": {"error": None, "data": data},
        "bare": data,
    }[shape]


@pytest.mark.parametrize("name", sorted(CALLS))
@HTTP_FUZZ
@given(data=st.data())
def test_every_client_method_survives_any_answer(
    hostile: tuple[Hostile, str],
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    data: st.DataObject,
) -> None:
    server, url = hostile
    status = data.draw(st.sampled_from([200, 200, 200, 201, 400, 404, 429, 500]), label="status")
    answer = ANSWERS.get(name)
    if name == "videos.download":  # the file comes from this server too, never from the internet
        answer = {**answer, "video_url": f"{url}/v1.mp4"}
    payload = data.draw(JSON | near_valid(answer) if answer is not None else JSON, label="data")
    shape = data.draw(st.sampled_from(["v1", "v2", "bare"]), label="shape")
    raw = data.draw(st.none() | st.binary(max_size=50), label="raw")  # now and then not JSON
    server.answer(
        status, raw if raw is not None else json.dumps(_envelope(shape, payload)).encode()
    )
    asyncio.run(_call(url, CALLS[name], tmp_path_factory.mktemp("download")))


@pytest.mark.parametrize("token", ["t", {"next": 1}, True], ids=["repeated", "object", "bool"])
def test_a_video_list_with_a_bad_page_token_is_a_response_parse_error(
    hostile: tuple[Hostile, str], token: Any
) -> None:
    # Found by test_every_client_method_survives_any_answer (near-valid list answers): a token
    # the server repeats made the iterator ask for the same page forever (LOOP_CAP turns that
    # hang into a 500 here), and a token that is an object or a bool raised aiohttp's TypeError.
    server, url = hostile
    page = {"videos": [VALID[models.VideoSummary]], "token": token}
    server.answer(200, json.dumps(_envelope("v1", page)).encode())

    async def listing() -> None:
        async with HeyGenClient("sk-fuzz", base_url=url, max_retries=0) as client:
            with pytest.raises(ResponseParseError):
                await _collect(client.videos.list())

    asyncio.run(listing())
    assert server.requests <= 2
