"""八有 and 七有 computed from the records, for many groups at once in a fixed number of queries.

"Every session of the year" means every session held so far (``sessions.models.held_q``): a session not
yet held is neither held nor missing, so next week's session never marks 有考勤 partial. An observer
visit counts for 有检查 once its session has been held.

八有 follows ``records-format.md`` ("八有 from records") to the letter. 七有 is
defined here the same way, from records only:

* ``plan_early`` 年初有计划 — met: the year's plan approved by 31 March;
  partial: approved later or not yet approved; missing: no plan.
* ``session_plan`` 会前有方案 — every session of the year has a session plan
  (text or file): met; some: partial; none, or no session: missing.
* ``discussion`` 学中有研讨 — every session has speeches in its minutes or a
  discussion material (not a draft): met; some: partial; none or no session: missing.
* ``report_up`` 向上有报告 — the plan has been filed upward: met; a plan not yet
  filed: partial; no plan: missing.
* ``circular_down`` 向下有通报 — every session's circular was sent: met; some:
  partial; none or no session: missing.
* ``summary`` 年终有总结 — as 八有 ``summary``.
* ``support`` 学习有保障 — every session has a published material: met; some:
  partial; none or no session: missing.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connections
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    Func,
    OuterRef,
    Q,
    QuerySet,
    TextField,
    Value,
)
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThan
from django.utils.translation import gettext_lazy as _

from audits import hooks
from audits.models import Inspection, ObserverVisit, RulesDocument
from plans.models import Material, StudyPlan
from sessions.models import Attendance, Speech, StudySession, Submission, held_q
from studygroup.models import Membership, StudyGroup

MET, PARTIAL, MISSING = "met", "partial", "missing"
STATUS_LABELS = {MET: _("Met"), PARTIAL: _("Partly met"), MISSING: _("Missing")}
BAYOU_ITEMS = ["rules", "plan", "attendance", "minutes", "notes", "reflections", "inspection", "summary"]
QIYOU_ITEMS = ["plan_early", "session_plan", "discussion", "report_up", "circular_down", "summary", "support"]


def share(done: int, total: int) -> str:
    """All of them: met; some: partial; none (or nothing to count): missing."""
    if total == 0 or done == 0:
        return MISSING
    return MET if done == total else PARTIAL


@dataclass
class GroupYear:
    """What the records say of one group's year, as counts and sets."""

    has_rules: bool = False
    plan_status: str | None = None
    plan_approved_on: datetime.date | None = None
    plan_filed: bool = False
    sessions: int = 0
    with_attendance: int = 0
    with_minutes: int = 0
    with_plan: int = 0
    with_discussion: int = 0
    with_circular: int = 0
    with_material: int = 0
    members: set[int] = field(default_factory=set)
    wrote_notes: set[int] = field(default_factory=set)
    wrote_reflections: set[int] = field(default_factory=set)
    observed_or_inspected: bool = False
    has_summary: bool = False


def collect(groups: Iterable[StudyGroup], year: int) -> dict[int, GroupYear]:
    """Gather the records of ``groups`` for ``year`` in eight queries whatever the number of groups."""
    groups = list(groups)
    ids = [g.pk for g in groups]
    data = {g.pk: GroupYear() for g in groups}
    org_to_group = {g.organization_id: g.pk for g in groups}
    for org_id in (
        RulesDocument.objects.filter(organization_id__in=org_to_group)
        .order_by()
        .values_list("organization_id", flat=True)
        .distinct()
    ):
        data[org_to_group[org_id]].has_rules = True
    plans = StudyPlan.objects.filter(group_id__in=ids, year=year).order_by()
    for group_id, status, approved_at, filed_at in plans.values_list("group_id", "status", "approved_at", "filed_at"):
        row = data[group_id]
        row.plan_status, row.plan_filed = status, filed_at is not None
        row.plan_approved_on = approved_at.date() if approved_at and status == StudyPlan.Status.APPROVED else None
    _collect_sessions(data, ids, year)
    _collect_people(data, ids, year)
    observed = (
        ObserverVisit.objects.filter(held_q("session__"), session__group_id__in=ids, session__starts_at__year=year)
        .order_by()
        .values_list("session__group_id", flat=True)
    )
    inspected = Inspection.objects.filter(group_id__in=ids, year=year).order_by().values_list("group_id", flat=True)
    for group_id in set(observed) | set(inspected):
        data[group_id].observed_or_inspected = True
    summaries = hooks.final_year_summaries()
    if summaries is not None:
        for group_id in summaries.filter(group_id__in=ids, year=year).order_by().values_list("group_id", flat=True):
            data[group_id].has_summary = True
    return data


def _collect_sessions(data: dict[int, GroupYear], ids: list[int], year: int) -> None:
    session = OuterRef("pk")
    discussed = Q(Exists(Speech.objects.filter(session=session))) | Q(
        Exists(
            Submission.objects.filter(session=session, kind=Submission.Kind.DISCUSSION).exclude(
                status=Submission.Status.DRAFT
            )
        )
    )
    rows = (
        StudySession.objects.held_in(year)
        .filter(group_id__in=ids)
        .annotate(
            has_attendance=Exists(Attendance.objects.filter(session=session)),
            has_material=Exists(Material.objects.filter(session=session, published_at__isnull=False)),
            has_discussion=discussed,
        )
        .values_list(
            "group_id",
            "has_attendance",
            "minutes",
            "plan_text",
            "plan_file",
            "has_discussion",
            "circular_sent_at",
            "has_material",
        )
    )
    for group_id, attendance, minutes, plan_text, plan_file, discussion, circular, material in rows:
        row = data[group_id]
        row.sessions += 1
        row.with_attendance += bool(attendance)
        row.with_minutes += bool(minutes.strip())
        row.with_plan += bool(plan_text.strip() or plan_file)
        row.with_discussion += bool(discussion)
        row.with_circular += circular is not None
        row.with_material += bool(material)


def _collect_people(data: dict[int, GroupYear], ids: list[int], year: int) -> None:
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    seats = (
        Membership.objects.filter(group_id__in=ids, start_on__lte=last)
        .filter(Q(end_on__isnull=True) | Q(end_on__gte=first))
        .exclude(role=Membership.Role.SECRETARY)
        .order_by()
        .values_list("group_id", "person_id")
    )
    for group_id, person_id in seats:
        data[group_id].members.add(person_id)
    written = (
        Submission.objects.filter(
            group_id__in=ids, submitted_on__year=year, kind__in=[Submission.Kind.NOTES, Submission.Kind.REFLECTION]
        )
        .exclude(status=Submission.Status.DRAFT)
        .order_by()
        .values_list("group_id", "person_id", "kind")
        .distinct()
    )
    for group_id, person_id, kind in written:
        target = data[group_id].wrote_notes if kind == Submission.Kind.NOTES else data[group_id].wrote_reflections
        target.add(person_id)


def bayou(row: GroupYear) -> dict[str, str]:
    plan = MISSING if row.plan_status is None else (MET if row.plan_status == StudyPlan.Status.APPROVED else PARTIAL)
    return {
        "rules": MET if row.has_rules else MISSING,
        "plan": plan,
        "attendance": share(row.with_attendance, row.sessions),
        "minutes": share(row.with_minutes, row.sessions),
        "notes": share(len(row.wrote_notes & row.members), len(row.members)),
        "reflections": share(len(row.wrote_reflections & row.members), len(row.members)),
        "inspection": MET if row.observed_or_inspected else MISSING,
        "summary": MET if row.has_summary else MISSING,
    }


def qiyou(row: GroupYear, year: int) -> dict[str, str]:
    if row.plan_status is None:
        early = report_up = MISSING
    else:
        in_time = row.plan_approved_on is not None and row.plan_approved_on <= datetime.date(year, 3, 31)
        early = MET if in_time else PARTIAL
        report_up = MET if row.plan_filed else PARTIAL
    return {
        "plan_early": early,
        "session_plan": share(row.with_plan, row.sessions),
        "discussion": share(row.with_discussion, row.sessions),
        "report_up": report_up,
        "circular_down": share(row.with_circular, row.sessions),
        "summary": MET if row.has_summary else MISSING,
        "support": share(row.with_material, row.sessions),
    }


# The checklists whose items the records decide. A checklist added as data (in the admin) has no entry
# here, and an item added to one of these has no computed status: inspectors judge those items alone.
RULES = {"bayou": lambda row, year: bayou(row), "qiyou": qiyou}
COMPUTED_ITEMS = {"bayou": BAYOU_ITEMS, "qiyou": QIYOU_ITEMS}
NOT_COMPUTED_LABEL = _("For the inspector to judge")


def is_computed(checklist: str) -> bool:
    return checklist in RULES


def compute(groups: Iterable[StudyGroup], year: int, checklist: str = "bayou") -> dict[int, dict[str, str]]:
    """Return group id → item code → met/partial/missing for the items the records decide.

    A checklist without computed rules gives every group an empty mapping (and runs no query).
    """
    groups = list(groups)
    rule = RULES.get(checklist)
    if rule is None:
        return {group.pk: {} for group in groups}
    return {group_id: rule(row, year) for group_id, row in collect(groups, year).items()}


def verdicts(group_ids: Iterable[int], year: int, checklist: str) -> dict[tuple[int, str], str]:
    """Return (group id, item code) → the inspector's verdict (label) for a checklist and year, in one query."""
    from audits.models import Inspection, InspectionVerdict

    labels = dict(Inspection.Verdict.choices)
    rows = (
        InspectionVerdict.objects.filter(
            inspection__group_id__in=list(group_ids), inspection__year=year, inspection__checklist__code=checklist
        )
        .order_by()
        .values_list("inspection__group_id", "item__code", "verdict")
    )
    return {(group_id, code): str(labels.get(verdict, verdict)) for group_id, code, verdict in rows}


# The characters ``str.strip()`` removes (``str.isspace``): minutes of nothing else are no minutes, in SQL as in
# Python.
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


class Stripped(Func):
    """``text.strip()`` in SQL (``TRIM``/``BTRIM`` with Python's whitespace characters)."""

    function = "TRIM"
    output_field = TextField()

    def __init__(self, expression, **extra):
        super().__init__(expression, Value(WHITESPACE), **extra)

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="BTRIM", **extra_context)


@dataclass(frozen=True)
class Conditions:
    """When an item is ``met`` and when ``partial`` (``None``: never), as conditions on a ``StudyGroup`` row;
    otherwise it is ``missing``."""

    met: Q
    partial: Q | None = None

    def status_q(self, status: str) -> Q | None:
        """The condition for one status; ``None`` for a status the item never has (or one that does not exist)."""
        if status == MET:
            return self.met
        if status == PARTIAL:
            return self.partial
        if status == MISSING:
            return ~self.met & ~self.partial if self.partial is not None else ~self.met
        return None


# A condition no row meets.
NEVER = Q(pk__in=[])


def _share(rows: QuerySet, done: Q) -> Conditions:
    """``share`` in SQL: all ``rows`` done, met; some, partial; none (or no row), missing."""
    some_done, some_not = Q(Exists(rows.filter(done))), Q(Exists(rows.filter(~done)))
    return Conditions(met=some_done & ~some_not, partial=some_done & some_not)


def status_conditions(checklist: str, year: int) -> dict[str, Conditions]:
    """Item → ``Conditions`` of a checklist the records decide (``RULES``), as SQL; empty for any other.

    The same rules as ``collect`` + ``bayou``/``qiyou``, stated as EXISTS / NOT EXISTS so the database answers
    for every group of a subtree at once (the tests hold both to the same results).

    Long because it is one table: each of the sixteen items of 八有 and 七有 is stated once, side by side, so a
    reader compares it with ``RULES`` in one place.
    """
    group, session = OuterRef("pk"), OuterRef("pk")
    sessions = StudySession.objects.held_in(year).filter(group=group)
    plans = StudyPlan.objects.filter(group=group, year=year)
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    seats = (
        Membership.objects.filter(group=group, start_on__lte=last)
        .filter(Q(end_on__isnull=True) | Q(end_on__gte=first))
        .exclude(role=Membership.Role.SECRETARY)
    )

    def wrote(kind: str) -> Q:
        return Q(
            Exists(
                Submission.objects.filter(
                    group=OuterRef("group"), person=OuterRef("person"), kind=kind, submitted_on__year=year
                ).exclude(status=Submission.Status.DRAFT)
            )
        )

    def one_of(queryset: QuerySet) -> Conditions:
        return Conditions(met=Q(Exists(queryset)))

    # 有总结 through the hook the reports app fills; without it no group has a summary (never met).
    summaries = hooks.final_year_summaries()
    summary = one_of(summaries.filter(group=group, year=year)) if summaries is not None else Conditions(met=NEVER)
    if checklist == "bayou":
        # Visits through the group's sessions, so the database probes the visits of those sessions only.
        visited = sessions.filter(Exists(ObserverVisit.objects.filter(session=session)))
        return {
            "rules": one_of(RulesDocument.objects.filter(organization=OuterRef("organization"))),
            "plan": Conditions(
                met=Q(Exists(plans.filter(status=StudyPlan.Status.APPROVED))),
                partial=Q(Exists(plans.exclude(status=StudyPlan.Status.APPROVED))),
            ),
            "attendance": _share(sessions, Q(Exists(Attendance.objects.filter(session=session)))),
            "minutes": _share(sessions.annotate(kept=Stripped("minutes")), ~Q(kept="")),
            "notes": _share(seats, wrote(Submission.Kind.NOTES)),
            "reflections": _share(seats, wrote(Submission.Kind.REFLECTION)),
            "inspection": Conditions(
                met=Q(Exists(visited)) | Q(Exists(Inspection.objects.filter(group=group, year=year)))
            ),
            "summary": summary,
        }
    if checklist == "qiyou":
        # ``approved_at.date()`` of a datetime read back in UTC, as ``collect`` takes it.
        in_time = Q(
            status=StudyPlan.Status.APPROVED, approved_at__lt=datetime.datetime(year, 4, 1, tzinfo=datetime.UTC)
        )
        discussed = Q(Exists(Speech.objects.filter(session=session))) | Q(
            Exists(
                Submission.objects.filter(session=session, kind=Submission.Kind.DISCUSSION).exclude(
                    status=Submission.Status.DRAFT
                )
            )
        )
        return {
            "plan_early": Conditions(met=Q(Exists(plans.filter(in_time))), partial=Q(Exists(plans.exclude(in_time)))),
            "session_plan": _share(sessions.annotate(kept=Stripped("plan_text")), ~Q(kept="") | ~Q(plan_file="")),
            "discussion": _share(sessions, discussed),
            "report_up": Conditions(
                met=Q(Exists(plans.filter(filed_at__isnull=False))), partial=Q(Exists(plans.filter(filed_at=None)))
            ),
            "circular_down": _share(sessions, Q(circular_sent_at__isnull=False)),
            "summary": summary,
            "support": _share(
                sessions, Q(Exists(Material.objects.filter(session=session, published_at__isnull=False)))
            ),
        }
    return {}


def bayou_met_conditions(year: int) -> dict[str, Q]:
    """Item → the condition on a ``StudyGroup`` row under which ``bayou`` says ``met``, as SQL."""
    return {item: conditions.met for item, conditions in status_conditions("bayou", year).items()}


# The items decided by the members' submissions, and those decided by the sessions held: each counted per group in
# one grouped pass (over the seats, over the sessions).
BY_SEATS = {"notes": Submission.Kind.NOTES, "reflections": Submission.Kind.REFLECTION}
BY_SESSIONS = ["attendance", "minutes"]


def _seat_counts(groups: QuerySet[StudyGroup], year: int) -> QuerySet:
    """Per group of ``groups``: seats of the year (no secretaries, as ``status_conditions`` counts them) and of
    them those with notes and with a reflection handed in during the year, in one grouped query."""
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    seats = (
        Membership.objects.filter(group__in=groups.order_by().values("pk"), start_on__lte=last)
        .filter(Q(end_on__isnull=True) | Q(end_on__gte=first))
        .exclude(role=Membership.Role.SECRETARY)
    )

    def wrote(kind: str) -> Q:
        handed_in = Submission.objects.filter(
            group=OuterRef("group_id"), person=OuterRef("person_id"), kind=kind, submitted_on__year=year
        ).exclude(status=Submission.Status.DRAFT)
        return Q(Exists(handed_in))

    counts = {f"with_{item}": Count("pk", filter=wrote(kind)) for item, kind in BY_SEATS.items()}
    return seats.order_by().values("group_id").annotate(n=Count("pk"), **counts)


def _session_counts(groups: QuerySet[StudyGroup], year: int) -> QuerySet:
    """Per group of ``groups``: sessions held in the year, of them those with attendance rows and those with
    minutes (not blank once stripped), in one grouped query."""
    sessions = StudySession.objects.held_in(year).filter(group__in=groups.order_by().values("pk"))
    return (
        sessions.order_by()
        .values("group_id")
        .annotate(
            n=Count("pk"),
            with_attendance=Count("pk", filter=Q(Exists(Attendance.objects.filter(session=OuterRef("pk"))))),
            with_minutes=Count("pk", filter=GreaterThan(Length(Stripped("minutes")), 0)),
        )
    )


def bayou_met_counts(groups: QuerySet[StudyGroup], year: int) -> tuple[dict[str, int], int]:
    """For the year figures: item → groups meeting it, and groups meeting all eight, in one SQL query.

    Four items are EXISTS probes per group of the subtree (``status_conditions``); notes and reflections come
    from the seats counted per group in one grouped pass (``_seat_counts``), attendance and minutes from the
    sessions held (``_session_counts``): met when every seat or session has it, and there is one. Joined to the
    groups, the outer query counts them.
    """
    conditions = bayou_met_conditions(year)
    probed = [item for item in BAYOU_ITEMS if item not in BY_SEATS and item not in BY_SESSIONS]
    flags = groups.order_by().annotate(
        **{f"met_{item}": ExpressionWrapper(conditions[item], output_field=BooleanField()) for item in probed}
    )
    flags = flags.values("pk", *(f"met_{item}" for item in probed))
    inner, params = flags.query.get_compiler(using=flags.db).as_sql()
    seats, seat_params = _seat_counts(groups, year).query.get_compiler(using=flags.db).as_sql()
    held, held_params = _session_counts(groups, year).query.get_compiler(using=flags.db).as_sql()
    # Met: every seat (every session held) has it, and there is at least one.
    met = {item: f"met_{item}" for item in probed}
    met |= {item: f"(s.n > 0 AND s.with_{item} = s.n)" for item in BY_SEATS}
    met |= {item: f"(h.n > 0 AND h.with_{item} = h.n)" for item in BY_SESSIONS}
    counted = ", ".join(f"COUNT(CASE WHEN {met[item]} THEN 1 END)" for item in BAYOU_ITEMS)
    every = " AND ".join(f"COALESCE({met[item]}, FALSE)" for item in BAYOU_ITEMS)
    with connections[flags.db].cursor() as cursor:
        # MATERIALIZED: each group's conditions are evaluated once, not again for the all-eight count.
        cursor.execute(
            f"WITH flags AS MATERIALIZED ({inner}), seats AS MATERIALIZED ({seats}), "  # noqa: S608 - names are ours, values are parameters
            f"held AS MATERIALIZED ({held}) SELECT {counted}, COUNT(CASE WHEN {every} THEN 1 END) "
            "FROM flags LEFT JOIN seats s ON s.group_id = flags.pk LEFT JOIN held h ON h.group_id = flags.pk",
            (*params, *seat_params, *held_params),
        )
        *per_item, all_met = cursor.fetchone()
    return dict(zip(BAYOU_ITEMS, per_item, strict=True)), all_met


def stored_bayou_met_counts(groups: QuerySet[StudyGroup], year: int, size: int) -> tuple[dict[str, int], int] | None:
    """``bayou_met_counts`` from the statuses the rollup job stored (``ChecklistStatus``), in one query; ``None``
    unless each of the ``size`` groups of ``groups`` has its stored 八有 status of the year.

    Exact only while the stored statuses are: the caller asks ``reports.dashboard.current_rollup`` first (no
    write marked a group of the subtree since, and no session of the year started since, the one change of a
    status that comes with time alone: a session counts for 有考勤, 有记录 and 有检查 once held).
    """
    from audits.models import ChecklistStatus

    met = {item: Q(**{f"statuses__{item}": MET}) for item in BAYOU_ITEMS}
    every = Q()
    for condition in met.values():
        every &= condition
    counts = (
        ChecklistStatus.objects.filter(group__in=groups.order_by().values("pk"), year=year, checklist="bayou")
        .order_by()
        .aggregate(
            stored=Count("pk"),
            every=Count("pk", filter=every),
            **{f"met_{item}": Count("pk", filter=condition) for item, condition in met.items()},
        )
    )
    if counts["stored"] != size:
        return None
    return {item: counts[f"met_{item}"] for item in BAYOU_ITEMS}, counts["every"]
