"""Fuzzing the HTTP layer itself: what the body and JSON fuzzers send over well-formed HTTP.

test_fuzz_parsers.py and test_fuzz_emulator.py put arbitrary JSON and bodies into well-framed
messages. Here the framing is what varies, in both directions:

- the client gets raw HTTP answers: odd status lines (1xx, 3xx, 6xx), compressed or falsely
  "compressed" bodies, lying Content-Lengths, broken chunking, headers in latin-1;
- the emulator gets requests with any method on any route or unknown path, gzip/deflate bodies
  (valid, truncated or not compressed at all), chunked transfer, and missing or odd API keys.

Only typed errors may come out of the client (the HeyGenError hierarchy); the emulator answers
a 2xx/4xx in the envelope of contract section 1.2, never a 5xx or a hang, and still serves a
normal request afterwards. Derandomized for CI; HEYGEN_SOAK=1 runs ten times the examples.
"""

from __future__ import annotations

import asyncio
import gzip
import http.client
import io
import itertools
import json
import os
import threading
import urllib.parse
import urllib.request
import zlib
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from PIL import Image

from heygen_async import HeyGenClient, HeyGenError
from heygen_async.emulator import Emulator, EmulatorConfig, EmulatorThread
from heygen_async.emulator._server import build_app
from heygen_async.emulator._state import EmulatorState

SOAK = bool(os.environ.get("HEYGEN_SOAK"))
FUZZ = settings(
    max_examples=600 if SOAK else 60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
KEY = "sk-fuzz-framing"
TIMEOUT = 10
JSON_TYPE = "application/json"
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def _deflate(data: bytes) -> bytes:
    return zlib.compress(data)


# How a body is (or claims to be) encoded: the header sent, and what is done to the bytes.
ENCODINGS: dict[str, tuple[str, Callable[[bytes], bytes]]] = {
    "plain": ("", lambda data: data),
    "identity": ("identity", lambda data: data),
    "gzip": ("gzip", _gzip),
    "deflate": ("deflate", _deflate),
    "gzip, not compressed": ("gzip", lambda data: data),
    "deflate, not compressed": ("deflate", lambda data: data),
    "gzip, truncated": ("gzip", lambda data: _gzip(data)[:12]),
    "deflate, truncated": ("deflate", lambda data: _deflate(data)[:4]),
    "gzip twice, said once": ("gzip", lambda data: _gzip(_gzip(data))),
    "unknown coding": ("x-unknown", lambda data: data),
    "brotli": ("br", lambda data: data),  # aiohttp decodes it only with Brotli installed
    "gzip then identity": ("gzip, identity", _gzip),
}


def _chunks(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({0, len(data), *(cut % (len(data) + 1) for cut in cuts)})
    return [data[start:end] for start, end in itertools.pairwise(points) if end > start]


# --- the client against raw HTTP answers ----------------------------------------------------


@attrs.frozen
class Answer:
    """One raw HTTP answer: status line, headers, body and how the body is framed."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    encoding: str
    framing: str  # "length", "long length", "short length", "chunked", "bad chunked", "close"

    def raw(self) -> bytes:
        header, transform = ENCODINGS[self.encoding]
        body = transform(self.body)
        lines = [f"HTTP/1.1 {self.status} Fuzz", "Connection: close"]
        lines += [f"{name}: {value}" for name, value in self.headers]
        if header:
            lines.append(f"Content-Encoding: {header}")
        lines += _framing_headers(self.framing, len(body))
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        return head + _framed(self.framing, body)


def _framing_headers(framing: str, size: int) -> list[str]:
    return {
        "length": [f"Content-Length: {size}"],
        "long length": [f"Content-Length: {size + 10}"],  # the server closes before the end
        "short length": [f"Content-Length: {max(size - 3, 0)}"],
        "chunked": ["Transfer-Encoding: chunked"],
        "bad chunked": ["Transfer-Encoding: chunked"],
        "close": [],
    }[framing]


def _framed(framing: str, body: bytes) -> bytes:
    if framing == "chunked":
        return (
            b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in _chunks(body, [7, 19])) + b"0\r\n\r\n"
        )
    if framing == "bad chunked":
        return b"zz\r\n" + body + b"\r\n"
    return body


HEADER_VALUE = st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=30) | (
    st.sampled_from(["0", "-1", "nan", "1e999", "Wed, 21 Oct 2015 07:28:00 GMT", "text/html"])
)
HEADERS = st.lists(
    st.tuples(
        st.sampled_from(
            ["Content-Type", "Retry-After", "retry-after-ms", "X-Request-Id", "Location", "Vary"]
        ),
        HEADER_VALUE,
    ),
    max_size=4,
)


def _envelope(data: Any, shape: str) -> Any:
    return {
        "v1": {"code": 100, "data": data, "message": "Success"},
        "v2": {"error": None, "data": data},
        "v2 error": {"error": {"code": "invalid_parameter", "message": data}, "data": None},
        "bare": data,
    }[shape]


ANSWER_BODIES = st.one_of(
    st.tuples(JSON, st.sampled_from(["v1", "v2", "v2 error", "bare"])).map(
        lambda pair: json.dumps(_envelope(*pair)).encode()
    ),
    st.just(json.dumps(_envelope({"video_id": "v1"}, "v1")).encode()),
    st.binary(max_size=60),
)
ANSWERS = st.builds(
    Answer,
    status=st.sampled_from([100, 101, 200, 201, 204, 301, 302, 304, 400, 404, 429, 500, 503])
    | st.integers(100, 999),
    headers=HEADERS.map(tuple),
    body=ANSWER_BODIES,
    encoding=st.sampled_from(sorted(ENCODINGS)),
    framing=st.sampled_from(["length", "long length", "short length", "chunked", "bad chunked"])
    | st.just("close"),
)


class RawServer:
    """A loopback TCP server, on its own loop in a thread, writing `answer` to every request."""

    def __init__(self) -> None:
        self.answer = b""
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")  # the request's head; its body is not needed
            writer.write(self.answer)
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass  # the client gave up first: nothing to answer
        finally:
            writer.close()

    async def _start(self) -> asyncio.Server:
        return await asyncio.start_server(self._handle, "127.0.0.1", 0)

    def __enter__(self) -> RawServer:
        self._thread.start()
        start = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        self._server = start.result(10)
        self.url = f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"
        return self

    def __exit__(self, *_: object) -> None:
        self._loop.call_soon_threadsafe(self._server.close)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


@pytest.fixture(scope="module")
def raw_server() -> Iterator[RawServer]:
    with RawServer() as server:
        yield server


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (512, 512), (120, 90, 60)).save(out, "PNG")  # passes the local photo check
    return out.getvalue()


PNG = _png()


async def _list(client: HeyGenClient) -> object:
    return [video async for video in client.videos.list()]


CLIENT_CALLS: dict[str, Callable[[HeyGenClient], Awaitable[object]]] = {
    "a GET": lambda c: c.videos.status("v1"),
    "a paid POST": lambda c: c.videos.generate_from_talking_photo("tp1", "Hi", "voice1"),
    "a paged list": _list,
    "an upload": lambda c: c.assets.upload(PNG, content_type="image/png"),
}


async def _call(url: str, name: str) -> None:
    async with HeyGenClient(KEY, base_url=url, upload_url=url, max_retries=0, timeout=5) as c:
        try:
            async with asyncio.timeout(15):  # a hang fails the test instead of stalling CI
                await CLIENT_CALLS[name](c)
        except HeyGenError:
            pass


@pytest.mark.parametrize("name", sorted(CLIENT_CALLS))
@FUZZ
@given(answer=ANSWERS)
def test_the_client_survives_any_raw_http_answer(
    raw_server: RawServer, name: str, answer: Answer
) -> None:
    raw_server.answer = answer.raw()
    asyncio.run(_call(raw_server.url, name))


@pytest.mark.parametrize("location", ["http://[::1", "https://[bad]x/"])
def test_a_redirect_to_a_malformed_location_is_a_typed_error(
    raw_server: RawServer, location: str
) -> None:
    # Found by test_the_client_survives_any_raw_http_answer: a 3xx whose Location urlsplit
    # rejects raised ValueError("Invalid IPv6 URL") out of every client call.
    answer = Answer(301, (("Location", location),), b"", "plain", "length")
    raw_server.answer = answer.raw()
    escaped: list[BaseException] = []

    async def call() -> None:
        async with HeyGenClient(KEY, base_url=raw_server.url, max_retries=0) as client:
            try:
                await client.videos.status("v1")
            except HeyGenError:
                pass
            except Exception as exc:
                escaped.append(exc)

    asyncio.run(call())
    assert not escaped


# --- the emulator against odd HTTP requests -------------------------------------------------


def _route_table() -> list[tuple[str, str]]:
    app = build_app(EmulatorState(EmulatorConfig(api_keys=(KEY,))))
    return sorted(
        (route.method, route.resource.canonical)
        for route in app.router.routes()
        if route.method != "HEAD" and route.resource is not None
    )


ROUTES = _route_table()
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]
SEGMENT = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12)


@attrs.frozen
class Sent:
    """One request to the emulator, framing included."""

    method: str
    path: str
    body: bytes
    content_type: str
    encoding: str = "plain"
    chunk_cuts: tuple[int, ...] | None = None  # None: Content-Length framing
    key: str | None = KEY

    def headers(self) -> dict[str, str]:
        headers = {"Connection": "close"}
        if self.key is not None:
            headers["X-Api-Key"] = self.key
        if self.content_type:
            headers["Content-Type"] = self.content_type
        header = ENCODINGS[self.encoding][0]
        if header:
            headers["Content-Encoding"] = header
        if self.chunk_cuts is not None:
            headers["Transfer-Encoding"] = "chunked"
        return headers

    def payload(self) -> bytes | list[bytes]:
        body = ENCODINGS[self.encoding][1](self.body)
        return body if self.chunk_cuts is None else _chunks(body, list(self.chunk_cuts))


def _filled(template: str, segments: list[str]) -> str:
    parts = template.split("/")
    at = 0
    for index, part in enumerate(parts):
        if "{" in part:
            parts[index] = urllib.parse.quote(segments[at % len(segments)], safe="")
            at += 1
    return "/".join(parts)


@st.composite
def sent(draw: st.DrawFn) -> Sent:
    method, template = draw(st.sampled_from(ROUTES), label="route")
    method = draw(st.just(method) | st.sampled_from(METHODS), label="method")
    if draw(st.integers(0, 9), label="unknown path?") == 0:
        prefix = draw(st.sampled_from(["/v1/", "/v2/", "/v3/", "/", "/_emulator/", "/_media/"]))
        template = prefix + urllib.parse.quote(draw(SEGMENT), safe="/")
    path = _filled(template, draw(st.lists(SEGMENT, min_size=1, max_size=3), label="ids"))
    body = draw(
        JSON.map(lambda value: json.dumps(value).encode()) | st.binary(max_size=80), label="body"
    )
    return Sent(
        method=method,
        path=path,
        body=body,
        content_type=draw(st.sampled_from(["application/json", "image/png", "text/plain", ""])),
        encoding=draw(st.sampled_from(sorted(ENCODINGS)), label="encoding"),
        chunk_cuts=draw(st.none() | st.lists(st.integers(0, 100), max_size=4).map(tuple)),
        key=draw(st.sampled_from([KEY, KEY, KEY, None, "", "sk-wrong", f" {KEY} "]), label="key"),
    )


def send(url: str, request: Sent) -> tuple[int, bytes]:
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=TIMEOUT)
    try:  # a hang fails the test after 10 s
        connection.request(
            request.method,
            request.path,
            body=request.payload(),
            headers=request.headers(),
            encode_chunked=request.chunk_cuts is not None,
        )
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _is_envelope(path: str, status: int, payload: Any) -> bool:
    """Contract 1.1/1.2: v2 {"error", "data"}; v1 {"code", "data"} or {"code", "message"}."""
    if not isinstance(payload, dict):
        return False
    if path.startswith("/v2/"):
        error = payload.get("error")
        if status < 300:
            return error is None and "data" in payload
        return (
            payload.get("data") is None
            and isinstance(error, dict)
            and isinstance(error.get("code"), str)
            and isinstance(error.get("message"), str)
        )
    code = payload.get("code")
    if status < 300:
        return code == 100 and "data" in payload
    return isinstance(code, int) and code != 100 and isinstance(payload.get("message"), str)


def check(request: Sent, status: int, answer: bytes) -> None:
    assert status < 500, (status, answer[:300])
    if request.path.startswith(("/_emulator/", "/_media/")):
        # The admin and media routes are not the API: plain 4xx texts are theirs to give.
        return
    if request.method != "HEAD":
        payload = json.loads(answer)  # every API answer is JSON
        assert _is_envelope(request.path, status, payload), (status, payload)


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    # Plenty of credits and slots: the fuzz must reach the framing, not the account's limits.
    config = EmulatorConfig(api_keys=(KEY,), speed=1000.0, credits=1e9, render_slots=10**6)
    with EmulatorThread(config) as emu:
        yield emu


def test_every_route_is_in_the_table() -> None:
    """The fuzz draws from the app's own router, so a new route is fuzzed as soon as it exists."""
    assert ("POST", "/v2/video/generate") in ROUTES
    assert ("GET", "/v1/video_status.get") in ROUTES
    assert len(ROUTES) >= 35


@settings(FUZZ, max_examples=3000 if SOAK else 300)  # cheap: one loopback request each
@given(request=sent())
# Found by this test, each answered before its fix by aiohttp itself, not in the API's envelope:
# junk labelled gzip raised RequestPayloadError out of the middleware (a plain-text 500); a few
# bytes labelled deflate failed in aiohttp's parser (a plain-text 400 "deflate", and about one
# time in twenty no answer at all); a coding aiohttp cannot decode (br) was a plain-text 400.
@example(request=Sent("POST", "/v2/video/generate", b"{}", JSON_TYPE, "gzip, not compressed"))
@example(request=Sent("POST", "/v1/asset", b"\x89PNG", "image/png", "deflate, not compressed"))
@example(request=Sent("POST", "/v1/webhook/endpoint.add", b"{}", JSON_TYPE, "brotli", key=None))
@example(request=Sent("POST", "/_emulator/config", b"{}", JSON_TYPE, "gzip, not compressed"))
def test_the_emulator_answers_any_framing_with_a_2xx_or_4xx_in_its_envelope(
    emulator: Emulator, request: Sent
) -> None:
    status, answer = send(emulator.url, request)
    check(request, status, answer)


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "gzip then identity"])
def test_a_compressed_request_body_is_read_like_a_plain_one(
    emulator: Emulator, encoding: str
) -> None:
    """Bodies the server must decode reach validation: the 400 names the body's field."""
    body = json.dumps({"video_inputs": "not a list"}).encode()
    status, answer = send(
        emulator.url, Sent("POST", "/v2/video/generate", body, JSON_TYPE, encoding)
    )
    assert status == 400
    assert "video_inputs" in json.loads(answer)["error"]["message"]


def test_a_compressed_upload_is_stored_as_the_photo_itself(emulator: Emulator) -> None:
    request = Sent("POST", "/v1/asset", PNG, "image/png", "gzip")
    status, answer = send(emulator.url, request)
    assert status == 200, answer[:300]
    stored = urllib.request.urlopen(json.loads(answer)["data"]["url"], timeout=TIMEOUT)  # loopback
    with stored:
        assert stored.read() == PNG


@pytest.mark.parametrize(
    ("path", "encoding"),
    [
        ("/v2/video/generate", "gzip, not compressed"),
        ("/v1/webhook/endpoint.add", "deflate, truncated"),
        ("/v2/photo_avatar/train", "unknown coding"),
        ("/v1/asset", "brotli"),
    ],
)
def test_a_body_its_content_encoding_does_not_describe_is_a_400_naming_the_header(
    emulator: Emulator, path: str, encoding: str
) -> None:
    content_type = "image/png" if path == "/v1/asset" else JSON_TYPE
    status, answer = send(emulator.url, Sent("POST", path, b'{"a": 1}', content_type, encoding))
    assert status == 400, answer[:300]
    payload = json.loads(answer)
    assert _is_envelope(path, status, payload), payload
    message = payload["message"] if "message" in payload else payload["error"]["message"]
    assert "Content-Encoding" in message
    record = emulator.request_log[-1]
    assert (record.method, record.path, record.status) == ("POST", path, 400)


def test_a_compressed_body_larger_than_the_limit_once_decoded_is_a_413(emulator: Emulator) -> None:
    """A few KB of gzip that would inflate past the upload limit: refused, never held whole."""
    bomb = b"\x89PNG\r\n\x1a\n" + bytes(emulator.config.max_upload_bytes)
    status, answer = send(emulator.url, Sent("POST", "/v1/asset", bomb, "image/png", "gzip"))
    assert status == 413, answer[:300]
    assert json.loads(answer)["code"] != 100


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/_emulator/clock/advance", {"seconds": 10**400}),
        ("/_emulator/config", {"credits": 10**400}),
        ("/_emulator/config", {"speed": 10**400}),
        ("/_emulator/faults", {"config": {"slow_seconds": 10**400}}),
    ],
)
def test_an_admin_number_past_float_range_is_a_400(
    emulator: Emulator, path: str, body: dict[str, Any]
) -> None:
    # Found by test_fuzz_emulator's admin fuzz in a full parallel run: math.isfinite(10**400)
    # raised OverflowError in the admin number check, a plain-text 500.
    status, answer = send(emulator.url, Sent("POST", path, json.dumps(body).encode(), JSON_TYPE))
    assert status == 400, answer[:300]


def test_the_emulator_still_serves_after_the_fuzz(emulator: Emulator) -> None:
    request = Sent("GET", "/v2/voices", b"", "")
    status, answer = send(emulator.url, request)
    assert status == 200
    assert json.loads(answer)["data"]["voices"]
    assert emulator.stats()
