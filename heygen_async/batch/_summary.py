"""End-of-run text for the CLI: the plan of a dry run, the summary of a run."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

from heygen_async.batch._jobs import BatchSummary, JobResult, JobStatus
from heygen_async.batch._plan import Plan

__all__ = ["print_plan", "print_summary", "say"]

MAX_FAILURES_LISTED = 20


def say(text: str, *, stream: TextIO | None = None) -> None:
    """One line of CLI output (stdout unless told otherwise)."""
    target = stream or sys.stdout
    target.write(text + "\n")
    target.flush()


def print_plan(plan: Plan, *, voices_checked: bool) -> None:
    rows = [
        (p.job.id, p.job.kind.value, str(p.job.words), f"{p.seconds:.0f}", f"{p.credits:.2f}")
        for p in plan.jobs
    ]
    _table(
        "Plan (dry run: nothing was sent)", ("id", "kind", "words", "~seconds", "~credits"), rows
    )
    say(
        f"{len(plan.jobs)} jobs, {plan.distinct_photos} distinct photos, "
        f"~{plan.seconds / 60:.1f} min of video, ~{plan.credits:.2f} credits"
    )
    if not voices_checked:
        say("voices not checked: set HEYGEN_API_KEY (or use --emulator) to check them")


def print_summary(
    summary: BatchSummary,
    results: Sequence[JobResult],
    *,
    report: Path,
    stats: Mapping[str, int],
) -> None:
    counts = [
        ("completed", str(summary.completed)),
        ("failed", str(summary.failed)),
        ("from an earlier run", str(summary.resumed)),
        ("elapsed", f"{summary.elapsed:.1f} s"),
        *((name.replace("_", " "), str(value)) for name, value in stats.items()),
    ]
    _table("Batch summary", ("", ""), counts)
    failed = [result for result in results if result.status is JobStatus.FAILED]
    if failed:
        rows = [(r.job_id, r.stage.value, r.error or "") for r in failed[:MAX_FAILURES_LISTED]]
        _table("Failed jobs", ("id", "stage", "error"), rows)
        if len(failed) > MAX_FAILURES_LISTED:
            say(f"... and {len(failed) - MAX_FAILURES_LISTED} more, see the report")
    say(f"report: {report}")


def _table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    try:
        from rich.console import Console  # noqa: PLC0415 - rich is the optional `cli` extra
        from rich.table import Table  # noqa: PLC0415
    except ImportError:
        say(title)
        for row in rows:
            say("  " + "  ".join(row))
        return
    table = Table(title=title)
    for name in header:
        table.add_column(name)
    for row in rows:
        table.add_row(*row)
    Console().print(table)
