"""The whole error hierarchy of heygen_async, in one place.

Every exception the SDK raises derives from `HeyGenError`. None of them ever holds the API key:
they are built from the method, the path (never the query string with secrets, never headers)
and what the server answered.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "ConflictError",
    "HeyGenError",
    "InsufficientCreditError",
    "MissingAPIKeyError",
    "NotFoundError",
    "OutputWriteError",
    "PermissionDeniedError",
    "PhotoError",
    "RateLimitError",
    "RenderFailedError",
    "ResponseParseError",
    "ServerError",
    "UnknownOutcomeError",
    "ValidationError",
    "WaitTimeoutError",
]


class HeyGenError(Exception):
    """Base class of every error heygen_async raises."""


class MissingAPIKeyError(HeyGenError):
    """No API key was given and HEYGEN_API_KEY is not set."""

    def __init__(self) -> None:
        super().__init__(
            "no API key: pass api_key=... to HeyGenClient or set the HEYGEN_API_KEY variable"
        )


class ValidationError(HeyGenError, ValueError):
    """Input rejected locally, before any request was sent."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class PhotoError(ValidationError):
    """A photo that HeyGen would reject: wrong format, too small, too large, corrupt."""

    def __init__(self, path: str | Path | None, reason: str) -> None:
        self.path = Path(path) if path is not None else None
        self.reason = reason
        super().__init__("photo", f"{reason} ({path})" if path is not None else reason)


class APIStatusError(HeyGenError):
    """The API answered with an error status or an error envelope."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        code: str | int | None = None,
        request_id: str | None = None,
        method: str = "",
        path: str = "",
        body: Any = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.method = method
        self.path = path
        self.body = body
        super().__init__(self._describe())

    def _describe(self) -> str:
        where = f"{self.method} {self.path} -> " if self.method else ""
        code = f" [{self.code}]" if self.code is not None else ""
        rid = f" (request id {self.request_id})" if self.request_id else ""
        return f"{where}HTTP {self.status}{code}: {self.message}{rid}"


class BadRequestError(APIStatusError):
    """400 or 422: the server rejected the request's content."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing, wrong or revoked."""


class InsufficientCreditError(APIStatusError):
    """402, or an `insufficient_credit` code: the account cannot pay for this job."""


class PermissionDeniedError(APIStatusError):
    """403: the key may not do this (for example no API access on the plan)."""


class NotFoundError(APIStatusError):
    """404: no such object for this account."""


class ConflictError(APIStatusError):
    """409: the request conflicts with the object's current state."""


class RateLimitError(APIStatusError):
    """429: too many requests or too many renders in flight."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)


class ServerError(APIStatusError):
    """5xx: HeyGen failed; usually transient."""


class APIConnectionError(HeyGenError):
    """The request could not be completed at the transport level."""

    def __init__(self, message: str, *, method: str = "", path: str = "") -> None:
        self.method = method
        self.path = path
        where = f"{method} {path}: " if method else ""
        super().__init__(f"{where}{message}")


class APITimeoutError(APIConnectionError):
    """The request timed out."""


class ClientClosedError(APIConnectionError):
    """The client, or the aiohttp session given to it, is closed: nothing was sent.

    Not transient: retrying cannot help. Create a new HeyGenClient (a batch run again with it
    picks up where this one stopped).
    """


class UnknownOutcomeError(HeyGenError):
    """A paid request was sent but its answer never came: the job may or may not exist.

    Retrying blindly could pay twice. Look for the job first (for example by its callback_id in
    `client.videos.list()`), then decide. `__cause__` holds the transport or server error.
    """

    def __init__(self, method: str, path: str, reason: str) -> None:
        self.method = method
        self.path = path
        self.reason = reason
        super().__init__(
            f"{method} {path}: outcome unknown ({reason}); the job may exist, "
            "look it up before sending it again"
        )


class RenderFailedError(HeyGenError):
    """A render or generation job ended `failed`."""

    def __init__(self, job_id: str, code: str | int | None, message: str) -> None:
        self.job_id = job_id
        self.code = code
        self.message = message
        code_text = f" [{code}]" if code is not None else ""
        super().__init__(f"job {job_id} failed{code_text}: {message}")


class WaitTimeoutError(HeyGenError, TimeoutError):
    """A wait for a job reached its deadline before the job ended."""

    def __init__(self, job_id: str, last_status: str | None, waited: float) -> None:
        self.job_id = job_id
        self.last_status = last_status
        self.waited = waited
        super().__init__(
            f"job {job_id} still {last_status or 'unknown'} after waiting {waited:.1f} s"
        )


class OutputWriteError(HeyGenError):
    """A downloaded file could not be written: disk full, read-only folder, no permission.

    Nothing is left behind (no partial file, nothing at the final name). `path` is the file (or
    folder) that could not be written, `errno` the operating system's reason. The video is still
    on HeyGen's side: free space or fix the folder and download again; a batch run again
    downloads its finished renders without rendering (or paying) again.
    """

    def __init__(self, path: str | Path, error: OSError) -> None:
        self.path = Path(path)
        self.errno = error.errno
        self.reason = error.strerror or type(error).__name__
        super().__init__(
            f"cannot write {self.path}: {self.reason}; nothing partial was kept: free space "
            "or fix the folder, then download again (a batch rerun does not render again)"
        )


class ResponseParseError(HeyGenError):
    """The server answered 2xx with data this SDK cannot read as the documented shape."""

    def __init__(self, what: str, detail: str) -> None:
        self.what = what
        self.detail = detail
        super().__init__(f"unexpected {what} in HeyGen's response: {detail}")
