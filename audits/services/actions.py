"""Writes that follow up what observers and inspectors found: corrective actions raised, updated and accepted,
inspectors' verdicts, and the rules documents an organization adopts."""

from __future__ import annotations

import datetime
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audits.models import (
    Action,
    ActionChange,
    Checklist,
    ChecklistItem,
    Inspection,
    InspectionVerdict,
    ObserverVisit,
    RulesDocument,
)
from audits.services import ALREADY_RAISED, _code, _lock, _require_staff_at
from sessions.models import StudySession
from studygroup import access, audit, notifications, rollup_marks
from studygroup import services as core_services
from studygroup.models import AuditEntry, Organization, Person, StudyGroup, User


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
    finding = finding.strip() if visit is not None else ""
    if session is not None and session.group_id != group.pk:
        raise ValidationError(_("The session belongs to another study group."))
    _refuse_new_action(
        group=group, problem=problem, owner=owner, due_on=due_on, visit=visit, finding=finding, request_key=request_key
    )
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
    audit.record(AuditEntry.Action.CREATE, action, by=by)
    _change(action=action, by=by, from_status="", to_status=action.status)
    if owner.user_id:
        notifications.send(
            to=[owner.user],
            verb="action_assigned",
            title=_("An action is assigned to you: %(problem)s") % {"problem": action.problem[:60]},
            body=action.measure,
            url=action.get_absolute_url(),
        )
    return action


def _refuse_new_action(
    *,
    group: StudyGroup,
    problem: str,
    owner: Person,
    due_on: datetime.date,
    visit: ObserverVisit | None,
    finding: str,
    request_key: uuid.UUID | None,
) -> None:
    """Refuse an owner outside the group's organization, an empty problem, a deadline already passed (an action
    overdue from birth), and an action already raised. An action's later updates never look at its deadline."""
    if not owner.organization.is_within(group.organization):
        raise ValidationError({"owner": _("The owner must belong to the organization of the group or one below it.")})
    if not problem.strip():
        raise ValidationError({"problem": _("Describe the problem.")})
    if due_on < timezone.localdate():
        raise ValidationError({"due_on": _("The deadline has already passed: give today or a later date.")})
    if visit is not None:
        # Two requests for the same finding are taken one after the other; the second finds the first.
        _lock(ObserverVisit, visit.pk)
    if (finding and Action.objects.filter(visit=visit, finding=finding).exists()) or (
        request_key is not None and Action.objects.filter(request_key=request_key).exists()
    ):
        raise ValidationError(_("This action has already been raised."), code=ALREADY_RAISED)


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
    previous, before = locked.status, audit.stored(locked)
    action.status = status
    if status != Action.Status.DONE:
        action.done_on = None
    elif previous != Action.Status.DONE:
        action.done_on = timezone.localdate()
    action.evidence = locked.evidence if evidence is None else evidence.strip()
    action.save(update_fields=["status", "done_on", "evidence", "updated_at"])
    audit.record(AuditEntry.Action.UPDATE, action, by=by, before=before)
    _change(action=action, by=by, from_status=previous, to_status=status, note=note.strip())
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
        raise ValidationError(_("The action has already been accepted."), code=core_services.ALREADY_DONE)
    if locked.status != Action.Status.DONE:
        raise ValidationError(_("Only an action reported done can be accepted or sent back."))
    if not accept and not note.strip():
        raise ValidationError({"note": _("Say what is still missing.")})
    before = audit.stored(locked)
    if accept:
        action.accepted_on, action.accepted_by = timezone.localdate(), by
        action.save(update_fields=["accepted_on", "accepted_by", "updated_at"])
        to_status = Action.Status.DONE
    else:
        action.status, action.done_on = Action.Status.IN_PROGRESS, None
        action.save(update_fields=["status", "done_on", "updated_at"])
        to_status = Action.Status.IN_PROGRESS
    audit.record(AuditEntry.Action.UPDATE, action, by=by, before=before)
    _change(
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


def _change(*, action: Action, by: User, from_status: str, to_status: str, note: str = "") -> ActionChange:
    change = ActionChange.objects.create(action=action, by=by, from_status=from_status, to_status=to_status, note=note)
    audit.record(AuditEntry.Action.CREATE, change, by=by)
    return change


# Inspections and rules -----------------------------------------------------------------------


@transaction.atomic
def verdict_set(
    *, group: StudyGroup, year: int, checklist: Checklist, item: ChecklistItem, verdict: str, comment: str, by: User
) -> InspectionVerdict:
    """Record an inspector's verdict beside an item's computed status (never over it)."""
    access.require(by, "audits.inspect", group)
    inspector = access.person_of(by)
    if inspector is None or item.checklist_id != checklist.pk:
        raise PermissionDenied
    inspection, created = Inspection.objects.get_or_create(
        group=group,
        year=year,
        checklist=checklist,
        defaults={"inspector": inspector, "on": timezone.localdate()},
    )
    if created:
        audit.record(AuditEntry.Action.CREATE, inspection, by=by)
        rollup_marks.mark(group.pk, datetime.date(year, 1, 1))  # 八有 inspection: an inspection of the year
    before = audit.stored(InspectionVerdict.objects.filter(inspection=inspection, item=item).first())
    row, created = InspectionVerdict.objects.update_or_create(
        inspection=inspection, item=item, defaults={"verdict": verdict, "comment": comment.strip()}
    )
    if created:
        audit.record(AuditEntry.Action.CREATE, row, by=by)
    else:
        audit.record(AuditEntry.Action.UPDATE, row, by=by, before=before)
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
    audit.record(AuditEntry.Action.CREATE, document, by=by)
    # 八有 rules of the organization's groups, for every year: this year's figures are the ones kept current.
    rollup_marks.mark_many(
        (pk, timezone.localdate())
        for pk in StudyGroup.objects.filter(organization=organization).values_list("pk", flat=True)
    )
    return document
