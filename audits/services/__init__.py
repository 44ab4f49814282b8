"""Every write of the audits app: the observer pool, visits and their three steps, invitations; actions,
inspections and rules documents are in ``actions.py``, re-exported here."""

from __future__ import annotations

import datetime
import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audits import draw as drawing
from audits.models import ObserverPoolMember, ObserverVisit, RandomDraw, VisitInvitation
from sessions.models import StudySession
from studygroup import access, audit, formats, notifications
from studygroup import selectors as core_selectors
from studygroup.models import AuditEntry, Organization, Person, RoleGrant, User

# The code of the refusal of a second request for what is already done (a double click): pages say so and move on.
ALREADY_RAISED = "already_raised"


def _code(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def _require_staff_at(user: User, organization: Organization) -> None:
    access.require(user, "change", organization)


def _below(session: StudySession, organization: Organization) -> bool:
    return session.group.organization.is_within(organization, strictly=True)


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
    before = audit.stored(ObserverPoolMember.objects.filter(organization=organization, person=person).first())
    member, created = ObserverPoolMember.objects.update_or_create(
        organization=organization, person=person, defaults={"is_active": True}
    )
    if created:
        audit.record(AuditEntry.Action.CREATE, member, by=by)
    else:
        audit.record(AuditEntry.Action.UPDATE, member, by=by, before=before)
    grant, created = RoleGrant.objects.get_or_create(person=person, organization=organization, role=access.OBSERVER)
    if created:
        audit.record(AuditEntry.Action.CREATE, grant, by=by)
    return member


@transaction.atomic
def pool_set_active(*, member: ObserverPoolMember, is_active: bool, by: User) -> ObserverPoolMember:
    _require_staff_at(by, member.organization)
    _lock(ObserverPoolMember, member.pk)
    before = audit.stored(member)
    member.is_active = is_active
    member.save(update_fields=["is_active", "updated_at"])
    audit.record(AuditEntry.Action.UPDATE, member, by=by, before=before)
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
                "date": formats.month_day_time_zh(session.starts_at),
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
    audit.record(AuditEntry.Action.CREATE, visit, by=by)
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
    audit.record(AuditEntry.Action.CREATE, record, by=by)
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
            audit.record(AuditEntry.Action.CREATE, visit, by=by)
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
    audit.record(AuditEntry.Action.CREATE, invitation, by=by)
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
    before = audit.stored(invitation)
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
    audit.record(AuditEntry.Action.UPDATE, invitation, by=by, before=before)
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
    before = audit.stored(invitation)
    invitation.status = VisitInvitation.Status.DECLINED
    invitation.save(update_fields=["status", "updated_at"])
    audit.record(AuditEntry.Action.UPDATE, invitation, by=by, before=before)
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
    before = audit.stored(before)
    visit.pre_review, visit.pre_review_comment, visit.pre_review_on = decision, comment.strip(), timezone.localdate()
    visit.save(update_fields=["pre_review", "pre_review_comment", "pre_review_on", "updated_at"])
    audit.record(AuditEntry.Action.UPDATE, visit, by=by, before=before)
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
    before = audit.stored(visit)
    visit.discussion_focused, visit.summary_deep = discussion_focused, summary_deep
    visit.listening_notes, visit.gave_talk = notes.strip(), gave_talk
    visit.save(update_fields=["discussion_focused", "summary_deep", "listening_notes", "gave_talk", "updated_at"])
    audit.record(AuditEntry.Action.UPDATE, visit, by=by, before=before)
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
    before = audit.stored(visit)
    visit.rating, visit.report, visit.findings = rating, report.strip(), findings.strip()
    fields = ["rating", "report", "findings", "updated_at"]
    if file:
        visit.reported_on = timezone.localdate()
        fields.append("reported_on")
    visit.save(update_fields=fields)
    audit.record(AuditEntry.Action.UPDATE, visit, by=by, before=before)
    return visit


# Actions, verdicts and rules documents live in services/actions.py; it uses the helpers above, so it is imported
# last.
from audits.services.actions import (  # noqa: E402, F401 - the app's writes are all reached as audits.services
    action_accept,
    action_create,
    action_update,
    rules_add,
    verdict_set,
)
