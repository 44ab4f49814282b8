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
from django.urls import reverse
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

# The code of the refusal of a second request for what is already done (a double click): pages say so and move on.
ALREADY_RAISED = "already_raised"


def _code(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def _person(user: User) -> Person | None:
    return Person.objects.filter(user=user).first()


def _require_staff_at(user: User, organization: Organization) -> None:
    access.require(user, "change", organization)


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
    clash = (
        ObserverVisit.objects.filter(
            observer=observer, session__starts_at__lt=session.ends_at, session__ends_at__gt=session.starts_at
        )
        .exclude(session=session)
        .select_related("session__group__organization")
        .first()
    )
    if clash is not None:
        raise ValidationError(
            {
                "observer": _("%(name)s is already to observe %(session)s at that time.")
                % {
                    "name": observer.name,
                    "session": f"{clash.session.group.organization.name} · {clash.session.title}",
                }
            }
        )


def _require_ahead(session: StudySession, message: str) -> None:
    """An invitation is sent or accepted only for a session that has not started."""
    if session.has_started:
        raise ValidationError(message)


def _lock(model, pk: int):
    """Lock one row for the rest of the transaction and return it fresh, so a second click waits and sees it."""
    return model.objects.select_for_update().get(pk=pk)


# Pool ----------------------------------------------------------------------------------------


@transaction.atomic
def pool_add(*, organization: Organization, person: Person, by: User) -> ObserverPoolMember:
    _require_staff_at(by, organization)
    _lock(Organization, organization.pk)  # two clicks add the person once
    member, _created = ObserverPoolMember.objects.update_or_create(
        organization=organization, person=person, defaults={"is_active": True}
    )
    RoleGrant.objects.get_or_create(person=person, organization=organization, role=access.OBSERVER)
    return member


@transaction.atomic
def pool_set_active(*, member: ObserverPoolMember, is_active: bool, by: User) -> ObserverPoolMember:
    _require_staff_at(by, member.organization)
    _lock(ObserverPoolMember, member.pk)
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
    # One observer's visits are checked for overlaps one assignment at a time.
    _lock(Person, observer.pk)
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


def _epoch(moment: datetime.datetime) -> int:
    return int(moment.timestamp())


def draw_inputs(*, organization: Organization, date_from: datetime.date, date_to: datetime.date, count: int) -> dict:
    """The plain data a draw runs on (see ``audits.draw``), read in five queries."""
    year = date_from.year
    sessions = [
        [pk, group_id, path, _epoch(starts), _epoch(ends)]
        for pk, group_id, path, starts, ends in StudySession.objects.filter(
            group__organization__path__startswith=organization.path,
            starts_at__date__gte=date_from,
            starts_at__date__lte=date_to,
        )
        .exclude(group__organization=organization)
        # A session this organization already sends an observer to is covered: not drawn again, never "uncovered".
        .exclude(visits__organization=organization)
        .values_list("pk", "group_id", "group__organization__path", "starts_at", "ends_at")
    ]
    observers = list(
        ObserverPoolMember.objects.filter(organization=organization, is_active=True).values_list(
            "person_id", "person__organization__path"
        )
    )
    observer_ids = [o[0] for o in observers]
    observed = dict(
        ObserverVisit.objects.filter(
            session__starts_at__year=year, session__group__organization__path__startswith=organization.path
        )
        .values("session__group_id")
        .annotate(n=Count("pk"))
        .values_list("session__group_id", "n")
    )
    workload = dict(
        ObserverVisit.objects.filter(session__starts_at__year=year, observer_id__in=observer_ids)
        .values("observer_id")
        .annotate(n=Count("pk"))
        .values_list("observer_id", "n")
    )
    busy: dict[str, list[list[int]]] = {}
    if sessions:
        first, last = min(s[3] for s in sessions), max(s[4] for s in sessions)
        for observer_id, starts, ends in (
            ObserverVisit.objects.filter(
                observer_id__in=observer_ids,
                session__starts_at__lt=datetime.datetime.fromtimestamp(last, tz=datetime.UTC),
                session__ends_at__gt=datetime.datetime.fromtimestamp(first, tz=datetime.UTC),
            )
            .order_by("observer_id", "session__starts_at", "session_id")
            .values_list("observer_id", "session__starts_at", "session__ends_at")
        ):
            busy.setdefault(str(observer_id), []).append([_epoch(starts), _epoch(ends)])
    return {
        "sessions": sessions,
        "observers": [list(o) for o in observers],
        "observed": {str(k): v for k, v in observed.items()},
        "workload": {str(k): v for k, v in workload.items()},
        "busy": busy,
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
    request_key: uuid.UUID | None = None,
) -> RandomDraw:
    """Draw sessions below ``organization`` and assign observers (see ``audits.draw``).

    Draws of one organization run one at a time (each sees the visits of the one before), and a form's
    ``request_key`` draws once: a second click is refused.
    """
    _require_staff_at(by, organization)
    if date_to < date_from:
        raise ValidationError({"date_to": _("The end cannot be before the start.")})
    _lock(Organization, organization.pk)
    if request_key is not None and RandomDraw.objects.filter(request_key=request_key).exists():
        raise ValidationError(_("This draw has already been made."), code=ALREADY_RAISED)
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
        request_key=request_key,
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
    _require_ahead(session, _("The session has started: the organization above can no longer be invited to it."))
    _lock(StudySession, session.pk)  # a double click invites (and notifies) once
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
        url=f"{reverse('audits:invitations')}?org={parent.pk}",
    )
    return invitation


def _notify_inviter(invitation: VisitInvitation, title: str) -> None:
    session = invitation.session
    notifications.send(
        to=core_selectors.users_holding(organization=session.group.organization, roles=[access.STAFF]),
        verb="visit_invitation_answered",
        title=title,
        body="",
        url=session.get_absolute_url(),
    )


@transaction.atomic
def invitation_accept(*, invitation: VisitInvitation, observer: Person, by: User) -> ObserverVisit:
    """The invited organization's staff accept by assigning an observer from their pool (应邀式)."""
    _require_staff_at(by, invitation.organization)
    if _lock(VisitInvitation, invitation.pk).status != VisitInvitation.Status.PENDING:
        raise ValidationError(_("This invitation has already been answered."))
    _require_ahead(invitation.session, _("The session has started: the invitation can no longer be accepted."))
    visit = visit_assign(
        organization=invitation.organization,
        session=invitation.session,
        observer=observer,
        mode=ObserverVisit.Mode.INVITED,
        by=by,
    )
    invitation.status, invitation.visit = VisitInvitation.Status.ACCEPTED, visit
    invitation.save(update_fields=["status", "visit", "updated_at"])
    _notify_inviter(
        invitation,
        _("%(organization)s accepts your invitation to observe %(session)s: %(observer)s will attend.")
        % {
            "organization": invitation.organization.name,
            "session": invitation.session.title,
            "observer": observer.name,
        },
    )
    return visit


@transaction.atomic
def invitation_decline(*, invitation: VisitInvitation, by: User) -> VisitInvitation:
    _require_staff_at(by, invitation.organization)
    if _lock(VisitInvitation, invitation.pk).status != VisitInvitation.Status.PENDING:
        raise ValidationError(_("This invitation has already been answered."))
    invitation.status = VisitInvitation.Status.DECLINED
    invitation.save(update_fields=["status", "updated_at"])
    _notify_inviter(
        invitation,
        _("%(organization)s declines your invitation to observe %(session)s.")
        % {"organization": invitation.organization.name, "session": invitation.session.title},
    )
    return invitation


# The visit's three steps ---------------------------------------------------------------------


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
    access.require(by, "audits.visit_observe", visit)
    if visit.session.has_started:
        raise ValidationError(_("The session has started; the review before it is closed."))
    if decision == ObserverVisit.Review.CHANGES and not comment.strip():
        raise ValidationError({"comment": _("Say what should change.")})
    before = _lock(ObserverVisit, visit.pk)
    if (before.pre_review, before.pre_review_comment) == (decision, comment.strip()):
        return visit  # the same review sent twice (a double click): the group is told once
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
    access.require(by, "audits.visit_observe", visit)
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
    access.require(by, "audits.visit_observe", visit)
    if not visit.session.has_started:
        raise ValidationError(_("The report is written after the session."))
    # A second click waits for the first and then finds the report filed.
    visit.reported_on = _lock(ObserverVisit, visit.pk).reported_on
    if visit.reported_on is not None:
        raise ValidationError(_("The report has already been filed."), code=ALREADY_RAISED)
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
    finding: str = "",
    research=None,
    inspection: Inspection | None = None,
    session: StudySession | None = None,
    request_key: uuid.UUID | None = None,
) -> Action:
    """Raise an action; a visit's finding becomes one action at most, and a form's ``request_key`` raises once.

    ``session`` is the session the action was decided at (a measure of a 第一议题 study): one of the group's own.
    """
    if visit is not None:
        access.require(by, "audits.raise_from_visit", visit)
    else:
        access.require(by, "audits.raise_for_group", group)
    if not owner.organization.is_within(group.organization):
        raise ValidationError({"owner": _("The owner must belong to the organization of the group or one below it.")})
    if not problem.strip():
        raise ValidationError({"problem": _("Describe the problem.")})
    if session is not None and session.group_id != group.pk:
        raise ValidationError(_("The session belongs to another study group."))
    finding = finding.strip() if visit is not None else ""
    if visit is not None:
        # Two requests for the same finding are taken one after the other; the second finds the first.
        _lock(ObserverVisit, visit.pk)
    if (finding and Action.objects.filter(visit=visit, finding=finding).exists()) or (
        request_key is not None and Action.objects.filter(request_key=request_key).exists()
    ):
        raise ValidationError(_("This action has already been raised."), code=ALREADY_RAISED)
    try:
        with transaction.atomic():
            action = Action.objects.create(
                code=_code("a"),
                group=group,
                visit=visit,
                finding=finding,
                research=research,
                inspection=inspection,
                session=session,
                problem=problem.strip(),
                measure=measure.strip(),
                owner=owner,
                raised_on=timezone.localdate(),
                raised_by=by,
                due_on=due_on,
                request_key=request_key,
            )
    except IntegrityError as exc:
        raise ValidationError(_("This action has already been raised."), code=ALREADY_RAISED) from exc
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


@transaction.atomic
def action_update(*, action: Action, status: str, note: str = "", evidence: str | None = None, by: User) -> Action:
    access.require(by, "audits.action_update", action)
    if status not in Action.Status.values:
        raise ValidationError({"status": _("Choose a valid status.")})
    locked = _lock(Action, action.pk)
    if locked.accepted_on is not None:
        raise ValidationError(_("The action has been accepted as done and is closed."))
    if status == Action.Status.DONE and not (evidence or locked.evidence).strip():
        raise ValidationError({"evidence": _("Describe the evidence that the action is done.")})
    previous = locked.status
    action.status = status
    if status != Action.Status.DONE:
        action.done_on = None
    elif previous != Action.Status.DONE:
        action.done_on = timezone.localdate()
    action.evidence = locked.evidence if evidence is None else evidence.strip()
    action.save(update_fields=["status", "done_on", "evidence", "updated_at"])
    ActionChange.objects.create(action=action, by=by, from_status=previous, to_status=status, note=note.strip())
    if status == Action.Status.DONE and previous != status and action.raised_by_id and action.raised_by_id != by.pk:
        notifications.send(
            to=[action.raised_by],
            verb="action_done",
            title=_("An action you raised is reported done: %(problem)s") % {"problem": action.problem[:60]},
            body=action.evidence,
            url=action.get_absolute_url(),
        )
    return action


@transaction.atomic
def action_accept(*, action: Action, accept: bool, note: str = "", by: User) -> Action:
    """The raiser accepts a done action (it is then closed) or sends it back to the owner with a note."""
    access.require(by, "audits.action_accept", action)
    locked = _lock(Action, action.pk)
    if locked.accepted_on is not None:
        raise ValidationError(_("The action has already been accepted."))
    if locked.status != Action.Status.DONE:
        raise ValidationError(_("Only an action reported done can be accepted or sent back."))
    if not accept and not note.strip():
        raise ValidationError({"note": _("Say what is still missing.")})
    if accept:
        action.accepted_on, action.accepted_by = timezone.localdate(), by
        action.save(update_fields=["accepted_on", "accepted_by", "updated_at"])
        to_status = Action.Status.DONE
    else:
        action.status, action.done_on = Action.Status.IN_PROGRESS, None
        action.save(update_fields=["status", "done_on", "updated_at"])
        to_status = Action.Status.IN_PROGRESS
    ActionChange.objects.create(
        action=action,
        by=by,
        from_status=Action.Status.DONE,
        to_status=to_status,
        note=note.strip() or _("Accepted as done."),
    )
    if action.owner.user_id and action.owner.user_id != by.pk:
        notifications.send(
            to=[action.owner.user],
            verb="action_accepted" if accept else "action_sent_back",
            title=(
                _("Your action has been accepted: %(problem)s")
                if accept
                else _("Your action has been sent back: %(problem)s")
            )
            % {"problem": action.problem[:60]},
            body=note.strip(),
            url=action.get_absolute_url(),
        )
    return action


# Inspections and rules -----------------------------------------------------------------------


@transaction.atomic
def verdict_set(
    *, group: StudyGroup, year: int, checklist: Checklist, item: ChecklistItem, verdict: str, comment: str, by: User
) -> InspectionVerdict:
    """Record an inspector's verdict beside an item's computed status (never over it)."""
    access.require(by, "audits.inspect", group)
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
    _lock(Organization, organization.pk)
    document, created = RulesDocument.objects.get_or_create(
        organization=organization, title=title.strip(), defaults={"adopted_on": adopted_on}
    )
    if not created:
        raise ValidationError({"title": _("This rules document is already on file.")})
    return document
