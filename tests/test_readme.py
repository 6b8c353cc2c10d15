"""The README's quick starts run as written, against the emulator, and leave videos on disk."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from heygen_async._samples import portrait_jpeg
from heygen_async.emulator import Emulator, EmulatorConfig, EmulatorThread

README = Path(__file__).resolve().parent.parent / "README.md"
KEY = "sk-readme"


def snippet(marker: str) -> str:
    match = re.search(rf"<!-- {marker} -->\s*```python\n(.*?)```", README.read_text(), re.S)
    assert match is not None, f"README has no {marker} block"
    return match.group(1)


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with EmulatorThread(EmulatorConfig(api_keys=(KEY,), speed=2000.0)) as emu:
        yield emu


def run_snippet(code: str, cwd: Path, emu: Emulator) -> str:
    env = {
        **os.environ,
        "HEYGEN_API_KEY": KEY,
        "HEYGEN_BASE_URL": emu.url,
        "HEYGEN_UPLOAD_URL": emu.url,
    }
    done = subprocess.run(  # our own interpreter running the README's code
        [sys.executable, "-c", code],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_single_photo_quick_start(tmp_path: Path, emulator: Emulator) -> None:
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "ada.jpg").write_bytes(portrait_jpeg(1))
    out = run_snippet(snippet("quickstart-single"), tmp_path, emulator)
    video_id, status, path = out.split()
    assert status == "completed"
    assert Path(path).read_bytes()[4:8] == b"ftyp"
    assert Path(path).parent == (tmp_path / "videos").resolve()
    assert video_id in Path(path).name
    assert emulator.stats()["jobs_created"][KEY] == 1


def test_folder_quick_start(tmp_path: Path, emulator: Emulator) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    for seed, name in enumerate(["ada", "grace", "linus"]):
        (photos / f"{name}.jpg").write_bytes(portrait_jpeg(seed))
    out = run_snippet(snippet("quickstart-batch"), tmp_path, emulator)
    assert out.strip() == "3 completed, 0 failed"
    videos = sorted(path.name for path in (tmp_path / "videos").glob("*.mp4"))
    assert videos == ["ada.mp4", "grace.mp4", "linus.mp4"]
    assert emulator.stats()["jobs_created"][KEY] == 3
