"""The batch engine: a manifest of photos and scripts in, finished videos out.

```python
jobs = load_manifest("people.csv")
async with HeyGenClient() as client:
    batch = Batch(client, jobs, "out")
    async for result in batch.run():
        print(result.job_id, result.status)
```
"""

from heygen_async.batch._engine import Batch, run_batch
from heygen_async.batch._events import BatchEvent
from heygen_async.batch._jobs import BatchJob, BatchSummary, JobKind, JobResult, JobStatus, Stage
from heygen_async.batch._journal import JournalError
from heygen_async.batch._limits import BatchLimits
from heygen_async.batch._manifest import ManifestError, load_manifest
from heygen_async.batch._plan import Plan, check_jobs, estimate_credits
from heygen_async.batch._report import write_report
from heygen_async.batch._stages import NotSubmittedError

__all__ = [
    "Batch",
    "BatchEvent",
    "BatchJob",
    "BatchLimits",
    "BatchSummary",
    "JobKind",
    "JobResult",
    "JobStatus",
    "JournalError",
    "ManifestError",
    "NotSubmittedError",
    "Plan",
    "Stage",
    "check_jobs",
    "estimate_credits",
    "load_manifest",
    "run_batch",
    "write_report",
]
