"""Every write of the audits app: the observer pool, visits and their three steps, invitations, actions,
inspections and rules documents."""

from __future__ import annotations

import datetime
import secrets
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from audits import draw as drawing
from audits.models import (
    Action,
    ActionChange,
    Checklist,
    ChecklistItem,
    Inspection,
    InspectionVerdict,
    ObserverPoolMember,
    ObserverVisit,
    RandomDraw,
    RulesDocument,
    VisitInvitation,
)
from sessions.models import StudySession
from studygroup import access, notifications
from studygroup import selectors as core_selectors
from studygroup.models import Organization, Person, RoleGrant, StudyGroup, User


def _code(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def _person(user: User) -> Person | None:
    return Person.objects.filter(user=user).first()


def _require_staff_at(user: User, organization: Organization) -> None:
    if not (access.scope_for(user).is_superuser or access.scope_for(user).holds_at(access.STAFF, organization.pk)):
        raise PermissionDenied


def _below(session: StudySession, organization: Organization) -> bool:
    path = session.group.organization.path
    return path.startswith(organization.path) and path != organization.path


def _check_observer(observer: Person, session: StudySession) -> None:
    if not drawing.eligible(observer.organization.path, session.group.organization.path):
        raise ValidationError(
            {
                "observer": _(
                    "An observer cannot observe a session of their own organization or of an organization above it."
                )
            }
        )


# Pool ----------------------------------------------------------------------------------------


@transaction.atomic
def pool_add(*, organization: Organization, person: Person, by: User) -> ObserverPoolMember:
    _require_staff_at(by, organization)
    member, _created = ObserverPoolMember.objects.update_or_create(
        organization=organization, person=person, defaults={"is_active": True}
    )
    RoleGrant.objects.get_or_create(person=person, organization=organization, role=access.OBSERVER)
    return member


@transaction.atomic
def pool_set_active(*, member: ObserverPoolMember, is_active: bool, by: User) -> ObserverPoolMember:
    _require_staff_at(by, member.organization)
    member.is_active = is_active
    member.save(update_fields=["is_active", "updated_at"])
    return member


# Visits --------------------------------------------------------------------------------------


def _notify_observer(visit: ObserverVisit) -> None:
    if visit.observer.user_id:
        session = visit.session
        notifications.send(
            to=[visit.observer.user],
            verb="visit_assigned",
            title=_("You are to observe: %(session)s") % {"session": session.title},
            body=_(
                "%(group)s, %(date)s. Review the topic, the session plan and the materials at least %(days)d days "
                "before."
            )
            % {
                "group": session.group.organization.name,
                "date": f"{timezone.localtime(session.starts_at):%m月%d日 %H:%M}",
                "days": settings.PRE_REVIEW_DAYS,
            },
            url=visit.get_absolute_url(),
        )


@transaction.atomic
def visit_assign(
    *,
    organization: Organization,
    session: StudySession,
    observer: Person,
    mode: str,
    by: User,
    is_online: bool = False,
    draw: RandomDraw | None = None,
) -> ObserverVisit:
    """Assign an observer from the pool to a session below ``organization``."""
    _require_staff_at(by, organization)
    if not _below(session, organization):
        raise ValidationError({"session": _("Choose a session of an organization below yours.")})
    if (
        mode != ObserverVisit.Mode.CROSS
        and not ObserverPoolMember.objects.filter(organization=organization, person=observer, is_active=True).exists()
    ):
        raise ValidationError({"observer": _("The observer must be active in your observer pool.")})
    _check_observer(observer, session)
    try:
        with transaction.atomic():
            visit = ObserverVisit.objects.create(
                code=_code("v"),
                organization=organization,
                session=session,
                observer=observer,
                mode=mode,
                is_online=is_online,
                draw=draw,
            )
    except IntegrityError as exc:
        raise ValidationError({"observer": _("This observer is already assigned to the session.")}) from exc
    _notify_observer(visit)
    return visit


def draw_inputs(*, organization: Organization, date_from: datetime.date, date_to: datetime.date, count: int) -> dict:
    year = date_from.year
    sessions = list(
        StudySession.objects.filter(
            group__organization__path__startswith=organization.path,
            starts_at__date__gte=date_from,
            starts_at__date__lte=date_to,
        )
        .exclude(group__organization=organization)
        .values_list("pk", "group_id", "group__organization__path")
    )
    observers = list(
        ObserverPoolMember.objects.filter(organization=organization, is_active=True).values_list(
            "person_id", "person__organization__path"
        )
    )
    observed = dict(
        ObserverVisit.objects.filter(
            session__starts_at__year=year, session__group__organization__path__startswith=organization.path
        )
        .values("session__group_id")
        .annotate(n=Count("pk"))
        .values_list("session__group_id", "n")
    )
    workload = dict(
        ObserverVisit.objects.filter(session__starts_at__year=year, observer_id__in=[o[0] for o in observers])
        .values("observer_id")
        .annotate(n=Count("pk"))
        .values_list("observer_id", "n")
    )
    return {
        "sessions": [list(s) for s in sessions],
        "observers": [list(o) for o in observers],
        "observed": {str(k): v for k, v in observed.items()},
        "workload": {str(k): v for k, v in workload.items()},
        "count": count,
    }


@transaction.atomic
def random_draw(
    *,
    organization: Organization,
    date_from: datetime.date,
    date_to: datetime.date,
    count: int,
    by: User,
    seed: str = "",
) -> RandomDraw:
    _require_staff_at(by, organization)
    if date_to < date_from:
        raise ValidationError({"date_to": _("The end cannot be before the start.")})
    inputs = draw_inputs(organization=organization, date_from=date_from, date_to=date_to, count=count)
    if not inputs["observers"]:
        raise ValidationError(_("Your observer pool has no active observer."))
    if not inputs["sessions"]:
        raise ValidationError(_("No session of the organizations below falls in these dates."))
    seed = seed or secrets.token_hex(8)
    result = drawing.run(seed, inputs)
    record = RandomDraw.objects.create(
        organization=organization,
        seed=seed,
        date_from=date_from,
        date_to=date_to,
        count=count,
        inputs=inputs,
        result=result,
        by=by,
    )
    sessions = StudySession.objects.select_related("group__organization").in_bulk([s for s, _o in result])
    people = Person.objects.select_related("organization").in_bulk([o for _s, o in result])
    for session_id, observer_id in result:
        visit, created = ObserverVisit.objects.get_or_create(
            session=sessions[session_id],
            observer=people[observer_id],
            defaults={
                "code": _code("v"),
                "organization": organization,
                "mode": ObserverVisit.Mode.RANDOM,
                "draw": record,
            },
        )
        if created:
            _notify_observer(visit)
    return record


@transaction.atomic
def cross_pair(
    *,
    organization: Organization,
    first: StudySession,
    second: StudySession,
    observer_of_first: Person,
    observer_of_second: Person,
    by: User,
) -> tuple[ObserverVisit, ObserverVisit]:
    """Members of group A observe B's session and members of B observe A's (交叉式)."""
    _require_staff_at(by, organization)
    a, b = first.group, second.group
    if (
        a.pk == b.pk
        or a.organization.parent_id != b.organization.parent_id
        or not _below(first, organization)
        or not _below(second, organization)
    ):
        raise ValidationError(_("Cross observation pairs two different groups of the same level below you."))
    if not b.memberships.filter(person=observer_of_first, end_on__isnull=True).exists():
        raise ValidationError({"observer_of_first": _("The observer must be a member of the other group.")})
    if not a.memberships.filter(person=observer_of_second, end_on__isnull=True).exists():
        raise ValidationError({"observer_of_second": _("The observer must be a member of the other group.")})
    one = visit_assign(
        organization=organization, session=first, observer=observer_of_first, mode=ObserverVisit.Mode.CROSS, by=by
    )
    two = visit_assign(
        organization=organization, session=second, observer=observer_of_second, mode=ObserverVisit.Mode.CROSS, by=by
    )
    return one, two


# Invitations ---------------------------------------------------------------------------------


@transaction.atomic
def invitation_create(*, session: StudySession, note: str, by: User) -> VisitInvitation:
    access.require(by, "change", session)
    parent = session.group.organization.parent
    if parent is None:
        raise ValidationError(_("Your organization has no organization above it to invite."))
    invitation, created = VisitInvitation.objects.get_or_create(
        session=session, organization=parent, defaults={"note": note.strip()}
    )
    if not created:
        raise ValidationError(_("The organization above has already been invited to this session."))
    notifications.send(
        to=core_selectors.users_holding(organization=parent, roles=[access.STAFF]),
        verb="visit_invited",
        title=_("%(organization)s invites you to observe %(session)s")
        % {"organization": session.group.organization.name, "session": session.title},
        body=note.strip(),
        url="/audits/invitations/",
    )
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: VisitInvitation, observer: Person, by: User) -> ObserverVisit:
    if invitation.status != VisitInvitation.Status.PENDING:
        raise ValidationError(_("This invitation has already been answered."))
    visit = visit_assign(
        organization=invitation.organization,
        session=invitation.session,
        observer=observer,
        mode=ObserverVisit.Mode.INVITED,
        by=by,
    )
    invitation.status, invitation.visit = VisitInvitation.Status.ACCEPTED, visit
    invitation.save(update_fields=["status", "visit", "updated_at"])
    return visit


@transaction.atomic
def invitation_decline(*, invitation: VisitInvitation, by: User) -> VisitInvitation:
    _require_staff_at(by, invitation.organization)
    if invitation.status != VisitInvitation.Status.PENDING:
        raise ValidationError(_("This invitation has already been answered."))
    invitation.status = VisitInvitation.Status.DECLINED
    invitation.save(update_fields=["status", "updated_at"])
    return invitation


# The visit's three steps ---------------------------------------------------------------------


def _require_observer(visit: ObserverVisit, user: User) -> None:
    person = _person(user)
    if person is None or person.pk != visit.observer_id:
        raise PermissionDenied


def pre_review_deadline(visit: ObserverVisit) -> datetime.date:
    return timezone.localdate(visit.session.starts_at) - datetime.timedelta(days=settings.PRE_REVIEW_DAYS)


def report_deadline(visit: ObserverVisit) -> datetime.date:
    return timezone.localdate(visit.session.ends_at) + datetime.timedelta(days=settings.VISIT_REPORT_DAYS)


def is_pre_review_late(visit: ObserverVisit) -> bool:
    done = visit.pre_review_on
    return (done or timezone.localdate()) > pre_review_deadline(visit) and (
        done is not None or not visit.session.has_started
    )


def is_report_late(visit: ObserverVisit) -> bool:
    return (visit.reported_on or timezone.localdate()) > report_deadline(visit)


@transaction.atomic
def visit_pre_review(*, visit: ObserverVisit, decision: str, comment: str, by: User) -> ObserverVisit:
    """学前两审: approve the topic, plan and materials or ask for changes, which the group sees."""
    _require_observer(visit, by)
    if visit.session.has_started:
        raise ValidationError(_("The session has started; the review before it is closed."))
    if decision == ObserverVisit.Review.CHANGES and not comment.strip():
        raise ValidationError({"comment": _("Say what should change.")})
    visit.pre_review, visit.pre_review_comment, visit.pre_review_on = decision, comment.strip(), timezone.localdate()
    visit.save(update_fields=["pre_review", "pre_review_comment", "pre_review_on", "updated_at"])
    notifications.send(
        to=core_selectors.users_holding(organization=visit.session.group.organization, roles=[access.STAFF]),
        verb="visit_pre_review",
        title=_("The observer has reviewed %(session)s: %(decision)s")
        % {"session": visit.session.title, "decision": visit.get_pre_review_display()},
        body=comment.strip(),
        url=visit.session.get_absolute_url(),
    )
    return visit


@transaction.atomic
def visit_listen(
    *, visit: ObserverVisit, discussion_focused: bool, summary_deep: bool, notes: str, gave_talk: bool, by: User
) -> ObserverVisit:
    """学中两听: was the discussion focused, was the concluding speech deep."""
    _require_observer(visit, by)
    if not visit.session.has_started:
        raise ValidationError(_("This part is filled in during the session."))
    visit.discussion_focused, visit.summary_deep = discussion_focused, summary_deep
    visit.listening_notes, visit.gave_talk = notes.strip(), gave_talk
    visit.save(update_fields=["discussion_focused", "summary_deep", "listening_notes", "gave_talk", "updated_at"])
    return visit


@transaction.atomic
def visit_report(
    *, visit: ObserverVisit, rating: str, report: str, findings: str, file: bool, by: User
) -> ObserverVisit:
    """学后一写: save the report as a draft, or file it (``file=True``) with today's date."""
    _require_observer(visit, by)
    if not visit.session.has_started:
        raise ValidationError(_("The report is written after the session."))
    if visit.reported_on is not None:
        raise ValidationError(_("The report has already been filed."))
    if file:
        errors = {}
        if not rating:
            errors["rating"] = _("Choose a rating.")
        if not report.strip():
            errors["report"] = _("Write the report.")
        if errors:
            raise ValidationError(errors)
    visit.rating, visit.report, visit.findings = rating, report.strip(), findings.strip()
    fields = ["rating", "report", "findings", "updated_at"]
    if file:
        visit.reported_on = timezone.localdate()
        fields.append("reported_on")
    visit.save(update_fields=fields)
    return visit


# Actions -------------------------------------------------------------------------------------


def may_raise_from_visit(user: User, visit: ObserverVisit) -> bool:
    person = _person(user)
    return (person is not None and person.pk == visit.observer_id) or access.scope_for(user).holds_at(
        access.STAFF, visit.organization_id
    )


def may_raise_for_group(user: User, group: StudyGroup) -> bool:
    """The group's own staff, and staff or inspectors above it, raise actions from research or inspections."""
    return access.can(user, "change", group) or access.scope_for(user).reaches(
        group.organization.path, [access.STAFF, access.INSPECTOR]
    )


@transaction.atomic
def action_create(
    *,
    group: StudyGroup,
    problem: str,
    measure: str,
    owner: Person,
    due_on: datetime.date,
    by: User,
    visit: ObserverVisit | None = None,
    research=None,
    inspection: Inspection | None = None,
) -> Action:
    if visit is not None:
        if not may_raise_from_visit(by, visit):
            raise PermissionDenied
    elif not may_raise_for_group(by, group):
        raise PermissionDenied
    if not owner.organization.is_within(group.organization):
        raise ValidationError({"owner": _("The owner must belong to the organization of the group or one below it.")})
    if not problem.strip():
        raise ValidationError({"problem": _("Describe the problem.")})
    action = Action.objects.create(
        code=_code("a"),
        group=group,
        visit=visit,
        research=research,
        inspection=inspection,
        problem=problem.strip(),
        measure=measure.strip(),
        owner=owner,
        raised_on=timezone.localdate(),
        raised_by=by,
        due_on=due_on,
    )
    ActionChange.objects.create(action=action, by=by, from_status="", to_status=action.status)
    if owner.user_id:
        notifications.send(
            to=[owner.user],
            verb="action_assigned",
            title=_("An action is assigned to you: %(problem)s") % {"problem": action.problem[:60]},
            body=action.measure,
            url=action.get_absolute_url(),
        )
    return action


def may_update_action(user: User, action: Action) -> bool:
    person = _person(user)
    scope = access.scope_for(user)
    return (
        (person is not None and person.pk == action.owner_id)
        or scope.is_superuser
        or any(g.role == access.STAFF and action.group.organization.path.startswith(g.path) for g in scope.grants)
    )


@transaction.atomic
def action_update(*, action: Action, status: str, note: str = "", evidence: str | None = None, by: User) -> Action:
    if not may_update_action(by, action):
        raise PermissionDenied
    if status not in Action.Status.values:
        raise ValidationError({"status": _("Choose a valid status.")})
    if status == Action.Status.DONE and not (evidence or action.evidence).strip():
        raise ValidationError({"evidence": _("Describe the evidence that the action is done.")})
    previous = action.status
    action.status = status
    action.done_on = timezone.localdate() if status == Action.Status.DONE else None
    if evidence is not None:
        action.evidence = evidence.strip()
    action.save(update_fields=["status", "done_on", "evidence", "updated_at"])
    ActionChange.objects.create(action=action, by=by, from_status=previous, to_status=status, note=note.strip())
    return action


# Inspections and rules -----------------------------------------------------------------------


def may_inspect(user: User, group: StudyGroup) -> bool:
    return access.scope_for(user).reaches(group.organization.path, [access.INSPECTOR])


@transaction.atomic
def verdict_set(
    *, group: StudyGroup, year: int, checklist: Checklist, item: ChecklistItem, verdict: str, comment: str, by: User
) -> InspectionVerdict:
    """Record an inspector's verdict beside an item's computed status (never over it)."""
    if not may_inspect(by, group):
        raise PermissionDenied
    inspector = _person(by)
    if inspector is None or item.checklist_id != checklist.pk:
        raise PermissionDenied
    inspection, _created = Inspection.objects.get_or_create(
        group=group,
        year=year,
        checklist=checklist,
        defaults={"inspector": inspector, "on": timezone.localdate()},
    )
    row, _created = InspectionVerdict.objects.update_or_create(
        inspection=inspection, item=item, defaults={"verdict": verdict, "comment": comment.strip()}
    )
    return row


@transaction.atomic
def rules_add(*, organization: Organization, title: str, adopted_on: datetime.date | None, by: User) -> RulesDocument:
    _require_staff_at(by, organization)
    document, created = RulesDocument.objects.get_or_create(
        organization=organization, title=title.strip(), defaults={"adopted_on": adopted_on}
    )
    if not created:
        raise ValidationError({"title": _("This rules document is already on file.")})
    return document
