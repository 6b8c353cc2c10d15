"""The `batch` command as a user runs it: a subprocess talking to an emulator in this process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from heygen_async.emulator import Emulator, EmulatorConfig, EmulatorThread

from .conftest import (
    API_KEY,
    CLI_FAST,
    cli_env,
    job_row,
    read_report,
    run_cli,
    write_manifest,
)


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with EmulatorThread(EmulatorConfig(api_keys=(API_KEY,), speed=2000.0)) as emulator:
        yield emulator


def manifest_of(tmp_path: Path, photos: dict[str, Path], count: int, **scripts: str) -> Path:
    rows = [
        job_row(i, photos[f"good{i % 3}"], kind="avatar_iv" if i % 2 else "talking_photo")
        for i in range(count)
    ]
    for row in rows:
        if row["id"] in scripts:
            row["script"] = scripts[row["id"]]
    return write_manifest(tmp_path / "manifest.csv", rows)


def test_all_completed_exits_0_with_a_report(
    tmp_path: Path, photo_files: dict[str, Path], emu: Emulator
) -> None:
    manifest = manifest_of(tmp_path, photo_files, 6)
    out = tmp_path / "out"
    done = run_cli([str(manifest), "--out", str(out), *CLI_FAST], cli_env(emu))
    assert done.returncode == 0, done.stderr
    report = read_report(out)
    assert [line["id"] for line in report] == [f"job-{i:03d}" for i in range(6)]
    for line in report:
        assert line["status"] == "completed"
        assert line["stage"] == "downloaded"
        assert line["kind"] in {"talking_photo", "avatar_iv"}
        assert isinstance(line["ids"], dict)
        assert "video_id" in line["ids"]
        assert Path(str(line["output"])).is_file()
        assert line["error"] is None
    assert "Batch summary" in done.stdout


def test_a_failed_render_exits_1_and_is_reported(
    tmp_path: Path, photo_files: dict[str, Path], emu: Emulator
) -> None:
    manifest = manifest_of(tmp_path, photo_files, 3, **{"job-001": "Say EMULATOR_FAIL now."})
    out = tmp_path / "out"
    done = run_cli([str(manifest), "--out", str(out), *CLI_FAST], cli_env(emu))
    assert done.returncode == 1, done.stderr
    by_id = {line["id"]: line for line in read_report(out)}
    assert by_id["job-001"]["status"] == "failed"
    assert by_id["job-001"]["error_type"] == "RenderFailedError"
    assert by_id["job-000"]["status"] == by_id["job-002"]["status"] == "completed"


def test_a_malformed_manifest_exits_2_listing_every_problem(tmp_path: Path, emu: Emulator) -> None:
    manifest = tmp_path / "m.csv"
    manifest.write_text("id,photo,script,voice_id,kind\na,missing.jpg,,v,robot\n", encoding="utf-8")
    done = run_cli([str(manifest), "--out", str(tmp_path / "out"), *CLI_FAST], cli_env(emu))
    assert done.returncode == 2
    for text in ("line 2: empty script", "line 2: unknown kind 'robot'", "line 2: photo not found"):
        assert text in done.stderr
    assert not (tmp_path / "out" / "journal.sqlite").exists()


def test_a_bad_photo_or_an_unknown_voice_exits_2_before_anything_is_spent(
    tmp_path: Path, photo_files: dict[str, Path], emu: Emulator
) -> None:
    rows = [
        job_row(0, photo_files["good0"]),
        job_row(1, photo_files["bad"]),
        job_row(2, photo_files["good1"]),
    ]
    rows[2]["voice_id"] = "no-such-voice"
    manifest = write_manifest(tmp_path / "m.csv", rows)
    posts_before = sum(1 for r in emu.request_log if r.method == "POST")
    done = run_cli([str(manifest), "--out", str(tmp_path / "out"), *CLI_FAST], cli_env(emu))
    assert done.returncode == 2
    assert "line 3 (id job-001): photo bad.jpg" in done.stderr
    assert "line 4 (id job-002): unknown voice_id 'no-such-voice'" in done.stderr
    assert sum(1 for r in emu.request_log if r.method == "POST") == posts_before


def test_no_api_key_exits_2(tmp_path: Path, photo_files: dict[str, Path]) -> None:
    manifest = manifest_of(tmp_path, photo_files, 1)
    done = run_cli(
        [str(manifest), "--out", str(tmp_path / "out"), *CLI_FAST], cli_env(None, api_key=None)
    )
    assert done.returncode == 2
    assert "HEYGEN_API_KEY" in done.stderr


def test_dry_run_prints_the_plan_and_spends_nothing(
    tmp_path: Path, photo_files: dict[str, Path], emu: Emulator
) -> None:
    manifest = manifest_of(tmp_path, photo_files, 4)
    posts_before = sum(1 for r in emu.request_log if r.method == "POST")
    done = run_cli(
        [str(manifest), "--out", str(tmp_path / "out"), "--dry-run", *CLI_FAST], cli_env(emu)
    )
    assert done.returncode == 0, done.stderr
    assert "4 jobs, 3 distinct photos" in done.stdout
    assert "credits" in done.stdout
    assert sum(1 for r in emu.request_log if r.method == "POST") == posts_before
    assert not (tmp_path / "out" / "report.jsonl").exists()


def test_embedded_emulator_runs_without_any_key(
    tmp_path: Path, photo_files: dict[str, Path]
) -> None:
    manifest = manifest_of(tmp_path, photo_files, 2)
    out = tmp_path / "out"
    done = run_cli(
        [str(manifest), "--out", str(out), "--emulator", "--no-progress"],
        cli_env(None, api_key=None),
    )
    assert done.returncode == 0, done.stderr
    assert all(line["status"] == "completed" for line in read_report(out))


def test_a_corrupt_journal_exits_2_with_a_clear_message(
    tmp_path: Path, photo_files: dict[str, Path], emu: Emulator
) -> None:
    manifest = manifest_of(tmp_path, photo_files, 1)
    out = tmp_path / "out"
    out.mkdir()
    (out / "journal.sqlite").write_bytes(b"definitely not sqlite" * 100)
    done = run_cli([str(manifest), "--out", str(out), *CLI_FAST], cli_env(emu))
    assert done.returncode == 2
    assert "corrupt or not a batch journal" in done.stderr
    assert "Traceback" not in done.stderr
