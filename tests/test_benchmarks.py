"""The benchmark harness's own arithmetic and report: the figures are measured by `make bench`,
never asserted here."""

from __future__ import annotations

from pathlib import Path

from benchmarks import _report, throughput
from benchmarks._workload import distinct_photos
from heygen_async._photos import check_photo


def test_ideal_time_is_the_binding_limit() -> None:
    settings = {"jobs": 2000, "render_slots": 100, "render_seconds": 2.0, "request_rate": 400.0}
    assert throughput.ideal_seconds(settings, 3) == 40.0  # renders bind: 2000 * 2 / 100
    assert throughput.ideal_seconds(settings, 30) == 150.0  # requests bind: 2000 * 30 / 400


async def test_distinct_photos_are_valid_and_all_different(tmp_path: Path) -> None:
    photos = distinct_photos(tmp_path, 5, portraits=2)
    infos = [await check_photo(path) for path in photos]
    assert len({info.sha256 for info in infos}) == 5
    assert {info.content_type for info in infos} == {"image/jpeg"}


def test_table_replaces_only_the_marked_block(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{_report.START}\nold\n{_report.END}\noutro\n", encoding="utf-8")
    results = {
        "meta": {"date": "2026-11-25", "machine": "x86_64, 2 cores", "python": "3.11.7"},
        "emulator_rps": {"rps": 4850},
        "peers": {
            "jobs": 500,
            "ours": {
                "wall_seconds": 30.0,
                "completed": 500,
                "failed": 0,
                "http_429": 0,
                "duplicate_renders": 0,
            },
            "requests_threads": {"error": ["boom"]},
        },
    }
    _report.write_table(results, readme)
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("intro\n")
    assert text.endswith("outro\n")
    assert "old" not in text
    assert "| `emulator_rps` | 4850 requests/s on one core | - |" in text
    assert "| ours | 30.0 | 500 | 0 | 0 | 0 |" in text
    assert "| requests_threads | error: ['boom'] |" in text
