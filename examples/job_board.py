"""What both web-service examples share: background video jobs owned by one TaskGroup.

A POST starts a job and returns its id at once; the render runs in the background; a GET reads
its state. With a webhook configured, jobs finish on HeyGen's event instead of polling.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from heygen_async import BadRequestError, HeyGenClient, HeyGenError
from heygen_async.webhooks import WebhookWaiter


class JobBoard:
    def __init__(
        self, client: HeyGenClient, tasks: asyncio.TaskGroup, out_dir: Path, secrets: list[str]
    ) -> None:
        self.client = client
        self.waiter = WebhookWaiter()
        self.secrets = secrets  # the webhook route checks signatures against these
        self.endpoint_id: str | None = None
        self._tasks = tasks
        self._out_dir = out_dir
        self.jobs: dict[str, dict[str, Any]] = {}
        self._running: set[asyncio.Task[None]] = set()

    def start(self, photo: bytes, script: str, voice_id: str) -> str:
        job_id = uuid.uuid4().hex
        self.jobs[job_id] = {"id": job_id, "status": "running"}
        task = self._tasks.create_task(self._run(job_id, photo, script, voice_id))
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        return job_id

    def register_webhook(self, url: str) -> None:
        """Register `url` once this server answers: HeyGen probes it with OPTIONS first."""
        self._tasks.create_task(self._register(url))

    async def _register(self, url: str) -> None:
        for attempt in range(20):
            try:
                endpoint = await self.client.webhooks.add_endpoint(url)
            except BadRequestError:  # not listening yet: the probe failed
                await asyncio.sleep(0.1 * (attempt + 1))
                continue
            self.secrets.append(endpoint.secret or "")
            self.endpoint_id = endpoint.endpoint_id
            return

    async def unregister_webhook(self) -> None:
        if self.endpoint_id is not None:
            await self.client.webhooks.delete_endpoint(self.endpoint_id)

    def cancel_all(self) -> None:
        """On shutdown: stop renders we are waiting on (HeyGen keeps rendering them)."""
        for task in self._running:
            task.cancel()

    async def _run(self, job_id: str, photo: bytes, script: str, voice_id: str) -> None:
        job = self.jobs[job_id]
        try:
            result = await self.client.photo_to_video(
                photo,
                script,
                voice_id,
                directory=self._out_dir,
                callback_id=job_id,
                events=self.waiter,
            )
        except HeyGenError as exc:  # one job's failure is that job's result
            job.update(status="failed", error=str(exc))
            return
        job.update(status="completed", video_id=result.video_id, path=str(result.path))


@contextlib.asynccontextmanager
async def job_board(secrets: list[str], out_dir: str | None = None) -> AsyncIterator[JobBoard]:
    """A client, a TaskGroup for the background jobs, and the board; all closed on exit.

    With PUBLIC_URL set, the board registers PUBLIC_URL/heygen/webhook and removes it on exit.
    """
    directory = Path(out_dir or tempfile.mkdtemp(prefix="heygen-videos-"))
    public_url = os.environ.get("PUBLIC_URL")
    async with HeyGenClient() as client, asyncio.TaskGroup() as tasks:
        board = JobBoard(client, tasks, directory, secrets)
        if public_url:
            board.register_webhook(f"{public_url}/heygen/webhook")
        try:
            yield board
        finally:
            board.cancel_all()
            await board.unregister_webhook()
