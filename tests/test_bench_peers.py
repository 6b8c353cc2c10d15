"""The `peers` benchmark's harness works end to end in quick mode (its figures are not asserted:
they are measurements, published by `make bench`)."""

from __future__ import annotations

import pytest

# The peers come with the `bench` extra; without it there is nothing to compare against.
pytest.importorskip("aiometer")
pytest.importorskip("requests")

from benchmarks import peers

ROW_KEYS = {"wall_seconds", "completed", "failed", "http_429", "duplicate_renders", "requests"}


@pytest.mark.slow
def test_quick_run_measures_every_contender() -> None:
    result = peers.run(quick=True)["peers"]
    jobs = result["jobs"]
    for name in peers.CONTENDERS:
        row = result[name]
        assert "error" not in row, (name, row)
        assert row.keys() >= ROW_KEYS
        # Every job ended one way or the other, and each made at least its own requests.
        assert row["completed"] + row["failed"] == jobs
        assert row["requests"] >= 3 * jobs
    assert result["naive_gather"]["wall_vs_ours"] > 0
