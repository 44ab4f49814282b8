"""Marking rollups dirty: the one helper every service that changes a dashboard figure calls (reports rebuilds the
marked groups only; the core holds the table so that every app below reports can mark)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from studygroup.models import DirtyRollup


def mark(group_id: int, when: datetime.date | datetime.datetime) -> None:
    """Mark the figures of ``group_id`` for the month of ``when`` changed (insert, or renew ``marked_at``)."""
    if isinstance(when, datetime.datetime):
        when = timezone.localtime(when).date()
    DirtyRollup.objects.bulk_create(
        [DirtyRollup(group_id=group_id, year=when.year, month=when.month, marked_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["group", "year", "month"],
        update_fields=["marked_at"],
    )
