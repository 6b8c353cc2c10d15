"""`heygen-async batch MANIFEST --out DIR`: the batch engine from the command line.

Exit status: 0 every job completed, 1 some failed, 2 the run could not start (bad manifest or
photos, unknown voices, no API key, journal in use), 130 interrupted (rerun to resume).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, aclosing, asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from heygen_async._errors import HeyGenError, MissingAPIKeyError
from heygen_async._polling import PollSchedule
from heygen_async.batch._engine import Batch
from heygen_async.batch._jobs import BatchJob, JobResult
from heygen_async.batch._limits import BatchLimits
from heygen_async.batch._manifest import ManifestError, load_manifest
from heygen_async.batch._plan import check_jobs
from heygen_async.batch._progress import ProgressView
from heygen_async.batch._report import REPORT_NAME, write_report
from heygen_async.batch._summary import print_plan, print_summary, say

if TYPE_CHECKING:
    from heygen_async._client import HeyGenClient

__all__ = ["EMULATOR_SPEED", "main", "register"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
# With --emulator a render of a short script (about 10 emulated seconds) takes a few real ones.
EMULATOR_SPEED = 4.0
EMULATOR_RATE = 50.0  # the embedded emulator has no request-rate limit
EMULATOR_POLL = PollSchedule(initial=0.25, factor=1.5, maximum=1.0, jitter=0.1)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `batch` subcommand; its handler is `args.handler(args) -> int`."""
    parser = subparsers.add_parser(
        "batch",
        help="render every row of a manifest (CSV or JSONL) into a video",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_arguments(parser)
    parser.set_defaults(handler=run)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = BatchLimits()
    parser.add_argument("manifest", type=Path, help="CSV or JSONL manifest of jobs")
    parser.add_argument("--out", type=Path, required=True, help="directory for videos and report")
    parser.add_argument("--journal", type=Path, help="journal file (default OUT/journal.sqlite)")
    parser.add_argument(
        "--concurrency",
        type=_positive_int,
        default=defaults.concurrency,
        help="jobs being prepared and submitted at once",
    )
    parser.add_argument(
        "--rate",
        type=_positive_float,
        help=f"API requests/s (default {defaults.rate:g}; {EMULATOR_RATE:g} with --emulator)",
    )
    parser.add_argument(
        "--render-slots",
        type=_positive_int,
        default=defaults.render_slots,
        help="renders in flight at once (halves on 429, grows back)",
    )
    parser.add_argument(
        "--poll-initial", type=_positive_float, default=5.0, help="first status poll after (s)"
    )
    parser.add_argument(
        "--poll-max", type=_positive_float, default=30.0, help="longest wait between polls (s)"
    )
    parser.add_argument(
        "--emulator", action="store_true", help="run against an embedded local HeyGen emulator"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="check everything and print the plan and its cost"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress output")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point for `python -m heygen_async.batch` (same as `heygen-async batch`)."""
    parser = argparse.ArgumentParser(prog="heygen-async batch", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))


def run(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(run_async(args))
    except KeyboardInterrupt:
        say("interrupted: run the same command again to resume", stream=sys.stderr)
        return EXIT_INTERRUPTED


async def run_async(args: argparse.Namespace) -> int:
    try:
        jobs = await asyncio.to_thread(load_manifest, args.manifest)
        async with _client(args) as client:
            plan = await check_jobs(client, jobs)
            if args.dry_run:
                print_plan(plan, voices_checked=client is not None)
                return EXIT_OK
            return await _run_batch(args, _required(client), jobs)
    except ManifestError as exc:
        say(f"{args.manifest}: {exc.message}", stream=sys.stderr)
    except HeyGenError as exc:
        # Job failures never get here (they are results): this is a run that could not start
        # (bad photo or voice, no or wrong key, unreachable API) or a journal it cannot use.
        say(f"error: {exc}", stream=sys.stderr)
    return EXIT_USAGE


def _required(client: HeyGenClient | None) -> HeyGenClient:
    if client is None:  # only a dry run goes without a key
        raise MissingAPIKeyError
    return client


async def _run_batch(args: argparse.Namespace, client: HeyGenClient, jobs: list[BatchJob]) -> int:
    rate = args.rate or (EMULATOR_RATE if args.emulator else BatchLimits().rate)
    limits = BatchLimits(rate=rate, render_slots=args.render_slots, concurrency=args.concurrency)
    live = sys.stdout.isatty()
    view = ProgressView(len(jobs), live=live, enabled=not args.no_progress)
    batch = Batch(
        client,
        jobs,
        args.out,
        journal=args.journal,
        limits=limits,
        poll=EMULATOR_POLL if args.emulator else _poll_schedule(args),
        on_event=view.on_event,
    )
    results: dict[str, JobResult] = {}
    with view:
        async with aclosing(batch.run()) as stream:
            async for result in stream:
                results[result.job_id] = result
                view.on_result(result, len(results))
    report = await write_report(args.out / REPORT_NAME, [results[job.id] for job in jobs])
    print_summary(batch.summary, list(results.values()), report=report, stats=batch.stats)
    return EXIT_OK if batch.summary.ok else EXIT_FAILED


@asynccontextmanager
async def _client(args: argparse.Namespace) -> AsyncIterator[HeyGenClient | None]:
    """The client to use: an embedded emulator's, the real API's, or None for a dry run
    without a key (then voices cannot be checked)."""
    from heygen_async._client import HeyGenClient  # noqa: PLC0415 - keeps --help fast

    async with AsyncExitStack() as stack:
        if args.emulator:
            api_key, url = await _start_emulator(stack)
            client = HeyGenClient(api_key, base_url=url, upload_url=url)
        elif args.dry_run and not os.environ.get("HEYGEN_API_KEY"):
            yield None
            return
        else:
            client = HeyGenClient()
        await stack.enter_async_context(client)
        yield client


async def _start_emulator(stack: AsyncExitStack) -> tuple[str, str]:
    from heygen_async.emulator import Emulator, EmulatorConfig  # noqa: PLC0415 - optional path

    api_key = f"sk-emulator-{secrets.token_hex(8)}"
    config = EmulatorConfig(api_keys=(api_key,), speed=EMULATOR_SPEED)
    emulator: Any = await stack.enter_async_context(Emulator(config))
    return api_key, str(emulator.url)


def _poll_schedule(args: argparse.Namespace) -> PollSchedule:
    maximum = max(args.poll_initial, args.poll_max)
    return PollSchedule(initial=args.poll_initial, factor=1.5, maximum=maximum, jitter=0.1)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be positive")
    return value
