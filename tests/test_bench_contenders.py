"""The `peers` benchmark (benchmarks/contenders.py) works end to end on a handful of jobs. Its
timings are measurements, never asserted; what ours must always do (finish every job, render
none twice) is."""

from __future__ import annotations

import pytest

# The peers come with the `bench` extra; without it there is nothing to compare against.
pytest.importorskip("aiometer")
pytest.importorskip("requests")

from benchmarks import contenders

ROW_KEYS = {
    "wall_seconds",
    "completed",
    "failed",
    "unfinished",
    "http_429",
    "duplicate_renders",
    "requests",
}


@pytest.mark.slow
def test_tiny_run_measures_every_contender_and_ours_finishes_all_once() -> None:
    result = contenders.run(quick=True, jobs=6)["peers"]
    assert result["jobs"] == 6
    assert result["emulator"]["render_slots"] == contenders.SLOTS
    for name in contenders.CONTENDERS:
        row = result[name]
        assert "error" not in row, (name, row)
        assert row.keys() >= ROW_KEYS
        # Every job is counted once: it ended one way or the other, or the time cap stopped it.
        assert row["completed"] + row["failed"] + row["unfinished"] == 6
        # Each contender at least uploaded, made a talking photo and created for each job.
        assert row["requests"] >= 3 * 6
        if name != "ours":
            assert row["wall_vs_ours"] > 0
    ours = result["ours"]
    assert (ours["completed"], ours["duplicate_renders"], ours["renders"]) == (6, 0, 6)
