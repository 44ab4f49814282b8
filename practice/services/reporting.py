"""Writes of 学习报备 and 随机抽查: a scheduled session reported upward, draws of sessions for records checks,
the inspector's verdict and findings, and a finding raised as an action."""

from __future__ import annotations

import datetime
import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from audits import services as audit_services
from audits.models import Action
from practice import draw as drawing
from practice.models import SessionReport, SpotCheck, SpotCheckAction, SpotCheckDraw
from sessions.models import StudySession
from studygroup import access, audit, notifications
from studygroup import selectors as core_selectors
from studygroup.models import AuditEntry, Organization, Person, User

# The code of the refusal of a second request for what is already done (a double click).
ALREADY_DONE = "already_done"


def is_late(*, reported_at: datetime.datetime, starts_at: datetime.datetime) -> bool:
    """Reported later than the rule: less than ``REPORT_DAYS`` days before the start."""
    return reported_at > starts_at - datetime.timedelta(days=settings.REPORT_DAYS)


def session_report(*, session: StudySession, by: User | None, created: bool) -> SessionReport | None:
    """Report a session upward as it is scheduled, and again when its start moves (学习报备).

    Called by the sessions app's ``scheduled`` hook inside ``session_create``/``session_update``, which have
    checked that ``by`` keeps the group. A group without an organization above it reports to nobody.
    """
    if session.group.organization.parent_id is None:
        return None
    report = SessionReport.objects.select_for_update().filter(session=session).first()
    if report is not None and report.starts_at == session.starts_at:
        return report
    now = timezone.now()
    before = audit.stored(report)
    report, created = SessionReport.objects.update_or_create(
        session=session,
        defaults={
            "reported_at": now,
            "starts_at": session.starts_at,
            "is_late": is_late(reported_at=now, starts_at=session.starts_at),
            "reported_by": by,
        },
    )
    if created:
        audit.record(AuditEntry.Action.CREATE, report, by=by)
    else:
        audit.record(AuditEntry.Action.UPDATE, report, by=by, before=before)
    return report


# Draws ---------------------------------------------------------------------------------------


def draw_inputs(*, organization: Organization, date_from: datetime.date, date_to: datetime.date, count: int) -> dict:
    """The plain data a draw runs on (``practice.draw``): sessions reported from below that start in the dates and
    are not checked yet. A session drawn before it is held is checked once it has been."""
    sessions = [
        [pk, group_id]
        for pk, group_id in StudySession.objects.filter(
            upward_report__isnull=False,
            group__organization__path__startswith=organization.path,
            starts_at__date__gte=date_from,
            starts_at__date__lte=date_to,
        )
        .exclude(group__organization=organization)
        .exclude(spot_checks__organization=organization)
        .order_by("pk")
        .values_list("pk", "group_id")
    ]
    checked = dict(
        SpotCheck.objects.filter(organization=organization, session__starts_at__year=date_from.year)
        .values("session__group_id")
        .annotate(n=Count("pk"))
        .values_list("session__group_id", "n")
    )
    return {"sessions": sessions, "checked": {str(k): v for k, v in checked.items()}, "count": count}


@transaction.atomic
def spot_draw(
    *,
    organization: Organization,
    date_from: datetime.date,
    date_to: datetime.date,
    count: int,
    by: User,
    seed: str = "",
    request_key: uuid.UUID | None = None,
) -> SpotCheckDraw:
    """Draw reported sessions below ``organization`` for unannounced records checks; a form's key draws once."""
    access.require(by, "practice.spot_check_draw", organization)
    if date_to < date_from:
        raise ValidationError({"date_to": _("The end cannot be before the start.")})
    Organization.objects.select_for_update().get(pk=organization.pk)  # one draw at a time sees the one before
    if request_key is not None and SpotCheckDraw.objects.filter(request_key=request_key).exists():
        raise ValidationError(_("This draw has already been made."), code=ALREADY_DONE)
    inputs = draw_inputs(organization=organization, date_from=date_from, date_to=date_to, count=count)
    if not inputs["sessions"]:
        raise ValidationError(_("No session reported from below starts in these dates that is not already checked."))
    seed = seed or secrets.token_hex(8)
    result = drawing.run(seed, inputs)
    record = SpotCheckDraw.objects.create(
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
    sessions = StudySession.objects.in_bulk(result)
    for session_id in result:
        check = SpotCheck.objects.create(organization=organization, session=sessions[session_id], draw=record)
        audit.record(AuditEntry.Action.CREATE, check, by=by)
    return record


# The check -----------------------------------------------------------------------------------


@transaction.atomic
def spot_check_record(*, check: SpotCheck, verdict: str, findings: str, comment: str, by: User) -> SpotCheck:
    """Record the verdict and findings of a records check; the group's staff are told, and only now learn of it."""
    access.require(by, "practice.spot_check_record", check)
    if SpotCheck.objects.select_for_update().get(pk=check.pk).checked_on is not None:
        raise ValidationError(_("The result of this check has already been recorded."), code=ALREADY_DONE)
    if not check.session.has_started:
        raise ValidationError(_("The records are checked once the session has been held."))
    if verdict not in SpotCheck.Verdict.values:
        raise ValidationError({"verdict": _("Choose a verdict.")})
    if verdict != SpotCheck.Verdict.PASS and not findings.strip():
        raise ValidationError({"findings": _("Write down what was found.")})
    before = audit.stored(check)
    check.verdict, check.findings, check.comment = verdict, findings.strip(), comment.strip()
    check.inspector = Person.objects.filter(user=by).first()
    check.checked_on = timezone.localdate()
    check.save(update_fields=["verdict", "findings", "comment", "inspector", "checked_on", "updated_at"])
    audit.record(AuditEntry.Action.UPDATE, check, by=by, before=before)
    session = check.session
    notifications.send(
        to=core_selectors.users_holding(organization=session.group.organization, roles=[access.STAFF]),
        verb="spot_check_recorded",
        title=_("%(organization)s checked the records of %(session)s: %(verdict)s")
        % {"organization": check.organization.name, "session": session.title, "verdict": check.get_verdict_display()},
        body=check.findings,
        url=check.get_absolute_url(),
    )
    return check


@transaction.atomic
def spot_check_action(
    *,
    check: SpotCheck,
    finding: str,
    problem: str,
    measure: str,
    owner: Person,
    due_on: datetime.date,
    by: User,
    request_key: uuid.UUID | None = None,
) -> Action:
    """Raise a finding of a recorded check as an action of the checked group: each finding once."""
    access.require(by, "practice.spot_check_record", check)
    SpotCheck.objects.select_for_update().get(pk=check.pk)  # two requests for one finding: the second sees the first
    if check.checked_on is None or finding not in check.finding_lines:
        raise ValidationError(_("Raise actions from the findings of a recorded check."))
    if SpotCheckAction.objects.filter(spot_check=check, finding=finding).exists():
        raise ValidationError(_("This finding has already been raised as an action."), code=ALREADY_DONE)
    action = audit_services.action_create(
        group=check.session.group,
        problem=problem,
        measure=measure,
        owner=owner,
        due_on=due_on,
        request_key=request_key,
        by=by,
    )
    raised = SpotCheckAction.objects.create(spot_check=check, finding=finding, action=action)
    audit.record(AuditEntry.Action.CREATE, raised, by=by)
    return action
