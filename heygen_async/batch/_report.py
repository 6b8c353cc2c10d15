"""The run's report: `report.jsonl`, one line per job, replaced atomically."""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from heygen_async._errors import OutputWriteError
from heygen_async.batch._jobs import JobResult

__all__ = ["REPORT_NAME", "write_report"]

REPORT_NAME = "report.jsonl"


async def write_report(path: str | os.PathLike[str], results: Iterable[JobResult]) -> Path:
    """Write one JSON line per result; readers never see a half-written file.

    A disk that refuses (full, read-only) raises OutputWriteError naming the report; the
    journal still holds every result, so a rerun writes the report again.
    """
    lines = [json.dumps(result.to_json(), ensure_ascii=False) + "\n" for result in results]
    try:
        return await asyncio.to_thread(_write_atomically, Path(path), "".join(lines))
    except OSError as exc:
        raise OutputWriteError(Path(path), exc) from exc


def _write_atomically(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        Path(temp).replace(path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path
