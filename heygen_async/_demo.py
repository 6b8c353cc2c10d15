"""`make demo`: a dozen personalised videos rendered end to end against the embedded emulator.

Writes synthetic portraits and a manifest into ./demo-out, then runs exactly what
`heygen-async batch demo-out/manifest.csv --out demo-out --emulator` runs. The people and their
scripts live in examples/demo/people.csv.
"""

from __future__ import annotations

import asyncio
import csv
import sys
from pathlib import Path

from heygen_async._samples import portrait_jpeg
from heygen_async.batch._cli import main as batch_main
from heygen_async.batch._journal import JOURNAL_NAME
from heygen_async.batch._manifest import MANIFEST_FIELDS
from heygen_async.batch._report import REPORT_NAME
from heygen_async.batch._summary import say
from heygen_async.emulator import DEFAULT_VOICE_ID

OUT = Path("demo-out")
PEOPLE = Path(__file__).resolve().parent.parent / "examples" / "demo" / "people.csv"


def main() -> int:
    manifest = asyncio.run(prepare(OUT))
    code = batch_main([str(manifest), "--out", str(OUT), "--emulator"])
    videos = sorted(OUT.glob("*.mp4"))
    say(f"\n{len(videos)} videos in {OUT.resolve()}/ (report: {OUT / REPORT_NAME})")
    return code


async def prepare(out: Path) -> Path:
    """Portraits and manifest for the demo; returns the manifest's path."""
    people = await asyncio.to_thread(_read_people)
    photos = out / "photos"
    await asyncio.to_thread(photos.mkdir, parents=True, exist_ok=True)
    await asyncio.gather(
        *(
            _write_portrait(photos / f"{person['id']}.jpg", seed)
            for seed, person in enumerate(people)
        )
    )
    return await asyncio.to_thread(_write_manifest, out, people)


async def _write_portrait(path: Path, seed: int) -> None:
    data = await asyncio.to_thread(portrait_jpeg, seed)
    await asyncio.to_thread(path.write_bytes, data)


def _read_people() -> list[dict[str, str]]:
    if not PEOPLE.is_file():
        raise SystemExit(f"demo data not found: {PEOPLE} (run the demo from a source checkout)")
    with PEOPLE.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _write_manifest(out: Path, people: list[dict[str, str]]) -> Path:
    # Every demo run uses a fresh embedded emulator, so video ids from an earlier run mean
    # nothing to it: start from an empty journal.
    for stale in (JOURNAL_NAME, f"{JOURNAL_NAME}-wal", f"{JOURNAL_NAME}-shm", REPORT_NAME):
        (out / stale).unlink(missing_ok=True)
    manifest = out / "manifest.csv"
    with manifest.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=MANIFEST_FIELDS)
        writer.writeheader()
        for person in people:
            writer.writerow(
                {
                    "id": person["id"],
                    "photo": f"photos/{person['id']}.jpg",
                    "script": person["script"],
                    "voice_id": DEFAULT_VOICE_ID,
                    "kind": person["kind"],
                    "orientation": person["orientation"],
                    "fit": person["fit"],
                    "motion_prompt": person["motion_prompt"],
                    "title": f"For {person['name']}",
                }
            )
    return manifest


if __name__ == "__main__":
    sys.exit(main())
