"""Crashes: kill -9 at seeded moments and Ctrl-C, then resume; exactly one render per job."""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from heygen_async.batch import load_manifest
from heygen_async.emulator import Emulator, EmulatorConfig, EmulatorThread

from .conftest import API_KEY, CLI, CLI_FAST, cli_env, job_row, read_report, run_cli, write_manifest

SUBMIT_PATHS = {"/v2/video/generate", "/v2/video/av4/generate"}


@pytest.fixture
def slow_emu() -> Iterator[Emulator]:
    # Renders take 15-60 ms: long enough that kills land while renders are in flight.
    with EmulatorThread(
        EmulatorConfig(api_keys=(API_KEY,), speed=200.0, render_slots=10)
    ) as emulator:
        yield emulator


def submits(emu: Emulator) -> int:
    return sum(1 for r in list(emu.request_log) if r.method == "POST" and r.path in SUBMIT_PATHS)


def start_cli(manifest: Path, out: Path, emu: Emulator) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*CLI, str(manifest), "--out", str(out), *CLI_FAST],
        env=cli_env(emu),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_submits(
    emu: Emulator, proc: subprocess.Popen[str], count: int, timeout: float = 30
) -> None:
    deadline = time.monotonic() + timeout
    while submits(emu) < count and proc.poll() is None:
        assert time.monotonic() < deadline, "the batch stopped submitting"
        time.sleep(0.002)


def crash_manifest(tmp_path: Path, photos: dict[str, Path], count: int) -> Path:
    rows = [
        job_row(i, photos[f"good{i % 3}"], kind="avatar_iv" if i % 2 else "talking_photo")
        for i in range(count)
    ]
    return write_manifest(tmp_path / "manifest.csv", rows)


def assert_every_job_rendered_once(emu: Emulator, manifest: Path, out: Path) -> None:
    jobs = load_manifest(manifest)
    report = {line["id"]: line for line in read_report(out)}
    for job in jobs:
        assert report[job.id]["status"] == "completed", report[job.id]
        assert emu.renders_for(API_KEY, job.callback_id) == 1, job.id


@pytest.mark.slow
def test_kill_9_at_seeded_moments_then_resume_renders_each_job_once(
    tmp_path: Path, photo_files: dict[str, Path], slow_emu: Emulator
) -> None:
    manifest = crash_manifest(tmp_path, photo_files, 40)
    out = tmp_path / "out"
    rng = random.Random(20261125)
    for _ in range(4):
        proc = start_cli(manifest, out, slow_emu)
        wait_for_submits(slow_emu, proc, submits(slow_emu) + rng.randint(1, 8))
        time.sleep(rng.uniform(0, 0.02))  # anywhere around the POST: before, during, after
        proc.kill()
        proc.wait(timeout=10)
    done = run_cli([str(manifest), "--out", str(out), *CLI_FAST], cli_env(slow_emu))
    assert done.returncode == 0, done.stderr
    assert_every_job_rendered_once(slow_emu, manifest, out)


@pytest.mark.slow
def test_ctrl_c_exits_cleanly_and_the_rerun_finishes(
    tmp_path: Path, photo_files: dict[str, Path], slow_emu: Emulator
) -> None:
    manifest = crash_manifest(tmp_path, photo_files, 40)
    out = tmp_path / "out"
    proc = start_cli(manifest, out, slow_emu)
    wait_for_submits(slow_emu, proc, 12)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=20)
    assert proc.returncode == 130, stderr
    assert "resume" in stderr
    assert "Traceback" not in stderr
    assert not [p for p in out.iterdir() if p.name.endswith(".part") or ".tmp" in p.name]
    with sqlite3.connect(out / "journal.sqlite") as db:
        rows = db.execute("SELECT stage, ids, output FROM jobs").fetchall()
    assert rows
    for stage, ids, output in rows:
        if stage in {"rendering", "rendered", "downloaded"}:
            assert '"video_id"' in ids
        if stage == "downloaded":
            assert Path(output).is_file()

    done = run_cli([str(manifest), "--out", str(out), *CLI_FAST], cli_env(slow_emu))
    assert done.returncode == 0, done.stderr
    assert_every_job_rendered_once(slow_emu, manifest, out)
