"""Rollup tables: every measure of the dashboards, summed per organization subtree and month, for every ancestor.

Every measure of ``Rollup`` is a sum over groups of a per-group value: groups, sessions, attendance counts, held
sessions without attendance, submissions, visits, groups observed (a group is observed in a month, or in the year, or not: disjoint subtrees
add up), topics planned and held, groups meeting all of 八有. So a subtree's row is its organization's *own*
figures (those of the groups of that organization) plus the rows of its children.

* The full rebuild (``rebuild``) reads each big table once, grouped by group and month, adds each group's figures
  to its organization, then sums every organization into its parent, deepest first, in Python; one bulk write.
* The incremental run (``refresh``, from ``refresh_dirty``) recomputes the own figures of the dirty groups'
  organizations and of their ancestors with indexed queries (``group_id IN (...)``), and rebuilds each of those
  organizations bottom-up as its own figures plus its children's rows (the stored ones for children it does not
  rebuild). Its cost grows with the dirty groups times the depth of the tree, never with the tree.

``Rollup.built_at`` is "figures as of": every session held by that moment is counted. A rollup is current for a
subtree when it exists with ``groups`` equal to the subtree's groups, no ``DirtyRollup`` mark exists for a group
of the subtree and year, and no session of the subtree started after its ``built_at`` (``reports.dashboard.current_rollup``).
"""

from __future__ import annotations

import csv
import datetime
import io
from collections import defaultdict
from collections.abc import Iterable
from functools import reduce
from operator import or_

from django.db import connections, transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet
from django.db.models.functions import ExtractMonth
from django.utils import timezone

from audits.models import ObserverVisit
from plans.models import PlanTopic
from reports.models import Rollup
from sessions.models import ATTENDED, Attendance, StudySession, Submission, held_q
from studygroup.models import Organization, StudyGroup

MEASURES = [f.name for f in Rollup._meta.get_fields() if f.get_internal_type() == "PositiveIntegerField"]
INDEX = {name: index for index, name in enumerate(MEASURES)}
MONTHS = range(13)  # month 0 is the whole year
# Measures per organization id and month (a list in the order of MEASURES).
Figures = dict[int, dict[int, list[int]]]


def _figures() -> Figures:
    return defaultdict(lambda: defaultdict(lambda: [0] * len(MEASURES)))


class _Own:
    """Adds per-group rows to the own figures of the groups' organizations."""

    def __init__(self, organization_of: dict[int, int]):
        self.organization_of = organization_of
        self.figures: Figures = _figures()

    def add(self, group_id: int, months: Iterable[int], **values: int) -> None:
        organization = self.figures[self.organization_of[group_id]]
        for month in months:
            bucket = organization[month]
            for name, value in values.items():
                bucket[INDEX[name]] += value


def own_figures(year: int, at: datetime.datetime, organization_of: dict[int, int], *, every: bool = False) -> Figures:
    """The figures of each group of ``organization_of`` (group id → organization id), added up per organization
    and month, counting the sessions held by ``at``: one grouped query per table, filtered by ``group_id IN`` those
    groups (``every``: they are all the groups, so nothing is filtered)."""
    own = _Own(organization_of)
    for group_id in organization_of:
        own.add(group_id, [0], groups=1)
    if not organization_of:
        return own.figures
    ids = None if every else list(organization_of)
    records = _records(year, at, ids)
    held = _add_sessions(own, records["sessions"])
    attendance, visits = records["attendance"], records["visits"]
    if ids is not None:
        # By the sessions' ids, so that the planner probes the index of ``session_id`` rather than hashing a scan.
        attendance = Attendance.objects.filter(session_id__in=list(held)).order_by()
        visits = ObserverVisit.objects.filter(session_id__in=list(held)).order_by()
    registered = _add_attendance(own, attendance, held)
    _add_unregistered(own, held, registered)
    _add_submissions(own, records["submissions"])
    _add_visits(own, visits, held)
    _add_topics(own, records["topics"])
    _add_bayou(own, year, ids)
    return own.figures


def _records(year: int, at: datetime.datetime, ids: list[int] | None) -> dict[str, QuerySet]:
    """The records of ``year`` each measure counts (of the groups ``ids``, or all): sessions and what hangs on them
    held by ``at``; ``order_by()`` so that ``Meta.ordering`` adds no join to the sums."""
    held = StudySession.topics.through.objects.filter(held_q("studysession__", at=at), plantopic_id=OuterRef("pk"))
    records = {
        "sessions": (StudySession.objects.held_in(year, at=at), "group_id"),
        "attendance": (
            Attendance.objects.filter(held_q("session__", at=at), session__starts_at__year=year),
            "session__group_id",
        ),
        "submissions": (
            Submission.objects.filter(submitted_on__year=year).exclude(status=Submission.Status.DRAFT),
            "group_id",
        ),
        "visits": (
            ObserverVisit.objects.filter(held_q("session__", at=at), session__starts_at__year=year),
            "session__group_id",
        ),
        "topics": (PlanTopic.objects.filter(plan__year=year).annotate(is_held=Exists(held)), "plan__group_id"),
    }
    chosen = {}
    for name, (queryset, group_lookup) in records.items():
        if ids is not None:
            queryset = queryset.filter(**{f"{group_lookup}__in": ids})
        chosen[name] = queryset.order_by().annotate(group_key=F(group_lookup))
    return chosen


def _month(lookup: str):
    return (
        ExtractMonth(lookup, tzinfo=timezone.get_current_timezone()) if lookup.endswith("_at") else ExtractMonth(lookup)
    )


def _add_sessions(own: _Own, sessions: QuerySet) -> dict[int, tuple[int, int]]:
    """Sessions held and expanded per group and month; return session id → (group id, month) of those held."""
    held: dict[int, tuple[int, int]] = {}
    counts: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for pk, group_id, month, expanded in sessions.annotate(m=_month("starts_at")).values_list(
        "pk", "group_key", "m", "is_expanded"
    ):
        held[pk] = (group_id, month)
        bucket = counts[(group_id, month)]
        bucket[0] += 1
        bucket[1] += expanded
    for (group_id, month), (count, expanded) in counts.items():
        own.add(group_id, (month, 0), sessions=count, expanded_sessions=expanded)
    return held


def _add_attendance(own: _Own, attendance: QuerySet, held: dict[int, tuple[int, int]]) -> set[int]:
    """Attendance counted per session (a cheap grouping of the big table), then added up per group and month;
    return the ids of the sessions with at least one attendance row."""
    names = ["attendance_rows", "attended", "leave", "absent", "made_up"]
    counts: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0] * len(names))
    registered: set[int] = set()
    for session_id, *values in (
        attendance.values("session_id")
        .annotate(
            rows=Count("pk"),
            attended=Count("pk", filter=Q(status__in=ATTENDED)),
            leave=Count("pk", filter=Q(status=Attendance.Status.LEAVE)),
            absent=Count("pk", filter=Q(status=Attendance.Status.ABSENT)),
            made_up=Count("pk", filter=Q(status=Attendance.Status.MADE_UP)),
        )
        .values_list("session_id", "rows", "attended", "leave", "absent", "made_up")
    ):
        registered.add(session_id)
        bucket = counts[held[session_id]]
        for index, value in enumerate(values):
            bucket[index] += value
    for (group_id, month), values in counts.items():
        own.add(group_id, (month, 0), **dict(zip(names, values, strict=True)))
    return registered


def _add_unregistered(own: _Own, held: dict[int, tuple[int, int]], registered: set[int]) -> None:
    """Held sessions without a single attendance row (the attendance rate leaves them out), per group and month."""
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for session_id, place in held.items():
        if session_id not in registered:
            counts[place] += 1
    for (group_id, month), count in counts.items():
        own.add(group_id, (month, 0), unregistered_sessions=count)


def _add_submissions(own: _Own, submissions: QuerySet) -> None:
    rows = submissions.annotate(m=_month("submitted_on")).values("group_key", "m")
    for row in rows.annotate(
        notes=Count("pk", filter=Q(kind=Submission.Kind.NOTES)),
        reflections=Count("pk", filter=Q(kind=Submission.Kind.REFLECTION)),
        discussion=Count("pk", filter=Q(kind=Submission.Kind.DISCUSSION)),
    ):
        own.add(
            row["group_key"],
            (row["m"], 0),
            notes=row["notes"],
            reflections=row["reflections"],
            discussion_materials=row["discussion"],
        )


def _add_visits(own: _Own, visits: QuerySet, held: dict[int, tuple[int, int]]) -> None:
    """Visits per month and year; a group observed in a month counts once for the month, and once for the year."""
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for session_id, count in visits.values("session_id").annotate(n=Count("pk")).values_list("session_id", "n"):
        counts[held[session_id]] += count
    for (group_id, month), count in counts.items():
        own.add(group_id, (month, 0), observer_visits=count)
        own.add(group_id, (month,), groups_observed=1)
    for group_id in {group_id for group_id, _month in counts}:
        own.add(group_id, (0,), groups_observed=1)


def _add_topics(own: _Own, topics: QuerySet) -> None:
    for row in topics.values("group_key").annotate(planned=Count("pk"), held=Count("pk", filter=Q(is_held=True))):
        own.add(row["group_key"], (0,), topics_planned=row["planned"], topics_held=row["held"])


def _add_bayou(own: _Own, year: int, ids: list[int] | None) -> None:
    """Groups meeting all eight items of 八有, from the stored statuses (``store_statuses``)."""
    from audits import checklists
    from audits.models import ChecklistStatus

    stored = ChecklistStatus.objects.filter(year=year, checklist="bayou")
    if ids is not None:
        stored = stored.filter(group_id__in=ids)
    for group_id, statuses in stored.order_by().values_list("group_id", "statuses"):
        if statuses and all(value == checklists.MET for value in statuses.values()):
            own.add(group_id, (0,), bayou_all_met=1)


def _sum_into(target: dict[int, list[int]], source: dict[int, list[int]]) -> None:
    for month, values in source.items():
        bucket = target[month]
        for index, value in enumerate(values):
            bucket[index] += value


def rebuild(year: int, *, statuses_stored: bool = False, as_of: datetime.datetime | None = None) -> int:
    """Rebuild every rollup of ``year`` from the records (the nightly job and ``manage.py rebuild_rollups``);
    return how many rows were written. ``statuses_stored``: the groups' 八有 statuses were stored a moment ago
    (``store_statuses``, by the chunks of the nightly job), so they are read, not computed again. ``as_of``: the
    moment whose held sessions count (now); the nightly job gives the moment it started computing statuses.

    The year's ``DirtyRollup`` marks made by ``at`` are deleted once the rows are written: the records they
    mark were read by this rebuild. A mark made (or renewed) since stays for the incremental run."""
    from studygroup.models import DirtyRollup

    at = as_of or timezone.now()
    if not statuses_stored:
        store_statuses(year)
    organization_of = dict(StudyGroup.objects.order_by().values_list("pk", "organization_id"))
    figures = own_figures(year, at, organization_of, every=True)
    tree = list(Organization.objects.order_by("-depth").values_list("pk", "parent_id"))
    for organization_id, parent_id in tree:  # deepest first: a child is complete before it is added to its parent
        if parent_id is not None and organization_id in figures:
            _sum_into(figures[parent_id], figures[organization_id])
    written = _write(year, at, figures, replace=None)
    DirtyRollup.objects.filter(year=year, marked_at__lte=at).delete()
    return written


def refresh(year: int, groups: set[int], at: datetime.datetime | None = None) -> int:
    """Rebuild the rollups of ``year`` of the organizations of ``groups`` and of their ancestors, from their own
    figures and their other children's stored rows; recompute those groups' 八有 statuses first. Return the rows
    written. A year with no rollup at all is left to the full rebuild (there is nothing to keep current)."""
    at = at or timezone.now()
    if not Rollup.objects.filter(year=year).exists():
        return 0
    store_statuses(year, groups)
    dirty = StudyGroup.objects.filter(pk__in=groups).values_list("organization__path", flat=True)
    paths = {a for path in dirty for a in Organization.ancestor_paths(path, include_self=True)}
    rebuilt = {pk: (parent, depth) for pk, parent, depth in _organizations(paths)}
    organization_of = dict(
        StudyGroup.objects.filter(organization_id__in=rebuilt).order_by().values_list("pk", "organization_id")
    )
    figures = own_figures(year, at, organization_of)
    _add_stored_children(figures, year, rebuilt)
    for organization_id, (parent_id, _depth) in sorted(rebuilt.items(), key=lambda item: -item[1][1]):
        if parent_id is not None and parent_id in rebuilt and organization_id in figures:
            _sum_into(figures[parent_id], figures[organization_id])
    return _write(year, at, figures, replace=set(rebuilt))


def _organizations(paths: set[str]) -> list[tuple[int, int | None, int]]:
    return list(Organization.objects.filter(path__in=paths).values_list("pk", "parent_id", "depth"))


def _add_stored_children(figures: Figures, year: int, rebuilt: dict[int, tuple[int | None, int]]) -> None:
    """Add to each rebuilt organization the stored rows of its children that are not rebuilt: the children by the
    index of ``parent_id``, then their rows by the rollups' unique index (two queries, a row per child and month)."""
    parent_of = dict(
        Organization.objects.filter(parent_id__in=list(rebuilt))
        .exclude(pk__in=list(rebuilt))
        .values_list("pk", "parent_id")
    )
    if not parent_of:
        return
    rows = Rollup.objects.filter(year=year, organization_id__in=list(parent_of)).order_by()
    for organization_id, month, *values in rows.values_list("organization_id", "month", *MEASURES):
        bucket = figures[parent_of[organization_id]][month]
        for index, value in enumerate(values):
            bucket[index] += value


def _write(year: int, at: datetime.datetime, figures: Figures, replace: set[int] | None) -> int:
    """Replace the year's rows (every row, or those of the organizations ``replace``) by ``figures`` in one
    transaction, leaving out months with nothing to count; return how many were written."""
    rows = [
        (organization_id, month, values)
        for organization_id, months in figures.items()
        if replace is None or organization_id in replace
        for month, values in months.items()
        if any(values)
    ]
    with transaction.atomic():
        stale = Rollup.objects.filter(year=year)
        if replace is not None:
            stale = stale.filter(organization_id__in=list(replace))
        stale.delete()
        _insert(year, at, rows)
    return len(rows)


def _insert(year: int, at: datetime.datetime, rows: list[tuple[int, int, list[int]]]) -> None:
    """Insert ``rows`` (organization id, month, measures): on PostgreSQL with ``COPY`` (a full rebuild writes
    ~150,000 rows; ``bulk_create`` spends most of its time building instances and quoting parameters), elsewhere
    with ``bulk_create``."""
    connection = connections[Rollup.objects.db]
    if connection.vendor != "postgresql":
        Rollup.objects.bulk_create(
            [
                Rollup(
                    organization_id=organization_id,
                    year=year,
                    month=month,
                    built_at=at,
                    **dict(zip(MEASURES, values, strict=True)),
                )
                for organization_id, month, values in rows
            ],
            batch_size=5000,
        )
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    as_of = at.isoformat()
    writer.writerows([organization_id, year, month, *values, as_of] for organization_id, month, values in rows)
    buffer.seek(0)
    table = connection.ops.quote_name(Rollup._meta.db_table)
    columns = ["organization_id", "year", "month", *MEASURES, "built_at"]
    names = ", ".join(connection.ops.quote_name(name) for name in columns)
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN WITH (FORMAT csv)", buffer)


def store_statuses(year: int, only_groups: set[int] | None = None) -> list:
    """Compute and store the 八有 and 七有 statuses of every group (or of ``only_groups``), in batches; replace the
    stored ones in one transaction. Return the rows written."""
    from audits import checklists
    from audits.models import ChecklistStatus

    groups = StudyGroup.objects.order_by("pk")
    if only_groups is not None:
        groups = groups.filter(pk__in=only_groups)
    groups = list(groups.only("pk", "organization_id"))
    rows = []
    for start in range(0, len(groups), 2000):
        batch = groups[start : start + 2000]
        data = checklists.collect(batch, year)
        for group in batch:
            rows.append(
                ChecklistStatus(
                    group_id=group.pk, year=year, checklist="bayou", statuses=checklists.bayou(data[group.pk])
                )
            )
            rows.append(
                ChecklistStatus(
                    group_id=group.pk, year=year, checklist="qiyou", statuses=checklists.qiyou(data[group.pk], year)
                )
            )
    with transaction.atomic():
        stale = ChecklistStatus.objects.filter(year=year)
        if only_groups is not None:
            stale = stale.filter(group__in=only_groups)
        stale.delete()
        ChecklistStatus.objects.bulk_create(rows, batch_size=5000)
    return rows


def held_since(since: dict[int, datetime.datetime], now: datetime.datetime) -> dict[int, set[int]]:
    """Year → the groups whose figures changed because a session became held since the year's rollups were built
    (``since``: year → its latest ``built_at``): those of the sessions started in between, and those whose plan's
    topics such a session takes up. One query over an index range of ``starts_at``."""
    if not since:
        return {}
    windows = reduce(
        or_,
        (Q(starts_at__gt=after, starts_at__lte=now, starts_at__year=year) for year, after in since.items()),
    )
    changed: dict[int, set[int]] = defaultdict(set)
    rows = (
        StudySession.objects.filter(windows)
        .order_by()
        .values_list("group_id", "starts_at", "topics__plan__group_id", "topics__plan__year")
    )
    for group_id, starts_at, topic_group_id, topic_year in rows:
        changed[timezone.localtime(starts_at).year].add(group_id)
        if topic_group_id is not None:
            changed[topic_year].add(topic_group_id)
    return changed


def refresh_dirty() -> tuple[int, int]:
    """The incremental run: rebuild the rows of the groups marked dirty and of the groups whose sessions became
    held since their year's rollups were built (and their ancestors), year by year, and clear the marks it read (a
    mark renewed meanwhile stays). Return (groups rebuilt, rows written). Runs under the rollups' lease."""
    from studygroup.models import DirtyRollup

    now = timezone.now()
    marks = list(DirtyRollup.objects.values_list("pk", "group_id", "year", "marked_at"))
    by_year: dict[int, set[int]] = defaultdict(set)
    for _pk, group_id, year, _at in marks:
        by_year[year].add(group_id)
    since = dict(Rollup.objects.order_by().values("year").annotate(at=Max("built_at")).values_list("year", "at"))
    for year, groups in held_since(since, now).items():
        by_year[year] |= groups
    written = sum(refresh(year, groups, now) for year, groups in sorted(by_year.items()))
    for start in range(0, len(marks), 500):
        read = (Q(pk=pk, marked_at=at) for pk, _g, _y, at in marks[start : start + 500])
        DirtyRollup.objects.filter(reduce(or_, read)).delete()
    return sum(len(groups) for groups in by_year.values()), written
