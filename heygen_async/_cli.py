"""The `heygen-async` command: one subcommand per verb, each registered by its own module."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from heygen_async._version import __version__
from heygen_async.batch._cli import register as register_batch
from heygen_async.emulator._cli import register as register_emulator

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="heygen-async", description="HeyGen SDK tools")
    parser.add_argument("--version", action="version", version=f"heygen-async {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True)
    register_batch(subparsers)
    register_emulator(subparsers)
    args = parser.parse_args(argv)
    exit_code: int = args.handler(args)
    return exit_code
