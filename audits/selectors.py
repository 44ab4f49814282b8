"""Every read of the audits app, starting from the visibility rule."""

from __future__ import annotations

import datetime

from django.db.models import Count, F, Q, QuerySet
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
from plans.models import StudyPlan
from sessions.models import StudySession, Submission, held_q
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


def coverage(*, organization: Organization, year: int) -> tuple[list[StudyGroup], float | None]:
    """Every group of the subtree with its visits of the year (one query) and the share observed.

    A visit counts once its session is held (``held_q``: it has started), as in the year figures'
    ``groups_observed`` ÷ ``groups``; visits to sessions still ahead are only planned (``planned_count``) and
    cover nothing yet.
    """
    this_year = Q(sessions__visits__session__starts_at__year=year)
    held = held_q("sessions__visits__session__")
    groups = list(
        coverage_groups(organization).annotate(
            visit_count=Count("sessions__visits", filter=this_year & held),
            planned_count=Count("sessions__visits", filter=this_year & ~held),
        )
    )
    observed = sum(1 for g in groups if g.visit_count)
    return groups, (round(observed / len(groups), 4) if groups else None)


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
        invitation.free_observers = [
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


def waiting_q(user: User) -> Q:
    """Actions waiting for the user: those they own that are not done, and those they raised that are done and
    wait for their acceptance. The home card, the overdue count of the to-do list and ``?waiting=1`` use it."""
    owned = Q(owner__user=user) & ~Q(status=Action.Status.DONE)
    return owned | Q(raised_by=user, status=Action.Status.DONE, accepted_on__isnull=True)


def action_list(
    *,
    user: User,
    status: str = "",
    mine: bool = False,
    waiting: bool = False,
    organization: Organization | None = None,
    year: int | None = None,
) -> QuerySet[Action]:
    """Actions the user reads; with ``year``, those raised in it, and "overdue" as the year figure counts it."""
    queryset = access.visible(Action.objects.all(), user).select_related("group__organization", "owner")
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
    elif status:
        queryset = queryset.filter(status=status)
    if year:
        queryset = queryset.filter(raised_on__year=year)
    return queryset.order_by("status", "due_on", "id")


def compliance(*, organization: Organization, year: int, checklist: Checklist) -> list[dict]:
    """Groups of the subtree (the organization's own included) with the status of every item.

    Small subtrees are computed from the records; large ones (more than ``DASHBOARD_LIVE_LIMIT`` groups) read
    the statuses the rollup job keeps, when it has run for that year.
    """
    from django.conf import settings

    from audits.models import ChecklistStatus

    groups = list(
        StudyGroup.objects.filter(organization__path__startswith=organization.path, is_active=True)
        .select_related("organization")
        .order_by("organization__path")
    )
    if len(groups) > settings.DASHBOARD_LIVE_LIMIT:
        stored = dict(
            ChecklistStatus.objects.filter(
                group__organization__path__startswith=organization.path, year=year, checklist=checklist.code
            ).values_list("group_id", "statuses")
        )
        if stored:
            missing = dict.fromkeys(checklist.items.values_list("code", flat=True), checklists.MISSING)
            return [{"group": group, "statuses": stored.get(group.pk, missing)} for group in groups]
    statuses = checklists.compute(groups, year, checklist.code)
    return [{"group": group, "statuses": statuses[group.pk]} for group in groups]


def evidence(*, group: StudyGroup, year: int, item: str) -> list[dict]:
    """The records behind one item of a group's year: ``{"text", "url", "ok"}`` rows."""
    if item == "rules":
        return [
            {"text": d.title, "url": "", "ok": True}
            for d in RulesDocument.objects.filter(organization=group.organization)
        ]
    if item in ("plan", "plan_early", "report_up"):
        return _plan_evidence(group, year)
    if item in SESSION_EVIDENCE:
        sessions = StudySession.objects.held_in(year).filter(group=group).order_by("starts_at")
        return [{"text": str(s), "url": s.get_absolute_url(), "ok": SESSION_EVIDENCE[item](s)} for s in sessions]
    if item in ("notes", "reflections"):
        return _writer_evidence(group, year, kind="notes" if item == "notes" else "reflection")
    if item == "inspection":
        return _inspection_evidence(group, year)
    if item == "summary":
        summaries = hooks.final_year_summaries()
        return (
            []
            if summaries is None
            else [{"text": str(s), "url": "", "ok": True} for s in summaries.filter(group=group, year=year)]
        )
    return []


# Items judged session by session: whether each held session has what the item asks for.
SESSION_EVIDENCE = {
    "attendance": lambda s: s.attendances.exists(),
    "minutes": lambda s: bool(s.minutes.strip()),
    "session_plan": lambda s: s.has_plan,
    "discussion": lambda s: (
        s.speeches.exists() or s.submissions.filter(kind="discussion").exclude(status="draft").exists()
    ),
    "circular_down": lambda s: s.circular_sent_at is not None,
    "support": lambda s: s.materials.filter(published_at__isnull=False).exists(),
}


def _plan_evidence(group: StudyGroup, year: int) -> list[dict]:
    plan = StudyPlan.objects.filter(group=group, year=year).first()
    if plan is None:
        return []
    return [
        {
            "text": f"{plan} · {plan.get_status_display()}",
            "url": plan.get_absolute_url(),
            "ok": plan.status == StudyPlan.Status.APPROVED,
        }
    ]


def _writer_evidence(group: StudyGroup, year: int, kind: str) -> list[dict]:
    """Every member seated during the year (secretaries aside) and whether they handed in a ``kind``."""
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    seats = (
        Membership.objects.filter(group=group, start_on__lte=last)
        .filter(Q(end_on__isnull=True) | Q(end_on__gte=first))
        .exclude(role="secretary")
        .select_related("person")
    )
    wrote = set(
        Submission.objects.filter(group=group, kind=kind, submitted_on__year=year)
        .exclude(status="draft")
        .values_list("person_id", flat=True)
    )
    return [{"text": seat.person.name, "url": "", "ok": seat.person_id in wrote} for seat in seats]


def _inspection_evidence(group: StudyGroup, year: int) -> list[dict]:
    """The year's observer visits to held sessions, then the inspections of the group."""
    rows = [
        {"text": f"{v.observer.name} → {v.session}", "url": reverse("audits:visit-detail", args=[v.pk]), "ok": True}
        for v in ObserverVisit.objects.filter(
            held_q("session__"), session__group=group, session__starts_at__year=year
        ).select_related("observer", "session")
    ]
    rows += [{"text": str(i), "url": "", "ok": True} for i in Inspection.objects.filter(group=group, year=year)]
    return rows
