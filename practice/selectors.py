"""Every read of the practice app: self-study progress and tables, the 第一议题 ledger, the calendar of sessions
reported upward and what a records check reviews."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, prefetch_related_objects
from django.db.models.functions import ExtractMonth, Substr
from django.utils import timezone

from audits.models import Action, ObserverVisit
from audits.selectors import awaiting_acceptance_q, judge_date, with_awaiting
from plans.models import ResearchTopic, SessionKind, StudyPlan
from practice import ledger
from practice.access_rules import CALENDAR_ROLES
from practice.models import Recommendation, SelfStudyEntry, SelfStudyTarget, SessionReport, SpotCheck
from practice.periods import judging_day
from sessions.models import Attendance, StudySession
from studygroup import access
from studygroup.models import Membership, Organization, Person, StudyGroup, User

ROLE_ORDER = {Membership.Role.LEADER: 0, Membership.Role.DEPUTY: 1, Membership.Role.MEMBER: 2}


def month_counts(*, person_ids, year: int) -> dict[int, dict[str, dict[int, int]]]:
    """Entries per person, kind and month of ``year``, in one aggregate query."""
    rows = (
        SelfStudyEntry.objects.filter(person_id__in=person_ids, on__year=year)
        .annotate(month=ExtractMonth("on"))
        .order_by()
        .values("person_id", "kind", "month")
        .annotate(n=Count("pk"))
        .values_list("person_id", "kind", "month", "n")
    )
    counts: dict[int, dict[str, dict[int, int]]] = {}
    for person_id, kind, month, n in rows:
        counts.setdefault(person_id, {}).setdefault(kind, {})[month] = n
    return counts


def plan_with_targets(*, group: StudyGroup, year: int) -> tuple[StudyPlan | None, list[SelfStudyTarget]]:
    plan = StudyPlan.objects.filter(group=group, year=year).first()
    if plan is None:
        return None, []
    return plan, ledger.sorted_targets(plan.selfstudy_targets.all())


def judged_seats(*, group: StudyGroup, day: datetime.date) -> list[Membership]:
    """The seats judged against the targets on ``day``: every role but the study secretary."""
    seats = (
        group.active_memberships(on=day)
        .exclude(role=Membership.Role.SECRETARY)
        .select_related("person")
        .order_by("person__name", "pk")
    )
    return sorted(seats, key=lambda seat: ROLE_ORDER.get(seat.role, 3))  # type: ignore[call-overload]


@dataclass
class MemberRow:
    seat: Membership
    targets: list[ledger.TargetProgress]

    @property
    def behind(self) -> int:
        return sum(target.behind for target in self.targets)


@dataclass
class GroupTable:
    group: StudyGroup
    year: int
    plan: StudyPlan | None
    targets: list[SelfStudyTarget]
    rows: list[MemberRow] = field(default_factory=list)

    @property
    def behind_count(self) -> int:
        """Members behind in at least one ended period."""
        return sum(1 for row in self.rows if row.behind)


def group_table(*, group: StudyGroup, year: int, today: datetime.date) -> GroupTable:
    """Member × target × period of a group's year, in a fixed number of queries."""
    plan, targets = plan_with_targets(group=group, year=year)
    table = GroupTable(group, year, plan, targets)
    if not targets:
        return table
    day = judging_day(year, today)
    seats = judged_seats(group=group, day=min(day, datetime.date(year, 12, 31)))
    counts = month_counts(person_ids=[seat.person_id for seat in seats], year=year)
    for seat in seats:
        mine = counts.get(seat.person_id, {})
        table.rows.append(MemberRow(seat, [ledger.progress(t, mine.get(t.kind, {}), year, day) for t in targets]))
    return table


@dataclass
class MyGroupProgress:
    group: StudyGroup
    plan: StudyPlan | None
    targets: list[ledger.TargetProgress]


def my_progress(*, person: Person, today: datetime.date) -> list[MyGroupProgress]:
    """The member's progress in each group they sit in today, against this year's targets."""
    year = today.year
    seats = Membership.objects.filter(person=person, start_on__lte=today).filter(
        Q(end_on__isnull=True) | Q(end_on__gte=today)
    )
    groups = StudyGroup.objects.filter(pk__in=seats.values("group_id")).select_related("organization")
    counts = month_counts(person_ids=[person.pk], year=year).get(person.pk, {})
    shown = []
    for group in groups:
        plan, targets = plan_with_targets(group=group, year=year)
        shown.append(
            MyGroupProgress(group, plan, [ledger.progress(t, counts.get(t.kind, {}), year, today) for t in targets])
        )
    return shown


def my_entries(*, person: Person, year: int) -> QuerySet[SelfStudyEntry]:
    return SelfStudyEntry.objects.filter(person=person, on__year=year).select_related("research")


def research_topics_of(*, person: Person, year: int) -> QuerySet[ResearchTopic]:
    """The research topics a member may link a report to: those they own or research with others."""
    return (
        ResearchTopic.objects.filter(Q(owner=person) | Q(co_researchers=person), year__in=[year - 1, year])
        .distinct()
        .order_by("-year", "title")
    )


def groups_for_table(*, user: User) -> QuerySet[StudyGroup]:
    """The groups whose self-study table the user reads: their grants' subtree and the groups they lead."""
    scope = access.scope_for(user)
    queryset = StudyGroup.objects.select_related("organization").order_by("organization__path")
    if scope.is_superuser:
        return queryset
    return queryset.filter(access.grant_reach_q(scope, "organization__path") | Q(pk__in=scope.leader_group_ids))


# 第一议题 follow-through ---------------------------------------------------------------------


def session_measures(*, session: StudySession, user: User) -> list[Action]:
    """The measures decided at ``session``, each with ``awaiting`` (done, awaiting acceptance)."""
    measures = access.visible(Action.objects.filter(session=session), user)
    return list(with_awaiting(measures).select_related("owner").order_by("pk"))


def previous_first_topic(*, session: StudySession) -> StudySession | None:
    """The group's 第一议题 study held last before ``session``."""
    return (
        StudySession.objects.filter(
            group_id=session.group_id, kind=SessionKind.FIRST_TOPIC, starts_at__lt=session.starts_at
        )
        .order_by("-starts_at", "-pk")
        .first()
    )


def earlier_open_measures(*, session: StudySession, before: StudySession, user: User) -> list[Action]:
    """Measures of the group's 第一议题 studies before ``before`` that are still not done: carried forward."""
    return list(
        access.visible(
            Action.objects.filter(
                session__group_id=session.group_id,
                session__kind=SessionKind.FIRST_TOPIC,
                session__starts_at__lt=before.starts_at,
            ).exclude(status=Action.Status.DONE),
            user,
        )
        .select_related("owner", "session")
        .order_by("due_on", "pk")
    )


@dataclass
class LedgerRow:
    session: StudySession
    measures: list[Action]
    judged_on: datetime.date

    @property
    def accepted(self) -> int:
        """Done and accepted (已落实): done and not awaiting acceptance (``audits.selectors.awaiting_acceptance_q``)."""
        return sum(1 for action in self.measures if action.status == Action.Status.DONE and not action.awaiting)  # type: ignore[attr-defined, misc]

    @property
    def awaiting(self) -> int:
        """Done, awaiting acceptance by whoever raised it (待验收)."""
        return sum(1 for action in self.measures if action.awaiting)  # type: ignore[attr-defined, misc]

    @property
    def overdue(self) -> int:
        return sum(1 for action in self.measures if action.overdue)  # type: ignore[attr-defined, misc]


def is_overdue_by(action: Action, day: datetime.date) -> bool:
    """Not done by its due date, judged on ``day`` (as the year figure ``actions_overdue`` judges)."""
    in_time = action.status == Action.Status.DONE and (action.done_on is None or action.done_on <= action.due_on)
    return action.due_on < day and not in_time


def first_topic_sessions(*, organization: Organization, year: int, user: User) -> QuerySet[StudySession]:
    """The year's 第一议题 studies held in the subtree that the user reads, in the ledger's order."""
    return (
        access.visible(
            StudySession.objects.held_in(year).filter(
                kind=SessionKind.FIRST_TOPIC, group__organization__path__startswith=organization.path
            ),
            user,
        )
        .select_related("group__organization")
        .order_by("starts_at", "pk")
    )


def ledger_rows(sessions: list[StudySession], *, year: int, user: User) -> list[LedgerRow]:
    """``sessions`` (a page of the ledger, or all of it) each with its measures: two queries (topics, measures)."""
    prefetch_related_objects(sessions, "topics")
    measures: dict[int, list[Action]] = {}
    judged_on = judge_date(year)
    for action in (
        with_awaiting(access.visible(Action.objects.filter(session__in=[s.pk for s in sessions]), user))
        .select_related("owner")
        .order_by("due_on", "pk")
    ):
        action.overdue = is_overdue_by(action, judged_on)  # type: ignore[attr-defined]
        measures.setdefault(action.session_id, []).append(action)  # type: ignore[arg-type]
    return [LedgerRow(session, measures.get(session.pk, []), judged_on) for session in sessions]


def first_topic_ledger(*, organization: Organization, year: int, user: User) -> list[LedgerRow]:
    """The year's 第一议题 studies held in the subtree, each with its measures, in three queries (the download)."""
    sessions = list(first_topic_sessions(organization=organization, year=year, user=user))
    return ledger_rows(sessions, year=year, user=user)


@dataclass
class LedgerFigures:
    """The ledger's figures for part of a subtree: a child organization's subtree, or the organization itself."""

    organization: Organization
    studies: int = 0
    measures: int = 0
    done: int = 0  # reported done, accepted or not
    awaiting: int = 0  # of them awaiting acceptance by whoever raised them (待验收)
    overdue: int = 0
    is_own: bool = False

    @property
    def accepted(self) -> int:
        """Done and accepted (已落实)."""
        return self.done - self.awaiting


def _by_prefix(queryset: QuerySet, lookup: str, length: int, **aggregates) -> dict[str, dict]:
    rows = queryset.order_by().annotate(prefix=Substr(lookup, 1, length)).values("prefix").annotate(**aggregates)
    return {row.pop("prefix"): row for row in rows}


def first_topic_summary(
    *, organization: Organization, year: int, user: User
) -> tuple[LedgerFigures, list[LedgerFigures]]:
    """The ledger's figures in all and per child organization (a drill-down), in three grouped queries whatever
    the size of the subtree; measures are counted accepted, awaiting acceptance and overdue as ``LedgerRow``
    counts them."""
    length = Organization.path_length(organization.depth + 1)
    sessions = first_topic_sessions(organization=organization, year=year, user=user)
    in_time = Q(status=Action.Status.DONE) & (Q(done_on__isnull=True) | Q(done_on__lte=F("due_on")))
    measures = access.visible(Action.objects.filter(session__in=sessions.order_by().values("pk")), user)
    studied = _by_prefix(sessions, "group__organization__path", length, n=Count("pk"))
    counted = _by_prefix(
        measures,
        "session__group__organization__path",
        length,
        n=Count("pk"),
        done=Count("pk", filter=Q(status=Action.Status.DONE)),
        awaiting=Count("pk", filter=awaiting_acceptance_q()),
        overdue=Count("pk", filter=Q(due_on__lt=judge_date(year)) & ~in_time),
    )
    parts = [organization, *Organization.objects.filter(parent=organization).order_by("path")]
    rows = [
        LedgerFigures(
            organization=part,
            studies=studied.get(part.path, {}).get("n", 0),
            measures=counted.get(part.path, {}).get("n", 0),
            done=counted.get(part.path, {}).get("done", 0),
            awaiting=counted.get(part.path, {}).get("awaiting", 0),
            overdue=counted.get(part.path, {}).get("overdue", 0),
            is_own=part == organization,
        )
        for part in parts
    ]
    total = LedgerFigures(
        organization=organization,
        studies=sum(row.studies for row in rows),
        measures=sum(row.measures for row in rows),
        done=sum(row.done for row in rows),
        awaiting=sum(row.awaiting for row in rows),
        overdue=sum(row.overdue for row in rows),
    )
    return total, [row for row in rows if row.studies or row.measures]


# 学习报备 and 随机抽查 --------------------------------------------------------------------


def calendar_organizations(*, user: User) -> list[Organization]:
    """The organizations whose calendar the user reads: where they hold a role, with organizations below."""
    below = Exists(Organization.objects.filter(parent=OuterRef("pk")))
    return list(access.organizations_held(user, CALENDAR_ROLES).filter(below))


@dataclass
class CalendarRow:
    report: SessionReport
    can_open: bool
    check: SpotCheck | None
    visits: int

    @property
    def session(self) -> StudySession:
        return self.report.session


def calendar(
    *, organization: Organization, start: datetime.date, end: datetime.date, user: User
) -> list[tuple[datetime.date, list[CalendarRow]]]:
    """Every session reported to ``organization`` from below that starts between ``start`` and ``end``, by day.

    Five queries whatever the number of sessions: the reports, their topics, which the user may open, and the
    organization's own records checks and observer visits of them.
    """
    zone = timezone.get_current_timezone()
    reports = list(
        SessionReport.objects.filter(
            session__group__organization__path__startswith=organization.path,
            session__starts_at__gte=datetime.datetime.combine(start, datetime.time.min, tzinfo=zone),
            session__starts_at__lt=datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, zone),
        )
        .exclude(session__group__organization=organization)
        .select_related("session__group__organization")
        .prefetch_related("session__topics")
        .order_by("session__starts_at", "pk")
    )
    ids = [report.session_id for report in reports]
    readable = set(access.visible(StudySession.objects.filter(pk__in=ids), user).values_list("pk", flat=True))
    checks = {c.session_id: c for c in SpotCheck.objects.filter(organization=organization, session_id__in=ids)}
    visits = dict(
        ObserverVisit.objects.filter(organization=organization, session_id__in=ids)
        .values("session_id")
        .annotate(n=Count("pk"))
        .values_list("session_id", "n")
    )
    days: dict[datetime.date, list[CalendarRow]] = {}
    for report in reports:
        day = timezone.localdate(report.session.starts_at)
        row = CalendarRow(
            report, report.session_id in readable, checks.get(report.session_id), visits.get(report.session_id, 0)
        )
        days.setdefault(day, []).append(row)
    return list(days.items())


def spot_check_records(*, check: SpotCheck, user: User) -> dict:
    """What a records check reviews: the session's attendance, minutes and submissions, as the user may read them."""
    session = check.session
    attendance = list(session.attendances.select_related("person").order_by("person__name"))
    return {
        "attendance": attendance,
        "counts": [
            (label, count)
            for status, label in Attendance.Status.choices
            if (count := sum(1 for row in attendance if row.status == status))
        ],
        "speeches": list(session.speeches.select_related("person")),
        "attachments": list(session.attachments.all()),
        "submissions": list(
            access.visible(session.submissions.select_related("person"), user).order_by("kind", "person__name")
        ),
        "raised": {row.finding: row.action for row in check.raised.select_related("action__owner")},
    }


# 荐读领学 ------------------------------------------------------------------------------------


def reading_groups(*, user: User) -> QuerySet[StudyGroup]:
    """The groups whose reading list the user keeps or reads first: where they sit, and their staff's groups."""
    scope = access.scope_for(user)
    queryset = StudyGroup.objects.select_related("organization").order_by("organization__path")
    if scope.is_superuser:
        return queryset
    return queryset.filter(
        Q(pk__in=scope.member_group_ids) | Q(organization_id__in=scope.organization_ids(access.READING_ROLES))
    )


def reading_list(*, group: StudyGroup, year: int, user: User) -> tuple[list[Recommendation], list[Recommendation]]:
    """The year's reading list of a group: the readings picked for its sessions of the year, in session order, and
    the recommendations of the year still waiting to be picked."""
    readable = access.visible(Recommendation.objects.filter(group=group), user).select_related(
        "recommended_by", "lead", "session", "material"
    )
    picked = list(readable.filter(session__starts_at__year=year).order_by("session__starts_at", "pk"))
    waiting = list(readable.filter(picked_at__isnull=True, created_at__year=year).order_by("-created_at", "-pk"))
    return picked, waiting


def coming_sessions(*, group: StudyGroup) -> QuerySet[StudySession]:
    return StudySession.objects.filter(group=group, starts_at__gt=timezone.now()).order_by("starts_at")
