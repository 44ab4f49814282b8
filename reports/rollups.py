"""Rollup tables: every measure of the dashboards, summed per organization subtree and month, for every ancestor.

A rebuild is a handful of grouped SQL aggregates per tree level (the path
prefix of each level is the grouping key) and one bulk insert: no loop over
groups in Python. Dashboards of large subtrees read these rows.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.db.models.functions import ExtractMonth, Substr
from django.utils import timezone

from audits.models import ObserverVisit
from plans.models import PlanTopic
from reports.models import Rollup
from sessions.models import ATTENDED, Attendance, StudySession, Submission, held_q
from studygroup.models import Organization, StudyGroup

MEASURES = [f.name for f in Rollup._meta.get_fields() if f.get_internal_type() == "PositiveIntegerField"]
# Measures per (organization path, month); month 0 is the whole year.
Totals = dict[tuple[str, int], dict[str, int]]


def _grouped(queryset, path_lookup: str, level: int, month_lookup: str | None, **aggregates):
    tz = timezone.get_current_timezone()
    # Only records at this level or below: a shorter path would otherwise count again as its own prefix.
    depth_lookup = path_lookup.removesuffix("path") + "depth__gte"
    length = Organization.path_length(level)
    queryset = queryset.filter(**{depth_lookup: level}).annotate(prefix=Substr(path_lookup, 1, length))
    keys = ["prefix"]
    if month_lookup is not None:
        queryset = queryset.annotate(
            m=ExtractMonth(month_lookup, tzinfo=tz) if month_lookup.endswith("_at") else ExtractMonth(month_lookup)
        )
        keys.append("m")
    return queryset.values(*keys).annotate(**aggregates)


def rebuild(year: int) -> int:
    """Rebuild the rollups of ``year`` for every organization; return how many rows were written."""
    depth = Organization.objects.aggregate(d=Max("depth"))["d"] or 0
    totals: Totals = defaultdict(lambda: dict.fromkeys(MEASURES, 0))
    # Held sessions only (started by the time of the rebuild), as in the live figures.
    records = _records(year, at=timezone.now())
    for level in range(1, depth + 1):
        for row in _grouped(StudyGroup.objects.all(), "organization__path", level, None, n=Count("pk")):
            totals[(row["prefix"], 0)]["groups"] += row["n"]
        _add_sessions(totals, records["sessions"], level)
        _add_attendance(totals, records["attendance"], level)
        _add_submissions(totals, records["submissions"], level)
        _add_visits(totals, records["visits"], level)
        _add_topics(totals, records["topics"], level)
    _add_bayou(totals, year)
    return _write(totals, year)


def _records(year: int, at) -> dict[str, QuerySet]:
    """The records of ``year`` each measure counts: sessions and what hangs on them held by ``at``."""
    held = StudySession.topics.through.objects.filter(held_q("studysession__", at=at), plantopic_id=OuterRef("pk"))
    return {
        "sessions": StudySession.objects.held_in(year, at=at),
        "attendance": Attendance.objects.filter(held_q("session__", at=at), session__starts_at__year=year),
        "submissions": Submission.objects.filter(submitted_on__year=year).exclude(status=Submission.Status.DRAFT),
        "visits": ObserverVisit.objects.filter(held_q("session__", at=at), session__starts_at__year=year),
        "topics": PlanTopic.objects.filter(plan__year=year).annotate(is_held=Exists(held)),
    }


def _add_sessions(totals: Totals, sessions: QuerySet, level: int) -> None:
    for row in _grouped(
        sessions,
        "group__organization__path",
        level,
        "starts_at",
        n=Count("pk"),
        expanded=Count("pk", filter=Q(is_expanded=True)),
    ):
        for month in (row["m"], 0):
            totals[(row["prefix"], month)]["sessions"] += row["n"]
            totals[(row["prefix"], month)]["expanded_sessions"] += row["expanded"]


def _add_attendance(totals: Totals, attendance: QuerySet, level: int) -> None:
    for row in _grouped(
        attendance,
        "session__group__organization__path",
        level,
        "session__starts_at",
        rows=Count("pk"),
        attended=Count("pk", filter=Q(status__in=ATTENDED)),
        leave=Count("pk", filter=Q(status="leave")),
        absent=Count("pk", filter=Q(status="absent")),
        made_up=Count("pk", filter=Q(status="made_up")),
    ):
        for month in (row["m"], 0):
            bucket = totals[(row["prefix"], month)]
            bucket["attendance_rows"] += row["rows"]
            for name in ("attended", "leave", "absent", "made_up"):
                bucket[name] += row[name]


def _add_submissions(totals: Totals, submissions: QuerySet, level: int) -> None:
    for row in _grouped(
        submissions,
        "group__organization__path",
        level,
        "submitted_on",
        notes=Count("pk", filter=Q(kind="notes")),
        reflections=Count("pk", filter=Q(kind="reflection")),
        discussion=Count("pk", filter=Q(kind="discussion")),
    ):
        for month in (row["m"], 0):
            bucket = totals[(row["prefix"], month)]
            bucket["notes"] += row["notes"]
            bucket["reflections"] += row["reflections"]
            bucket["discussion_materials"] += row["discussion"]


def _add_visits(totals: Totals, visits: QuerySet, level: int) -> None:
    """Visits per month and year; groups observed per month, and for the year counted once (not summed)."""
    for row in _grouped(
        visits,
        "session__group__organization__path",
        level,
        "session__starts_at",
        n=Count("pk"),
        observed=Count("session__group", distinct=True),
    ):
        totals[(row["prefix"], row["m"])]["observer_visits"] += row["n"]
        totals[(row["prefix"], row["m"])]["groups_observed"] += row["observed"]
        totals[(row["prefix"], 0)]["observer_visits"] += row["n"]
    for row in _grouped(
        visits, "session__group__organization__path", level, None, observed=Count("session__group", distinct=True)
    ):
        totals[(row["prefix"], 0)]["groups_observed"] = row["observed"]


def _add_topics(totals: Totals, topics: QuerySet, level: int) -> None:
    for row in _grouped(
        topics,
        "plan__group__organization__path",
        level,
        None,
        planned=Count("pk"),
        held=Count("pk", filter=Q(is_held=True)),
    ):
        totals[(row["prefix"], 0)]["topics_planned"] += row["planned"]
        totals[(row["prefix"], 0)]["topics_held"] += row["held"]


def _write(totals: Totals, year: int) -> int:
    """Replace the year's rollup rows by ``totals`` in one transaction; return how many were written."""
    organizations = dict(
        Organization.objects.filter(path__in={prefix for prefix, _m in totals}).values_list("path", "pk")
    )
    rows = [
        Rollup(organization_id=organizations[prefix], year=year, month=month, **values)
        for (prefix, month), values in totals.items()
        if prefix in organizations
    ]
    with transaction.atomic():
        Rollup.objects.filter(year=year).delete()
        Rollup.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _add_bayou(totals, year: int) -> None:
    """Compute every group's 八有 and 七有 statuses (kept for large compliance tables) and add the groups meeting
    all eight 八有 items to every ancestor. Runs in the Celery rebuild, in batches of groups."""
    from audits import checklists
    from audits.models import ChecklistStatus

    groups = list(StudyGroup.objects.select_related("organization").order_by("pk"))
    rows = []
    for start in range(0, len(groups), 2000):
        batch = groups[start : start + 2000]
        data = checklists.collect(batch, year)
        for group in batch:
            bayou = checklists.bayou(data[group.pk])
            rows.append(ChecklistStatus(group=group, year=year, checklist="bayou", statuses=bayou))
            rows.append(
                ChecklistStatus(
                    group=group, year=year, checklist="qiyou", statuses=checklists.qiyou(data[group.pk], year)
                )
            )
            if all(value == checklists.MET for value in bayou.values()):
                for path in Organization.ancestor_paths(group.organization.path, include_self=True):
                    totals[(path, 0)]["bayou_all_met"] += 1
    with transaction.atomic():
        ChecklistStatus.objects.filter(year=year).delete()
        ChecklistStatus.objects.bulk_create(rows, batch_size=5000)
