"""Synthetic portraits for demos and tests: friendly drawn people, never real faces.

Deterministic per seed, so a demo or a test gets the same photo every time, and different seeds
give different people. Pure CPU and synchronous: async callers run it in a worker thread.
"""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw

__all__ = ["portrait_jpeg", "portrait_png"]

_SKIN = [
    (255, 224, 196),
    (241, 194, 155),
    (224, 172, 125),
    (198, 134, 90),
    (141, 85, 54),
    (94, 58, 38),
]
_HAIR = [(25, 20, 18), (70, 45, 30), (120, 80, 40), (200, 160, 90), (150, 60, 30), (180, 180, 180)]
_SHIRT = [
    (52, 101, 164),
    (115, 61, 140),
    (60, 140, 90),
    (200, 90, 60),
    (70, 70, 80),
    (220, 180, 60),
]
_BACKDROP = [
    ((90, 140, 200), (200, 225, 245)),
    ((240, 200, 150), (255, 240, 220)),
    ((150, 200, 170), (225, 245, 230)),
    ((200, 170, 220), (240, 230, 250)),
]


def portrait_jpeg(seed: int, *, size: int = 768) -> bytes:
    """A head-and-shoulders portrait as JPEG bytes."""
    return _encode(_portrait(seed, size), "JPEG")


def portrait_png(seed: int, *, size: int = 768) -> bytes:
    """The same portrait as PNG bytes."""
    return _encode(_portrait(seed, size), "PNG")


def _encode(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **({"quality": 88} if fmt == "JPEG" else {}))
    return buffer.getvalue()


def _portrait(seed: int, size: int) -> Image.Image:
    rng = random.Random(seed)
    image = Image.new("RGB", (size, size))
    draw = ImageDraw.Draw(image)
    _backdrop(draw, size, rng.choice(_BACKDROP))
    skin, hair = rng.choice(_SKIN), rng.choice(_HAIR)
    _shoulders(draw, size, rng.choice(_SHIRT), skin)
    _hair_back(draw, size, hair, rng)
    _face(draw, size, skin, rng)
    _hair_front(draw, size, hair, rng)
    return image


def _backdrop(
    draw: ImageDraw.ImageDraw, size: int, colours: tuple[tuple[int, int, int], ...]
) -> None:
    top, bottom = colours
    for y in range(size):
        t = y / size
        draw.line(
            [(0, y), (size, y)],
            fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)),
        )


def _shoulders(
    draw: ImageDraw.ImageDraw, s: int, shirt: tuple[int, int, int], skin: tuple[int, int, int]
) -> None:
    draw.rectangle([s * 0.43, s * 0.55, s * 0.57, s * 0.75], fill=_shade(skin, 0.9))  # neck
    draw.ellipse([s * 0.12, s * 0.70, s * 0.88, s * 1.30], fill=shirt)
    draw.polygon(
        [(s * 0.43, s * 0.72), (s * 0.5, s * 0.80), (s * 0.57, s * 0.72)], fill=_shade(skin, 0.9)
    )


def _hair_back(
    draw: ImageDraw.ImageDraw, s: int, hair: tuple[int, int, int], rng: random.Random
) -> None:
    length = rng.choice([0.55, 0.62, 0.78])  # short, medium or long hair
    draw.ellipse([s * 0.27, s * 0.13, s * 0.73, s * length], fill=hair)
    if length > 0.7:
        draw.rectangle([s * 0.27, s * 0.40, s * 0.73, s * length], fill=hair)


def _face(
    draw: ImageDraw.ImageDraw, s: int, skin: tuple[int, int, int], rng: random.Random
) -> None:
    draw.ellipse([s * 0.32, s * 0.20, s * 0.68, s * 0.62], fill=skin)
    eye_y = s * rng.uniform(0.37, 0.40)
    for cx in (s * 0.42, s * 0.58):
        draw.ellipse(
            [cx - s * 0.035, eye_y - s * 0.02, cx + s * 0.035, eye_y + s * 0.02], fill="white"
        )
        draw.ellipse(
            [cx - s * 0.015, eye_y - s * 0.015, cx + s * 0.015, eye_y + s * 0.015],
            fill=(60, 40, 30),
        )
        draw.line(
            [cx - s * 0.04, eye_y - s * 0.05, cx + s * 0.04, eye_y - s * 0.055],
            fill=(60, 40, 30),
            width=max(2, s // 120),
        )
    nose = _shade(skin, 0.8)
    draw.line(
        [s * 0.5, eye_y + s * 0.02, s * 0.49, s * 0.48, s * 0.515, s * 0.48],
        fill=nose,
        width=max(2, s // 200),
    )
    smile = rng.uniform(0.03, 0.06)
    draw.arc(
        [s * 0.42, s * 0.47, s * 0.58, s * (0.50 + smile)],
        20,
        160,
        fill=(170, 60, 70),
        width=max(3, s // 110),
    )


def _hair_front(
    draw: ImageDraw.ImageDraw, s: int, hair: tuple[int, int, int], rng: random.Random
) -> None:
    fringe = rng.uniform(0.27, 0.31)
    draw.chord([s * 0.30, s * 0.14, s * 0.70, s * fringe * 1.35], 180, 360, fill=hair)


def _shade(colour: tuple[int, int, int], factor: float) -> tuple[int, int, int]:
    r, g, b = colour
    return (int(r * factor), int(g * factor), int(b * factor))
