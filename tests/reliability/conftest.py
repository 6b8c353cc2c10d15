"""Reliability and security tests: the client and batch engine under faults, bad input and
hostile servers, always against the real emulator over loopback HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from heygen_async import HeyGenClient, PollSchedule
from heygen_async.emulator import Emulator, EmulatorConfig

API_KEY = "sk-test-SECRET-0123456789"
OTHER_KEY = "sk-other-tenant"
FAST_POLL = PollSchedule(initial=0.01, factor=1.5, maximum=0.05, jitter=0.1)


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    config = EmulatorConfig(api_keys=(API_KEY, OTHER_KEY), speed=1000.0, seed=11)
    async with Emulator(config) as emu:
        yield emu


@pytest.fixture
async def client(emulator: Emulator) -> AsyncIterator[HeyGenClient]:
    async with HeyGenClient(
        API_KEY, base_url=emulator.url, upload_url=emulator.url, poll=FAST_POLL, max_retries=2
    ) as heygen:
        yield heygen
