"""A CSV of people to personalised videos, with a line of progress per finished job.

The CSV has the manifest columns (id, photo, script, voice_id, kind, ...); photo paths are
relative to the CSV. Re-run it after a crash: the journal in the output folder resumes the batch
without paying for any render twice.

    HEYGEN_API_KEY=... python examples/bulk_personalized.py people.csv videos/
"""

import asyncio
import sys

from heygen_async import HeyGenClient
from heygen_async.batch import Batch, BatchLimits, load_manifest


async def main(manifest: str, out_dir: str) -> int:
    jobs = load_manifest(manifest)
    async with HeyGenClient() as client:
        batch = Batch(client, jobs, out_dir, limits=BatchLimits(rate=5.0, render_slots=10))
        async for result in batch.run():
            detail = result.output or result.error
            print(
                f"[{batch.summary.completed + batch.summary.failed}/{len(jobs)}] "
                f"{result.job_id} {result.status.value} {detail}"
            )
    summary = batch.summary
    print(f"{summary.completed} completed, {summary.failed} failed")
    return 0 if summary.ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], sys.argv[2])))
