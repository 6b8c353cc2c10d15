"""Client tests run the real client against the real emulator over loopback HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from heygen_async import HeyGenClient, PollSchedule
from heygen_async.emulator import Emulator, EmulatorConfig

API_KEY = "sk-test-SECRET-0123456789"
FAST_POLL = PollSchedule(initial=0.01, factor=1.5, maximum=0.05)


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    async with Emulator(EmulatorConfig(api_keys=(API_KEY, "sk-other"), speed=1000.0)) as emu:
        yield emu


@pytest.fixture
async def client(emulator: Emulator) -> AsyncIterator[HeyGenClient]:
    async with HeyGenClient(
        API_KEY, base_url=emulator.url, upload_url=emulator.url, poll=FAST_POLL, max_retries=2
    ) as heygen:
        yield heygen
