"""Starting and stopping: in-process, on a thread, from the CLI, and as a pytest fixture."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request

import aiohttp
import pytest

from heygen_async.emulator import Emulator, EmulatorConfig, EmulatorThread

pytest_plugins = ["pytester"]


async def test_binds_loopback_on_a_free_port_and_closes_it_on_exit() -> None:
    async with Emulator() as emu:
        assert emu.url.startswith("http://127.0.0.1:")
        async with (
            aiohttp.ClientSession() as session,
            session.get(emu.url + "/_emulator/stats") as r,
        ):
            assert r.status == 200
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientConnectionError):
            await session.get(emu.url + "/_emulator/stats")


def test_thread_emulator_serves_sync_code() -> None:
    with EmulatorThread(EmulatorConfig(api_keys=("sk-t",))) as emu:
        request = urllib.request.Request(emu.url + "/v2/voices", headers={"X-Api-Key": "sk-t"})
        with urllib.request.urlopen(request, timeout=5) as response:
            assert json.load(response)["data"]["voices"]
        assert emu.request_log[-1].path == "/v2/voices"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_cli_prints_its_url_serves_and_stops_cleanly(signum: int) -> None:
    command = [
        sys.executable,
        "-m",
        "heygen_async",
        "emulator",
        "--port",
        "0",
        "--api-key",
        "sk-cli",
        "--speed",
        "10",
    ]
    process = subprocess.Popen(  # our own interpreter and module
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ}
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("HeyGen emulator listening on http://127.0.0.1:"), line
        url = line.rsplit(" ", 1)[1].strip()
        request = urllib.request.Request(url + "/v2/voices", headers={"X-Api-Key": "sk-cli"})
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200
        process.send_signal(signum)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_pytest_fixture_for_users(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import json, urllib.request

        def test_uses_the_emulator(heygen_emulator):
            request = urllib.request.Request(
                heygen_emulator.url + "/v2/voices", headers={"X-Api-Key": "sk-emulator"}
            )
            with urllib.request.urlopen(request, timeout=5) as response:
                assert json.load(response)["data"]["voices"]
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
