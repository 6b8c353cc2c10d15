"""Photos shared between jobs: each distinct photo (by sha256) is uploaded once, ever.

Within a run a lock per photo makes concurrent jobs wait for the first upload instead of
repeating it; across runs the journal's uploads table remembers what each photo became. Each
photo file is checked (decoded) once per run, a few at a time: a decoded portrait takes a few
MB, and a thread pool decoding forty at once would make that the batch's peak memory.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from heygen_async._photos import PhotoInfo, check_photo
from heygen_async.batch._calls import Caller
from heygen_async.batch._jobs import BatchJob
from heygen_async.batch._journal import Journal, UploadRecord

if TYPE_CHECKING:
    from heygen_async._client import HeyGenClient
    from heygen_async.models import Asset

__all__ = ["PhotoStore"]

CONCURRENT_CHECKS = 4


class PhotoStore:
    def __init__(self, client: HeyGenClient, caller: Caller, journal: Journal) -> None:
        self._client = client
        self._caller = caller
        self._journal = journal
        self._locks: dict[str, asyncio.Lock] = {}
        self._checks = asyncio.Semaphore(CONCURRENT_CHECKS)
        # (path, size, mtime): a file changed during the run is checked again.
        self._checked: dict[tuple[Path, int, int], PhotoInfo] = {}
        self.uploads = 0  # assets uploaded by this run
        self.talking_photos = 0  # talking photos created by this run

    async def check(self, photo: Path) -> PhotoInfo:
        """The photo's checks (PhotoError if it is bad), decoding each file once per run."""
        async with self._checks:
            try:
                stat = await asyncio.to_thread(os.stat, photo)
            except OSError:
                return await check_photo(photo)  # it names the problem (missing, unreadable)
            key = (photo, stat.st_size, stat.st_mtime_ns)
            if key not in self._checked:
                self._checked[key] = await check_photo(photo)
            return self._checked[key]

    async def asset(self, job: BatchJob, info: PhotoInfo) -> UploadRecord:
        """The uploaded asset for this photo, uploading it only if no run has yet."""
        async with self._lock(info.sha256):
            record = await self._journal.get_upload(info.sha256)
            if record is not None and record.asset_id and record.url and record.image_key:
                return record
            asset = await self._upload(job)
            record = UploadRecord(
                sha256=info.sha256, asset_id=asset.id, url=asset.url, image_key=asset.image_key
            )
            await self._journal.save_upload(record)
            return record

    async def talking_photo(self, record: UploadRecord) -> str:
        """The talking photo made from this asset, created only once per photo."""
        async with self._lock(record.sha256):
            stored = await self._journal.get_upload(record.sha256) or record
            if stored.talking_photo_id:
                return stored.talking_photo_id
            url = stored.url or ""
            created = await self._caller.call(lambda: self._client.talking_photos.create(url))
            self.talking_photos += 1
            await self._journal.save_upload(
                attrs.evolve(stored, talking_photo_id=created.talking_photo_id)
            )
            return created.talking_photo_id

    async def _upload(self, job: BatchJob) -> Asset:
        async with self._caller.limiter.uploads:
            asset = await self._caller.call(lambda: self._client.assets.upload(job.photo))
        self.uploads += 1
        return asset

    def _lock(self, sha256: str) -> asyncio.Lock:
        return self._locks.setdefault(sha256, asyncio.Lock())
