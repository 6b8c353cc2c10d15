"""The dry run: check everything that can be checked before anything is spent, and price it."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from heygen_async._errors import PhotoError
from heygen_async._photos import check_photo
from heygen_async.batch._jobs import BatchJob, JobKind
from heygen_async.batch._manifest import ManifestError

if TYPE_CHECKING:
    from heygen_async._client import HeyGenClient

__all__ = ["Plan", "PlannedJob", "check_jobs", "estimate_credits", "spoken_seconds"]

WORDS_PER_SECOND = 2.5
BILLING_INCREMENT_SECONDS = 30.0
# Section 1.5 of the API contract: talking photo videos cost 1 credit a minute, Avatar IV 6,
# billed per started 30 seconds of spoken video.
CREDITS_PER_MINUTE = {JobKind.TALKING_PHOTO: 1.0, JobKind.AVATAR_IV: 6.0}
PHOTO_CHECKS_AT_ONCE = 8


def spoken_seconds(job: BatchJob) -> float:
    return max(1.0, job.words / WORDS_PER_SECOND)


def estimate_credits(job: BatchJob) -> float:
    increments = math.ceil(spoken_seconds(job) / BILLING_INCREMENT_SECONDS)
    return increments * (BILLING_INCREMENT_SECONDS / 60.0) * CREDITS_PER_MINUTE[job.kind]


@attrs.frozen
class PlannedJob:
    job: BatchJob
    seconds: float
    credits: float


@attrs.frozen
class Plan:
    jobs: list[PlannedJob]
    distinct_photos: int

    @property
    def credits(self) -> float:
        return sum(planned.credits for planned in self.jobs)

    @property
    def seconds(self) -> float:
        return sum(planned.seconds for planned in self.jobs)


async def check_jobs(client: HeyGenClient | None, jobs: Sequence[BatchJob]) -> Plan:
    """Check every photo, and every voice when a client is given; raise one ManifestError
    listing every problem with its line, or return the plan with its estimated cost."""
    problems = await _photo_problems(jobs)
    if client is not None:
        voices = {voice.voice_id for voice in await client.voices.list()}
        problems.extend(_voice_problems(jobs, voices))
    if problems:
        problems.sort(key=lambda item: item[0])
        raise ManifestError([message for _, message in problems])
    planned = [PlannedJob(job, spoken_seconds(job), estimate_credits(job)) for job in jobs]
    return Plan(planned, distinct_photos=len({job.photo for job in jobs}))


async def _photo_problems(jobs: Sequence[BatchJob]) -> list[tuple[int, str]]:
    """Each distinct photo is checked once (concurrently, off the loop) and blamed on every
    row that uses it."""
    gate = asyncio.Semaphore(PHOTO_CHECKS_AT_ONCE)

    async def check(path: Path) -> str | None:
        async with gate:
            try:
                await check_photo(path)
            except PhotoError as exc:
                return exc.reason
            return None

    paths = sorted({job.photo for job in jobs})
    async with asyncio.TaskGroup() as tasks:
        checks = {path: tasks.create_task(check(path)) for path in paths}
    return [
        (job.line, f"line {job.line} (id {job.id}): photo {job.photo.name}: {reason}")
        for job in jobs
        if (reason := checks[job.photo].result()) is not None
    ]


def _voice_problems(jobs: Sequence[BatchJob], voices: Collection[str]) -> list[tuple[int, str]]:
    return [
        (job.line, f"line {job.line} (id {job.id}): unknown voice_id {job.voice_id!r}")
        for job in jobs
        if job.voice_id not in voices
    ]
