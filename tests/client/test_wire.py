"""Pure unit tests: envelope parsing, retry policy, poll schedule."""

from __future__ import annotations

import email.utils
import time
from typing import Any

import pytest

from heygen_async import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    InsufficientCreditError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    WaitTimeoutError,
)
from heygen_async._envelope import parse_response
from heygen_async._polling import PollSchedule, poll_until
from heygen_async._retries import RetryPolicy, parse_retry_after


def parse(status: int, body: bytes, headers: dict[str, str] | None = None) -> Any:
    return parse_response(status, headers or {}, body, method="GET", path="/x")


@pytest.mark.parametrize(
    ("body", "data"),
    [
        (b'{"code": 100, "data": {"a": 1}, "msg": null, "message": null}', {"a": 1}),
        (b'{"error": null, "data": [1, 2]}', [1, 2]),
        (b'{"code": 100, "data": null, "message": "Success"}', None),
        (b'{"error": {}, "data": {"x": "y"}}', {"x": "y"}),
        (b"", None),
    ],
)
def test_success_envelopes(body: bytes, data: Any) -> None:
    assert parse(200, body) == data


@pytest.mark.parametrize(
    ("status", "body", "cls", "code"),
    [
        (
            400,
            b'{"error": {"code": "invalid_parameter", "message": "bad"}, "data": null}',
            BadRequestError,
            "invalid_parameter",
        ),
        (401, b'{"code": 400112, "message": "Unauthorized"}', AuthenticationError, 400112),
        (
            402,
            b'{"error": {"code": "insufficient_credit", "message": "no"}}',
            InsufficientCreditError,
            "insufficient_credit",
        ),
        (403, b'{"code": 400599, "message": "no API access"}', PermissionDeniedError, 400599),
        (404, b'{"error": "not here", "data": null}', NotFoundError, None),
        (
            429,
            b'{"error": {"code": "rate_limit_exceeded", "message": "slow"}}',
            RateLimitError,
            "rate_limit_exceeded",
        ),
        (502, b"<html>Bad Gateway</html>", ServerError, None),
        (415, b'{"detail": "Unsupported media type"}', APIStatusError, None),
        (200, b'{"code": 400112, "message": "Unauthorized"}', AuthenticationError, 400112),
        (
            200,
            b'{"error": {"code": "insufficient_credit", "message": "x"}, "data": null}',
            InsufficientCreditError,
            "insufficient_credit",
        ),
        (200, b'{"error": "something broke", "data": null}', BadRequestError, None),
        (200, b'{"code": 40001, "message": "weird"}', BadRequestError, 40001),
    ],
)
def test_errors_map_to_classes(status: int, body: bytes, cls: type[Exception], code: Any) -> None:
    with pytest.raises(cls) as caught:
        parse(status, body, {"X-Request-Id": "req-1"})
    assert isinstance(caught.value, APIStatusError)
    assert caught.value.code == code
    assert caught.value.request_id == "req-1"
    assert "GET /x" in str(caught.value)


def test_rate_limit_reads_retry_after() -> None:
    body = b'{"error": {"code": "rate_limit_exceeded", "message": "x"}}'
    with pytest.raises(RateLimitError) as caught:
        parse(429, body, {"Retry-After": "3", "retry-after-ms": "1500"})
    assert caught.value.retry_after == 1.5


def test_retry_after_forms() -> None:
    assert parse_retry_after({"Retry-After": "7"}) == 7
    assert parse_retry_after({"retry-after-ms": "250"}) == 0.25
    assert parse_retry_after({}) is None
    assert parse_retry_after({"Retry-After": "soon"}) is None
    future = email.utils.formatdate(time.time() + 30, usegmt=True)
    parsed = parse_retry_after({"Retry-After": future})
    assert parsed is not None
    assert 25 <= parsed <= 31


def test_retry_policy_rules_and_delays() -> None:
    policy = RetryPolicy(backoff_base=0.5, backoff_cap=8, retry_after_cap=60)
    assert all(policy.retries_status(s, paid=False) for s in (408, 429, 500, 502, 503, 504))
    assert not policy.retries_status(400, paid=False)
    assert [s for s in (408, 429, 500, 502, 503, 504) if policy.retries_status(s, paid=True)] == [
        429,
        503,
    ]
    for attempt in range(10):
        assert 0 <= policy.delay(attempt) <= 8
    assert policy.delay(0, retry_after=5) == 5
    assert policy.delay(0, retry_after=500) == 60


def test_poll_schedule_grows_to_its_cap_with_jitter() -> None:
    delays = PollSchedule(initial=1, factor=2, maximum=5, jitter=0.1).delays()
    values = [next(delays) for _ in range(6)]
    assert 0.9 <= values[0] <= 1.1
    assert 1.8 <= values[1] <= 2.2
    assert all(4.5 <= v <= 5.5 for v in values[3:])


async def test_poll_until_reports_every_status_and_stops_when_done() -> None:
    statuses = iter(["pending", "processing", "completed"])
    seen: list[str] = []

    async def fetch() -> str:
        return next(statuses)

    async def record(value: str) -> None:
        seen.append(value)

    result = await poll_until(
        fetch,
        done=lambda s: s == "completed",
        status_of=str,
        job_id="j",
        timeout=5,
        schedule=PollSchedule(initial=0.001, maximum=0.002),
        on_status=record,
    )
    assert result == "completed"
    assert seen == ["pending", "processing", "completed"]


async def test_poll_until_times_out_with_the_last_status() -> None:
    async def fetch() -> str:
        return "processing"

    with pytest.raises(WaitTimeoutError) as caught:
        await poll_until(
            fetch,
            done=lambda _: False,
            status_of=str,
            job_id="job-7",
            timeout=0.05,
            schedule=PollSchedule(initial=0.01, maximum=0.01),
        )
    assert (caught.value.job_id, caught.value.last_status) == ("job-7", "processing")
