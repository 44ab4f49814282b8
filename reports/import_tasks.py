"""The job that imports a records bundle uploaded on the staff page (``reports.records_import``).

Kept apart from ``reports/tasks.py``; it retries the same temporary errors as the other jobs (``jobs.RETRY``), and
runs again harmlessly: an import that finished is not run twice, and importing a bundle twice equals once.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from reports import records_import
from studygroup import jobs

TRANSIENT = jobs.TRANSIENT


# One all-or-nothing transaction that may run long (a province's bundle): acknowledged on receipt, so the broker
# never hands it to a second worker while the first still imports (the visibility timeout is minutes); a worker
# that dies rolls the import back and the run shows 已中断 for staff to upload again. Its own time limits.
LONG_JOB = {
    **jobs.RETRY,
    "acks_late": False,
    "soft_time_limit": settings.IMPORT_TIME_LIMIT_SECONDS,
    "time_limit": settings.IMPORT_TIME_LIMIT_SECONDS + 60,
}


@shared_task(name="reports.import_records", **LONG_JOB)
def import_records(records_import_id: int) -> int:
    """Import the stored bundle of one ``RecordsImport``; return how many records it created or changed."""
    try:
        done = records_import.records_import_run(records_import_id=records_import_id)
    except TRANSIENT:
        records_import.interrupted(records_import_id)
        raise
    return (done.written or 0) if done is not None else 0
