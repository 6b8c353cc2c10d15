"""Crash under chaos: kill -9 the CLI at seeded moments, several times in a row, while the
emulator fails about one request in ten; then run to the end. Nothing lost, nothing paid twice.

The emulator runs in this process (EmulatorThread) so it outlives every killed run.
tests/batch/test_batch_crash.py does the same without faults; here the kills land among
retries, adoptions and 429 pauses. `HEYGEN_SOAK=1` runs it on 400 jobs with 6 kills.
"""

from __future__ import annotations

import random
import re
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from heygen_async.batch import load_manifest
from heygen_async.emulator import Emulator, EmulatorThread
from tests.batch.conftest import CLI, CLI_FAST, cli_env, read_report, run_cli, write_manifest

from .test_chaos import (
    API_KEY,
    AV4,
    GENERATE,
    SEED,
    SOAK,
    assert_no_double_pay,
    assert_results_match_expectations,
    chaos_config,
    chaos_photos,
    chaos_rows,
    emulator_videos_sync,
    fault_counts,
    print_figures,
    script_chaos,
    video_id_of,
)

JOBS, KILLS = (400, 6) if SOAK else (60, 3)


@pytest.fixture
def chaos_thread() -> Iterator[Emulator]:
    # Renders take about 30 ms: kills land while many are in flight.
    with EmulatorThread(chaos_config(speed=150.0)) as emulator:
        yield emulator


def submits(emu: Emulator) -> int:
    return sum(1 for r in list(emu.request_log) if r.method == "POST" and r.path in (GENERATE, AV4))


def start_cli(manifest: Path, out: Path, emu: Emulator) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*CLI, str(manifest), "--out", str(out), *CLI_FAST],
        env=cli_env(emu, api_key=API_KEY),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill_at_a_seeded_moment(emu: Emulator, proc: subprocess.Popen[str], rng: random.Random) -> str:
    """Wait until the emulator has seen a few more submits, then a little longer, then kill -9.
    Returns the moment, for the figures."""
    target = submits(emu) + rng.randint(1, max(2, JOBS // 8))
    extra = rng.uniform(0, 0.05)
    deadline = time.monotonic() + 60
    while submits(emu) < target and proc.poll() is None:
        assert time.monotonic() < deadline, "the batch stopped submitting"
        time.sleep(0.002)
    time.sleep(extra)
    proc.kill()
    _, stderr = proc.communicate(timeout=10)
    assert proc.returncode == -9, f"the run ended on its own before the kill: {stderr}"
    return f"after submit {target} + {extra * 1000:.0f} ms"


def stages(out: Path) -> dict[str, int]:
    """How many jobs the journal has at each stage (the killed run left it as it was)."""
    with sqlite3.connect(out / "journal.sqlite") as db:
        return dict(db.execute("SELECT stage, count(*) FROM jobs GROUP BY stage").fetchall())


def summary_counts(stdout: str) -> dict[str, int]:
    """The numbers of the CLI's summary table, by row name."""
    counts = {}
    for line in stdout.splitlines():
        cells = [cell.strip() for cell in re.split(r"[│┃|]", line) if cell.strip()]
        if len(cells) == 2 and cells[1].isdigit():
            counts[cells[0]] = int(cells[1])
    return counts


def assert_journal_consistent(out: Path, report: dict[str, dict[str, object]]) -> None:
    """Every row ended, and says what the report says."""
    with sqlite3.connect(out / "journal.sqlite") as db:
        rows = db.execute("SELECT job_id, stage, status, ids, output FROM jobs").fetchall()
    assert len(rows) == len(report)
    for job_id, stage, status, ids, output in rows:
        line = report[job_id]
        assert (status, stage) == (line["status"], line["stage"]), (job_id, stage, status)
        assert f'"{video_id_of(line)}"' in ids, (job_id, ids)
        if status == "completed":
            assert stage == "downloaded"
            assert Path(output).is_file()
            assert output == line["output"]


@pytest.mark.slow
@pytest.mark.timeout(1800 if SOAK else 120)
def test_kill_9_repeatedly_under_chaos_then_resume_loses_nothing_and_pays_once(
    tmp_path: Path, chaos_thread: Emulator
) -> None:
    photos = chaos_photos(tmp_path / "photos", bad=False)  # the CLI refuses a bad photo up front
    manifest = write_manifest(tmp_path / "manifest.csv", chaos_rows(JOBS, photos))
    jobs = load_manifest(manifest)
    script_chaos(chaos_thread)  # the storms and lost answers land in the runs that get killed
    out = tmp_path / "out"
    rng = random.Random(SEED)
    started = time.monotonic()
    moments = []
    for _ in range(KILLS):
        moment = kill_at_a_seeded_moment(chaos_thread, start_cli(manifest, out, chaos_thread), rng)
        moments.append(f"{moment}, left {stages(out)}")
        renders = chaos_thread.stats()["renders_by_callback_id"][API_KEY]
        assert {key: n for key, n in renders.items() if n != 1} == {}  # not even in between

    done = run_cli(
        [str(manifest), "--out", str(out), *CLI_FAST],
        cli_env(chaos_thread, api_key=API_KEY),
        timeout=600,
    )
    wall = time.monotonic() - started
    videos = emulator_videos_sync(chaos_thread)

    assert done.returncode == 1, done.stderr  # the scripts marked to fail did
    assert "Traceback" not in done.stderr
    report = {str(line["id"]): line for line in read_report(out)}
    assert len(report) == len(jobs)
    outcomes = assert_results_match_expectations(jobs, report, videos)
    assert_no_double_pay(chaos_thread, jobs, report, videos)
    assert_journal_consistent(out, report)
    assert not [p.name for p in out.iterdir() if p.name.endswith(".part")]
    counts = summary_counts(done.stdout)
    assert counts["completed"] == outcomes["completed"]
    assert counts["failed"] == outcomes["marked failure"] + outcomes["random render failure"]
    assert counts["from an earlier run"] > 0
    print_figures(
        f"crash: {len(jobs)} jobs, {KILLS} kills",
        {
            "kill moments": "\n" + "\n".join(moments),
            "outcomes": dict(outcomes),
            "final run stats": counts,
            "API requests": len(chaos_thread.request_log),
            "faults injected": dict(sorted(fault_counts(chaos_thread).items())),
            "wall time (s)": round(wall, 1),
        },
    )
