"""Turning `latest.json` into what people read: the plot and the table in benchmarks/README.md."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

__all__ = ["table", "write_plot", "write_table"]

START, END = "<!-- results:start -->", "<!-- results:end -->"


def write_plot(results: dict[str, Any], target: Path) -> None:
    """Finished jobs over time, webhooks and polling, against the ideal line."""
    import matplotlib as mpl  # noqa: PLC0415  # only `make bench` needs matplotlib

    mpl.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    throughput = results.get("throughput_efficiency", {})
    if "settings" not in throughput:
        return
    jobs = throughput["settings"]["jobs"]
    figure, axes = plt.subplots(figsize=(8, 4.5), dpi=120)
    for mode, colour in (("webhooks", "tab:blue"), ("polling", "tab:orange")):
        times = throughput[mode]["finish_times"]
        efficiency = throughput[mode]["efficiency"]
        label = f"{mode} (efficiency {efficiency:.2f})"
        axes.step(times, range(1, len(times) + 1), where="post", color=colour, label=label)
    ideal = throughput["webhooks"]["ideal_seconds"]
    axes.plot([0, ideal], [0, jobs], "k--", label=f"ideal: {jobs} jobs in {ideal:.0f} s")
    settings = throughput["settings"]
    axes.set_title(
        f"{jobs} photo -> video jobs, {settings['render_slots']} render slots, "
        f"{settings['render_seconds']:g} s renders, {settings['request_rate']:g} requests/s"
    )
    axes.set_xlabel("seconds since the batch started")
    axes.set_ylabel("videos finished")
    axes.legend(loc="lower right")
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(target)
    plt.close(figure)


def write_table(results: dict[str, Any], readme: Path) -> None:
    """Replace the block between the results markers of the README with a fresh table."""
    text = readme.read_text(encoding="utf-8")
    block = f"{START}\n{table(results)}\n{END}"
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.DOTALL)
    readme.write_text(pattern.sub(lambda _: block, text), encoding="utf-8")


def table(results: dict[str, Any]) -> str:
    meta = results.get("meta", {})
    lines = [
        (
            f"Measured {meta.get('date', '?')} on {meta.get('machine', '?')}, "
            f"Python {meta.get('python', '?')}."
        ),
        "",
        "| key | figure | goal |",
        "| --- | --- | --- |",
    ]
    for key, figure, goal in _rows(results):
        lines.append(f"| `{key}` | {figure} | {goal} |")
    lines += ["", *_peer_lines(results.get("peers", {}))]
    return "\n".join(lines)


def _rows(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    rows = []
    if (t := results.get("throughput_efficiency", {})) and "webhooks" in t:
        webhooks, polling = t["webhooks"], t["polling"]
        rows.append(
            (
                "throughput_efficiency",
                (
                    f"{webhooks['efficiency']:.3f} with webhooks ({webhooks['actual_seconds']} s "
                    f"against an ideal {webhooks['ideal_seconds']} s); {polling['efficiency']:.3f} "
                    f"polling on the default schedule"
                ),
                ">= 0.95",
            )
        )
    if (o := results.get("overhead_ratio", {})) and "ratio" in o:
        rows.append(
            (
                "overhead_ratio",
                (
                    f"{o['ratio']:.3f} (status {o['status']['client_us_per_call']} us vs "
                    f"{o['status']['raw_us_per_call']} us raw; create "
                    f"{o['create']['client_us_per_call']} us vs "
                    f"{o['create']['raw_us_per_call']} us)"
                ),
                "<= 1.15",
            )
        )
    if (s := results.get("scale_10k", {})) and "peak_rss_mb" in s:
        rows.append(
            (
                "scale_10k",
                (
                    f"{s['jobs']} jobs, {s['peak_renders_in_flight']} renders in flight at once: "
                    f"peak RSS {s['peak_rss_mb']} MB, worst loop lag {s['worst_loop_lag_ms']} ms "
                    f"(p99 {s['p99_loop_lag_ms']} ms); with `BatchLimits(freeze_gc=True)` "
                    f"{s.get('freeze_gc', {}).get('worst_loop_lag_ms', '?')} ms "
                    f"(p99 {s.get('freeze_gc', {}).get('p99_loop_lag_ms', '?')} ms)"
                ),
                "< 200 MB, < 100 ms",
            )
        )
    if (p := results.get("polls_per_video", {})) and "polling" in p:
        rows.append(
            (
                "polls_per_video",
                (
                    f"{p['polls_per_video']} status calls per video polling, "
                    f"{p['webhooks']['polls_per_video']} with webhooks; render time / smallest "
                    f"interval = {p['render_time_over_smallest_interval']:g}"
                ),
                "as few as the schedule allows",
            )
        )
    if (e := results.get("emulator_rps", {})) and "rps" in e:
        rows.append(("emulator_rps", f"{e['rps']} requests/s on one core", "-"))
    return rows


def _peer_lines(peers: dict[str, Any]) -> list[str]:
    contenders = [
        name for name, value in peers.items() if isinstance(value, dict) and name != "emulator"
    ]
    if not contenders:
        return []
    lines = [
        f"`peers`: the same {peers.get('jobs', '?')}-job workload, each against a fresh emulator.",
        "",
        "| contender | wall s | completed | failed | 429s | duplicate renders |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name in contenders:
        row = peers[name]
        if "error" in row:
            lines.append(f"| {name} | error: {row['error']} | | | | |")
            continue
        cells = [row.get(k, "") for k in ("wall_seconds", "completed", "failed", "http_429")]
        cells.append(row.get("duplicate_renders", ""))
        lines.append(f"| {name} | " + " | ".join(str(cell) for cell in cells) + " |")
    return lines
