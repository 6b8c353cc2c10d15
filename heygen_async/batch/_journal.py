"""The batch journal: SQLite, the source of truth across crashes and reruns.

Every call runs on one dedicated worker thread (sqlite is blocking; the event loop never waits on
the disk). A write returns only once it is committed, so the engine can rely on the ordering
"journal first, then the network step that depends on it". Job saves that queue up while the
thread is busy are committed together in one transaction (group commit): one fsync for many
jobs, so thousands of jobs in flight do not wait in line for the disk. An exclusive lock file
keeps two runs from sharing one journal.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

import attrs

from heygen_async._errors import HeyGenError
from heygen_async.batch._jobs import JobStatus, Stage

__all__ = ["JobRecord", "Journal", "JournalError", "UploadRecord"]

T = TypeVar("T")
JOURNAL_NAME = "journal.sqlite"  # default file name, in the output directory
SCHEMA_VERSION = "1"
# Seconds SQLite waits for another program's lock on the file (a sqlite3 shell, a backup)
# before the run gives up with a JournalError; another batch run is refused at once (flock).
BUSY_TIMEOUT = 5.0
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
    key TEXT PRIMARY KEY,
    job_id TEXT NOT NULL,
    stage TEXT NOT NULL,
    status TEXT NOT NULL,
    ids TEXT NOT NULL DEFAULT '{}',
    output TEXT,
    error TEXT,
    error_type TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS uploads (
    sha256 TEXT PRIMARY KEY,
    asset_id TEXT,
    url TEXT,
    image_key TEXT,
    talking_photo_id TEXT,
    updated_at REAL NOT NULL
);
"""


class JournalError(HeyGenError):
    """The journal cannot be used: corrupt, not a journal, or in use by another run."""


@attrs.frozen(kw_only=True)
class JobRecord:
    key: str
    job_id: str
    stage: Stage = Stage.PENDING
    status: JobStatus = JobStatus.PENDING
    ids: dict[str, str] = attrs.field(factory=dict)
    output: str | None = None
    error: str | None = None
    error_type: str | None = None
    attempts: int = 0


@attrs.frozen(kw_only=True)
class UploadRecord:
    """What one photo (by content hash) became on the server, shared by every job that uses it."""

    sha256: str
    asset_id: str | None = None
    url: str | None = None
    image_key: str | None = None
    talking_photo_id: str | None = None


class Journal:
    """Async facade over the SQLite journal; use as `async with Journal(path) as journal:`."""

    def __init__(self, path: str | os.PathLike[str], *, account: str | None = None) -> None:
        """`account` fingerprints the API account and server the journal's ids belong to: a
        journal written against another one is refused rather than trusted."""
        self.path = Path(path)
        self.account = account
        self._executor: ThreadPoolExecutor | None = None
        self._db: sqlite3.Connection | None = None
        self._lock_fd: int | None = None
        # Job saves waiting for the next group commit, and whether one is queued on the thread.
        self._pending: list[tuple[JobRecord, asyncio.Future[None]]] = []
        self._pending_lock = threading.Lock()
        self._flush_queued = False

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def open(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hga-journal")
        try:
            await self._run(self._open_sync)
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        executor, self._executor = self._executor, None
        if executor is None:
            return
        # Runs after every write already queued: the worker thread handles calls in order.
        await asyncio.get_running_loop().run_in_executor(executor, self._close_sync)
        executor.shutdown(wait=True)

    async def load_jobs(self) -> dict[str, JobRecord]:
        return await self._run(self._load_jobs_sync)

    async def save_job(self, record: JobRecord) -> None:
        """Upsert a job's row; returns once committed (with whatever other saves queued up)."""
        if self._executor is None:
            raise JournalError(f"journal {self.path} is not open")
        loop = asyncio.get_running_loop()
        committed: asyncio.Future[None] = loop.create_future()
        # Its waiter may be cancelled meanwhile: a failed commit is then nobody's to report.
        committed.add_done_callback(_mark_retrieved)
        with self._pending_lock:
            self._pending.append((record, committed))
            queue_flush, self._flush_queued = not self._flush_queued, True
        if queue_flush:
            # Queued behind the calls already on the thread, so the order of steps holds.
            loop.run_in_executor(self._executor, self._flush_jobs_sync, loop)
        # Shielded like every write: it commits even if its caller is cancelled.
        await asyncio.shield(committed)

    async def get_upload(self, sha256: str) -> UploadRecord | None:
        return await self._run(self._get_upload_sync, sha256)

    async def save_upload(self, record: UploadRecord) -> None:
        await self._run(self._save_upload_sync, record)

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        if self._executor is None:
            raise JournalError(f"journal {self.path} is not open")
        loop = asyncio.get_running_loop()
        done = loop.run_in_executor(self._executor, fn, *args)
        # A cancelled caller leaves the shielded future's error unretrieved (asyncio logs it
        # with a traceback when collected): it was the caller's to see, and the caller left.
        done.add_done_callback(_mark_retrieved)
        # Shielded: a write that started finishes and commits even if its caller is cancelled,
        # so the journal never lags behind what was sent.
        return await asyncio.shield(done)

    # --- worker thread side -------------------------------------------------------------

    def _open_sync(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._lock_fd = _lock_exclusively(self.path)
        except OSError as exc:
            # A read-only or full folder: say so, rather than a bare PermissionError.
            raise JournalError(
                f"cannot create journal {self.path}: {exc.strerror or exc}; the folder must be "
                "writable (choose another --out or --journal)"
            ) from exc
        try:
            # No statement cache: under heavy garbage collection a cached statement was seen
            # reset from outside the journal thread ("bad parameter or other API misuse",
            # at 10,000 jobs; CPython issue 118172). Preparing a statement costs microseconds,
            # a commit's fsync a millisecond.
            db = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT, isolation_level=None, cached_statements=0
            )
        except sqlite3.Error as exc:
            raise JournalError(f"cannot open journal {self.path}: {exc}") from exc
        self._db = db  # closed by _close_sync, also when a check below fails
        try:
            # Before anything is written: never turn someone else's database into a journal.
            _check_ours(db, self.path)
            # FULL: a commit survives power loss, not only a crash of this process.
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.executescript(SCHEMA)
            _check_version(db, self.path)
            _check_account(db, self.path, self.account)
            db.execute("PRAGMA quick_check").fetchone()
        except sqlite3.DatabaseError as exc:
            raise _open_error(self.path, exc) from exc

    def _close_sync(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the flock
            self._lock_fd = None

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise JournalError(f"journal {self.path} is not open")
        return self._db

    def _load_jobs_sync(self) -> dict[str, JobRecord]:
        rows = self._conn().execute(
            "SELECT key, job_id, stage, status, ids, output, error, error_type, attempts FROM jobs"
        )
        return {row[0]: _job_from_row(row) for row in rows}

    def _flush_jobs_sync(self, loop: asyncio.AbstractEventLoop) -> None:
        """Commit every job save queued so far in one transaction, then wake their callers."""
        with self._pending_lock:
            batch, self._pending = self._pending, []
            self._flush_queued = False
        error: JournalError | None = None
        try:
            with _transaction(self._conn(), self.path) as db:
                # In queue order: a later save of the same job wins, as it should.
                db.executemany(_SAVE_JOB, [_job_row(record) for record, _ in batch])
        except JournalError as exc:
            error = exc
        except sqlite3.Error as exc:
            error = _write_error(self.path, exc)
        # One wake-up for the whole group: its waiters all learn the outcome in the same turn.
        loop.call_soon_threadsafe(_settle_all, [committed for _, committed in batch], error)

    def _get_upload_sync(self, sha256: str) -> UploadRecord | None:
        row = (
            self._conn()
            .execute(
                "SELECT sha256, asset_id, url, image_key, talking_photo_id FROM uploads"
                " WHERE sha256 = ?",
                (sha256,),
            )
            .fetchone()
        )
        if row is None:
            return None
        return UploadRecord(
            sha256=row[0], asset_id=row[1], url=row[2], image_key=row[3], talking_photo_id=row[4]
        )

    def _save_upload_sync(self, record: UploadRecord) -> None:
        with _transaction(self._conn(), self.path) as db:
            db.execute(
                "INSERT OR REPLACE INTO uploads (sha256, asset_id, url, image_key,"
                " talking_photo_id, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    record.sha256,
                    record.asset_id,
                    record.url,
                    record.image_key,
                    record.talking_photo_id,
                    time.time(),
                ),
            )


_SAVE_JOB = (
    "INSERT OR REPLACE INTO jobs (key, job_id, stage, status, ids, output, error,"
    " error_type, attempts, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _job_row(record: JobRecord) -> tuple[Any, ...]:
    return (
        record.key,
        record.job_id,
        record.stage.value,
        record.status.value,
        json.dumps(record.ids, sort_keys=True),
        record.output,
        record.error,
        record.error_type,
        record.attempts,
        time.time(),
    )


def _settle_all(waiting: list[asyncio.Future[None]], error: JournalError | None) -> None:
    for committed in waiting:
        _settle(committed, error)


def _settle(committed: asyncio.Future[None], error: JournalError | None) -> None:
    if committed.done():
        return
    if error is None:
        committed.set_result(None)
    else:
        # One exception object per waiter: tasks raising a shared one would tangle tracebacks.
        copy = JournalError(str(error))
        copy.__cause__ = error.__cause__
        committed.set_exception(copy)


def _mark_retrieved(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


def _write_error(path: Path, exc: sqlite3.Error) -> JournalError:
    # A write that fails mid-run is the disk (full, gone read-only) or another program holding
    # the file; what was committed before it is intact, so a rerun resumes from there.
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None and code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED):
        cause = "close the other program that has it open"
    else:
        cause = "check that its folder is writable and has free space"
    return JournalError(
        f"journal {path}: {exc}; {cause}, then run the same command again to resume "
        "(committed progress is kept)"
    )


# sqlite result codes (low byte) that mean the file is damaged or not a database at all, and
# those that mean another connection holds a lock on it.
_SQLITE_CORRUPT, _SQLITE_NOTADB = 11, 26
_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6


def _open_error(path: Path, exc: sqlite3.DatabaseError) -> JournalError:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None and code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED):
        # Another batch run is refused by the lock file; this is some other program.
        return JournalError(
            f"journal {path} is locked by another program ({exc}): close whatever has it open "
            "(a sqlite3 shell, a backup or sync tool), then run again"
        )
    if code is not None and code & 0xFF not in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        # Read-only folder, full disk, I/O error: the journal itself may be fine, so moving it
        # aside (and paying again for its jobs) would be the wrong advice.
        return JournalError(
            f"cannot use journal {path} ({exc}): check that its folder is writable and has "
            "free space, then run again"
        )
    return JournalError(
        f"journal {path} is unreadable ({exc}); it is corrupt or not a batch journal. "
        "Restore it from a backup if you have one, or move it aside to start over: the videos "
        "in the folder stay, but its jobs are then rendered (and paid for) again"
    )


def _lock_exclusively(path: Path) -> int:
    fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise JournalError(
            f"journal {path} is in use by another batch run (lock {path}.lock is held)"
        ) from None
    return fd


def _check_ours(db: sqlite3.Connection, path: Path) -> None:
    """Refuse, before writing a byte, a database that is not a journal of this version."""
    tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if not tables:
        return  # a new (or empty) file: it becomes a journal
    if "meta" not in tables:
        raise JournalError(
            f"{path} is an SQLite database but not a batch journal; it was left untouched. "
            "Choose another --journal (or --out) for the batch"
        )
    row = db.execute("SELECT value FROM meta WHERE name = 'schema'").fetchone()
    if row is not None:
        _refuse_other_version(path, row[0])


def _check_version(db: sqlite3.Connection, path: Path) -> None:
    db.execute("INSERT OR IGNORE INTO meta (name, value) VALUES ('schema', ?)", (SCHEMA_VERSION,))
    (version,) = db.execute("SELECT value FROM meta WHERE name = 'schema'").fetchone()
    _refuse_other_version(path, version)


def _refuse_other_version(path: Path, version: str) -> None:
    if version == SCHEMA_VERSION:
        return
    newer = version.isdigit() and int(version) > int(SCHEMA_VERSION)
    writer = "a newer version of heygen-async" if newer else "another version of heygen-async"
    raise JournalError(
        f"journal {path} was written by {writer} (journal schema {version}, this version "
        f"reads {SCHEMA_VERSION}); it was left untouched: upgrade heygen-async to resume that "
        "batch, or use another --out or --journal"
    )


def _check_account(db: sqlite3.Connection, path: Path, account: str | None) -> None:
    if account is None:
        return
    db.execute("INSERT OR IGNORE INTO meta (name, value) VALUES ('account', ?)", (account,))
    (stored,) = db.execute("SELECT value FROM meta WHERE name = 'account'").fetchone()
    if stored != account:
        raise JournalError(
            f"journal {path} was written for another API account or server; its ids mean "
            "nothing here: use another --out or --journal"
        )


@contextlib.contextmanager
def _transaction(db: sqlite3.Connection, path: Path) -> Iterator[sqlite3.Connection]:
    try:
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
    except sqlite3.OperationalError as exc:
        raise _write_error(path, exc) from exc


def _job_from_row(row: tuple[Any, ...]) -> JobRecord:
    key, job_id, stage, status, ids, output, error, error_type, attempts = row
    return JobRecord(
        key=key,
        job_id=job_id,
        stage=Stage(stage),
        status=JobStatus(status),
        ids=json.loads(ids),
        output=output,
        error=error,
        error_type=error_type,
        attempts=attempts,
    )
