"""Transport behaviour a user sees: typed errors, retries, the paid-POST rule, redaction."""

from __future__ import annotations

import logging
import socket
import time

import aiohttp
import pytest

from heygen_async import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    HeyGenClient,
    InsufficientCreditError,
    MissingAPIKeyError,
    NotFoundError,
    RateLimitError,
    ServerError,
    UnknownOutcomeError,
    __version__,
)
from heygen_async._samples import portrait_jpeg
from heygen_async.emulator import DEFAULT_VOICE_ID, Emulator
from tests.client.conftest import API_KEY, FAST_POLL

GENERATE = "/v2/video/generate"


async def talking_photo(client: HeyGenClient) -> str:
    return (await client.talking_photos.upload(portrait_jpeg(1))).talking_photo_id


def requests_to(emulator: Emulator, path: str) -> int:
    return sum(record.path == path for record in emulator.request_log)


async def test_each_error_class_comes_from_a_real_response(
    client: HeyGenClient, emulator: Emulator
) -> None:
    with pytest.raises(NotFoundError) as missing:
        await client.videos.status("0" * 32)
    assert missing.value.status == 404
    assert missing.value.path == "/v1/video_status.get"
    tp = await talking_photo(client)
    with pytest.raises(BadRequestError, match="voice_id") as bad:
        await client.videos.generate_from_talking_photo(tp, "Hello", "no-such-voice")
    assert bad.value.code == "invalid_parameter"
    async with HeyGenClient(  # a revoked key
        "sk-unknown", base_url=emulator.url, upload_url=emulator.url, max_retries=0
    ) as stranger:
        with pytest.raises(AuthenticationError):
            await stranger.voices.list()
    emulator.faults.script("POST", GENERATE, "429", count=5)
    with pytest.raises(RateLimitError) as limited:
        await client.with_options(max_retries=0).videos.generate_from_talking_photo(
            tp, "Hi", DEFAULT_VOICE_ID
        )
    assert limited.value.retry_after is not None
    emulator.faults.clear()
    emulator.faults.script("GET", "/v2/voices", "500", count=5)
    with pytest.raises(ServerError):
        await client.with_options(max_retries=0).voices.list()


async def test_insufficient_credit_is_its_own_error(
    emulator: Emulator, client: HeyGenClient
) -> None:
    for tenant in emulator._state.tenants.values():  # drain the balance
        tenant.credits = 0
    tp = await talking_photo(client)
    with pytest.raises(InsufficientCreditError):
        await client.videos.generate_from_talking_photo(tp, "Hello there", DEFAULT_VOICE_ID)


async def test_get_retries_through_transient_503s(client: HeyGenClient, emulator: Emulator) -> None:
    emulator.faults.script("GET", "/v2/voices", "503", count=2)
    voices = await client.voices.list()
    assert voices
    assert requests_to(emulator, "/v2/voices") == 3


async def test_retries_give_up_with_the_last_error(
    client: HeyGenClient, emulator: Emulator
) -> None:
    emulator.faults.script("GET", "/v2/voices", "502", count=10)
    with pytest.raises(ServerError) as caught:
        await client.voices.list()
    assert caught.value.status == 502
    assert requests_to(emulator, "/v2/voices") == 3


async def test_retry_after_is_honoured(client: HeyGenClient, emulator: Emulator) -> None:
    emulator.faults.script("GET", "/v2/voices", "429", count=1)
    started = time.monotonic()
    await client.voices.list()
    assert time.monotonic() - started >= 0.05  # the emulator's retry-after-ms
    assert requests_to(emulator, "/v2/voices") == 2


async def test_connection_reset_on_get_is_retried(client: HeyGenClient, emulator: Emulator) -> None:
    emulator.faults.script("GET", "/v2/voices", "reset_before", count=1)
    assert await client.voices.list()
    assert requests_to(emulator, "/v2/voices") == 2


async def test_paid_post_reset_after_processing_is_an_unknown_outcome(
    client: HeyGenClient, emulator: Emulator
) -> None:
    tp = await talking_photo(client)
    emulator.faults.script("POST", GENERATE, "reset_after")
    with pytest.raises(UnknownOutcomeError) as caught:
        await client.videos.generate_from_talking_photo(
            tp, "Hello", DEFAULT_VOICE_ID, callback_id="job-1"
        )
    assert isinstance(caught.value.__cause__, aiohttp.ClientError)
    assert requests_to(emulator, GENERATE) == 1
    assert emulator.renders_for(API_KEY, "job-1") == 1
    found = [v async for v in client.videos.list() if v.callback_id == "job-1"]
    assert len(found) == 1


async def test_paid_post_500_is_not_retried(client: HeyGenClient, emulator: Emulator) -> None:
    tp = await talking_photo(client)
    emulator.faults.script("POST", GENERATE, "500")
    with pytest.raises(UnknownOutcomeError) as caught:
        await client.videos.generate_from_talking_photo(tp, "Hello", DEFAULT_VOICE_ID)
    assert isinstance(caught.value.__cause__, ServerError)
    assert requests_to(emulator, GENERATE) == 1


async def test_paid_post_503_and_429_are_retried(client: HeyGenClient, emulator: Emulator) -> None:
    tp = await talking_photo(client)
    emulator.faults.script("POST", GENERATE, "503")
    emulator.faults.script("POST", GENERATE, "429")
    created = await client.videos.generate_from_talking_photo(
        tp, "Hello", DEFAULT_VOICE_ID, callback_id="j"
    )
    assert created.video_id
    assert requests_to(emulator, GENERATE) == 3
    assert emulator.renders_for(API_KEY, "j") == 1


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_refused_connection_is_retried_then_raised() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    async with HeyGenClient(API_KEY, base_url=url, upload_url=url, max_retries=1) as client:
        with pytest.raises(APIConnectionError, match="could not connect"):
            await client.voices.list()


async def test_timeouts_become_api_timeout_errors(emulator: Emulator) -> None:
    emulator.config.faults.slow_seconds = 2.0
    emulator.faults.script("GET", "/v2/voices", "slow", count=5)
    async with HeyGenClient(
        API_KEY, base_url=emulator.url, upload_url=emulator.url, timeout=0.2, max_retries=1
    ) as client:
        with pytest.raises(APITimeoutError):
            await client.voices.list()


async def test_requests_carry_the_user_agent_and_key(
    client: HeyGenClient, emulator: Emulator
) -> None:
    seen: list[str] = []

    async def on_request_start(
        _: object, __: object, params: aiohttp.TraceRequestStartParams
    ) -> None:
        seen.append(params.headers["User-Agent"])

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_request_start)
    async with aiohttp.ClientSession(trace_configs=[trace]) as session:
        async with HeyGenClient(
            API_KEY, base_url=emulator.url, upload_url=emulator.url, session=session
        ) as mine:
            await mine.voices.list()
        assert not session.closed, "a caller's session stays open"
    assert seen == [f"heygen-async/{__version__}"]
    assert emulator.request_log[-1].api_key == API_KEY


async def test_with_options_shares_one_session(client: HeyGenClient) -> None:
    quick = client.with_options(timeout=5, max_retries=0, poll=FAST_POLL)
    await quick.voices.list()
    assert quick.session is client.session


def test_missing_key_is_reported_before_any_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HEYGEN_API_KEY", raising=False)
    with pytest.raises(MissingAPIKeyError):
        HeyGenClient()


def test_environment_supplies_key_and_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEYGEN_API_KEY", "sk-env")
    monkeypatch.setenv("HEYGEN_BASE_URL", "http://127.0.0.1:1/")
    monkeypatch.setenv("HEYGEN_UPLOAD_URL", "http://127.0.0.1:2")
    client = HeyGenClient()
    assert (client.base_url, client.upload_url) == ("http://127.0.0.1:1", "http://127.0.0.1:2")


async def test_the_key_never_shows_in_reprs_logs_or_errors(
    client: HeyGenClient, emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="heygen_async")
    texts = [repr(client), repr(client._transport)]  # the transport's repr too
    tp = await talking_photo(client)
    emulator.faults.script("GET", "/v2/voices", "503", count=1)
    await client.voices.list()
    emulator.faults.script("POST", GENERATE, "reset_after")
    failures: list[BaseException] = []
    for call in (
        lambda: client.videos.status("missing"),
        lambda: client.videos.generate_from_talking_photo(tp, "Hi", DEFAULT_VOICE_ID),
        lambda: client.videos.generate_from_talking_photo(tp, "Hi", "bad-voice"),
    ):
        with pytest.raises(Exception) as caught:  # noqa: PT011  # each call fails differently
            await call()
        failures.append(caught.value)
    for error in failures:
        texts += [str(error), repr(error), repr(error.args), str(error.__cause__)]
    texts += [record.getMessage() for record in caplog.records]
    assert any("GET /v2/voices" in record.getMessage() for record in caplog.records)
    assert all(API_KEY not in text for text in texts)


async def test_a_closed_client_or_session_gives_a_clear_error(emulator: Emulator) -> None:
    client = HeyGenClient(API_KEY, base_url=emulator.url, upload_url=emulator.url)
    await client.voices.list()
    copy = client.with_options(max_retries=0)
    await client.aclose()
    for closed in (client, copy):
        with pytest.raises(APIConnectionError, match="client is closed"):
            await closed.voices.list()
    async with aiohttp.ClientSession() as session:
        mine = HeyGenClient(
            API_KEY, base_url=emulator.url, upload_url=emulator.url, session=session
        )
    with pytest.raises(APIConnectionError, match="session given to HeyGenClient was closed"):
        await mine.voices.list()
