"""`make bench` / `python -m benchmarks [--quick]`: every benchmark, one JSON summary.

Each benchmark runs in a fresh process of its own (peak memory and CPU time are per process),
and each starts its emulator in yet another process. A full run writes
`benchmarks/results/latest.json`, the plot `benchmarks/results/throughput.png` and the table in
`benchmarks/README.md`; a quick run (small N, under a minute) prints the same keys and writes
`benchmarks/results/quick.json` only, so it never overwrites the published figures.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks._report import write_plot, write_table

HERE = Path(__file__).parent
RESULTS = HERE / "results"
# Cheapest first, so a broken setup shows up at once.
BENCHMARKS = ("emulator_rps", "overhead", "polls_per_video", "scale", "throughput", "peers")


def run_one(name: str, quick: bool) -> dict[str, Any]:
    command = [sys.executable, "-m", f"benchmarks.{name}", *(["--quick"] if quick else [])]
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=HERE.parent)  # noqa: S603  # our own modules
    print(f"{name}: {time.monotonic() - started:.0f} s", file=sys.stderr)  # progress
    if done.returncode != 0:
        # One broken benchmark must not lose the others' figures.
        return {name: {"error": done.stderr.strip().splitlines()[-1:] or ["failed"]}}
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def headline(results: dict[str, Any]) -> dict[str, Any]:
    """The summary printed at the end: each key's main figure, without the time series."""
    short = json.loads(json.dumps(results))
    for mode in ("webhooks", "polling"):
        short.get("throughput_efficiency", {}).get(mode, {}).pop("finish_times", None)
    return short


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small N, under a minute")
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, help="run only these")
    args = parser.parse_args()
    results: dict[str, Any] = {
        "meta": {
            "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores",
            "quick": args.quick,
        }
    }
    RESULTS.mkdir(exist_ok=True)
    target = RESULTS / ("quick.json" if args.quick else "latest.json")
    if args.only and target.exists():
        # A subset re-measures its keys and keeps the others' figures (and their date).
        results = {**json.loads(target.read_text(encoding="utf-8")), "meta": results["meta"]}
    for name in args.only or BENCHMARKS:
        results.update(run_one(name, args.quick))
    target.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    if not args.quick:
        write_plot(results, RESULTS / "throughput.png")
        write_table(results, HERE / "README.md")
    print(json.dumps(headline(results), indent=2))  # the summary


if __name__ == "__main__":
    main()
