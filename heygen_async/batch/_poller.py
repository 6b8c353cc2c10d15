"""One poll scheduler for every render of a batch.

A heap of (next due time, video id) and a single loop: no sleeping task per video. Each video
follows its own schedule (short at first, growing to a cap). The loop takes a token from the
poll share of the rate budget before each poll, so polls never starve submissions; the status
call itself runs as a child task so a slow answer does not hold up the other videos.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Awaitable, Callable

from heygen_async._errors import (
    APIConnectionError,
    ClientClosedError,
    ServerError,
    WaitTimeoutError,
)
from heygen_async._polling import PollSchedule
from heygen_async.batch._calls import Caller
from heygen_async.models import VideoStatus, VideoStatusInfo

__all__ = ["Poller"]

# Status calls that failed this way say nothing about the render itself.
TRANSIENT_ERRORS = (APIConnectionError, ServerError)
FINAL_STATUSES = frozenset({VideoStatus.COMPLETED, VideoStatus.FAILED})
# Status calls in flight at once. More would only queue inside aiohttp's connection pool,
# each holding a task and a request (memory and GC time at 10,000 renders), for no speed.
MAX_CONCURRENT_POLLS = 32
FetchStatus = Callable[[str], Awaitable[VideoStatusInfo]]


class _Watch:
    # Slots and plain numbers (no generator per watch): one of these per render in flight.
    __slots__ = ("attempt", "deadline", "due", "future", "schedule", "timeout")

    def __init__(
        self,
        schedule: PollSchedule,
        future: asyncio.Future[VideoStatusInfo],
        timeout: float | None,
        now: float,
    ) -> None:
        self.schedule = schedule
        self.future = future
        self.attempt = 0
        self.due = 0.0  # the heap entry that counts; older ones are skipped when popped
        self.timeout = timeout
        self.deadline = float("inf") if timeout is None else now + timeout

    def next_delay(self) -> float:
        self.attempt += 1
        return self.schedule.delay(self.attempt - 1)


class Poller:
    def __init__(
        self,
        fetch: FetchStatus,
        caller: Caller,
        schedule: PollSchedule,
        *,
        clock: Callable[[], float] = time.monotonic,
        arrived: Callable[[str], bool] | None = None,
    ) -> None:
        self._fetch = fetch
        self._caller = caller
        self._schedule = schedule
        self._clock = clock
        # Whether a webhook already announced the end: such a video is polled at once.
        self._arrived = arrived or (lambda _video_id: False)
        self._heap: list[tuple[float, int, str]] = []
        self._order = itertools.count()  # ties on due time keep insertion order
        self._watches: dict[str, _Watch] = {}
        self._wake = asyncio.Event()
        self._stopped = False
        self._in_flight = asyncio.Semaphore(MAX_CONCURRENT_POLLS)
        self.polls = 0
        self.outages = 0  # polls that failed even after their retries, then were rescheduled

    def watch(
        self, video_id: str, *, timeout: float | None = None
    ) -> asyncio.Future[VideoStatusInfo]:
        """A future resolved with the video's final status (completed or failed), or failed
        with WaitTimeoutError once `timeout` seconds pass without one.

        The deadline lives here, not in a timer per waiting job: at thousands of renders in
        flight every object per wait counts (memory, and the garbage collector's pauses).
        """
        existing = self._watches.get(video_id)
        if existing is not None:
            return existing.future
        future: asyncio.Future[VideoStatusInfo] = asyncio.get_running_loop().create_future()
        watch = _Watch(self._schedule, future, timeout, self._clock())
        self._watches[video_id] = watch
        first_delay = watch.next_delay()
        self._push(video_id, 0.0 if self._arrived(video_id) else first_delay)
        return future

    def resolve(self, info: VideoStatusInfo) -> None:
        """End a watch with a final status known without a poll (a signed webhook event)."""
        if info.id in self._watches and info.status in FINAL_STATUSES:
            self._finish(info.id, info)

    def nudge(self, video_id: str) -> None:
        """Poll this video now (a webhook says it ended); its older heap entry is dropped."""
        if video_id in self._watches:
            self._push(video_id, 0.0)

    def stop(self) -> None:
        self._stopped = True
        self._wake.set()

    async def run(self) -> None:
        async with asyncio.TaskGroup() as polls:
            while not self._stopped:
                video_id = await self._next_due()
                if video_id is None:
                    continue
                await self._in_flight.acquire()
                await self._caller.limiter.polls.acquire()
                polls.create_task(self._poll_and_release(video_id))

    async def _next_due(self) -> str | None:
        """Wait for the earliest due video; None when woken early (new watch or stop)."""
        self._wake.clear()
        if not self._heap:
            await self._wake.wait()
            return None
        due, _, video_id = self._heap[0]
        delay = due - self._clock()
        if delay > 0:
            try:
                async with asyncio.timeout(delay):
                    await self._wake.wait()
            except TimeoutError:
                pass
            return None
        heapq.heappop(self._heap)
        watch = self._watches.get(video_id)
        if watch is not None and due != watch.due:
            return None  # superseded by a nudge: polling it twice would waste the budget
        return video_id

    async def _poll_and_release(self, video_id: str) -> None:
        try:
            await self._poll(video_id)
        finally:
            self._in_flight.release()

    async def _poll(self, video_id: str) -> None:
        watch = self._watches.get(video_id)
        if watch is None or watch.future.done():
            self._watches.pop(video_id, None)
            return
        if self._clock() >= watch.deadline:
            self._finish(video_id, WaitTimeoutError(video_id, "rendering", watch.timeout or 0.0))
            return
        self.polls += 1
        try:
            info = await self._caller.call(lambda: self._fetch(video_id))
        except ClientClosedError as exc:
            self._finish(video_id, exc)  # no poll can succeed again: end the wait now
            return
        except TRANSIENT_ERRORS:
            # An outage longer than one call's retries: the render is paid for and still
            # running, so keep watching it (the job's render_timeout bounds the wait).
            self.outages += 1
            self._push(video_id, watch.next_delay())
            return
        except Exception as exc:  # noqa: BLE001 - handed to the job awaiting this video
            self._finish(video_id, exc)
            return
        if info.status in FINAL_STATUSES:
            self._finish(video_id, info)
        else:
            self._push(video_id, watch.next_delay())

    def _finish(self, video_id: str, outcome: VideoStatusInfo | Exception) -> None:
        watch = self._watches.pop(video_id)
        if watch.future.done():
            return
        if isinstance(outcome, Exception):
            watch.future.set_exception(outcome)
        else:
            watch.future.set_result(outcome)

    def _push(self, video_id: str, delay: float) -> None:
        watch = self._watches[video_id]
        # Never later than the deadline, so a wait that runs out ends on time.
        due = min(self._clock() + delay, watch.deadline)
        watch.due = due
        heapq.heappush(self._heap, (due, next(self._order), video_id))
        self._wake.set()
