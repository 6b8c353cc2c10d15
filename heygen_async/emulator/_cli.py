"""`heygen-async emulator`: run the emulator until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from heygen_async.emulator._config import EmulatorConfig
from heygen_async.emulator._server import Emulator

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("emulator", help="run a local HeyGen emulator")
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default: loopback only)")
    parser.add_argument("--port", type=int, default=8900, help="port (0 picks a free one)")
    parser.add_argument(
        "--api-key",
        action="append",
        dest="api_keys",
        metavar="KEY",
        help="accepted key, one tenant each; repeat for several (default: sk-emulator)",
    )
    parser.add_argument("--speed", type=float, default=1.0, help="clock speed-up over real time")
    parser.add_argument("--render-slots", type=int, default=10, help="renders in flight per key")
    parser.add_argument("--credits", type=float, default=1000.0, help="starting credits per key")
    parser.add_argument("--request-rate", type=float, default=None, help="requests/s per key")
    parser.add_argument("--seed", type=int, default=0, help="seed for fault injection")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    config = EmulatorConfig(
        api_keys=tuple(args.api_keys or ("sk-emulator",)),
        speed=args.speed,
        render_slots=args.render_slots,
        credits=args.credits,
        request_rate=args.request_rate,
        seed=args.seed,
    )
    asyncio.run(_serve(config, args.host, args.port))
    return 0


async def _serve(config: EmulatorConfig, host: str, port: int) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with Emulator(config, host=host, port=port) as emu:
        print(f"HeyGen emulator listening on {emu.url}", flush=True)  # noqa: T201  # the CLI's output
        with contextlib.suppress(asyncio.CancelledError):
            await stop.wait()
    print("HeyGen emulator stopped", flush=True)  # noqa: T201  # the CLI's output
