"""Progress events: one small record per stage change of a job, for progress displays."""

from __future__ import annotations

from collections.abc import Callable

import attrs

from heygen_async.batch._jobs import JobStatus, Stage

__all__ = ["BatchEvent", "EventHandler"]


@attrs.frozen(kw_only=True)
class BatchEvent:
    job_id: str
    stage: Stage
    status: JobStatus
    detail: str = ""


EventHandler = Callable[[BatchEvent], None]
