"""Independent auth checks: X-Api-Key, family-shaped 401s, tenant isolation."""

from __future__ import annotations

import aiohttp
import pytest

from heygen_async.emulator import Emulator


@pytest.mark.parametrize("headers", [{}, {"X-Api-Key": "sk-nobody"}])
async def test_v1_route_rejects_missing_or_unknown_key(
    emulator: Emulator, session: aiohttp.ClientSession, headers: dict[str, str]
) -> None:
    async with session.get(f"{emulator.url}/v1/video.list", headers=headers) as resp:
        body = await resp.json(content_type=None)
    assert resp.status == 401
    assert body["code"] == 400112
    assert body["message"] == "Unauthorized"


@pytest.mark.parametrize("headers", [{}, {"X-Api-Key": "sk-nobody"}])
async def test_v2_route_rejects_missing_or_unknown_key(
    emulator: Emulator, session: aiohttp.ClientSession, headers: dict[str, str]
) -> None:
    async with session.get(f"{emulator.url}/v2/voices", headers=headers) as resp:
        body = await resp.json(content_type=None)
    assert resp.status == 401
    assert body.get("data") is None
    assert body.get("error")
