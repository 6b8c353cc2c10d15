"""Find a render by its callback_id: how a lost answer to a paid submit is recovered."""

from __future__ import annotations

from typing import TYPE_CHECKING

from heygen_async.batch._limits import Limiter

if TYPE_CHECKING:
    from heygen_async._client import HeyGenClient

__all__ = ["find_render", "find_renders"]

PAGE_SIZE = 100


async def find_render(client: HeyGenClient, limiter: Limiter, callback_id: str) -> str | None:
    """The id of the account's video made with `callback_id`, or None if there is none.

    Walks `videos.list()` (newest first, so a recent submit is found on the first page), taking
    one request from the rate budget per page. A render that was never created is only known
    absent after the last page, so each page retries on its own (the client's own GET
    retries): one failed request must not restart, or end, a walk over a large account.
    """
    reader = client.with_options(max_retries=limiter.limits.max_attempts - 1)
    await limiter.before_request()
    seen = 0
    async for video in reader.videos.list(page_size=PAGE_SIZE):
        if video.callback_id == callback_id:
            return video.video_id
        seen += 1
        if seen % PAGE_SIZE == 0:
            await limiter.before_request()
    return None


async def find_renders(
    client: HeyGenClient, limiter: Limiter, callback_ids: set[str]
) -> dict[str, str]:
    """callback_id -> video id for every render of the account made with one of `callback_ids`.

    One walk for many jobs (stopping once all are found): how a batch whose journal was lost or
    moved aside finds the renders it already paid for, instead of paying for them again.
    """
    reader = client.with_options(max_retries=limiter.limits.max_attempts - 1)
    found: dict[str, str] = {}
    await limiter.before_request()
    seen = 0
    async for video in reader.videos.list(page_size=PAGE_SIZE):
        if video.callback_id in callback_ids and video.callback_id not in found:
            found[video.callback_id] = video.video_id
            if len(found) == len(callback_ids):
                break
        seen += 1
        if seen % PAGE_SIZE == 0:
            await limiter.before_request()
    return found
