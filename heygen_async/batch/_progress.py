"""What the CLI shows while a batch runs: rich bars on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
from collections import Counter
from types import TracebackType
from typing import TYPE_CHECKING, Self, TextIO

from heygen_async.batch._events import BatchEvent
from heygen_async.batch._jobs import STAGE_ORDER, JobResult, JobStatus, Stage
from heygen_async.batch._summary import say

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

__all__ = ["ProgressView"]

# Stages shown as bars, and what they count: jobs that got at least that far.
SHOWN_STAGES = (
    (Stage.UPLOADED, "uploaded"),
    (Stage.RENDERING, "submitted"),
    (Stage.RENDERED, "rendered"),
    (Stage.DOWNLOADED, "downloaded"),
)


class ProgressView:
    """Feed it events and results; `live=True` draws rich bars, else one line per job end."""

    def __init__(
        self, total: int, *, live: bool, enabled: bool = True, stream: TextIO | None = None
    ):
        self.total = total
        self.enabled = enabled
        self._stream = stream or sys.stdout
        self._reached: dict[str, Stage] = {}
        self._counts: Counter[Stage] = Counter()
        self._failed = 0
        self._progress: Progress | None = None
        self._tasks: dict[Stage | str, TaskID] = {}
        if enabled and live:
            self._progress = _make_progress()

    def __enter__(self) -> Self:
        if self._progress is not None:
            self._progress.start()
            self._tasks["done"] = self._progress.add_task("done", total=self.total, rate="")
            for stage, label in SHOWN_STAGES:
                self._tasks[stage] = self._progress.add_task(label, total=self.total, rate="")
        return self

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._progress is not None:
            self._progress.stop()

    def on_event(self, event: BatchEvent) -> None:
        before = self._reached.get(event.job_id, Stage.PENDING)
        if STAGE_ORDER[event.stage] <= STAGE_ORDER[before]:
            return
        self._reached[event.job_id] = event.stage
        for stage, _ in SHOWN_STAGES:
            if STAGE_ORDER[before] < STAGE_ORDER[stage] <= STAGE_ORDER[event.stage]:
                self._counts[stage] += 1
                self._advance(stage)

    def on_result(self, result: JobResult, done: int) -> None:
        if result.status is JobStatus.FAILED:
            self._failed += 1
        if self._progress is not None:
            label = f"done ({self._failed} failed)" if self._failed else "done"
            self._update(self._progress, "done", done, description=label)
        elif self.enabled:
            note = " (earlier run)" if result.resumed else ""
            error = f": {result.error}" if result.error else ""
            line = f"[{done}/{self.total}] {result.job_id} {result.status.value}{note}{error}"
            say(line, stream=self._stream)

    def _advance(self, stage: Stage) -> None:
        if self._progress is not None:
            self._update(self._progress, stage, self._counts[stage])

    def _update(
        self,
        progress: Progress,
        key: Stage | str,
        completed: int,
        *,
        description: str | None = None,
    ) -> None:
        task_id = self._tasks[key]
        progress.update(task_id, completed=completed, description=description)
        speed = progress.tasks[task_id].speed  # task ids are their index: none is ever removed
        progress.update(task_id, rate=f"{speed:.1f}/s" if speed else "")


def _make_progress() -> Progress | None:
    try:
        from rich.progress import (  # noqa: PLC0415 - rich is the optional `cli` extra
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
    except ImportError:
        return None
    return Progress(
        TextColumn("{task.description:>18}"),
        BarColumn(),
        MofNCompleteColumn(),
        # Jobs per second over the last moments (rich keeps the samples), blank until known.
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        refresh_per_second=5,
    )
