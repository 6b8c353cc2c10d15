"""The two success envelopes and the error shapes of contract section 1.2."""

from __future__ import annotations

from typing import Any, Literal

from aiohttp import web

__all__ = ["ApiError", "Family", "family_of", "ok"]

Family = Literal["v1", "v2"]

# v1 errors carry six-digit numeric codes; these follow the ones seen in the wild.
_V1_CODES = {
    400: 400140,
    401: 400112,
    402: 400402,
    403: 400599,
    404: 400404,
    413: 400413,
    415: 400415,
    429: 400429,
}
_V2_CODES = {
    400: "invalid_parameter",
    401: "unauthorized",
    402: "insufficient_credit",
    403: "forbidden",
    404: "not_found",
    413: "payload_too_large",
    415: "invalid_parameter",
    429: "rate_limit_exceeded",
}


def family_of(path: str) -> Family:
    """v2 routes use the error envelope; v1 and the upload host use the code envelope."""
    return "v2" if path.startswith("/v2/") else "v1"


def ok(family: Family, data: Any) -> web.Response:
    if family == "v1":
        return web.json_response({"code": 100, "data": data, "msg": None, "message": None})
    return web.json_response({"error": None, "data": data})


class ApiError(Exception):
    """An API rejection; rendered in the family's shape by the error middleware."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = headers or {}

    def response(self, family: Family) -> web.Response:
        if family == "v1":
            body: dict[str, Any] = {
                "code": _V1_CODES.get(self.status, 400000 + self.status),
                "message": self.message,
            }
        else:
            code = self.code or _V2_CODES.get(self.status, "internal_error")
            body = {"error": {"code": code, "message": self.message}, "data": None}
        return web.json_response(body, status=self.status, headers=self.headers)
