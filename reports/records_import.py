"""Importing a records bundle from the staff page as a job: check a small upload at once, store the file, run
the import in a worker with its progress, keep the result for the page.

``records_import_start`` stores the upload in ``default_storage`` (so every web node and worker sees it),
records a ``RecordsImport`` and its ``TaskRun`` and queues ``reports.import_records`` through the outbox
(``enqueue``, the one place that queues it). ``records_import_run`` is what the job does: it reads the
file, imports it all or nothing (``reports.bundle.importer``), writes the progress where the page reads it while
the import's transaction is still open (the cache), then the result, and deletes the file.
"""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reports import extensions
from reports.bundle import schema as bundle_schema
from reports.bundle.importer import BundleError, import_bundle, load
from reports.bundle.schema import SCHEMA
from reports.models import RecordsImport, TaskRun
from studygroup import access, outbox
from studygroup.models import Organization, User

JOB = "import_records"
PROGRESS_SECONDS = 24 * 60 * 60


class _DryRun(Exception):
    """Undo a check's writes."""


def check_now(upload) -> bool:
    """Whether the page checks the upload itself before queueing it (small files: the answer comes at once)."""
    return upload.size <= settings.RECORDS_CHECK_IN_PAGE_BYTES


def records_import_check(*, raw: bytes, organization: Organization, by: User) -> list[str]:
    """Every problem an import of ``raw`` into ``organization``'s subtree would meet, writing nothing."""
    access.require(by, "reports.import_into", organization)
    try:
        with transaction.atomic():
            import_bundle(raw, root=organization, by=by)
            raise _DryRun
    except BundleError as exc:
        return exc.errors
    except _DryRun:
        return []


@transaction.atomic
def records_import_start(*, upload, organization: Organization, by: User, ip_address: str | None) -> RecordsImport:
    """Store the uploaded bundle, record its import and run, and queue the job once this commits."""
    access.require(by, "reports.import_into", organization)
    upload.seek(0)
    token = uuid.uuid4().hex
    stored = default_storage.save(f"{RecordsImport.STORED_UNDER}/{organization.pk}/{token}.json", upload)
    run = TaskRun.objects.create(name=JOB, key=f"records-import:{token}", organization=organization, triggered_by=by)
    records_import = RecordsImport.objects.create(
        organization=organization,
        uploaded_by=by,
        ip_address=ip_address,
        file_name=(upload.name or "")[:255],
        stored_name=stored,
        size=upload.size,
        run=run,
    )
    enqueue(records_import.pk)
    return records_import


def enqueue(records_import_id: int) -> None:
    """Queue the import job through the outbox, in the caller's transaction (the one place that queues it)."""
    outbox.enqueue(
        "reports.import_records", key=f"records-import:{records_import_id}", records_import_id=records_import_id
    )


def by_part(errors: list[str]) -> list[tuple[str, list[str]]]:
    """The problems grouped under the part of the file they are in, each part called as the page calls it
    (``学习会``, ``人员``…); problems of the whole document or of no part come first, without a heading."""
    groups: dict[str, list[str]] = {}
    for error in errors:
        name = re.split(r"[\[.:：]", error, maxsplit=1)[0]
        groups.setdefault(name if name in SCHEMA or name in extensions.BUNDLE_PARTS else "", []).append(error)
    return [(str(bundle_schema.label_of(name)) if name else "", found) for name, found in groups.items()]


def steps() -> int:
    """How many steps the progress counts: the check, then each list of the format and of the apps above."""
    return 1 + len(SCHEMA) + len([name for name in extensions.BUNDLE_PARTS if name not in SCHEMA])


def progress_key(records_import_id: int) -> str:
    return f"records-import:{records_import_id}:progress"


def progress_of(records_import: RecordsImport) -> tuple[int, int]:
    """Steps done and steps in all, as the job last wrote them (the run holds them once it has finished)."""
    run = records_import.run
    if records_import.is_finished or run is None:
        return (run.done, run.total) if run else (0, 0)
    return tuple(cache.get(progress_key(records_import.pk), (run.done, run.total or steps())))


def records_import_run(*, records_import_id: int) -> RecordsImport | None:
    """Import the stored bundle all or nothing and keep the result; again after it finished, nothing happens."""
    records_import = RecordsImport.objects.select_related("run", "organization", "uploaded_by").filter(
        pk=records_import_id
    )
    records_import = records_import.first()
    if records_import is None or records_import.is_finished:
        return records_import
    run, total = records_import.run, steps()
    run.state, run.started_at, run.total, run.done = TaskRun.State.RUNNING, timezone.now(), total, 0
    run.save(update_fields=["state", "started_at", "total", "done"])
    done = 1
    cache.set(progress_key(records_import.pk), (done, total), PROGRESS_SECONDS)

    def progress(_section: str, _count: int) -> None:
        nonlocal done
        done += 1
        # The import's transaction is open: the page reads the progress from the cache, not from the run.
        cache.set(progress_key(records_import.pk), (min(done, total), total), PROGRESS_SECONDS)

    with transaction.atomic():
        try:
            # Parsed straight from the file: the bytes are gone before the import holds the document.
            with default_storage.open(records_import.stored_name, "rb") as stored:
                document = load(stored.read())
            imported = import_bundle(
                document,
                root=records_import.organization,
                by=records_import.uploaded_by,
                ip_address=records_import.ip_address,
                progress=progress,
            )
        except BundleError as exc:
            records_import.errors = exc.errors
            message = _("%(count)d problems found; nothing was imported.") % {"count": len(exc.errors)}
            _finish(records_import, TaskRun.State.FAILED, message, done=done)
        else:
            records_import.counts, records_import.written = imported.counts, imported.written
            _finish(records_import, TaskRun.State.SUCCEEDED, "", done=total)
    default_storage.delete(records_import.stored_name)
    cache.delete(progress_key(records_import.pk))
    return records_import


def _finish(records_import: RecordsImport, state: str, message: str, *, done: int) -> None:
    run = records_import.run
    run.state, run.finished_at, run.message, run.done = state, timezone.now(), message, done
    run.save(update_fields=["state", "finished_at", "message", "done"])
    records_import.finished_at = run.finished_at
    records_import.save(update_fields=["errors", "counts", "written", "finished_at"])


def interrupted(records_import_id: int) -> None:
    """A temporary error stopped the job: the run waits for the retry."""
    TaskRun.objects.filter(records_import__pk=records_import_id).update(
        state=TaskRun.State.PENDING, message=_("Interrupted by a temporary error; it will be retried.")
    )
