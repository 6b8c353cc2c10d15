"""Transport: one aiohttp session, request building, retries, logging. No route knowledge.

Resources say what to call; this module decides how: which host, which headers, whether a
failure may be retried, and how long to wait. It knows nothing of v1/v2/v3 routes beyond the
envelope parser, so newer API families can sit beside the current ones without touching it.
"""

from __future__ import annotations

import json as _jsonlib  # `json` is a parameter name in request()
import logging
import time
from collections.abc import AsyncIterable, Callable, Mapping
from typing import Any, Literal, NamedTuple, NoReturn
from urllib.parse import urlsplit

import aiohttp
import anyio
import attrs

from heygen_async._envelope import parse_response
from heygen_async._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    ClientClosedError,
    UnknownOutcomeError,
)
from heygen_async._retries import RetryPolicy
from heygen_async._version import __version__

__all__ = ["Host", "Transport", "TransportOptions"]

logger = logging.getLogger("heygen_async")

Host = Literal["api", "upload"]
Content = bytes | Callable[[], AsyncIterable[bytes]]
_USER_AGENT = f"heygen-async/{__version__}"
# Failures that happen before a byte reached the server: safe to retry for any request.
_NOT_SENT = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)


@attrs.frozen
class TransportOptions:
    timeout: float = 60.0  # seconds per attempt
    max_retries: int = 2


class _SessionHolder:
    """Shared by a Transport and its `with_options` copies: one pool, one owner."""

    def __init__(self, session: aiohttp.ClientSession | None) -> None:
        self.session = session
        self.owned = session is None
        self.closed = False

    def get(self) -> aiohttp.ClientSession:
        # A clear, typed error instead of a silently reopened (and leaked) pool or aiohttp's
        # bare RuntimeError.
        if self.closed:
            raise ClientClosedError("the client is closed; create a new HeyGenClient")
        if self.session is not None and self.session.closed:
            raise ClientClosedError(
                "the aiohttp session given to HeyGenClient was closed; create a new client"
            )
        if self.session is None:
            self.session = aiohttp.ClientSession()
        return self.session

    async def close(self) -> None:
        self.closed = True
        if self.owned and self.session is not None and not self.session.closed:
            await self.session.close()


class Transport:
    def __init__(
        self,
        *,
        api_key: str,
        base_url: str,
        upload_url: str,
        options: TransportOptions = TransportOptions(),
        session: aiohttp.ClientSession | None = None,
        _holder: _SessionHolder | None = None,
    ) -> None:
        self._api_key = api_key
        self._hosts = {"api": base_url.rstrip("/"), "upload": upload_url.rstrip("/")}
        self.options = options
        self._policy = RetryPolicy(max_retries=options.max_retries)
        self._holder = _holder or _SessionHolder(session)
        # Built once, not per request: every microsecond here is paid on each status poll
        # (benchmarks/overhead.py).
        self._timeout = aiohttp.ClientTimeout(total=options.timeout)
        self._headers = {
            "X-Api-Key": api_key,
            "Accept": "application/json",
            "User-Agent": _USER_AGENT,
        }
        self._json_headers = {**self._headers, "Content-Type": "application/json"}

    def with_options(self, options: TransportOptions) -> Transport:
        return Transport(
            api_key=self._api_key,
            base_url=self._hosts["api"],
            upload_url=self._hosts["upload"],
            options=options,
            _holder=self._holder,
        )

    @property
    def session(self) -> aiohttp.ClientSession:
        return self._holder.get()

    async def aclose(self) -> None:
        await self._holder.close()

    def __repr__(self) -> str:
        # The key stays out: reprs end up in logs and tracebacks.
        api, upload = self._hosts["api"], self._hosts["upload"]
        return f"Transport(base_url={api!r}, upload_url={upload!r}, api_key='***')"

    async def request(
        self,
        method: str,
        path: str,
        *,
        host: Host = "api",
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
        content: Content | None = None,
        content_type: str | None = None,
        paid: bool = False,
    ) -> Any:
        """Send with retries; return the envelope's `data` or raise a typed error."""
        call = _Call(method.upper(), path, host, params, json, content, content_type, paid)
        attempt = 0
        while True:
            try:
                return await self._attempt(call, attempt)
            except _Retry as retry:
                attempt += 1
                delay = self._policy.delay(attempt - 1, retry.retry_after)
                logger.warning(
                    "retrying %s %s in %.2f s (attempt %d of %d): %s",
                    call.method,
                    call.path,
                    delay,
                    attempt + 1,
                    self._policy.max_retries + 1,
                    retry.reason,
                )
                await anyio.sleep(delay)

    async def _attempt(self, call: _Call, attempt: int) -> Any:
        can_retry = attempt < self._policy.max_retries
        started = time.monotonic()
        try:
            status, headers, body = await self._send(call)
        except _NOT_SENT as exc:
            if can_retry:
                raise _Retry(f"could not connect ({exc.__class__.__name__})") from exc
            raise APIConnectionError(
                "could not connect", method=call.method, path=call.path
            ) from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            self._after_send_failure(call, exc, can_retry)
        elapsed = (time.monotonic() - started) * 1000
        request_id = headers.get("X-Request-Id")
        logger.debug(
            "%s %s -> %d in %.0f ms (request id %s, attempt %d)",
            call.method,
            call.path,
            status,
            elapsed,
            request_id,
            attempt + 1,
        )
        if 300 <= status < 400:
            raise _redirect_error(call, status, headers)
        try:
            return parse_response(status, headers, body, method=call.method, path=call.path)
        except APIStatusError as error:
            self._after_status_error(call, error, can_retry)

    def _after_send_failure(self, call: _Call, exc: BaseException, can_retry: bool) -> NoReturn:
        timed_out = isinstance(exc, TimeoutError)
        reason = "timed out" if timed_out else f"connection lost ({exc.__class__.__name__})"
        if call.paid:
            # The server may have created the job: only the caller can look before resending.
            raise UnknownOutcomeError(call.method, call.path, reason) from exc
        if can_retry:
            raise _Retry(reason) from exc
        if timed_out:
            raise APITimeoutError(reason, method=call.method, path=call.path) from exc
        raise APIConnectionError(reason, method=call.method, path=call.path) from exc

    def _after_status_error(self, call: _Call, error: APIStatusError, can_retry: bool) -> NoReturn:
        if self._policy.retries_status(error.status, paid=call.paid):
            if can_retry:
                raise _Retry(f"HTTP {error.status}", getattr(error, "retry_after", None)) from error
            raise error
        if call.paid and error.status >= 500:
            raise UnknownOutcomeError(call.method, call.path, f"HTTP {error.status}") from error
        raise error

    async def _send(self, call: _Call) -> tuple[int, Mapping[str, str], bytes]:
        headers = self._headers
        body: Any = None
        if call.json is not None:
            headers = self._json_headers
            body = _json_bytes(call.json)
        elif call.content is not None:
            content_type = call.content_type or "application/octet-stream"
            headers = {**self._headers, "Content-Type": content_type}
            body = call.content if isinstance(call.content, bytes) else call.content()
        url = self._hosts[call.host] + call.path
        timeout = self._timeout
        # No redirects: aiohttp would resend X-Api-Key to any host a 3xx names (it strips only
        # Authorization and cookies when the origin changes). HeyGen's API never redirects.
        async with self.session.request(
            call.method,
            url,
            params=call.params,
            data=body,
            headers=headers,
            timeout=timeout,
            allow_redirects=False,
        ) as response:
            return response.status, response.headers, await response.read()


class _Call(NamedTuple):  # a tuple: cheaper to build than a frozen attrs class, per request
    method: str
    path: str
    host: Host
    params: Mapping[str, str | int] | None
    json: Any
    content: Content | None
    content_type: str | None
    paid: bool


class _Retry(Exception):  # noqa: N818  # control flow inside request(), never escapes
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


def _redirect_error(call: _Call, status: int, headers: Mapping[str, str]) -> APIStatusError:
    # Only the target's origin: a redirect URL may carry credentials of its own.
    try:
        location = urlsplit(headers.get("Location", ""))
    except ValueError:  # a Location no URL parser accepts: report the redirect without a target
        location = urlsplit("")
    target = (
        f" to {location.scheme}://{location.netloc.rpartition('@')[2]}" if location.netloc else ""
    )
    return APIStatusError(
        f"the API answered with a redirect{target}; not followed, so the API key is only "
        "ever sent to the configured base URL (check HEYGEN_BASE_URL)",
        status=status,
        request_id=headers.get("X-Request-Id"),
        method=call.method,
        path=call.path,
    )


def _json_bytes(payload: Any) -> bytes:
    return _jsonlib.dumps(payload, separators=(",", ":")).encode()
