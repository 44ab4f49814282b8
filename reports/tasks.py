"""Celery jobs of the reports app. Each takes plain values, calls services, records a ``TaskRun`` and is
idempotent: a digest per organization and month however often it runs, a published one never overwritten."""

from __future__ import annotations

import datetime

from celery import shared_task
from django.core.cache import cache
from django.db import InterfaceError, OperationalError
from django.utils import timezone
from django.utils.translation import gettext as _

from reports import services
from reports.models import TaskRun
from studygroup.models import Organization, StudyGroup

TRANSIENT = (OperationalError, InterfaceError, ConnectionError, TimeoutError)
LOCK_SECONDS = 50 * 60


def previous_month(today: datetime.date | None = None) -> tuple[int, int]:
    today = today or timezone.localdate()
    return (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)


def organizations_with_groups(root: Organization | None = None) -> list[Organization]:
    """Every organization with a study group in its subtree (itself included), in tree order."""
    groups = StudyGroup.objects.filter(is_active=True)
    if root is not None:
        groups = groups.filter(organization__path__startswith=root.path)
    paths = set()
    for path in groups.values_list("organization__path", flat=True):
        paths.update(Organization.ancestor_paths(path, include_self=True))
    queryset = Organization.objects.filter(path__in=paths)
    if root is not None:
        queryset = queryset.filter(path__startswith=root.path)
    return list(queryset.order_by("path"))


def _finish(run: TaskRun, state: str, message: str = "") -> None:
    run.state, run.finished_at, run.message = state, timezone.now(), message
    run.save(update_fields=["state", "finished_at", "message"])


@shared_task(bind=True, name="reports.compile_digests", autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def compile_digests(
    self,
    year: int | None = None,
    month: int | None = None,
    organization_id: int | None = None,
    run_id: int | None = None,
) -> int:
    """Compile the month's digest of every organization with groups (or one subtree); return how many."""
    if year is None or month is None:
        year, month = previous_month()
    root = Organization.objects.filter(pk=organization_id).first() if organization_id else None
    key = f"digests:{year}-{month:02d}:{organization_id or 'all'}"
    run = TaskRun.objects.filter(pk=run_id).first() if run_id else None
    if run is None:
        run = TaskRun.objects.create(name="compile_digests", key=key, organization=root)
    lock = f"lock:{key}"
    holder = self.request.id or "local"
    # The same task delivered again after its worker process died still holds the lock: let it carry on.
    if not cache.add(lock, holder, LOCK_SECONDS) and cache.get(lock) != holder:
        _finish(run, TaskRun.State.SKIPPED, _("Skipped: the previous run of this job is still going."))
        return 0
    try:
        organizations = organizations_with_groups(root)
        run.state, run.started_at, run.total, run.done = TaskRun.State.RUNNING, timezone.now(), len(organizations), 0
        run.save(update_fields=["state", "started_at", "total", "done"])
        for organization in organizations:
            services.digest_compile(organization=organization, year=year, month=month, by=run.triggered_by)
            run.done += 1
            TaskRun.objects.filter(pk=run.pk).update(done=run.done)
        _finish(run, TaskRun.State.SUCCEEDED)
        return len(organizations)
    except TRANSIENT:
        _finish(run, TaskRun.State.PENDING, _("Interrupted by a temporary error; it will be retried."))
        raise
    except Exception as exc:
        _finish(run, TaskRun.State.FAILED, _("Compiling failed: %(error)s") % {"error": exc})
        return 0
    finally:
        cache.delete(lock)


@shared_task(name="reports.year_summary_drafts", autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def year_summary_drafts(year: int | None = None) -> int:
    """On 20 December, draft every group's year summary from its figures (saved ones are left alone)."""
    from reports import narrative
    from reports.figures import year_figures

    year = year or timezone.localdate().year
    run = TaskRun.objects.create(
        name="year_summary_drafts", key=f"summaries:{year}", state=TaskRun.State.RUNNING, started_at=timezone.now()
    )
    groups = list(StudyGroup.objects.filter(is_active=True).select_related("organization"))
    run.total = len(groups)
    run.save(update_fields=["total"])
    for group in groups:
        figures = year_figures(group.organization, year)
        services.summary_draft(
            group=group, year=year, text=narrative.draft(organization=group.organization, year=year, figures=figures)
        )
        run.done += 1
        TaskRun.objects.filter(pk=run.pk).update(done=run.done)
    _finish(run, TaskRun.State.SUCCEEDED)
    return len(groups)


@shared_task(name="reports.daily_reminders", autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def daily_reminders() -> int:
    """Remind once a day: pre-study, make-ups due, observer reviews and reports due, overdue actions."""
    from reports.reminders import send_all

    today = timezone.localdate()
    key = f"reminders:{today:%Y-%m-%d}"
    if TaskRun.objects.filter(key=key, state=TaskRun.State.SUCCEEDED).exists():
        return 0
    run = TaskRun.objects.create(
        name="daily_reminders", key=key, state=TaskRun.State.RUNNING, started_at=timezone.now()
    )
    sent = send_all(today)
    run.done = run.total = sent
    run.save(update_fields=["done", "total"])
    _finish(run, TaskRun.State.SUCCEEDED)
    return sent


@shared_task(name="reports.refresh_rollups", autoretry_for=TRANSIENT, retry_backoff=True, max_retries=3)
def refresh_rollups(year: int | None = None) -> int:
    """Rebuild the dashboard rollups of the year (every few minutes, so new records show within minutes)."""
    from reports.rollups import rebuild

    year = year or timezone.localdate().year
    lock = f"lock:rollups:{year}"
    if not cache.add(lock, "1", LOCK_SECONDS):
        return 0
    try:
        return rebuild(year)
    finally:
        cache.delete(lock)
