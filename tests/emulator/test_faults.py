"""Fault injection: scripted and seeded, only on the real API routes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from heygen_async.emulator import Emulator, EmulatorConfig, FaultConfig
from tests.emulator.helpers import Api, video_body


@pytest.mark.parametrize(
    ("kind", "status"), [("500", 500), ("502", 502), ("503", 503), ("429", 429)]
)
async def test_scripted_status_faults_hit_the_next_n_calls_then_stop(
    api: Api, emulator: Emulator, kind: str, status: int
) -> None:
    emulator.faults.script("GET", "/v2/voices", kind, count=2)
    statuses = [(await api.call("GET", "/v2/voices"))[0] for _ in range(3)]
    assert statuses == [status, status, 200]
    assert [r.fault for r in emulator.request_log] == [kind, kind, None]


async def test_reset_before_drops_the_request_unprocessed(api: Api, emulator: Emulator) -> None:
    talking_photo = await api.talking_photo()
    emulator.faults.script("POST", "/v2/video/generate", "reset_before")
    with pytest.raises(aiohttp.ClientError):
        await api.call("POST", "/v2/video/generate", json=video_body(talking_photo))
    assert emulator.stats()["jobs_created"]["sk-a"] == 0
    assert emulator.request_log[-1].status is None


async def test_reset_after_creates_the_job_but_never_answers(api: Api, emulator: Emulator) -> None:
    talking_photo = await api.talking_photo()
    emulator.faults.script("POST", "/v2/video/generate", "reset_after")
    with pytest.raises(aiohttp.ClientError):
        await api.call(
            "POST", "/v2/video/generate", json=video_body(talking_photo, callback_id="x")
        )
    assert emulator.stats()["jobs_created"]["sk-a"] == 1
    assert emulator.renders_for("sk-a", "x") == 1
    assert emulator.stats()["requests"]["POST /v2/video/generate"] == {"reset": 1}
    _, listing = await api.call("GET", "/v1/video.list")
    assert listing["data"]["videos"][0]["callback_id"] == "x"


async def test_scripted_render_failure(api: Api, emulator: Emulator) -> None:
    emulator.faults.script("POST", "/v2/video/generate", "render_failure")
    _, failing = await api.video()
    _, fine = await api.video()
    emulator.clock.advance(60)
    statuses = []
    for created in (failing, fine):
        params = {"video_id": created["data"]["video_id"]}
        statuses.append(
            (await api.call("GET", "/v1/video_status.get", params=params))[1]["data"]["status"]
        )
    assert statuses == ["failed", "completed"]


async def test_slow_fault_delays_the_answer(api: Api, emulator: Emulator) -> None:
    emulator.config.faults.slow_seconds = 2.0
    emulator.faults.script("GET", "/v2/voices", "slow")
    timeout = aiohttp.ClientTimeout(total=0.3)
    with pytest.raises(TimeoutError):
        await api.call("GET", "/v2/voices", timeout=timeout)


async def test_unknown_fault_kind_is_refused(emulator: Emulator) -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        emulator.faults.script("GET", "/v2/voices", "explode")


@pytest.fixture
async def chaotic() -> AsyncIterator[tuple[Emulator, Api]]:
    faults = FaultConfig(
        http_500=0.1, http_502=0.1, http_503=0.1, reset_before=0.1, reset_after=0.1
    )
    config = EmulatorConfig(api_keys=("sk-a",), seed=7, faults=faults)
    async with Emulator(config) as emu, aiohttp.ClientSession() as session:
        yield emu, Api(session, emu.url, "sk-a")


async def _outcomes(api: Api, count: int) -> list[str]:
    outcomes = []
    for _ in range(count):
        try:
            outcomes.append(str((await api.call("GET", "/v2/voices"))[0]))
        except aiohttp.ClientError:
            outcomes.append("reset")
    return outcomes


async def test_probabilistic_faults_are_seeded_and_mixed(chaotic: tuple[Emulator, Api]) -> None:
    emu, api = chaotic
    first = await _outcomes(api, 200)
    assert {"200", "500", "502", "503", "reset"} <= set(first)
    assert 40 <= sum(outcome != "200" for outcome in first) <= 160
    emu.reset()
    async with Emulator(
        EmulatorConfig(api_keys=("sk-a",), seed=7, faults=emu.config.faults)
    ) as twin:
        again = await _outcomes(Api(api.session, twin.url, "sk-a"), 200)
    assert again == first


async def test_admin_and_media_routes_are_never_faulted(chaotic: tuple[Emulator, Api]) -> None:
    emu, api = chaotic
    for _ in range(50):
        async with api.session.get(emu.url + "/_emulator/stats") as response:
            assert response.status == 200
