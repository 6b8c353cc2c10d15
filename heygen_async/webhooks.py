"""Receiving HeyGen webhooks: check the signature, parse the event, answer in the right way.

HeyGen signs each delivery with a `Signature` header: the hex HMAC-SHA256 of the raw body, keyed
with the endpoint's `whsec_...` secret (contract section 10.3). A bad signature gets 401, a
malformed body 400, a good event 200 after your handler ran; nothing raises inside your server.
HeyGen's registration check (an OPTIONS request with a one-second timeout) is answered at once.

    from heygen_async.webhooks import aiohttp_handler
    app.router.add_route("*", "/heygen/webhook", aiohttp_handler(secret, on_event))

    from heygen_async.webhooks import WebhookASGIApp      # FastAPI / Starlette
    app.mount("/heygen/webhook", WebhookASGIApp(secret, on_event))
"""

from __future__ import annotations

import hashlib
import hmac
import inspect
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

import anyio
import attrs
from aiohttp import web

from heygen_async._errors import HeyGenError
from heygen_async._polling import PollSchedule

__all__ = [
    "SIGNATURE_HEADER",
    "InvalidSignatureError",
    "WebhookASGIApp",
    "WebhookEvent",
    "WebhookPayloadError",
    "WebhookWaiter",
    "aiohttp_handler",
    "parse_event",
    "sign",
    "verify_and_parse",
    "verify_signature",
]

logger = logging.getLogger("heygen_async.webhooks")

SIGNATURE_HEADER = "Signature"
MAX_BODY_BYTES = 1024 * 1024  # events are small; a huge body is not HeyGen's
EventHandler = Callable[["WebhookEvent"], Awaitable[None] | None]
Secrets = str | Iterable[str]


class InvalidSignatureError(HeyGenError):
    """The delivery's Signature header is missing or does not match any endpoint secret."""


class WebhookPayloadError(HeyGenError):
    """The delivery's body is not a HeyGen event."""


@attrs.frozen
class WebhookEvent:
    """One delivery. `event_type` such as `avatar_video.success`; `data` as HeyGen sent it."""

    event_type: str
    data: Mapping[str, Any] = attrs.field(factory=dict, repr=False)

    @property
    def succeeded(self) -> bool:
        return self.event_type.endswith(".success")

    @property
    def failed(self) -> bool:
        return self.event_type.endswith(".fail")

    @property
    def video_id(self) -> str | None:
        return _text(self.data.get("video_id"))

    @property
    def callback_id(self) -> str | None:
        return _text(self.data.get("callback_id"))

    @property
    def url(self) -> str | None:
        return _text(self.data.get("url"))

    @property
    def group_id(self) -> str | None:
        """The photo-avatar group of `photo_avatar_train.*` and similar events."""
        return _text(self.data.get("group_id"))

    @property
    def generation_id(self) -> str | None:
        """The AI photo generation of `photo_avatar_generation.*` events."""
        return _text(self.data.get("generation_id") or self.data.get("id"))

    @property
    def message(self) -> str | None:
        """Why a job failed (`msg` on fail events)."""
        return _text(self.data.get("msg") or self.data.get("message"))


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def sign(secret: str, body: bytes) -> str:
    """The Signature header HeyGen sends for `body` (useful to test your own endpoint)."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(secrets: Secrets, body: bytes, signature: str | None) -> bool:
    """Constant-time check of `signature` against every given secret (rotation keeps two)."""
    if not signature:
        return False
    # An empty secret would accept anything signed with the empty key.
    candidates = [s for s in ([secrets] if isinstance(secrets, str) else secrets) if s]
    # surrogateescape: a header of raw non-UTF-8 bytes is a mismatch, not a crash.
    given = signature.strip().lower().encode("utf-8", "surrogateescape")
    # compare_digest for each secret, no early exit: timing says nothing about which matched.
    matches = [hmac.compare_digest(sign(secret, body).encode(), given) for secret in candidates]
    return any(matches)


def parse_event(body: bytes | str | Mapping[str, Any]) -> WebhookEvent:
    """An event from the raw body; accepts v1 `event_type` and v3's `event`."""
    payload = body if isinstance(body, Mapping) else _json(body)
    event_type = payload.get("event_type") or payload.get("event")
    if not isinstance(event_type, str) or not event_type:
        raise WebhookPayloadError("no event_type in the webhook body")
    data = payload.get("event_data", payload.get("data", {}))
    if not isinstance(data, Mapping):
        raise WebhookPayloadError("event_data must be an object")
    return WebhookEvent(event_type, dict(data))


def _json(body: bytes | str) -> Mapping[str, Any]:
    try:
        payload = json.loads(body)
    # RecursionError: a body nested deeper than the interpreter's limit is no event either.
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise WebhookPayloadError("webhook body is not JSON") from exc
    if not isinstance(payload, Mapping):
        raise WebhookPayloadError("webhook body must be a JSON object")
    return payload


def verify_and_parse(secrets: Secrets, body: bytes, signature: str | None) -> WebhookEvent:
    """Raise InvalidSignatureError or WebhookPayloadError; else the event."""
    if not verify_signature(secrets, body, signature):
        raise InvalidSignatureError("webhook signature does not match")
    return parse_event(body)


async def _dispatch(
    secrets: Secrets, body: bytes, signature: str | None, on_event: EventHandler
) -> tuple[int, str]:
    """(status, text) for one delivery; the handler's own errors become a 500 to retry."""
    try:
        event = verify_and_parse(secrets, body, signature)
    except InvalidSignatureError:
        return 401, "invalid signature"
    except WebhookPayloadError as exc:
        return 400, str(exc)
    try:
        outcome = on_event(event)
        if inspect.isawaitable(outcome):
            await outcome
    except Exception:
        # HeyGen retries a failed delivery: a 500 asks for that instead of losing the event.
        logger.exception("webhook handler failed for %s", event.event_type)
        return 500, "handler failed"
    return 200, "ok"


def aiohttp_handler(
    secrets: Secrets, on_event: EventHandler
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """An aiohttp.web handler; route it with method `*` so OPTIONS reaches it too."""

    async def handle(request: web.Request) -> web.Response:
        if request.method == "OPTIONS":
            return web.Response(status=200)
        if request.method != "POST":
            return web.Response(status=405, headers={"Allow": "POST, OPTIONS"})
        if (request.content_length or 0) > MAX_BODY_BYTES:
            return web.Response(status=413, text="body too large")
        body = await request.read()
        status, text = await _dispatch(
            secrets, body, request.headers.get(SIGNATURE_HEADER), on_event
        )
        return web.Response(status=status, text=text)

    return handle


class WebhookASGIApp:
    """A plain ASGI app (no framework needed): mount it in FastAPI, Starlette or any server."""

    def __init__(self, secrets: Secrets, on_event: EventHandler) -> None:
        self._secrets = secrets
        self._on_event = on_event

    async def __call__(
        self,
        scope: dict[str, Any],
        receive: Callable[[], Awaitable[dict[str, Any]]],
        send: Callable[[dict[str, Any]], Awaitable[None]],
    ) -> None:
        if scope["type"] != "http":
            return
        method = scope["method"]
        if method == "OPTIONS":
            await _respond(send, 200, "")
            return
        if method != "POST":
            await _respond(send, 405, "method not allowed")
            return
        body = await _read_body(receive)
        if body is None:
            await _respond(send, 413, "body too large")
            return
        signature = _header(scope, SIGNATURE_HEADER)
        status, text = await _dispatch(self._secrets, body, signature, self._on_event)
        await _respond(send, status, text)


async def _read_body(receive: Callable[[], Awaitable[dict[str, Any]]]) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


def _header(scope: Mapping[str, Any], name: str) -> str | None:
    wanted = name.lower().encode()
    for key, value in scope.get("headers", []):
        if key.lower() == wanted:
            return bytes(value).decode("latin-1")
    return None


async def _respond(
    send: Callable[[dict[str, Any]], Awaitable[None]], status: int, text: str
) -> None:
    body = text.encode()
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class WebhookWaiter:
    """Turns webhook deliveries into wake-ups for `videos.wait(..., events=waiter)`.

    Feed it every verified event (`aiohttp_handler(secret, waiter.on_event)`); a wait then ends
    within one status call of HeyGen's event instead of at the next poll. Polling continues on
    the slow `fallback` schedule so a lost delivery cannot hang a job.
    """

    def __init__(self, fallback: PollSchedule | None = None) -> None:
        self.fallback = fallback or PollSchedule(initial=30.0, factor=2.0, maximum=300.0)
        self._arrived: dict[str, anyio.Event] = {}
        self._subscribers: list[Callable[[WebhookEvent], None]] = []

    def on_event(self, event: WebhookEvent) -> None:
        if event.video_id is None:
            return
        self._event(event.video_id).set()
        for subscriber in list(self._subscribers):
            subscriber(event)

    def subscribe(self, callback: Callable[[WebhookEvent], None]) -> Callable[[], None]:
        """Call `callback(event)` on every video event (the batch poller); returns unsubscribe."""
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback)

    async def arrival(self, video_id: str) -> None:
        """Returns once an event for `video_id` has arrived (at once if it already has)."""
        await self._event(video_id).wait()

    def has_arrived(self, video_id: str) -> bool:
        """Whether an event for `video_id` came already (it may beat the first poll)."""
        event = self._arrived.get(video_id)
        return event is not None and event.is_set()

    def forget(self, video_id: str) -> None:
        self._arrived.pop(video_id, None)

    def _event(self, video_id: str) -> anyio.Event:
        if video_id not in self._arrived:
            self._arrived[video_id] = anyio.Event()
        return self._arrived[video_id]
