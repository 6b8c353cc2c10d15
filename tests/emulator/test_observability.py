"""The request log, counters, and the `/_emulator/` admin API."""

from __future__ import annotations

from heygen_async.emulator import Emulator
from tests.emulator.helpers import Api


async def test_request_log_records_what_arrived(api: Api, emulator: Emulator) -> None:
    await api.video(callback_id="cb-1")
    record = emulator.request_log[-1]
    assert (record.method, record.path, record.status) == ("POST", "/v2/video/generate", 200)
    assert record.api_key == "sk-a"
    assert record.json["callback_id"] == "cb-1"
    assert record.body_size > 0
    assert emulator.request_log[0].path == "/v1/talking_photo"
    assert emulator.request_log[0].json is None


async def test_stats_count_routes_jobs_and_duplicate_callback_ids(
    api: Api, emulator: Emulator
) -> None:
    await api.video(callback_id="same")
    await api.video(callback_id="same")
    await api.call("GET", "/v1/video_status.get", params={"video_id": "missing"})
    stats = emulator.stats()
    assert stats["requests"]["POST /v2/video/generate"] == {"200": 2}
    assert stats["requests"]["GET /v1/video_status.get"] == {"404": 1}
    assert stats["jobs_created"] == {"sk-a": 2, "sk-b": 0}
    assert stats["renders_by_callback_id"]["sk-a"] == {"same": 2}
    assert emulator.renders_for("sk-a", "same") == 2
    assert stats["in_flight"]["sk-a"] == 2


async def test_admin_http_api(api: Api, emulator: Emulator) -> None:
    base = emulator.url + "/_emulator"
    await api.video(callback_id="cb")
    async with api.session.get(f"{base}/stats") as response:
        assert (await response.json())["jobs_created"]["sk-a"] == 1
    async with api.session.get(f"{base}/requests") as response:
        assert [r["path"] for r in await response.json()][-1] == "/v2/video/generate"
    before = emulator.clock.now()
    async with api.session.post(f"{base}/clock/advance", json={"seconds": 100}) as response:
        assert response.status == 200
    assert emulator.clock.now() >= before + 100
    script = {"script": [{"method": "GET", "path": "/v2/voices", "kind": "503", "count": 1}]}
    async with api.session.post(f"{base}/faults", json=script) as response:
        assert response.status == 200
    assert (await api.call("GET", "/v2/voices"))[0] == 503
    async with api.session.post(
        f"{base}/config", json={"render_slots": 0, "credits": 5}
    ) as response:
        assert response.status == 200
    assert (await api.video())[0] == 429
    assert emulator.stats()["credits"]["sk-a"] == 5
    async with api.session.post(f"{base}/reset") as response:
        assert response.status == 200
    assert emulator.stats()["jobs_created"]["sk-a"] == 0
    assert emulator.request_log == []


async def test_admin_rejects_bad_input(api: Api, emulator: Emulator) -> None:
    async with api.session.post(
        emulator.url + "/_emulator/clock/advance", json={"seconds": -1}
    ) as response:
        assert response.status == 400
    async with api.session.post(
        emulator.url + "/_emulator/faults", json={"script": [{"kind": "x"}]}
    ) as response:
        assert response.status == 400
