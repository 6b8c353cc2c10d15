"""Videos: generate, status, wait, list, delete, download."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from heygen_async._converter import to_wire
from heygen_async._download import download_to
from heygen_async._errors import RenderFailedError, ResponseParseError
from heygen_async._polling import PollSchedule, poll_until
from heygen_async.models import (
    Dimension,
    VideoCreated,
    VideoGenerateRequest,
    VideoStatus,
    VideoStatusInfo,
    VideoSummary,
)
from heygen_async.models._checks import text
from heygen_async.resources._base import Resource, request_model

if TYPE_CHECKING:
    from heygen_async.webhooks import WebhookWaiter

__all__ = ["StatusCallback", "Videos"]

StatusCallback = Callable[[VideoStatusInfo], Awaitable[None] | None]
ProgressCallback = Callable[[int, int | None], None]


class Videos(Resource):
    async def generate(self, request: VideoGenerateRequest) -> VideoCreated:
        """Start a render. Paid: never retried once the server may have acted on it."""
        data = await self._transport.request(
            "POST",
            "/v2/video/generate",
            json=to_wire(request_model(request, VideoGenerateRequest)),
            paid=True,
        )
        return self._parse(data, VideoCreated)

    async def generate_from_talking_photo(
        self,
        talking_photo_id: str,
        script: str,
        voice_id: str,
        *,
        title: str | None = None,
        dimension: Dimension | None = None,
        callback_id: str | None = None,
        callback_url: str | None = None,
        test: bool = False,
    ) -> VideoCreated:
        request = VideoGenerateRequest.talking_photo(
            talking_photo_id,
            script,
            voice_id,
            title=title,
            dimension=dimension,
            callback_id=callback_id,
            callback_url=callback_url,
            test=test or None,
        )
        return await self.generate(request)

    async def status(self, video_id: str) -> VideoStatusInfo:
        """Current status; each call returns freshly signed URLs."""
        text("video_id", video_id)
        data = await self._transport.request(
            "GET", "/v1/video_status.get", params={"video_id": video_id}
        )
        return self._parse(data, VideoStatusInfo)

    async def wait(
        self,
        video_id: str,
        *,
        timeout: float = 1800.0,
        poll: PollSchedule | None = None,
        on_status: StatusCallback | None = None,
        events: WebhookWaiter | None = None,
    ) -> VideoStatusInfo:
        """Poll until the render ends; raise RenderFailedError or WaitTimeoutError.

        With `events` (fed by your webhook endpoint) the wait ends as soon as HeyGen says so,
        and polling becomes a slow fallback in case a delivery is lost.
        """
        final = await poll_until(
            lambda: self.status(video_id),
            done=lambda info: info.status in (VideoStatus.COMPLETED, VideoStatus.FAILED),
            status_of=lambda info: info.status.value,
            job_id=video_id,
            timeout=timeout,
            schedule=poll or (events.fallback if events else self._poll),
            on_status=on_status,
            wake=(lambda: events.arrival(video_id)) if events else None,
        )
        if events is not None:
            events.forget(video_id)
        if final.status is VideoStatus.FAILED:
            error = final.error
            raise RenderFailedError(
                video_id,
                error.code if error else None,
                error.message if error else "render failed",
            )
        return final

    async def list(self, *, page_size: int = 100) -> AsyncIterator[VideoSummary]:
        """Every video of the account, newest first, fetched page by page."""
        token: str | None = None
        seen: set[str] = set()  # a server repeating a page token would loop forever
        while True:
            params: dict[str, str | int] = {"limit": page_size}
            if token:
                params["token"] = token
            page = self._object(
                await self._transport.request("GET", "/v1/video.list", params=params), "video list"
            )
            for item in self._parse(page.get("videos") or [], list[dict[str, Any]]):
                yield self._parse(_summary_fields(item), VideoSummary)
            token = _next_token(page.get("token"), seen)
            if token is None:
                return

    async def delete(self, video_id: str) -> None:
        text("video_id", video_id)
        await self._transport.request("DELETE", "/v1/video.delete", params={"video_id": video_id})

    async def download(
        self,
        video: str | VideoStatusInfo,
        directory: str | os.PathLike[str],
        *,
        filename: str | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> Path:
        """Save the finished MP4 into `directory` (atomically); returns its path."""
        info = video if isinstance(video, VideoStatusInfo) else await self.status(video)
        if info.video_url is None:
            info = await self.status(info.id)
        if info.video_url is None:
            raise RenderFailedError(info.id, None, f"video is {info.status.value}, not completed")
        return await download_to(
            self._transport.session,
            info.video_url,
            directory,
            filename or f"{info.id}.mp4",
            on_progress=on_progress,
        )


def _next_token(value: Any, seen: set[str]) -> str | None:
    """The next page's token, None after the last page; ResponseParseError for a bad one."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ResponseParseError("video list", f"page token is a {type(value).__name__}")
    token = str(value)
    if token in seen:
        raise ResponseParseError("video list", f"page token {token[:40]!r} came back again")
    seen.add(token)
    return token


def _summary_fields(item: Any) -> Any:
    """video.list names the title `video_title` on some accounts and `title` on others."""
    if isinstance(item, dict) and "title" not in item and "video_title" in item:
        return {**item, "title": item["video_title"]}
    return item
