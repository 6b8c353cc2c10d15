"""With webhooks configured, renders finish on HeyGen's signed event: no status polls at all."""

from __future__ import annotations

import asyncio
from pathlib import Path

from heygen_async import HeyGenClient, PollSchedule
from heygen_async._samples import portrait_jpeg
from heygen_async.batch import Batch, BatchJob, BatchLimits, JobKind, JobStatus
from heygen_async.batch._calls import Caller
from heygen_async.batch._limits import Limiter
from heygen_async.batch._poller import Poller
from heygen_async.emulator import DEFAULT_VOICE_ID, Emulator, EmulatorConfig
from heygen_async.models import VideoStatus, VideoStatusInfo
from heygen_async.webhooks import WebhookEvent, WebhookWaiter
from tests.webhook_server import serve_webhooks


async def test_batch_renders_complete_from_webhook_events(tmp_path: Path) -> None:
    # The fallback poll is 10 minutes away: only the webhook can finish these jobs in time.
    waiter = WebhookWaiter(fallback=PollSchedule(initial=600.0, maximum=600.0))
    secrets: list[str] = []
    photo = tmp_path / "p.jpg"
    photo.write_bytes(portrait_jpeg(1))
    jobs = [
        BatchJob(
            id=f"job-{n}",
            photo=photo,
            script=f"Hello number {n}",
            voice_id=DEFAULT_VOICE_ID,
            kind=JobKind.AVATAR_IV if n % 2 else JobKind.TALKING_PHOTO,
        )
        for n in range(12)
    ]
    async with (
        serve_webhooks(secrets, waiter.on_event) as hook,
        Emulator(EmulatorConfig(api_keys=("sk-b",), speed=50.0)) as emu,
    ):
        async with HeyGenClient("sk-b", base_url=emu.url, upload_url=emu.url) as client:
            secrets.append((await client.webhooks.add_endpoint(hook)).secret or "")
            batch = Batch(
                client, jobs, tmp_path / "out", limits=BatchLimits(rate=200.0), events=waiter
            )
            results = [result async for result in batch.run()]
        status_calls = sum(r.path == "/v1/video_status.get" for r in emu.request_log)
    assert [r.status for r in results] == [JobStatus.COMPLETED] * 12
    assert batch.stats["polls"] == 0
    assert status_calls == 0
    assert sorted(p.name for p in (tmp_path / "out").glob("*.mp4")) == sorted(
        f"job-{n}.mp4" for n in range(12)
    )


async def test_an_event_that_beats_the_first_poll_is_not_missed() -> None:
    waiter = WebhookWaiter(fallback=PollSchedule(initial=600.0, maximum=600.0))
    waiter.on_event(WebhookEvent("avatar_video.success", {"video_id": "v1"}))
    fetched: list[str] = []

    async def fetch(video_id: str) -> VideoStatusInfo:
        fetched.append(video_id)
        return VideoStatusInfo(id=video_id, status=VideoStatus.COMPLETED)

    poller = Poller(
        fetch, Caller(Limiter(BatchLimits(rate=100.0))), waiter.fallback, arrived=waiter.has_arrived
    )
    async with asyncio.timeout(10), asyncio.TaskGroup() as tasks:
        tasks.create_task(poller.run())
        info = await poller.watch("v1")
        poller.stop()
    assert info.status is VideoStatus.COMPLETED
    assert fetched == ["v1"]
