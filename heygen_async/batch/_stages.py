"""The stages of one job, from photo to downloaded video, each journaled as it completes.

talking_photo: validate -> upload (shared) -> talking photo (shared) -> submit -> render -> download
avatar_iv:     validate -> upload (shared) -> submit -> render -> download

The paid submit is the careful part: the row says `submitting` (committed) before the POST, so a
crash or a lost answer is always followed by a search for the render's callback_id before any
second POST.
"""

from __future__ import annotations

import asyncio
import collections
import contextvars
import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from heygen_async._errors import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    HeyGenError,
    InsufficientCreditError,
    RenderFailedError,
    ServerError,
    UnknownOutcomeError,
)
from heygen_async.batch._calls import Caller
from heygen_async.batch._events import BatchEvent, EventHandler
from heygen_async.batch._jobs import STAGE_ORDER, BatchJob, JobKind, JobResult, JobStatus, Stage
from heygen_async.batch._journal import JobRecord, Journal, JournalError, UploadRecord
from heygen_async.batch._photos import PhotoStore
from heygen_async.batch._poller import Poller
from heygen_async.batch._reconcile import find_render
from heygen_async.models import AvatarIVRequest, Dimension, Fit, VideoOrientation, VideoStatus

if TYPE_CHECKING:
    from heygen_async._client import HeyGenClient
    from heygen_async.models import VideoCreated, VideoStatusInfo

__all__ = ["JobRunner", "NotSubmittedError"]

logger = logging.getLogger("heygen_async.batch")

# Errors after which the account cannot take new renders: stop submitting, let others finish.
ACCOUNT_ERRORS = (InsufficientCreditError, AuthenticationError)
# On a paid submit, these mean the server may have created the render.
AMBIGUOUS_SUBMIT_ERRORS = (UnknownOutcomeError, APIConnectionError, ServerError)
# Talking photo videos take a size where Avatar IV takes an orientation; these are the sizes
# Avatar IV uses for each (contract section 7).
DIMENSIONS = {
    "portrait": Dimension(720, 1280),
    "landscape": Dimension(1280, 720),
    "square": Dimension(720, 720),
}


class NotSubmittedError(HeyGenError):
    """The job was not submitted because the account stopped accepting renders."""


@attrs.define
class _State:
    job: BatchJob
    record: JobRecord
    holds_permit: bool = True  # one of the batch's `concurrency` permits, until it renders


class JobRunner:
    """Runs jobs through their stages; shared by every job of one batch run."""

    def __init__(
        self,
        *,
        client: HeyGenClient,
        caller: Caller,
        journal: Journal,
        poller: Poller,
        photos: PhotoStore,
        out_dir: Path,
        on_event: EventHandler | None,
        active: asyncio.Semaphore,
        spawn: Callable[[Coroutine[Any, Any, None]], None],
        deliver: Callable[[JobResult], None],
    ) -> None:
        self._client = client
        self._active = active
        self._spawn = spawn
        self._deliver = deliver
        # Jobs whose render ended, waiting for one of at most `downloads` finisher tasks.
        self._ended: collections.deque[tuple[_State, asyncio.Future[VideoStatusInfo]]] = (
            collections.deque()
        )
        self._finishers = 0
        # The context jobs run in (the caller's context variables), shared by the callbacks.
        self._context = contextvars.copy_context()
        self._caller = caller
        self._journal = journal
        self._poller = poller
        self._photos = photos
        self._out_dir = out_dir
        self._on_event = on_event
        self.stop_reason: str | None = None  # set once the account refuses new renders
        self.submits = 0  # paid POSTs sent by this run
        self.adopted = 0  # renders found by callback_id instead of submitted again

    async def run(self, job: BatchJob, record: JobRecord | None) -> JobResult | None:
        """Run one job until its render is submitted; None then, and `deliver` gets its result.

        The caller acquired one `active` permit for the job; it is handed back once the render
        is submitted (or the job ends), so `concurrency` bounds the jobs being prepared and
        submitted, not the renders in flight (`render_slots` bounds those). A job waiting for
        its render holds no task at all: the poller's future starts the rest of it (`spawn`),
        so ten thousand renders in flight cost ten thousand small records, not coroutines.
        Never raises for the job's own failures (only JournalError).
        """
        state = _State(job, record or JobRecord(key=job.key, job_id=job.id))
        parked = await self._guarded(state, self._start(state))
        return None if parked else self._result(state)

    async def _guarded(self, state: _State, step: Awaitable[bool]) -> bool:
        """Run a step; the job's own failures end it, failed. True if it waits for a render."""
        try:
            return await step
        except JournalError:
            raise  # the journal is the source of truth: without it the batch must stop
        except HeyGenError as exc:
            await self._fail(state, exc)
        except Exception as exc:
            logger.exception("job %s: unexpected error", state.job.id)
            await self._fail(state, exc)
        finally:
            if state.holds_permit:
                state.holds_permit = False
                self._active.release()
        return False

    # --- stages ----------------------------------------------------------------------

    async def _start(self, state: _State) -> bool:
        if "video_id" not in state.record.ids:
            await self._start_render(state)
        elif STAGE_ORDER[state.record.stage] >= STAGE_ORDER[Stage.RENDERED]:
            # Resumed after the render ended: fetch a fresh status (signed URLs expire).
            video_id = state.record.ids["video_id"]
            info = await self._caller.call(lambda: self._client.videos.status(video_id))
            await self._download(state, info)
            return False
        else:
            await self._caller.limiter.slots.acquire()  # a resumed render holds a slot too
        self._park(state)
        return True

    def _park(self, state: _State) -> None:
        """Hand the job to the poller until its render ends; `_on_render_end` goes on then."""
        timeout = self._caller.limiter.limits.render_timeout
        ended = self._poller.watch(state.record.ids["video_id"], timeout=timeout)
        # A partial and the batch's context, not a closure and a context copy per render.
        callback = functools.partial(self._on_render_end, state)
        ended.add_done_callback(callback, context=self._context)

    def _on_render_end(self, state: _State, ended: asyncio.Future[VideoStatusInfo]) -> None:
        # The slot is free at once; the rest (journal, download) queues for a finisher, so
        # renders that end together wait as records, not as thousands of tasks.
        failed = ended.cancelled() or ended.exception() is not None
        clean = not failed and ended.result().status is VideoStatus.COMPLETED
        self._caller.limiter.slots.release(clean=clean)
        self._ended.append((state, ended))
        if self._finishers < self._caller.limiter.limits.downloads:
            self._finishers += 1
            self._spawn(self._finish_ended())

    async def _finish_ended(self) -> None:
        try:
            while self._ended:
                state, ended = self._ended.popleft()
                await self._guarded(state, self._finish(state, ended))
                self._deliver(self._result(state))
        finally:
            self._finishers -= 1

    async def _finish(self, state: _State, ended: asyncio.Future[VideoStatusInfo]) -> bool:
        if ended.cancelled():
            raise HeyGenError(f"stopped waiting for render {state.record.ids['video_id']}")
        # A WaitTimeoutError fails the job for this run only: a rerun waits for the same render.
        info = ended.result()
        if info.status is not VideoStatus.COMPLETED:
            code = info.error.code if info.error else None
            message = info.error.message if info.error else "render failed"
            raise RenderFailedError(info.id, code, message or "render failed")
        await self._save(state, stage=Stage.RENDERED)
        await self._download(state, info)
        return False

    async def _start_render(self, state: _State) -> None:
        """Everything up to a known video id; a render slot is held from the submit on."""
        slots = self._caller.limiter.slots
        if state.record.stage is Stage.SUBMITTING and await self._adopt(state):
            # An earlier run sent it but did not live to hear the answer: nothing to prepare.
            await slots.acquire()
            return
        self._check_not_stopped()
        upload = await self._prepare_photo(state)
        await slots.acquire()
        try:
            await self._submit(state, upload)
        except BaseException:
            slots.release(clean=False)
            raise

    async def _prepare_photo(self, state: _State) -> UploadRecord:
        job = state.job
        info = await self._photos.check(job.photo)
        self._emit(state, Stage.VALIDATED)
        upload = await self._photos.asset(job, info)
        self._emit(state, Stage.UPLOADED)
        if job.kind is JobKind.TALKING_PHOTO:
            talking_photo_id = await self._photos.talking_photo(upload)
            upload = attrs.evolve(upload, talking_photo_id=talking_photo_id)
            self._emit(state, Stage.PHOTO_READY)
        return upload

    async def _submit(self, state: _State, upload: UploadRecord) -> None:
        ids = {k: v for k, v in _upload_ids(upload).items() if v}
        # The retry budget is this run's: submits begun by runs that were killed are counted
        # in the journal (`attempts`) but must not use up a resumed job's tries.
        tries = 0
        while True:
            self._check_not_stopped()
            tries += 1
            attempts = state.record.attempts + 1
            await self._save(state, stage=Stage.SUBMITTING, ids=ids, attempts=attempts)
            try:
                created = await self._caller.call_paid(lambda: self._post(state.job, upload))
            except AMBIGUOUS_SUBMIT_ERRORS:
                if await self._adopt(state):
                    return
                if tries >= self._caller.limiter.limits.max_attempts:
                    raise
                # Not found under its callback_id: it was not created, sending again cannot
                # pay twice.
                await self._caller.backoff(tries)
                continue
            await self._save_video_id(state, created.video_id)
            return

    async def _post(self, job: BatchJob, upload: UploadRecord) -> VideoCreated:
        self.submits += 1
        if job.kind is JobKind.AVATAR_IV:
            request = AvatarIVRequest(
                image_key=upload.image_key or "",
                script=job.script,
                voice_id=job.voice_id,
                video_title=job.title or job.id,
                video_orientation=VideoOrientation(job.orientation) if job.orientation else None,
                fit=Fit(job.fit) if job.fit else None,
                custom_motion_prompt=job.motion_prompt,
                callback_id=job.callback_id,
            )
            return await self._client.avatar_iv.generate(request)
        return await self._client.videos.generate_from_talking_photo(
            upload.talking_photo_id or "",
            job.script,
            job.voice_id,
            title=job.title or job.id,
            dimension=DIMENSIONS.get(job.orientation or ""),
            callback_id=job.callback_id,
        )

    async def _adopt(self, state: _State) -> bool:
        """Look for a render already made with this job's callback_id; take it if found."""
        callback_id = state.job.callback_id
        video_id = await self._caller.call(
            lambda: find_render(self._client, self._caller.limiter, callback_id), budget=False
        )
        if video_id is None:
            return False
        self.adopted += 1
        await self._save_video_id(state, video_id)
        return True

    async def _download(self, state: _State, info: VideoStatusInfo) -> None:
        async with self._caller.limiter.downloads:
            try:
                path = await self._download_file(state.job, info)
            except APIStatusError as exc:
                if exc.status != 403:
                    raise
                # The signed URL expired (a long queue, a resumed run): a fresh status
                # re-signs it.
                fresh = await self._caller.call(lambda: self._client.videos.status(info.id))
                path = await self._download_file(state.job, fresh)
        await self._save(
            state, stage=Stage.DOWNLOADED, status=JobStatus.COMPLETED, output=str(path)
        )

    async def _download_file(self, job: BatchJob, info: VideoStatusInfo) -> Path:
        filename = f"{job.id}.mp4"
        return await self._caller.call(
            lambda: self._client.videos.download(info, self._out_dir, filename=filename),
            budget=False,  # media downloads are not API requests
        )

    # --- bookkeeping -------------------------------------------------------------------

    def _check_not_stopped(self) -> None:
        if self.stop_reason is not None:
            raise NotSubmittedError(f"not submitted: {self.stop_reason}")

    async def _fail(self, state: _State, exc: BaseException) -> None:
        if isinstance(exc, ACCOUNT_ERRORS) and self.stop_reason is None:
            self.stop_reason = f"the account refused new renders ({type(exc).__name__}: {exc})"
        error_type = type(exc).__name__
        await self._save(state, status=JobStatus.FAILED, error=str(exc), error_type=error_type)

    async def _save_video_id(self, state: _State, video_id: str) -> None:
        ids = {**state.record.ids, "video_id": video_id}
        await self._save(state, stage=Stage.RENDERING, ids=ids)

    async def _save(
        self,
        state: _State,
        *,
        stage: Stage | None = None,
        status: JobStatus = JobStatus.PENDING,
        ids: dict[str, str] | None = None,
        output: str | None = None,
        error: str | None = None,
        error_type: str | None = None,
        attempts: int | None = None,
    ) -> None:
        """Commit the job's new state to the journal, then tell the listener."""
        record = attrs.evolve(
            state.record,
            stage=stage or state.record.stage,
            status=status,
            ids=ids if ids is not None else state.record.ids,
            output=output,
            error=error,
            error_type=error_type,
            attempts=attempts if attempts is not None else state.record.attempts,
        )
        await self._journal.save_job(record)
        state.record = record
        self._emit(state, record.stage, detail=error or "")

    def _emit(self, state: _State, stage: Stage, *, detail: str = "") -> None:
        if self._on_event is None:
            return
        event = BatchEvent(
            job_id=state.job.id, stage=stage, status=state.record.status, detail=detail
        )
        try:
            self._on_event(event)
        except Exception:
            # A broken progress display must not fail the job it reports on.
            logger.exception("on_event handler failed for job %s", state.job.id)

    def _result(self, state: _State) -> JobResult:
        record = state.record
        return JobResult(
            job_id=state.job.id,
            key=state.job.key,
            kind=state.job.kind,
            status=record.status,
            stage=record.stage,
            ids=dict(record.ids),
            output=Path(record.output) if record.output else None,
            error=record.error,
            error_type=record.error_type,
        )


def _upload_ids(upload: UploadRecord) -> dict[str, str | None]:
    return {
        "asset_id": upload.asset_id,
        "image_key": upload.image_key,
        "talking_photo_id": upload.talking_photo_id,
    }
