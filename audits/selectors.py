"""Every read of the audits app, starting from the visibility rule."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils import timezone

from audits import checklists, draw, hooks
from audits.models import (
    Action,
    Checklist,
    Inspection,
    ObserverPoolMember,
    ObserverVisit,
    RulesDocument,
    VisitInvitation,
)
from plans.models import Material, StudyPlan
from sessions.models import Attendance, Speech, StudySession, Submission, held_q
from studygroup import access
from studygroup.models import Membership, Organization, StudyGroup, User


def planning_organizations(*, user: User) -> QuerySet[Organization]:
    """Organizations where the user is staff and which have organizations below them."""
    held = (
        Organization.objects.all()
        if access.scope_for(user).is_superuser
        else access.organizations_held(user, [access.STAFF])
    )
    return held.filter(children__isnull=False).distinct().order_by("path")


def coverage_groups(organization: Organization) -> QuerySet[StudyGroup]:
    """The groups observation coverage is counted over: every group of the subtree, the organization's own
    included (records-format.md, ``groups``), as the year figures of the dashboard count them."""
    return (
        StudyGroup.objects.filter(organization__path__startswith=organization.path)
        .select_related("organization")
        .order_by("organization__path")
    )


def subtree_visits(*, organization: Organization, year: int) -> QuerySet[ObserverVisit]:
    """Visits of the year to sessions of the subtree, whoever arranged them, held sessions first by date."""
    return (
        ObserverVisit.objects.filter(
            session__group__organization__path__startswith=organization.path, session__starts_at__year=year
        )
        .select_related("session__group__organization", "observer", "organization")
        .order_by("session__starts_at", "id")
    )


@dataclass
class CoverageRow:
    """The coverage of part of a subtree: a child organization's subtree, or the organization's own group."""

    organization: Organization
    groups: int = 0
    observed: int = 0
    planned: int = 0
    is_own: bool = False

    @property
    def ratio(self) -> float | None:
        return round(self.observed / self.groups, 4) if self.groups else None


def _by_prefix(queryset: QuerySet, lookup: str, length: int, **aggregates) -> dict[str, dict]:
    rows = queryset.order_by().annotate(prefix=Substr(lookup, 1, length)).values("prefix").annotate(**aggregates)
    return {row.pop("prefix"): row for row in rows}


def coverage_summary(*, organization: Organization, year: int) -> tuple[CoverageRow, list[CoverageRow]]:
    """The subtree's observation coverage, in all and per child organization (the organization's own group
    first), in three grouped queries whatever the size of the subtree.

    A group is observed once a visit's session of the year is held (``held_q``: it has started), as in the year
    figures' ``groups_observed`` ÷ ``groups``; visits to sessions still ahead are only planned and cover nothing
    yet.
    """
    length = Organization.path_length(organization.depth + 1)
    visits = ObserverVisit.objects.filter(
        session__group__organization__path__startswith=organization.path, session__starts_at__year=year
    )
    held = held_q("session__")
    path = "session__group__organization__path"
    groups = _by_prefix(coverage_groups(organization), "organization__path", length, n=Count("pk"))
    observed = _by_prefix(visits.filter(held), path, length, n=Count("session__group", distinct=True))
    planned = _by_prefix(visits.exclude(held), path, length, n=Count("pk"))
    parts = [organization, *Organization.objects.filter(parent=organization).order_by("path")]
    rows = [
        CoverageRow(
            organization=part,
            groups=groups.get(part.path, {}).get("n", 0),
            observed=observed.get(part.path, {}).get("n", 0),
            planned=planned.get(part.path, {}).get("n", 0),
            is_own=part == organization,
        )
        for part in parts
    ]
    total = CoverageRow(
        organization=organization,
        groups=sum(row.groups for row in rows),
        observed=sum(row.observed for row in rows),
        planned=sum(row.planned for row in rows),
    )
    return total, [row for row in rows if row.groups]


def with_visit_counts(groups: list[StudyGroup], year: int) -> list[StudyGroup]:
    """Set ``visit_count`` (visits to held sessions of the year) and ``planned_count`` (sessions still ahead) on
    each of ``groups`` (a page of them), in one grouped query over those groups only."""
    held = held_q("session__")
    counts = {
        row["session__group_id"]: row
        for row in ObserverVisit.objects.filter(
            session__group__in=[g.pk for g in groups], session__starts_at__year=year
        )
        .order_by()
        .values("session__group_id")
        .annotate(made=Count("pk", filter=held), planned=Count("pk", filter=~held))
    }
    for group in groups:
        row = counts.get(group.pk, {})
        group.visit_count, group.planned_count = row.get("made", 0), row.get("planned", 0)  # type: ignore[attr-defined]
    return groups


def pool(*, organization: Organization, year: int) -> QuerySet[ObserverPoolMember]:
    """The pool with each observer's visits of the year: ``workload`` to held sessions, ``planned`` to sessions
    still ahead."""
    this_year = Q(person__visits__session__starts_at__year=year)
    held = held_q("person__visits__session__")
    return (
        ObserverPoolMember.objects.filter(organization=organization)
        .select_related("person__organization")
        .annotate(
            workload=Count("person__visits", filter=this_year & held),
            planned=Count("person__visits", filter=this_year & ~held),
        )
        .order_by("-is_active", "person__name")
    )


def invitations(*, organization: Organization) -> tuple[list[VisitInvitation], list[VisitInvitation]]:
    """Invitations addressed to ``organization``: those waiting, each with the observers free to accept it,
    and the last answered ones. Three queries, however many invitations."""
    rows = list(
        VisitInvitation.objects.filter(organization=organization)
        .select_related("session__group__organization", "visit__observer")
        .order_by("session__starts_at", "id")
    )
    waiting = [i for i in rows if i.status == VisitInvitation.Status.PENDING]
    answered = sorted((i for i in rows if i.status != VisitInvitation.Status.PENDING), key=lambda i: -i.pk)[:20]
    pool_people = [
        m.person
        for m in ObserverPoolMember.objects.filter(organization=organization, is_active=True).select_related(
            "person__organization"
        )
    ]
    busy: dict[int, list[tuple]] = {}
    if waiting and pool_people:
        for observer_id, session_id, starts, ends in ObserverVisit.objects.filter(
            observer__in=pool_people,
            session__starts_at__lt=max(i.session.ends_at for i in waiting),
            session__ends_at__gt=min(i.session.starts_at for i in waiting),
        ).values_list("observer_id", "session_id", "session__starts_at", "session__ends_at"):
            busy.setdefault(observer_id, []).append((session_id, starts, ends))
    for invitation in waiting:
        session = invitation.session
        invitation.free_observers = [  # type: ignore[attr-defined]
            person
            for person in pool_people
            if draw.eligible(person.organization.path, session.group.organization.path)
            # An observer already going to this very session is not free for it either.
            and not any(
                starts < session.ends_at and session.starts_at < ends for _s, starts, ends in busy.get(person.pk, [])
            )
        ]
    return waiting, answered


def my_visits(*, user: User) -> QuerySet[ObserverVisit]:
    return (
        ObserverVisit.objects.filter(observer__user=user)
        .select_related("session__group__organization")
        .order_by("-session__starts_at")
    )


def candidate_sessions(*, organization: Organization) -> QuerySet[StudySession]:
    return (
        StudySession.objects.filter(
            group__organization__path__startswith=organization.path, starts_at__gte=timezone.now()
        )
        .exclude(group__organization=organization)
        .select_related("group__organization")
        .order_by("starts_at")
    )


def judge_date(year: int, today: datetime.date | None = None) -> datetime.date:
    """Overdue actions are judged at the end of the year, or today for the current year."""
    today = today or timezone.localdate()
    return min(datetime.date(year, 12, 31), today) if year >= today.year else datetime.date(year, 12, 31)


def overdue_in_year_q(year: int) -> Q:
    """Actions raised in ``year`` and not done by their due date, judged as ``judge_date`` says.

    The one definition of the year figure ``actions_overdue`` (records format) and of its drill-down.
    """
    in_time = Q(status=Action.Status.DONE) & (Q(done_on__isnull=True) | Q(done_on__lte=F("due_on")))
    return Q(raised_on__year=year, due_on__lt=judge_date(year)) & ~in_time


def overdue_q(today: datetime.date | None = None) -> Q:
    """Actions past their due date and not done: a done action is never overdue (``Action.is_overdue``)."""
    return ~Q(status=Action.Status.DONE) & Q(due_on__lt=today or timezone.localdate())


def awaiting_acceptance_q() -> Q:
    """Actions reported done that whoever raised them has not yet accepted (待提出人验收).

    The one definition of "awaiting acceptance": the year summary's "(其中待提出人验收N项)", the action list's
    ``?status=awaiting`` and the 第一议题 ledger's 待验收 use it. An action nobody raised in the system (one
    imported from a records bundle) has nobody to accept it: once done, it counts as accepted.
    """
    return Q(status=Action.Status.DONE, accepted_on__isnull=True, raised_by__isnull=False)


def with_awaiting(queryset: QuerySet[Action]) -> QuerySet[Action]:
    """``queryset`` with ``awaiting``: whether each action is awaiting acceptance (``awaiting_acceptance_q``)."""
    return queryset.annotate(awaiting=ExpressionWrapper(awaiting_acceptance_q(), output_field=BooleanField()))


def waiting_q(user: User) -> Q:
    """Actions waiting for the user: those they own that are not done, and those they raised that are done and
    wait for their acceptance. The home card, the overdue count of the to-do list and ``?waiting=1`` use it."""
    # The owner by the person's id (from the scope, read once), not through a join to the login: two indexed
    # columns, so the database reads only these actions, not every action of the subtree.
    person_id = access.scope_for(user).person_id
    owned = (Q(owner_id=person_id) if person_id is not None else Q(pk__in=[])) & ~Q(status=Action.Status.DONE)
    return owned | (Q(raised_by=user) & awaiting_acceptance_q())


# The action list's status filter beyond the stored statuses: done, awaiting acceptance (``awaiting_acceptance_q``).
AWAITING = "awaiting"


def action_list(
    *,
    user: User,
    status: str = "",
    mine: bool = False,
    waiting: bool = False,
    organization: Organization | None = None,
    year: int | None = None,
) -> QuerySet[Action]:
    """Actions the user reads; with ``year``, those raised in it, and "overdue" as the year figure counts it;
    ``status`` "awaiting": done and awaiting acceptance, as the year summary counts them."""
    queryset = with_awaiting(access.visible(Action.objects.all(), user).select_related("group__organization", "owner"))
    if mine:
        queryset = queryset.filter(Q(owner__user=user) | Q(raised_by=user) | Q(visit__observer__user=user))
    if waiting:
        queryset = queryset.filter(waiting_q(user))
    if organization is not None:
        queryset = queryset.filter(group__organization__path__startswith=organization.path)
    if status == "overdue" and year:
        queryset = queryset.filter(overdue_in_year_q(year))
    elif status == "overdue":
        queryset = queryset.filter(overdue_q())
    elif status == AWAITING:
        queryset = queryset.filter(awaiting_acceptance_q())
    elif status:
        queryset = queryset.filter(status=status)
    if year:
        queryset = queryset.filter(raised_on__year=year)
    return queryset.order_by("status", "due_on", "id")


def compliance_groups(
    *, organization: Organization, year: int, checklist: Checklist, item: str = "", status: str = ""
) -> QuerySet[StudyGroup]:
    """Active groups of the subtree (the organization's own included) in tree order; with ``item`` and
    ``status``, only those whose item has that status, filtered in SQL (``checklists.status_conditions``).

    An item the records do not decide (an inspector's item) has no status: the filter keeps no group.
    """
    groups = (
        StudyGroup.objects.filter(organization__path__startswith=organization.path, is_active=True)
        .select_related("organization")
        .order_by("organization__path")
    )
    if item and status:
        conditions = checklists.status_conditions(checklist.code, year).get(item)
        condition = conditions.status_q(status) if conditions is not None else None
        groups = groups.filter(condition) if condition is not None else groups.none()
    return groups


def compliance_rows(*, groups: list[StudyGroup], year: int, checklist: Checklist) -> list[dict]:
    """The status of every item for ``groups`` (a page of them), computed from the records in a fixed number of
    queries."""
    statuses = checklists.compute(groups, year, checklist.code)
    return [{"group": group, "statuses": statuses[group.pk]} for group in groups]


PER_SESSION_ITEMS = ("attendance", "minutes", "session_plan", "discussion", "circular_down", "support")
PLAN_ITEMS = ("plan", "plan_early", "report_up")


def evidence(*, group: StudyGroup, year: int, items: list[str]) -> dict[str, list[dict]]:
    """The records behind the ``items`` of a group's year: item → ``{"text", "url", "ok"}`` rows.

    At most one query per kind of record (sessions, plan, seats, submissions, visits, inspections, rules,
    summary) whatever the number of sessions or members; an item without evidence rules gets no rows.
    """
    wanted = set(items)
    found: dict[str, list[dict]] = {item: [] for item in items}
    if wanted & set(PER_SESSION_ITEMS):
        for session in _evidence_sessions(group, year):
            for item in wanted & set(PER_SESSION_ITEMS):
                found[item].append(
                    {"text": str(session), "url": session.get_absolute_url(), "ok": _session_shows(session, item)}
                )
    if "rules" in wanted:
        found["rules"] = [
            {"text": d.title, "url": "", "ok": True}
            for d in RulesDocument.objects.filter(organization=group.organization_id)
        ]
    if wanted & set(PLAN_ITEMS):
        plan = StudyPlan.objects.filter(group=group, year=year).select_related("group__organization").first()
        for item in wanted & set(PLAN_ITEMS):
            found[item] = (
                []
                if plan is None
                else [
                    {
                        "text": f"{plan} · {plan.get_status_display()}",
                        "url": plan.get_absolute_url(),
                        "ok": plan.status == StudyPlan.Status.APPROVED,
                    }
                ]
            )
    if wanted & {"notes", "reflections"}:
        found.update(_evidence_writers(group, year, wanted & {"notes", "reflections"}))
    if "inspection" in wanted:
        found["inspection"] = [
            {"text": f"{v.observer.name} → {v.session}", "url": reverse("audits:visit-detail", args=[v.pk]), "ok": True}
            for v in ObserverVisit.objects.filter(
                held_q("session__"), session__group=group, session__starts_at__year=year
            ).select_related("observer", "session")
        ] + [
            {"text": str(i), "url": "", "ok": True}
            for i in Inspection.objects.filter(group=group, year=year).select_related("group", "checklist")
        ]
    summaries = hooks.final_year_summaries() if "summary" in wanted else None
    if summaries is not None:
        found["summary"] = [
            {"text": str(s), "url": "", "ok": True}
            for s in summaries.filter(group=group, year=year).select_related("group")
        ]
    return found


def _evidence_sessions(group: StudyGroup, year: int) -> QuerySet[StudySession]:
    """The group's held sessions of the year, each annotated with what the per-session items ask (one query)."""
    session = OuterRef("pk")
    discussion = Submission.objects.filter(session=session, kind=Submission.Kind.DISCUSSION).exclude(
        status=Submission.Status.DRAFT
    )
    return (
        StudySession.objects.held_in(year)
        .filter(group=group)
        .annotate(
            has_attendance=Exists(Attendance.objects.filter(session=session)),
            has_speech=Exists(Speech.objects.filter(session=session)),
            has_discussion_material=Exists(discussion),
            has_material=Exists(Material.objects.filter(session=session, published_at__isnull=False)),
        )
        .order_by("starts_at")
    )


def _session_shows(session: StudySession, item: str) -> bool:
    return {
        "attendance": session.has_attendance,  # type: ignore[attr-defined]
        "minutes": bool(session.minutes.strip()),
        "session_plan": session.has_plan,
        "discussion": session.has_speech or session.has_discussion_material,  # type: ignore[attr-defined]
        "circular_down": session.circular_sent_at is not None,
        "support": session.has_material,  # type: ignore[attr-defined]
    }[item]


def _evidence_writers(group: StudyGroup, year: int, items: set[str]) -> dict[str, list[dict]]:
    """Every member seated in the year (not the secretary) and whether they wrote notes / a reflection."""
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    seats = list(
        Membership.objects.filter(group=group, start_on__lte=last)
        .filter(Q(end_on__isnull=True) | Q(end_on__gte=first))
        .exclude(role=Membership.Role.SECRETARY)
        .select_related("person")
    )
    kinds = {"notes": Submission.Kind.NOTES, "reflections": Submission.Kind.REFLECTION}
    wrote = set(
        Submission.objects.filter(group=group, kind__in=[kinds[item] for item in items], submitted_on__year=year)
        .exclude(status=Submission.Status.DRAFT)
        .order_by()
        .values_list("kind", "person_id")
        .distinct()
    )
    return {
        item: [{"text": seat.person.name, "url": "", "ok": (kinds[item], seat.person_id) in wrote} for seat in seats]
        for item in items
    }
