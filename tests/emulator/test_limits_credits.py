"""Independent checks: photo size floor and the render-slot 429."""

from __future__ import annotations

import pytest

from tests.emulator.helpers import Api, jpeg, video_body


@pytest.mark.parametrize(("side", "ok"), [(511, False), (512, True)])
async def test_talking_photo_minimum_side(api: Api, side: int, ok: bool) -> None:
    status, body = await api.upload(jpeg(side, side), path="/v1/talking_photo")
    if ok:
        assert status == 200, body
        assert body["code"] == 100
    else:
        assert status == 400, body
        assert body["code"] != 100


async def test_eleventh_concurrent_render_gets_429_with_retry_headers(api: Api) -> None:
    for _ in range(10):
        status, body = await api.video()
        assert status == 200, body
    headers = api.headers()
    tp = await api.talking_photo()
    async with api.session.post(
        api.url + "/v2/video/generate", json=video_body(tp), headers=headers
    ) as resp:
        body = await resp.json(content_type=None)
        assert resp.status == 429, body
        assert "Retry-After" in resp.headers
        assert "retry-after-ms" in resp.headers
    assert "rate_limit_exceeded" in str(body)
