"""The batch engine: every job of a manifest as one task in one TaskGroup, results streamed.

Each job task ends with a result whatever happens to the job (its errors are its own), so a
failing job never cancels its siblings; cancelling the run (Ctrl-C) cancels every task, and the
journal (written before each step that depends on it) lets the next run pick up where this one
stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import time
from collections.abc import AsyncGenerator, Callable, Coroutine, Iterator, Sequence
from contextlib import aclosing
from pathlib import Path
from typing import TYPE_CHECKING, Any

from heygen_async._polling import PollSchedule
from heygen_async.batch._calls import Caller
from heygen_async.batch._events import EventHandler
from heygen_async.batch._jobs import BatchJob, BatchSummary, JobResult, JobStatus, Stage
from heygen_async.batch._journal import JOURNAL_NAME, JobRecord, Journal, JournalError
from heygen_async.batch._limits import BatchLimits, Limiter
from heygen_async.batch._photos import PhotoStore
from heygen_async.batch._poller import Poller
from heygen_async.batch._reconcile import find_renders
from heygen_async.batch._stages import JobRunner
from heygen_async.models import RenderError, VideoStatus, VideoStatusInfo

if TYPE_CHECKING:
    from heygen_async._client import HeyGenClient
    from heygen_async.webhooks import WebhookEvent, WebhookWaiter

__all__ = ["Batch", "run_batch"]


class Batch:
    """Turn jobs into videos in `out_dir/<job id>.mp4`, as fast as `limits` allow.

    `async for result in batch.run()` yields a `JobResult` as each job ends (jobs finished by an
    earlier run with the same journal come first, marked `resumed`). To stop early, close the
    iterator (`contextlib.aclosing`): every task is cancelled and the journal stays consistent.

    The journal defaults to `out_dir/journal.sqlite` and belongs to the client's API server: a
    journal written against another `base_url` is refused (its ids would mean nothing). Status
    polls follow `poll`, or the client's own schedule.
    """

    def __init__(
        self,
        client: HeyGenClient,
        jobs: Sequence[BatchJob],
        out_dir: str | os.PathLike[str],
        *,
        journal: str | os.PathLike[str] | None = None,
        limits: BatchLimits | None = None,
        poll: PollSchedule | None = None,
        on_event: EventHandler | None = None,
        events: WebhookWaiter | None = None,
    ) -> None:
        keys = [job.key for job in jobs]
        if len(set(keys)) != len(keys):
            raise ValueError("jobs must be distinct (two jobs have the same key)")
        # Our own retry rules replace the client's: see _calls.py.
        self._client = client.with_options(max_retries=0)
        self.jobs = list(jobs)
        self.out_dir = Path(out_dir)
        self.journal_path = Path(journal) if journal is not None else self.out_dir / JOURNAL_NAME
        self.limits = limits or BatchLimits()
        # With webhooks, polling is only the fallback for a lost delivery, so it runs slowly.
        self.poll = poll or (events.fallback if events else self._client.poll)
        self._events = events
        self._on_event = on_event
        self.summary = BatchSummary(total=len(self.jobs))
        self.stats: dict[str, int] = {}  # requests and retries of the last run, for reports

    async def run(self) -> AsyncGenerator[JobResult, None]:
        started = time.monotonic()
        self.summary = BatchSummary(total=len(self.jobs))
        await asyncio.to_thread(self.out_dir.mkdir, parents=True, exist_ok=True)
        async with Journal(self.journal_path, account=self._client.base_url) as journal:
            # We hold the journal's lock: part files of our jobs are leftovers of a killed run.
            await asyncio.to_thread(self._remove_stale_downloads)
            records = await journal.load_jobs()
            if not records:
                records = await self._adopt_without_journal(journal)
            # Off the loop: deciding whether a job is finished looks at its file on disk.
            finished = await asyncio.to_thread(
                lambda: [_finished_result(job, records.get(job.key)) for job in self.jobs]
            )
            for result in finished:
                if result is not None:
                    self.summary.add(result)
                    yield result
            todo = [job for job, done in zip(self.jobs, finished, strict=True) if done is None]
            try:
                # aclosing: if our consumer stops early, the job tasks are cancelled and waited
                # for here, while the journal is still open.
                with _frozen_heap(self.limits.freeze_gc):
                    async with aclosing(self._run_jobs(todo, records, journal)) as stream:
                        async for result in stream:
                            self.summary.add(result)
                            yield result
            finally:
                self.summary.elapsed = time.monotonic() - started

    async def _run_jobs(
        self, jobs: list[BatchJob], records: dict[str, JobRecord], journal: Journal
    ) -> AsyncGenerator[JobResult, None]:
        limiter = Limiter(self.limits)
        caller = Caller(limiter)
        arrived = self._events.has_arrived if self._events else None
        poller = Poller(self._client.videos.status, caller, self.poll, arrived=arrived)
        unsubscribe = self._events.subscribe(_event_handler(poller)) if self._events else None
        photos = PhotoStore(self._client, caller, journal)
        active = asyncio.Semaphore(self.limits.concurrency)  # jobs doing work (not waiting)
        results: asyncio.Queue[JobResult] = asyncio.Queue()
        tasks = _JobTasks()
        runner = JobRunner(
            client=self._client,
            caller=caller,
            journal=journal,
            poller=poller,
            photos=photos,
            out_dir=self.out_dir,
            on_event=self._on_event,
            active=active,
            spawn=tasks.start,
            deliver=results.put_nowait,
        )

        async def run_one(job: BatchJob) -> None:
            result = await runner.run(job, records.get(job.key))
            if result is not None:  # else the job waits for its render; `deliver` gets it
                results.put_nowait(result)

        async def feed() -> None:
            # A job's task is created only once it may start: a task per waiting job would
            # cost memory and garbage-collector time in proportion to the batch. The runner
            # hands the permit back once the job's render is submitted.
            for job in jobs:
                await active.acquire()
                tasks.start(run_one(job))

        try:
            async with asyncio.TaskGroup() as group:
                tasks.group = group
                tasks.start(poller.run())
                tasks.start(feed())
                for _ in jobs:
                    result = await results.get()
                    try:
                        yield result
                    except GeneratorExit:
                        # Our consumer closed us. The TaskGroup (Python 3.11) would report
                        # GeneratorExit as a child error: cancel the children ourselves and
                        # leave the group normally instead.
                        tasks.cancel_all()
                        return
                poller.stop()
        except ExceptionGroup as failure:
            # Job tasks only raise for the batch as a whole (the journal failed): surface that
            # error itself rather than a group, even when several jobs hit it at once.
            journal_errors = [e for e in failure.exceptions if isinstance(e, JournalError)]
            if journal_errors:
                raise journal_errors[0] from None
            if len(failure.exceptions) == 1:
                raise failure.exceptions[0] from None
            raise
        finally:
            if unsubscribe is not None:
                unsubscribe()
            self.stats = {
                "submits": runner.submits,
                "adopted": runner.adopted,
                "uploads": photos.uploads,
                "talking_photos": photos.talking_photos,
                "polls": poller.polls,
                "poll_outages": poller.outages,
                "retries": caller.retries,
                "rate_limited": limiter.rate_limited,
            }

    async def _adopt_without_journal(self, journal: Journal) -> dict[str, JobRecord]:
        """An empty journal beside videos of these jobs: the journal was lost or moved aside.

        Their renders were paid for: find them by callback_id (one walk of the video list)
        and journal them as rendering, so no job is submitted, and paid for, twice.
        """
        outputs = [self.out_dir / f"{job.id}.mp4" for job in self.jobs]
        if not any(await asyncio.to_thread(lambda: [path.exists() for path in outputs])):
            return {}  # a fresh folder: a first run, nothing to look for
        by_callback = {job.callback_id: job for job in self.jobs}
        found = await find_renders(self._client, Limiter(self.limits), set(by_callback))
        records = {}
        for callback_id, video_id in found.items():
            job = by_callback[callback_id]
            record = JobRecord(
                key=job.key, job_id=job.id, stage=Stage.RENDERING, ids={"video_id": video_id}
            )
            await journal.save_job(record)
            records[job.key] = record
        return records

    def _remove_stale_downloads(self) -> None:
        # One listing of the folder, not one per job: a resumed 10,000-job batch has as many
        # files there.
        ids = {job.id for job in self.jobs}
        for part in self.out_dir.glob(".*.mp4.*.part"):
            if part.name[1:].rsplit(".mp4.", 1)[0] in ids:
                part.unlink(missing_ok=True)


async def run_batch(
    client: HeyGenClient,
    jobs: Sequence[BatchJob],
    out_dir: str | os.PathLike[str],
    *,
    journal: str | os.PathLike[str] | None = None,
    limits: BatchLimits | None = None,
    poll: PollSchedule | None = None,
    on_event: EventHandler | None = None,
    events: WebhookWaiter | None = None,
) -> BatchSummary:
    """Run the whole batch and return its summary (results are in the journal and report)."""
    batch = Batch(
        client,
        jobs,
        out_dir,
        journal=journal,
        limits=limits,
        poll=poll,
        on_event=on_event,
        events=events,
    )
    async with aclosing(batch.run()) as results:
        async for _ in results:
            pass
    return batch.summary


_frozen_runs = 0  # batches running with freeze_gc: the heap is thawed when the last one ends


@contextlib.contextmanager
def _frozen_heap(freeze: bool) -> Iterator[None]:
    """`gc.freeze()` for the run (BatchLimits.freeze_gc): full collections then skip every
    object that existed before it, which is most of the heap of a big batch's process."""
    global _frozen_runs  # noqa: PLW0603  # gc.freeze is process-wide state, counted here
    if not freeze:
        yield
        return
    if _frozen_runs == 0:
        gc.freeze()
    _frozen_runs += 1
    try:
        yield
    finally:
        _frozen_runs -= 1
        if _frozen_runs == 0:
            gc.unfreeze()


class _JobTasks:
    """The batch's tasks: the poller, the feeder, one per job at work, and one per job whose
    render just ended. Jobs waiting for a render have none."""

    def __init__(self) -> None:
        self.group: asyncio.TaskGroup | None = None
        self.live: set[asyncio.Task[None]] = set()
        self.closed = False

    def start(self, step: Coroutine[Any, Any, None]) -> None:
        try:
            if self.group is None or self.closed:
                raise RuntimeError("the batch is not running")  # noqa: TRY301  # one path out
            task = self.group.create_task(step)
        except RuntimeError:
            step.close()  # stopped or failing: a late webhook or poll has nothing to resume
            return
        self.live.add(task)
        task.add_done_callback(self.live.discard)

    def cancel_all(self) -> None:
        self.closed = True
        for task in list(self.live):
            task.cancel()


def _finished_result(job: BatchJob, record: JobRecord | None) -> JobResult | None:
    """The result of a job an earlier run finished for good, or None if it still has work.

    Completed jobs whose file is still there are done. A failed render is final too: trying
    again would pay again for the same input. Other failures (bad photo, network, no credit)
    happened before anything was paid, or before the download, and are tried again.
    """
    if record is None:
        return None
    done = record.status is JobStatus.COMPLETED and record.output and Path(record.output).exists()
    render_failed = record.status is JobStatus.FAILED and record.error_type == "RenderFailedError"
    if not (done or render_failed):
        return None
    return JobResult(
        job_id=job.id,
        key=job.key,
        kind=job.kind,
        status=record.status,
        stage=record.stage,
        ids=dict(record.ids),
        output=Path(record.output) if record.output else None,
        error=record.error,
        error_type=record.error_type,
        resumed=True,
    )


def _event_handler(poller: Poller) -> Callable[[WebhookEvent], None]:
    """A signed render event ends the watch itself (no status call); others just nudge."""

    def handle(event: WebhookEvent) -> None:
        video_id = event.video_id
        if video_id is None:
            return
        if event.succeeded and event.url:
            poller.resolve(
                VideoStatusInfo(
                    id=video_id,
                    status=VideoStatus.COMPLETED,
                    video_url=event.url,
                    callback_id=event.callback_id,
                )
            )
        elif event.failed:
            error = RenderError(message=event.message or "render failed")
            poller.resolve(
                VideoStatusInfo(
                    id=video_id,
                    status=VideoStatus.FAILED,
                    error=error,
                    callback_id=event.callback_id,
                )
            )
        else:
            poller.nudge(video_id)

    return handle
