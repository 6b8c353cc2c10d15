"""Emulator tests drive the server with plain aiohttp, never with the SDK client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from heygen_async.emulator import Emulator, EmulatorConfig
from tests.emulator.helpers import KEY_A, KEY_B, Api


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    async with Emulator(EmulatorConfig(api_keys=(KEY_A, KEY_B), speed=1.0)) as emu:
        yield emu


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.fixture
def api(emulator: Emulator, session: aiohttp.ClientSession) -> Api:
    return Api(session, emulator.url, KEY_A)


@pytest.fixture
def other(emulator: Emulator, session: aiohttp.ClientSession) -> Api:
    return Api(session, emulator.url, KEY_B)
