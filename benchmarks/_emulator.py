"""The emulator in a process of its own, so that client and server never share a core.

Every benchmark starts one with `EmulatorProcess(...)` and steers it through the admin routes
(`/_emulator/...`). The admin calls are plain blocking HTTP: benchmarks make them before and
after a measured run, never inside one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from types import TracebackType
from typing import Any, Self

__all__ = ["KEY", "EmulatorProcess"]

KEY = "sk-bench"


class EmulatorProcess:
    """`python -m heygen_async emulator` on a free loopback port, pinned to `cpu` if possible."""

    def __init__(
        self,
        *,
        speed: float = 1.0,
        render_slots: int = 1_000_000,
        credits: float = 1e9,  # noqa: A002  # the emulator CLI's own option name
        request_rate: float | None = None,
        cpu: int | None = 0,
        seed: int = 0,
    ) -> None:
        self.command = [
            *(_pin(cpu)),
            sys.executable,
            "-m",
            "heygen_async",
            "emulator",
            "--port",
            "0",
            "--api-key",
            KEY,
            "--speed",
            str(speed),
            "--render-slots",
            str(render_slots),
            "--credits",
            str(credits),
            "--seed",
            str(seed),
        ]
        if request_rate is not None:
            self.command += ["--request-rate", str(request_rate)]
        self.url = ""
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> Self:
        self._process = subprocess.Popen(self.command, stdout=subprocess.PIPE, text=True)  # noqa: S603  # our own fixed command
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if "listening on" not in line:
            self._process.kill()
            raise RuntimeError(f"the emulator did not start: {line!r}")
        self.url = line.rsplit(" ", 1)[1].strip()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=30)

    def admin(self, path: str, body: dict[str, Any] | None = None) -> Any:
        """GET (no body) or POST (a JSON body) one of the emulator's `/_emulator/` routes."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310  # a loopback URL we built
            f"{self.url}/_emulator/{path}",
            data=data,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310  # loopback
            return json.loads(response.read())

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = self.admin("stats")
        return result

    def requests(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.admin("requests")
        return result

    def reset(self) -> None:
        self.admin("reset", {})

    def configure(self, **settings: Any) -> None:
        self.admin("config", settings)


def _pin(cpu: int | None) -> list[str]:
    """`taskset -c cpu` where the machine has a core to spare for the emulator."""
    if cpu is None or not hasattr(os, "sched_setaffinity") or (os.cpu_count() or 1) < 2:
        return []
    return ["taskset", "-c", str(cpu)]
