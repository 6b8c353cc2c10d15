"""HeyGen's two envelopes, read into `data` or a typed error.

v1 routes answer `{"code": 100, "data": ...}`; v2 routes `{"error": null, "data": ...}`. Errors
arrive as a 4xx/5xx, or inside an HTTP 200; `error` may be a string or an object; proxies send
HTML. Whatever arrives, the caller gets `data` or an APIStatusError subclass, nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from heygen_async._errors import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InsufficientCreditError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
)
from heygen_async._retries import parse_retry_after

__all__ = ["error_class", "parse_response"]

_V1_SUCCESS = 100
_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: InsufficientCreditError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: BadRequestError,
    429: RateLimitError,
}
# Error codes that arrive inside an HTTP 200 (or with a misleading status) map to a status.
_STATUS_BY_CODE: dict[str | int, int] = {
    "invalid_parameter": 400,
    "validation_error": 400,
    "unauthorized": 401,
    400112: 401,
    "insufficient_credit": 402,
    "forbidden": 403,
    400599: 403,
    "not_found": 404,
    "conflict": 409,
    "payload_too_large": 413,
    "rate_limit_exceeded": 429,
    400429: 429,
    "internal_error": 500,
}


def parse_response(
    status: int, headers: Mapping[str, str], body: bytes, *, method: str, path: str
) -> Any:
    """The envelope's `data`, or raise the APIStatusError subclass the answer means."""
    payload = _decode(body)
    error = _find_error(status, payload)
    if error is None:
        if isinstance(payload, dict):
            return payload.get("data")
        return payload
    code, message = error
    effective = _effective_status(status, code)
    cls = error_class(effective, code)
    extra: dict[str, Any] = {}
    if cls is RateLimitError:
        extra["retry_after"] = parse_retry_after(headers)
    raise cls(
        message,
        status=effective,
        code=code,
        request_id=_request_id(headers),
        method=method,
        path=path,
        body=payload,
        **extra,
    )


def _decode(body: bytes) -> Any:
    if not body.strip():
        return None
    try:
        return json.loads(body)
    # RecursionError: JSON nested deeper than the interpreter's limit ("[[[[..." from a broken
    # or hostile server) is not JSON the SDK can read either.
    except (ValueError, UnicodeDecodeError, RecursionError):
        return _NotJSON(body[:200].decode("utf-8", "replace"))


class _NotJSON(str):
    """A body that was not JSON (an HTML error page from a proxy, say)."""


def _find_error(status: int, payload: Any) -> tuple[str | int | None, str] | None:
    if isinstance(payload, _NotJSON):
        return (None, f"non-JSON response: {payload.strip()[:120]}") if status >= 300 else None
    if not isinstance(payload, dict):
        return (None, f"HTTP {status}") if status >= 300 else None
    found = _v2_error(payload) or _v1_error(payload) or _detail_error(payload)
    if found is None and status >= 300:
        return (None, str(payload.get("message") or f"HTTP {status}"))
    return found


def _v2_error(payload: dict[str, Any]) -> tuple[str | int | None, str] | None:
    error = payload.get("error")
    if error is None or error == {}:
        return None
    if isinstance(error, dict):
        code = error.get("code")
        if isinstance(code, bool) or not isinstance(code, str | int):
            code = None  # a code that is a list or an object names no known error
        return (code, str(error.get("message") or code or "error"))
    return (None, str(error))


def _v1_error(payload: dict[str, Any]) -> tuple[str | int | None, str] | None:
    code = payload.get("code")
    if not isinstance(code, int) or isinstance(code, bool) or code == _V1_SUCCESS:
        return None
    return (code, str(payload.get("message") or payload.get("msg") or f"code {code}"))


def _detail_error(payload: dict[str, Any]) -> tuple[str | int | None, str] | None:
    detail = payload.get("detail")
    return None if detail is None else (None, str(detail))


def _effective_status(status: int, code: str | int | None) -> int:
    if status >= 400:
        return status
    # An error inside an HTTP 200: the code says what kind it is; unknown codes are bad requests.
    return _STATUS_BY_CODE.get(code, 400) if code is not None else 400


def error_class(status: int, code: str | int | None = None) -> type[APIStatusError]:
    """The APIStatusError subclass an HTTP status (and HeyGen code) means."""
    if code == "insufficient_credit":
        return InsufficientCreditError
    if status >= 500:
        return ServerError
    return _BY_STATUS.get(status, APIStatusError)


def _request_id(headers: Mapping[str, str]) -> str | None:
    for key, value in headers.items():
        if key.lower() == "x-request-id":
            return value
    return None
