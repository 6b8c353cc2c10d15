"""What a batch is made of: the job read from the manifest, its stages and its result."""

from __future__ import annotations

import enum
import hashlib
import json
from pathlib import Path

import attrs

__all__ = ["BatchJob", "BatchSummary", "JobKind", "JobResult", "JobStatus", "Stage"]


class JobKind(enum.StrEnum):
    TALKING_PHOTO = "talking_photo"
    AVATAR_IV = "avatar_iv"


class JobStatus(enum.StrEnum):
    PENDING = "pending"
    COMPLETED = "completed"
    FAILED = "failed"


class Stage(enum.StrEnum):
    """How far a job got, in the order the stages run (`STAGE_ORDER`)."""

    PENDING = "pending"
    VALIDATED = "validated"
    UPLOADED = "uploaded"
    PHOTO_READY = "photo_ready"  # talking photo created (talking_photo jobs only)
    SUBMITTING = "submitting"  # journaled before the paid POST: the render may exist
    RENDERING = "rendering"  # the video id is known
    RENDERED = "rendered"
    DOWNLOADED = "downloaded"


STAGE_ORDER: dict[Stage, int] = {stage: index for index, stage in enumerate(Stage)}


def _job_key(*fields: object) -> str:
    # The photo is identified by its path as written in the manifest, so the key does not depend
    # on the working directory; its content is deduplicated separately (by sha256) at upload.
    material = json.dumps(list(fields), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:20]


@attrs.frozen(kw_only=True)
class BatchJob:
    """One manifest row: a photo and a script to turn into one video."""

    id: str
    photo: Path  # resolved against the manifest's directory
    script: str
    voice_id: str
    kind: JobKind = JobKind.TALKING_PHOTO
    orientation: str | None = None
    fit: str | None = None
    motion_prompt: str | None = None
    title: str | None = None
    photo_ref: str = ""  # the photo as written in the manifest (feeds the key)
    line: int = attrs.field(default=0, eq=False)  # where the row starts, for messages
    key: str = attrs.field(init=False)

    @key.default
    def _key(self) -> str:
        options = {
            "orientation": self.orientation,
            "fit": self.fit,
            "motion_prompt": self.motion_prompt,
            "title": self.title,
        }
        photo = self.photo_ref or self.photo.as_posix()
        return _job_key(self.kind.value, photo, self.script, self.voice_id, options, self.id)

    @property
    def callback_id(self) -> str:
        """Sent with the render so it can be found again if the answer to the submit is lost."""
        return f"hga-{self.key}"

    @property
    def words(self) -> int:
        return len(self.script.split())


@attrs.frozen(kw_only=True)
class JobResult:
    """How one job ended (or how far it got, for `pending`)."""

    job_id: str
    key: str
    kind: JobKind
    status: JobStatus
    stage: Stage
    ids: dict[str, str] = attrs.field(factory=dict)
    output: Path | None = None
    error: str | None = None
    error_type: str | None = None
    resumed: bool = False  # finished by an earlier run; nothing was done this time

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.job_id,
            "key": self.key,
            "status": self.status.value,
            "kind": self.kind.value,
            "stage": self.stage.value,
            "ids": dict(self.ids),
            "output": str(self.output) if self.output is not None else None,
            "error": self.error,
            "error_type": self.error_type,
        }


@attrs.define
class BatchSummary:
    """Counts over a run, updated as results arrive."""

    total: int = 0
    completed: int = 0
    failed: int = 0
    resumed: int = 0  # already finished in the journal before this run
    elapsed: float = 0.0
    failures: dict[str, int] = attrs.field(factory=dict)  # error type -> count

    @property
    def pending(self) -> int:
        return self.total - self.completed - self.failed

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.pending == 0

    def add(self, result: JobResult) -> None:
        if result.status is JobStatus.COMPLETED:
            self.completed += 1
        elif result.status is JobStatus.FAILED:
            self.failed += 1
            reason = result.error_type or "error"
            self.failures[reason] = self.failures.get(reason, 0) + 1
        if result.resumed:
            self.resumed += 1
