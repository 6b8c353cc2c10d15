"""Every example runs as written against the emulator: scripts, and both web services."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from heygen_async._samples import portrait_jpeg
from heygen_async.emulator import DEFAULT_VOICE_ID, Emulator, EmulatorConfig, EmulatorThread

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
KEY = "sk-examples"


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with EmulatorThread(EmulatorConfig(api_keys=(KEY,), speed=200.0)) as emu:
        yield emu


def env_for(emu: Emulator, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "HEYGEN_API_KEY": KEY,
        "HEYGEN_BASE_URL": emu.url,
        "HEYGEN_UPLOAD_URL": emu.url,
        **extra,
    }


def run_example(name: str, *args: str, cwd: Path, emu: Emulator) -> str:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        cwd=cwd,
        env=env_for(emu),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("name", ["quickstart.py", "avatar_iv.py"])
def test_single_photo_examples(name: str, tmp_path: Path, emulator: Emulator) -> None:
    (tmp_path / "ada.jpg").write_bytes(portrait_jpeg(1))
    out = run_example(name, "ada.jpg", "Hi Ada!", cwd=tmp_path, emu=emulator)
    video_id, status, path = out.strip().splitlines()[-1].split()
    assert status == "completed"
    assert Path(path) == (tmp_path / "videos" / f"{video_id}.mp4").resolve()
    assert Path(path).read_bytes()[4:8] == b"ftyp"


def test_ai_photo_avatar_example(tmp_path: Path, emulator: Emulator) -> None:
    out = run_example("ai_photo_avatar.py", cwd=tmp_path, emu=emulator)
    assert "generated: 4 photos" in out
    sent = [r.json for r in emulator.request_log if r.path == "/v2/photo_avatar/photo/generate"]
    assert sent[0]["ethnicity"] == "South Asian"
    assert len(sent[0]) == 8


def test_bulk_example_reports_each_job_and_resumes(tmp_path: Path, emulator: Emulator) -> None:
    rows = ["id,photo,script,voice_id,kind"]
    for n, name in enumerate(["ada", "grace", "linus"]):
        (tmp_path / f"{name}.jpg").write_bytes(portrait_jpeg(n))
        rows.append(f"{name},{name}.jpg,Hello {name}!,{DEFAULT_VOICE_ID},talking_photo")
    (tmp_path / "people.csv").write_text("\n".join(rows) + "\n")
    out = run_example("bulk_personalized.py", "people.csv", "out", cwd=tmp_path, emu=emulator)
    assert out.strip().splitlines()[-1] == "3 completed, 0 failed"
    assert sorted(p.name for p in (tmp_path / "out").glob("*.mp4")) == [
        "ada.mp4",
        "grace.mp4",
        "linus.mp4",
    ]
    again = run_example("bulk_personalized.py", "people.csv", "out", cwd=tmp_path, emu=emulator)
    assert again.strip().splitlines()[-1] == "3 completed, 0 failed"
    assert emulator.stats()["jobs_created"][KEY] == 3  # the rerun paid for nothing


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http(
    method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, None


def multipart(photo: bytes, script: str) -> tuple[bytes, str]:
    boundary = "----heygen-test"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="script"\r\n\r\n'.encode(),
        f"{script}\r\n".encode(),
        f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="p.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n".encode()
        + photo
        + b"\r\n",
        f"--{boundary}--\r\n".encode(),
    ]
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize("name", ["aiohttp_app.py", "fastapi_app.py"])
def test_web_service_examples(name: str, tmp_path: Path, emulator: Emulator) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = env_for(emulator, PUBLIC_URL=base, VIDEO_DIR=str(tmp_path / "videos"))
    server = subprocess.Popen(
        [sys.executable, str(EXAMPLES / name), "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_up(base)
        if name == "aiohttp_app.py":
            body, content_type = multipart(portrait_jpeg(4), "Hi from the service!")
            status, created = http("POST", base + "/jobs", body, {"Content-Type": content_type})
        else:
            status, created = http(
                "POST",
                base + "/jobs?script=Hi%20from%20the%20service!",
                portrait_jpeg(4),
                {"Content-Type": "image/jpeg"},
            )
        assert status == 202
        job = wait_for_job(base, created["job_id"])
        assert job["status"] == "completed", job
        assert Path(job["path"]).read_bytes()[4:8] == b"ftyp"
        assert emulator.stats()["webhooks_delivered"] >= 1  # it registered and got the event
        assert http("GET", base + "/jobs/nope")[0] == 404
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=15)
        finally:
            if server.poll() is None:
                server.kill()
                server.wait()
    assert emulator.stats()["requests"]["DELETE /v1/webhook/endpoint.delete"] == {"200": 1}


def wait_until_up(base: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if http("GET", base + "/jobs/probe")[0] == 404:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise AssertionError("the example service did not start")


def wait_for_job(base: str, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = http("GET", f"{base}/jobs/{job_id}")[1]
        if job["status"] != "running":
            return dict(job)
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish")
