"""The job that imports a records bundle uploaded on the staff page (``reports.records_import``).

Kept apart from ``reports/tasks.py``; it retries the same temporary errors as the other jobs (``jobs.RETRY``), and
runs again harmlessly: an import that finished is not run twice, and importing a bundle twice equals once.
"""

from __future__ import annotations

from celery import shared_task

from reports import records_import
from studygroup import jobs

TRANSIENT = jobs.TRANSIENT


@shared_task(name="reports.import_records", **jobs.RETRY)
def import_records(records_import_id: int) -> int:
    """Import the stored bundle of one ``RecordsImport``; return how many records it created or changed."""
    try:
        done = records_import.records_import_run(records_import_id=records_import_id)
    except TRANSIENT:
        records_import.interrupted(records_import_id)
        raise
    return (done.written or 0) if done is not None else 0
