"""Synthetic portraits: deterministic, varied, and acceptable to HeyGen's photo rules."""

from __future__ import annotations

from heygen_async._photos import check_photo_bytes
from heygen_async._samples import portrait_jpeg, portrait_png


def test_same_seed_same_photo_different_seed_different_person() -> None:
    assert portrait_jpeg(7) == portrait_jpeg(7)
    assert len({portrait_jpeg(seed, size=256) for seed in range(6)}) == 6


async def test_portraits_pass_the_photo_check() -> None:
    jpeg = await check_photo_bytes(portrait_jpeg(1))
    png = await check_photo_bytes(portrait_png(2, size=512))
    assert (jpeg.content_type, jpeg.width) == ("image/jpeg", 768)
    assert (png.content_type, png.width, png.height) == ("image/png", 512, 512)
