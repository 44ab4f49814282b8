"""Rollup tables: every measure of the dashboards, summed per organization subtree and month, for every ancestor.

A rebuild is a handful of grouped SQL aggregates per tree level (the path
prefix of each level is the grouping key) and one bulk insert: no loop over
groups in Python. Dashboards of large subtrees read these rows.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from functools import reduce
from operator import or_

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


def _grouped(queryset, path_lookup: str, level: int, month_lookup: str | None, only=None, **aggregates):
    tz = timezone.get_current_timezone()
    # Only records at this level or below: a shorter path would otherwise count again as its own prefix.
    depth_lookup = path_lookup.removesuffix("path") + "depth__gte"
    length = Organization.path_length(level)
    # ``order_by()``: ``Meta.ordering`` (attendance by person name) would join tables the sums never read.
    queryset = queryset.order_by().filter(**{depth_lookup: level}).annotate(prefix=Substr(path_lookup, 1, length))
    if only is not None:  # an incremental run: the rows of these organizations only
        queryset = queryset.filter(prefix__in=[path for path in only if len(path) == length])
    keys = ["prefix"]
    if month_lookup is not None:
        queryset = queryset.annotate(
            m=ExtractMonth(month_lookup, tzinfo=tz) if month_lookup.endswith("_at") else ExtractMonth(month_lookup)
        )
        keys.append("m")
    return queryset.values(*keys).annotate(**aggregates)


def rebuild(year: int, groups: set[int] | None = None, statuses_stored: bool = False) -> int:
    """Rebuild the rollups of ``year`` for every organization, or (``groups``) for the organizations of these
    groups and their ancestors only; return how many rows were written. ``statuses_stored``: the groups' 八有
    statuses were stored a moment ago (``store_statuses``, by the chunks of the nightly job): count them as
    stored instead of computing them again."""
    only = None
    if groups is not None:
        paths = StudyGroup.objects.filter(pk__in=groups).values_list("organization__path", flat=True)
        only = {a for path in paths for a in Organization.ancestor_paths(path, include_self=True)}
    depth = Organization.objects.aggregate(d=Max("depth"))["d"] or 0
    totals: Totals = defaultdict(lambda: dict.fromkeys(MEASURES, 0))
    # Held sessions only (started by the time of the rebuild), as in the live figures.
    records = _records(year, at=timezone.now())
    for level in range(1, depth + 1):
        for row in _grouped(StudyGroup.objects.all(), "organization__path", level, None, only, n=Count("pk")):
            totals[(row["prefix"], 0)]["groups"] += row["n"]
        _add_sessions(totals, records["sessions"], level, only)
        _add_attendance(totals, records["attendance"], level, only)
        _add_submissions(totals, records["submissions"], level, only)
        _add_visits(totals, records["visits"], level, only)
        _add_topics(totals, records["topics"], level, only)
    _add_bayou(totals, year, groups, only, compute=not statuses_stored)
    return _write(totals, year, only)


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


def _add_sessions(totals: Totals, sessions: QuerySet, level: int, only=None) -> None:
    for row in _grouped(
        sessions,
        "group__organization__path",
        level,
        "starts_at",
        only,
        n=Count("pk"),
        expanded=Count("pk", filter=Q(is_expanded=True)),
    ):
        for month in (row["m"], 0):
            totals[(row["prefix"], month)]["sessions"] += row["n"]
            totals[(row["prefix"], month)]["expanded_sessions"] += row["expanded"]


def _add_attendance(totals: Totals, attendance: QuerySet, level: int, only=None) -> None:
    for row in _grouped(
        attendance,
        "session__group__organization__path",
        level,
        "session__starts_at",
        only,
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


def _add_submissions(totals: Totals, submissions: QuerySet, level: int, only=None) -> None:
    for row in _grouped(
        submissions,
        "group__organization__path",
        level,
        "submitted_on",
        only,
        notes=Count("pk", filter=Q(kind="notes")),
        reflections=Count("pk", filter=Q(kind="reflection")),
        discussion=Count("pk", filter=Q(kind="discussion")),
    ):
        for month in (row["m"], 0):
            bucket = totals[(row["prefix"], month)]
            bucket["notes"] += row["notes"]
            bucket["reflections"] += row["reflections"]
            bucket["discussion_materials"] += row["discussion"]


def _add_visits(totals: Totals, visits: QuerySet, level: int, only=None) -> None:
    """Visits per month and year; groups observed per month, and for the year counted once (not summed)."""
    for row in _grouped(
        visits,
        "session__group__organization__path",
        level,
        "session__starts_at",
        only,
        n=Count("pk"),
        observed=Count("session__group", distinct=True),
    ):
        totals[(row["prefix"], row["m"])]["observer_visits"] += row["n"]
        totals[(row["prefix"], row["m"])]["groups_observed"] += row["observed"]
        totals[(row["prefix"], 0)]["observer_visits"] += row["n"]
    for row in _grouped(
        visits, "session__group__organization__path", level, None, only, observed=Count("session__group", distinct=True)
    ):
        totals[(row["prefix"], 0)]["groups_observed"] = row["observed"]


def _add_topics(totals: Totals, topics: QuerySet, level: int, only=None) -> None:
    for row in _grouped(
        topics,
        "plan__group__organization__path",
        level,
        None,
        only,
        planned=Count("pk"),
        held=Count("pk", filter=Q(is_held=True)),
    ):
        totals[(row["prefix"], 0)]["topics_planned"] += row["planned"]
        totals[(row["prefix"], 0)]["topics_held"] += row["held"]


def _write(totals: Totals, year: int, only: set[str] | None = None) -> int:
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
        stale = Rollup.objects.filter(year=year)
        if only is not None:
            stale = stale.filter(organization__path__in=only)
        stale.delete()
        Rollup.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def store_statuses(year: int, only_groups: set[int] | None = None) -> list:
    """Compute and store the 八有 and 七有 statuses of every group (or of ``only_groups``), in batches; replace the
    stored ones in one transaction. Return the rows written."""
    from audits import checklists
    from audits.models import ChecklistStatus

    groups = StudyGroup.objects.select_related("organization").order_by("pk")
    if only_groups is not None:
        groups = groups.filter(pk__in=only_groups)
    groups = list(groups)
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
    with transaction.atomic():
        stale = ChecklistStatus.objects.filter(year=year)
        if only_groups is not None:
            stale = stale.filter(group__in=only_groups)
        stale.delete()
        ChecklistStatus.objects.bulk_create(rows, batch_size=5000)
    return rows


def _add_bayou(totals, year: int, only_groups=None, only: set[str] | None = None, compute: bool = True) -> None:
    """Compute every group's 八有 and 七有 statuses (kept for large compliance tables) and add the groups meeting
    all eight 八有 items to every ancestor. Runs in the Celery rebuild, in batches of groups. An incremental run
    (``only_groups``) computes the statuses of those groups and counts the others' from their stored statuses;
    ``compute=False`` counts them all as stored."""
    from audits import checklists
    from audits.models import ChecklistStatus

    rows = store_statuses(year, only_groups) if compute else []
    if only is None and compute:
        met = [(row.group.organization.path, row.statuses) for row in rows if row.checklist == "bayou"]
    elif only is None:
        met = ChecklistStatus.objects.filter(year=year, checklist="bayou").values_list(
            "group__organization__path", "statuses"
        )
    else:
        tops = {path for path in only if not any(path.startswith(o) and path != o for o in only)}
        within = reduce(or_, (Q(group__organization__path__startswith=top) for top in tops), Q(pk__in=[]))
        met = ChecklistStatus.objects.filter(within, year=year, checklist="bayou").values_list(
            "group__organization__path", "statuses"
        )
    for path, statuses in met:
        if all(value == checklists.MET for value in statuses.values()):
            for prefix in Organization.ancestor_paths(path, include_self=True):
                if only is None or prefix in only:
                    totals[(prefix, 0)]["bayou_all_met"] += 1


def refresh_dirty() -> tuple[int, int]:
    """The incremental run: rebuild the rows of the groups marked dirty (and their ancestors), year by year, and
    clear the marks it read (a mark renewed meanwhile stays). Return (groups rebuilt, rows written)."""
    from django.core.cache import cache

    from studygroup.models import DirtyRollup

    marks = list(DirtyRollup.objects.values_list("pk", "group_id", "year", "marked_at"))
    by_year: dict[int, set[int]] = defaultdict(set)
    for _pk, group_id, year, _at in marks:
        by_year[year].add(group_id)
    # Sessions that became held since the last run changed figures without a write: rebuild their groups too.
    now = timezone.now()
    since = cache.get("rollups:last_incremental") or now - datetime.timedelta(days=1)
    for group_id, starts_at in StudySession.objects.filter(starts_at__gt=since, starts_at__lte=now).values_list(
        "group_id", "starts_at"
    ):
        by_year[timezone.localtime(starts_at).year].add(group_id)
    cache.set("rollups:last_incremental", now, None)
    written = sum(rebuild(year, groups) for year, groups in sorted(by_year.items()))
    for start in range(0, len(marks), 500):
        read = (Q(pk=pk, marked_at=at) for pk, _g, _y, at in marks[start : start + 500])
        DirtyRollup.objects.filter(reduce(or_, read)).delete()
    return sum(len(groups) for groups in by_year.values()), written
