"""Shared helpers for the batch tests: photos, manifests, fast limits, a live emulator."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterable, Mapping
from pathlib import Path

import pytest

from heygen_async._polling import PollSchedule
from heygen_async._samples import portrait_jpeg
from heygen_async.batch import BatchLimits
from heygen_async.batch._manifest import MANIFEST_FIELDS
from heygen_async.emulator import DEFAULT_VOICE_ID, Emulator, EmulatorConfig

API_KEY = "sk-test"
VOICE = DEFAULT_VOICE_ID
FAST_POLL = PollSchedule(initial=0.01, factor=1.5, maximum=0.05, jitter=0.1)
FAST_LIMITS = BatchLimits(
    rate=2000.0, burst=200, render_slots=10, uploads=4, concurrency=64, max_attempts=4, backoff=0.01
)


@pytest.fixture(scope="session")
def photo_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Three good portraits and one corrupt photo, shared by every test."""
    folder = tmp_path_factory.mktemp("photos")
    photos = {}
    for seed in range(3):
        path = folder / f"good{seed}.jpg"
        path.write_bytes(portrait_jpeg(seed))
        photos[f"good{seed}"] = path
    bad = folder / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 this is not really a jpeg")
    photos["bad"] = bad
    return photos


def write_manifest(path: Path, rows: Iterable[Mapping[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=MANIFEST_FIELDS)
        writer.writeheader()
        for row in rows:
            writer.writerow({name: row.get(name, "") for name in MANIFEST_FIELDS})
    return path


def job_row(
    index: int, photo: Path, *, kind: str = "talking_photo", script: str | None = None
) -> dict[str, str]:
    return {
        "id": f"job-{index:03d}",
        "photo": str(photo),
        "script": script or f"Hello number {index}, this is your personal video message.",
        "voice_id": VOICE,
        "kind": kind,
    }


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    config = EmulatorConfig(api_keys=(API_KEY,), speed=2000.0, render_slots=10, seed=7)
    async with Emulator(config) as emu:
        yield emu


def requests_to(emu: Emulator, method: str, path: str, status: int | None = 200) -> int:
    return sum(
        1
        for record in emu.request_log
        if record.method == method and record.path == path and record.status == status
    )


# The installed console script, as a user runs it.
CLI = [str(Path(sys.executable).with_name("heygen-async")), "batch"]
CLI_FAST = ["--no-progress", "--rate", "500", "--poll-initial", "0.01", "--poll-max", "0.05"]


def cli_env(emu: Emulator | None, *, api_key: str | None = API_KEY) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HEYGEN_")}
    if emu is not None:
        env["HEYGEN_BASE_URL"] = emu.url
        env["HEYGEN_UPLOAD_URL"] = emu.url
    if api_key is not None:
        env["HEYGEN_API_KEY"] = api_key
    return env


def run_cli(
    args: list[str], env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def read_report(out: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (out / "report.jsonl").read_text().splitlines()]
