"""A faithful local HeyGen server: validation, async renders, limits, credits, webhooks, faults."""

from heygen_async.emulator._catalog import DEFAULT_VOICE_ID, VOICES
from heygen_async.emulator._clock import Clock
from heygen_async.emulator._config import EmulatorConfig, FaultConfig
from heygen_async.emulator._faults import FAULT_KINDS, FaultInjector
from heygen_async.emulator._server import Emulator, EmulatorThread
from heygen_async.emulator._state import RequestRecord

__all__ = [
    "DEFAULT_VOICE_ID",
    "FAULT_KINDS",
    "VOICES",
    "Clock",
    "Emulator",
    "EmulatorConfig",
    "EmulatorThread",
    "FaultConfig",
    "FaultInjector",
    "RequestRecord",
]
