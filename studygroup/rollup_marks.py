"""Marking rollups dirty: the one helper every service that changes a dashboard figure or a 八有/七有 status calls
(reports rebuilds the marked groups only; the core holds the table so that every app below reports can mark).
Call it in the writing service's transaction: a rolled-back write leaves no mark, a committed one always does."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.utils import timezone

from studygroup.models import DirtyRollup

When = datetime.date | datetime.datetime


def _day(when: When) -> datetime.date:
    return timezone.localtime(when).date() if isinstance(when, datetime.datetime) else when


def mark(group_id: int, when: When) -> None:
    """Mark the figures of ``group_id`` for the month of ``when`` changed (insert, or renew ``marked_at``)."""
    mark_many([(group_id, when)])


def mark_many(changes: Iterable[tuple[int, When]]) -> None:
    """Mark several (group id, day) at once, one row per group and month, in one query (imports, rules)."""
    now = timezone.now()
    rows = {}
    for group_id, when in changes:
        day = _day(when)
        rows[(group_id, day.year, day.month)] = DirtyRollup(
            group_id=group_id, year=day.year, month=day.month, marked_at=now
        )
    if rows:
        DirtyRollup.objects.bulk_create(
            list(rows.values()),
            update_conflicts=True,
            unique_fields=["group", "year", "month"],
            update_fields=["marked_at"],
        )


def mark_span(group_id: int, first: datetime.date, last: datetime.date | None) -> None:
    """Mark every year from ``first`` to ``last`` (open: this year), at most up to this year: a seat's years,
    whose 八有 notes and reflections count the seat."""
    this_year = timezone.localdate().year
    end = min(last.year if last is not None else this_year, this_year)
    mark_many([(group_id, datetime.date(year, 1, 1)) for year in range(first.year, max(end, first.year) + 1)])


# How a record reaches its group and its day, for the writes no service makes (the admin): the first that applies.
_GROUP_PATHS = ("group_id", "session.group_id", "plan.group_id", "topic.group_id", "inspection.group_id")
_DAY_PATHS = ("starts_at", "session.starts_at", "submitted_on", "on", "raised_on", "start_on")
_YEAR_PATHS = ("year", "plan.year", "topic.year", "inspection.year")


def _follow(record, path: str):
    for name in path.split("."):
        if record is None or not hasattr(record, name):
            return None
        record = getattr(record, name)
    return record


def mark_record(record) -> None:
    """Mark the group and day of any record a figure or a checklist status may count (a session, an attendance
    row, a submission, a visit, a topic, a seat, a rules document of an organization's groups, …): the admin's
    saves and deletes call it, since they go through no service. A record of no group marks nothing."""
    day = next((value for path in _DAY_PATHS if (value := _follow(record, path)) is not None), None)
    if day is None:
        year = next((value for path in _YEAR_PATHS if (value := _follow(record, path)) is not None), None)
        day = datetime.date(year, 1, 1) if isinstance(year, int) else timezone.localdate()
    group_id = next((value for path in _GROUP_PATHS if (value := _follow(record, path)) is not None), None)
    if group_id is not None:
        mark(group_id, day)
    elif _follow(record, "organization_id") is not None and record._meta.model_name != "studygroup":
        from studygroup.models import StudyGroup

        groups = StudyGroup.objects.filter(organization_id=record.organization_id).values_list("pk", flat=True)
        mark_many((pk, day) for pk in groups)
