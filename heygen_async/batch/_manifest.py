"""Read a manifest (CSV or JSONL) into jobs, reporting every problem with its line at once."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from heygen_async._errors import ValidationError
from heygen_async.batch._jobs import BatchJob, JobKind

__all__ = ["MANIFEST_FIELDS", "MAX_SCRIPT_CHARS", "ManifestError", "load_manifest"]

REQUIRED_FIELDS = ("id", "photo", "script", "voice_id")
OPTIONAL_FIELDS = ("kind", "orientation", "fit", "motion_prompt", "title")
MANIFEST_FIELDS = REQUIRED_FIELDS + OPTIONAL_FIELDS  # the column order writers use
ORIENTATIONS = frozenset({"portrait", "landscape", "square"})
FITS = frozenset({"cover", "contain"})
AVATAR_IV_ONLY = ("fit", "motion_prompt")
MAX_SCRIPT_CHARS = 5000
_EXPECTED = {
    ".csv": f"a header line {','.join(MANIFEST_FIELDS)} and a row per job",
    ".jsonl": "one JSON object per line, one line per job",
}
# The id names the output file (<id>.mp4), so it must be a plain file name.
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")

Row = tuple[int, Mapping[str, Any]]  # (line number, fields)


class ManifestError(ValidationError):
    """The manifest cannot be run as is; `problems` lists every one found, each with its line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        listing = "\n".join(f"  - {problem}" for problem in self.problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__("manifest", f"{count} {noun}:\n{listing}")


def load_manifest(path: str | Path) -> list[BatchJob]:
    """Parse a `.csv` or `.jsonl` manifest; photo paths are relative to the manifest's directory.

    Blocking (reads the file and checks that photos exist): call it from a thread in async code.
    """
    path = Path(path)
    problems: list[str] = []
    rows = _read_rows(path, problems)
    jobs = _rows_to_jobs(rows, path.parent, problems)
    if problems:
        raise ManifestError(problems)
    return jobs


def _read_rows(path: Path, problems: list[str]) -> list[Row]:
    suffix = path.suffix.lower()
    if suffix not in {".csv", ".jsonl"}:
        problems.append(f"{path}: unsupported manifest type {suffix!r} (use .csv or .jsonl)")
        return []
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problems.append(f"{path}: cannot read: {exc.strerror or exc}")
        return []
    text = _decode(raw, problems)
    if text is None:
        return []
    if not text.strip():
        problems.append(f"{path}: the manifest is empty (expected {_EXPECTED[suffix]})")
        return []
    if suffix == ".csv":
        return _csv_rows(text, problems)
    return _jsonl_rows(text, problems)


def _decode(raw: bytes, problems: list[str]) -> str | None:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(f"line {line}: not valid UTF-8 (byte {exc.start}); save the file as UTF-8")
        return None
    if "\0" in text:
        # Valid UTF-8, yet no text file has NUL bytes: UTF-16 without a BOM, or a binary file.
        at = text.index("\0")
        line = text.count("\n", 0, at) + 1
        problems.append(f"line {line}: NUL byte (UTF-16 or a binary file?); save the file as UTF-8")
        return None
    return text


def _csv_rows(text: str, problems: list[str]) -> list[Row]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [name.strip() for name in reader.fieldnames or []]
    except csv.Error as exc:
        problems.append(f"line 1: cannot read the header: {exc}")
        return []
    if _header_problems(header, problems):
        return []
    reader.fieldnames = header
    return _csv_records(reader, problems)


def _header_problems(header: list[str], problems: list[str]) -> bool:
    missing = [name for name in REQUIRED_FIELDS if name not in header]
    if missing:
        problems.append(f"line 1: missing column(s): {', '.join(missing)}")
    repeated = sorted({name for name in header if name and header.count(name) > 1})
    if repeated:
        # DictReader would silently keep the last one.
        problems.append(f"line 1: repeated column(s): {', '.join(repeated)}")
    return bool(missing or repeated)


def _csv_records(reader: csv.DictReader[str], problems: list[str]) -> list[Row]:
    rows: list[Row] = []
    start = reader.line_num + 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return rows
        except csv.Error as exc:
            # The csv module's own limits, such as a field over 128 KiB: the rest is unreadable.
            problems.append(f"line {start}: cannot read this CSV row: {exc}")
            return rows
        if None in record:
            problems.append(f"line {start}: more fields than the header has columns")
        rows.append((start, {k: v for k, v in record.items() if k is not None}))
        start = reader.line_num + 1


def _jsonl_rows(text: str, problems: list[str]) -> list[Row]:
    rows: list[Row] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"line {number}: invalid JSON: {exc.msg}")
            continue
        if not isinstance(value, dict):
            problems.append(f"line {number}: expected a JSON object")
            continue
        rows.append((number, value))
    return rows


def _rows_to_jobs(rows: list[Row], base: Path, problems: list[str]) -> list[BatchJob]:
    jobs: list[BatchJob] = []
    first_line: dict[str, int] = {}
    for line, fields in rows:
        row_problems: list[str] = []
        job = _row_to_job(line, fields, base, row_problems)
        if job is not None and job.id in first_line:
            row_problems.append(f"duplicate id {job.id!r} (first at line {first_line[job.id]})")
        problems.extend(f"line {line}: {problem}" for problem in row_problems)
        if job is not None:
            first_line.setdefault(job.id, line)
            if not row_problems:
                jobs.append(job)
    if not rows and not problems:
        problems.append("the manifest has no jobs")
    return jobs


def _row_to_job(
    line: int, fields: Mapping[str, Any], base: Path, problems: list[str]
) -> BatchJob | None:
    values = dict(_text_fields(fields, problems))
    for name in REQUIRED_FIELDS:
        if name not in fields:
            problems.append(f"missing field {name!r}")
        elif not values.get(name):
            problems.append(f"empty {name}")
    job_id = values.get("id")
    if job_id and not ID_PATTERN.fullmatch(job_id):
        problems.append(f"id {job_id!r} must be a plain file name (letters, digits, '.', '_', '-')")
    script = values.get("script") or ""
    if len(script) > MAX_SCRIPT_CHARS:
        problems.append(f"script has {len(script)} characters (at most {MAX_SCRIPT_CHARS})")
    kind = _parse_kind(values.get("kind"), problems)
    _check_choice("orientation", values.get("orientation"), ORIENTATIONS, problems)
    _check_choice("fit", values.get("fit"), FITS, problems)
    if kind is JobKind.TALKING_PHOTO:
        used = [name for name in AVATAR_IV_ONLY if values.get(name)]
        if used:
            problems.append(f"{', '.join(used)} only apply to kind avatar_iv")
    photo_ref = values.get("photo") or ""
    photo = base / photo_ref
    if photo_ref:
        _check_photo_path(photo, problems)
    if not job_id or kind is None:
        return None
    return BatchJob(
        id=job_id,
        photo=photo,
        photo_ref=photo_ref,
        script=script,
        voice_id=values.get("voice_id") or "",
        kind=kind,
        orientation=values.get("orientation"),
        fit=values.get("fit"),
        motion_prompt=values.get("motion_prompt"),
        title=values.get("title"),
        line=line,
    )


def _check_photo_path(photo: Path, problems: list[str]) -> None:
    try:
        if photo.is_file():
            return
        found = photo.exists()
    except OSError as exc:  # a name too long, a path it may not look into
        problems.append(f"photo cannot be read: {exc.strerror or exc}: {photo}")
        return
    problems.append(f"photo is not a file: {photo}" if found else f"photo not found: {photo}")


def _text_fields(fields: Mapping[str, Any], problems: list[str]) -> Iterator[tuple[str, str]]:
    """Known fields as stripped strings; empty values are left out (they mean "not given")."""
    for name in (*REQUIRED_FIELDS, *OPTIONAL_FIELDS):
        value = fields.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            problems.append(f"{name} must be text, not {type(value).__name__}")
            continue
        text = str(value) if name == "script" else str(value).strip()
        if text.strip():
            yield name, text


def _parse_kind(value: str | None, problems: list[str]) -> JobKind | None:
    if value is None:
        return JobKind.TALKING_PHOTO
    try:
        return JobKind(value)
    except ValueError:
        allowed = ", ".join(kind.value for kind in JobKind)
        problems.append(f"unknown kind {value!r} (expected one of: {allowed})")
        return None


def _check_choice(
    name: str, value: str | None, allowed: frozenset[str], problems: list[str]
) -> None:
    if value is not None and value not in allowed:
        problems.append(f"bad {name} {value!r} (expected one of: {', '.join(sorted(allowed))})")
