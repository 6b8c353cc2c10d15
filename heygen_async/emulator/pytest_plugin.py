"""pytest plugin: the `heygen_emulator` fixture, for your own application's tests.

Installed with the package (entry point `pytest11`). The emulator runs on its own thread and
loop, so the fixture works in sync tests and under any async test plugin alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from heygen_async.emulator._server import Emulator

__all__ = ["heygen_emulator"]


@pytest.fixture
def heygen_emulator() -> Iterator[Emulator]:
    """A running emulator (key `sk-emulator`, clock 1000x) on a free loopback port."""
    # Imported here so that merely installing the package costs pytest nothing at start-up.
    from heygen_async.emulator._config import EmulatorConfig  # noqa: PLC0415
    from heygen_async.emulator._server import EmulatorThread  # noqa: PLC0415

    with EmulatorThread(EmulatorConfig(api_keys=("sk-emulator",), speed=1000.0)) as emulator:
        yield emulator
