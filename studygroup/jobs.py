"""What every background job shares: the retry policy, the claim of a periodic job's key and the lease.

- ``RETRY``: the options of a task that retries temporary faults (database or broker gone) with a backoff that
  covers at least ten minutes in total, each wait shorter than the broker's visibility timeout.
- ``claim(key, holder)``: a periodic job claims its key for the day or month before it acts. The key is inserted
  under a unique index: of two beats, one inserts and the other fails and does nothing. The same delivery
  (a retry or a redelivery keeps its task id, the ``holder``) may claim its key again and carries on.
- ``lease_take/lease_renew/lease_release``: a lock held only while its holder is alive. The holder renews it
  with each heartbeat; silent for ``JOB_LEASE_SECONDS``, it expires and another run may take it over.
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone

from studygroup.models import JobClaim, JobLease

TRANSIENT = (OperationalError, InterfaceError, ConnectionError, TimeoutError)
# Waits of 5, 10, 20, 40, 80, 150, 150 and 150 s: 605 s in all; none as long as the visibility timeout (180 s),
# so a task waiting for its retry is never delivered a second time.
RETRY = {
    "autoretry_for": TRANSIENT,
    "retry_backoff": 5,
    "retry_backoff_max": 150,
    "retry_jitter": False,
    "max_retries": 8,
}


def retry_window(task) -> int:
    """Seconds a task's retries wait in all (what ``RETRY`` promises: at least ten minutes)."""
    factor = 1 if task.retry_backoff is True else int(task.retry_backoff)
    return sum(min(task.retry_backoff_max, factor * 2**attempt) for attempt in range(task.max_retries))


def holder_of(task) -> str:
    """The id a delivery holds claims and leases with: the task id (kept by retries and redeliveries), or a fresh
    one when the task is called as a function."""
    return getattr(task.request, "id", None) or uuid.uuid4().hex


def claim(key: str, holder: str = "") -> bool:
    """Claim ``key`` once: True for the first claimant (and the same holder again), False for anyone else."""
    try:
        with transaction.atomic():
            JobClaim.objects.create(key=key, holder=holder)
        return True
    except IntegrityError:
        return bool(holder) and JobClaim.objects.filter(key=key, holder=holder).exists()


def release_claims(prefix: str) -> int:
    """Forget the claims whose key starts with ``prefix`` (the items of a finished run)."""
    return JobClaim.objects.filter(key__startswith=prefix).delete()[0]


def prune_claims(days: int = 120) -> int:
    """Forget claims older than ``days`` (their day or month is long past)."""
    return JobClaim.objects.filter(claimed_at__lt=timezone.now() - datetime.timedelta(days=days)).delete()[0]


def _until() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(seconds=settings.JOB_LEASE_SECONDS)


def lease_take(name: str, holder: str) -> bool:
    """Take the lease ``name`` for ``holder``: free, expired or already held by ``holder``. False if another
    holder is alive. Two takers of an expired lease: the update locks the row, so only one wins."""
    with transaction.atomic():
        alive_elsewhere = ~Q(holder=holder) & Q(expires_at__gte=timezone.now())
        if JobLease.objects.filter(name=name).exclude(alive_elsewhere).update(holder=holder, expires_at=_until()):
            return True
        try:
            with transaction.atomic():
                JobLease.objects.create(name=name, holder=holder, expires_at=_until())
            return True
        except IntegrityError:
            return False


def lease_renew(name: str, holder: str) -> bool:
    """The heartbeat: extend ``holder``'s lease (expired or not, if nobody took it); False if it was taken over
    or let go (the holder should stop)."""
    return bool(JobLease.objects.filter(name=name, holder=holder).update(expires_at=_until()))


def lease_release(name: str, holder: str) -> None:
    JobLease.objects.filter(name=name, holder=holder).delete()


def lease_holder(name: str) -> str | None:
    """Who holds the lease now (None when free or expired)."""
    lease = JobLease.objects.filter(name=name, expires_at__gte=timezone.now()).first()
    return lease.holder if lease else None
