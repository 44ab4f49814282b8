"""The run record of a job (``TaskRun``): one per job key, carried on by redeliveries, its progress counted once
per item however often an item is delivered, its heartbeat renewed with the job's lease.

A job's first task (``open_run`` then ``begin``) takes the lease of its key and fans out one task per
organization or chunk; each of those calls ``run_items``, which renews the heartbeat, does the work of an item and
counts it in the same transaction (a claim ``run<id>:<holder>:<item>`` makes the count exactly once), or records
the item's failure on the run and goes on with the others; ``run_chunk`` does a chunk's items together and counts
them in one transaction, and falls back to ``run_items`` when that fails. The last task (``finish``) sets the
outcome and lets the lease go.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from reports.models import TaskRun
from studygroup import jobs
from studygroup.models import JobClaim

# How many failed items the run lists by name (the count covers them all).
FAILED_LISTED = 50


def _going(run: TaskRun) -> bool:
    """A delivery is working on the run now (or it waits in the queue, asked for a moment ago)."""
    if run.state == TaskRun.State.RUNNING:
        return not run.is_interrupted
    if run.state == TaskRun.State.PENDING and run.heartbeat_at is not None:
        return (timezone.now() - run.heartbeat_at).total_seconds() <= settings.JOB_LEASE_SECONDS
    return False


@transaction.atomic
def open_run(*, name: str, key: str, organization=None, by=None, params: dict | None = None) -> tuple[TaskRun, bool]:
    """The run of ``key``, made ready to start: (run, True); or (run, False) if it is going already.

    The first time the record is created; a finished or interrupted run is started afresh in the same record.
    """
    run = TaskRun.objects.select_for_update().filter(key=key).first()
    if run is None:
        try:
            with transaction.atomic():
                run = TaskRun.objects.create(
                    name=name, key=key, organization=organization, triggered_by=by, params=params or {},
                    heartbeat_at=timezone.now(),
                )  # fmt: skip
            return run, True
        except IntegrityError:
            run = TaskRun.objects.select_for_update().get(key=key)
    if _going(run):
        return run, False
    run.state, run.started_at, run.finished_at, run.message = TaskRun.State.PENDING, None, None, ""
    run.done = run.total = run.failures = 0
    run.failed, run.holder, run.heartbeat_at = [], "", timezone.now()
    run.name, run.organization, run.triggered_by, run.params = name, organization, by, params or {}
    run.save()
    return run, True


def begin(run: TaskRun, holder: str, total: int) -> None:
    """``holder`` starts (or, delivered again, carries on) the run: running, with ``total`` items."""
    now = timezone.now()
    if run.holder == holder:  # a redelivery: the items counted so far stay counted
        TaskRun.objects.filter(pk=run.pk).update(state=TaskRun.State.RUNNING, heartbeat_at=now, total=total)
        return
    TaskRun.objects.filter(pk=run.pk).update(
        state=TaskRun.State.RUNNING, started_at=now, heartbeat_at=now, finished_at=None, holder=holder,
        total=total, done=0, failures=0, failed=[], message="",
    )  # fmt: skip


def heartbeat(run_id: int, holder: str, lease: str) -> bool:
    """A sign of life: renew the lease and the run's heartbeat. False if another run took the lease over."""
    if not jobs.lease_renew(lease, holder):
        return False
    TaskRun.objects.filter(pk=run_id, holder=holder).update(heartbeat_at=timezone.now())
    return True


def _count(run_id: int, holder: str, item: str) -> None:
    if jobs.claim(f"run{run_id}:{holder}:{item}"):
        TaskRun.objects.filter(pk=run_id).update(done=F("done") + 1, heartbeat_at=timezone.now())


def record_failure(run_id: int, holder: str, item: str, label: str, error: Exception) -> None:
    """Record on the run that ``item`` (shown as ``label``) failed; the other items go on."""
    with transaction.atomic():
        if not jobs.claim(f"run{run_id}:{holder}:{item}"):
            return
        run = TaskRun.objects.select_for_update().get(pk=run_id)
        run.failures += 1
        if len(run.failed) < FAILED_LISTED:
            run.failed.append({"item": label, "error": str(error)[:300]})
        run.heartbeat_at = timezone.now()
        run.save(update_fields=["failures", "failed", "heartbeat_at"])


def backoff(task) -> int:
    """The wait before the task's next retry, as ``jobs.RETRY`` sets it (grows to ``retry_backoff_max``)."""
    return min(task.retry_backoff_max, int(task.retry_backoff) * 2**task.request.retries)


def run_items(task, *, run_id: int, holder: str, lease: str, items: Iterable[tuple[str, str, Callable]]) -> int:
    """Do each item ``(key, label, work)`` of a run; return how many were done.

    Each item's work and its count commit together. A temporary fault (database gone) retries the task with
    backoff, its items done so far are not counted twice; past the last retry, or on any other error, the item is
    recorded as failed and the others go on. Stops at once if the run was taken over (its lease lost).
    """
    done = 0
    for item, label, work in items:
        if not heartbeat(run_id, holder, lease):
            return done
        if JobClaim.objects.filter(key=f"run{run_id}:{holder}:{item}").exists():
            continue  # done by an earlier delivery of this task
        done += _attempt(task, run_id, holder, item, label, work)
    return done


def run_chunk(
    task, *, run_id: int, holder: str, lease: str, items: list[tuple[str, str, Callable]], work: Callable
) -> int:
    """Do the items ``(key, label, work)`` of a chunk together; return how many were done.

    ``work(keys)`` does the items not done by an earlier delivery in one transaction, which counts them too (each
    once). A temporary fault retries the task as ``run_items`` does; any other fault (one item's bad record fails
    the whole chunk's work) does the items one by one with ``run_items``, so that fault is recorded as that item's
    and the others go on.
    """
    if not heartbeat(run_id, holder, lease):
        return 0
    claimed = set(
        JobClaim.objects.filter(key__in=[_claim_key(run_id, holder, key) for key, *_rest in items]).values_list(
            "key", flat=True
        )
    )
    todo = [item for item in items if _claim_key(run_id, holder, item[0]) not in claimed]
    tries = 0
    while todo:
        try:
            with transaction.atomic():
                work([key for key, *_rest in todo])
                _count_many(run_id, holder, [key for key, *_rest in todo])
            return len(todo)
        except jobs.TRANSIENT as exc:
            retries = task.request.retries + tries
            if retries >= task.max_retries or task.request.called_directly:
                break
            if not task.request.is_eager:
                raise task.retry(exc=exc, countdown=backoff(task)) from exc
            tries += 1
        except Exception:  # done item by item below, where the fault is recorded as the item's
            break
    return run_items(task, run_id=run_id, holder=holder, lease=lease, items=todo)


def _claim_key(run_id: int, holder: str, item: str) -> str:
    return f"run{run_id}:{holder}:{item}"


def _count_many(run_id: int, holder: str, items: list[str]) -> None:
    """Count ``items`` done on the run (in the caller's transaction; one counted before fails it whole)."""
    JobClaim.objects.bulk_create([JobClaim(key=_claim_key(run_id, holder, item), holder="") for item in items])
    TaskRun.objects.filter(pk=run_id).update(done=F("done") + len(items), heartbeat_at=timezone.now())


def _attempt(task, run_id: int, holder: str, item: str, label: str, work: Callable) -> int:
    """Do one item: 1 if done, 0 if recorded as failed; a temporary fault retries (see ``run_items``).

    In-process (eager: tests, ``make run``) nothing waits for a retry: the item is tried again at once."""
    tries = 0
    while True:
        try:
            with transaction.atomic():
                work()
                _count(run_id, holder, item)
            return 1
        except jobs.TRANSIENT as exc:
            retries = task.request.retries + tries
            if retries >= task.max_retries or task.request.called_directly:
                record_failure(run_id, holder, item, label, exc)
                return 0
            if not task.request.is_eager:
                raise task.retry(exc=exc, countdown=backoff(task)) from exc
            tries += 1
        except Exception as exc:  # one item's fault is the item's, not the run's
            record_failure(run_id, holder, item, label, exc)
            return 0


def finish(run_id: int, holder: str, lease: str) -> TaskRun | None:
    """Set the run's outcome (succeeded, or failed naming the items that failed) and let its lease go."""
    run = TaskRun.objects.filter(pk=run_id, holder=holder).first()
    if run is None:  # taken over by a later run
        return None
    if run.failures:
        run.state = TaskRun.State.FAILED
        names = "、".join(f"{entry['item']}({entry['error']})" for entry in run.failed[:10])
        run.message = _("%(failed)d of %(total)d failed: %(items)s") % {
            "failed": run.failures,
            "total": run.total,
            "items": names,
        }
    else:
        run.state, run.message = TaskRun.State.SUCCEEDED, ""
    run.finished_at = run.heartbeat_at = timezone.now()
    run.save(update_fields=["state", "message", "finished_at", "heartbeat_at"])
    jobs.lease_release(lease, holder)
    jobs.release_claims(f"run{run_id}:{holder}:")
    return run


def fail(run_id: int, holder: str, lease: str, message: str) -> None:
    """The whole run failed (before or after its items): say why and let the lease go."""
    TaskRun.objects.filter(pk=run_id).update(
        state=TaskRun.State.FAILED, message=message, finished_at=timezone.now(), heartbeat_at=timezone.now()
    )
    jobs.lease_release(lease, holder)


def waiting_for_retry(run_id: int) -> None:
    """A temporary fault stopped the job's first task: it waits for its retry (best effort: the database may be
    the fault)."""
    with contextlib.suppress(jobs.TRANSIENT):
        TaskRun.objects.filter(pk=run_id).update(
            state=TaskRun.State.PENDING,
            heartbeat_at=timezone.now(),
            message=_("Interrupted by a temporary error; it will be retried."),
        )
