"""Writes of submissions (notes, reflections, discussion materials): drafting, handing in, the review steps with
their separation of duties, recommending for the digest, and the group's second reviewer."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sessions.models import MISSED, Attendance, ReviewStep, StudySession, Submission
from sessions.services import _audit_status_changed, _person, _store
from studygroup import access, audit, notifications, rollup_marks
from studygroup import selectors as core_selectors
from studygroup.models import AuditEntry, Person, StudyGroup, User
from studygroup.services import ALREADY_DONE


def _step(submission: Submission, action: str, by: User, comment: str = "") -> None:
    step = ReviewStep.objects.create(submission=submission, action=action, by=by, comment=comment.strip())
    audit.record(AuditEntry.Action.CREATE, step, by=by)


@transaction.atomic
def submission_save(
    *,
    by: User,
    group: StudyGroup,
    kind: str,
    title: str,
    text: str = "",
    upload=None,
    session: StudySession | None = None,
    is_makeup: bool = False,
    submission: Submission | None = None,
) -> Submission:
    """Create or edit a draft (or a returned submission) of the member's own."""
    person = _person(by)
    if submission is None:
        if not access.can(by, "study", group):
            raise PermissionDenied
        if session is not None and session.group_id != group.pk:
            raise ValidationError({"session": _("The session belongs to another group.")})
        submission = Submission(group=group, person=person)
    elif not access.can(by, "sessions.submission_edit", submission):
        raise PermissionDenied
    elif submission.status not in (Submission.Status.DRAFT, Submission.Status.RETURNED):
        raise ValidationError(_("A submission under review cannot be changed."))
    if session is not None and not session.has_started and (is_makeup or kind != Submission.Kind.DISCUSSION):
        # Discussion materials are prepared before a session; notes, reflections and make-ups come after it.
        raise ValidationError({"session": _("This session has not been held yet: hand in notes after it.")})
    if not text.strip() and upload is None and not submission.file:
        raise ValidationError({"text": _("Write the text or attach a file.")})
    before = audit.stored(submission)
    submission.kind, submission.title, submission.text = kind, title.strip(), text.strip()
    submission.session, submission.is_makeup = session, is_makeup
    if upload is not None:
        submission.original_name = _store(submission.file, upload, "")
    submission.save()
    if before is None:
        audit.record(AuditEntry.Action.CREATE, submission, by=by)
    else:
        audit.record(AuditEntry.Action.UPDATE, submission, by=by, before=before)
    return submission


@transaction.atomic
def submission_submit(*, submission: Submission, by: User) -> Submission:
    access.require(by, "sessions.submission_edit", submission)
    submission = (
        Submission.objects.select_for_update(of=("self",))
        .select_related("person", "group__organization")
        .get(pk=submission.pk)
    )
    if submission.status not in (Submission.Status.DRAFT, Submission.Status.RETURNED):
        raise ValidationError(_("It has already been submitted."), code=ALREADY_DONE)
    before = audit.stored(submission)
    submission.status, submission.submitted_on = Submission.Status.SUBMITTED, timezone.localdate()
    submission.save(update_fields=["status", "submitted_on", "updated_at"])
    audit.record(AuditEntry.Action.UPDATE, submission, by=by, before=before)
    rollup_marks.mark(submission.group_id, submission.submitted_on)
    _step(submission, ReviewStep.Action.SUBMIT, by)
    notifications.send(
        to=core_selectors.users_holding(organization=submission.group.organization, roles=[access.STAFF]),
        verb="submission_submitted",
        title=_("%(name)s submitted: %(title)s") % {"name": submission.person.name, "title": submission.title},
        url=submission.get_absolute_url(),
    )
    return submission


# (status before, action) -> (rule that may act, status after, step)
TRANSITIONS = {
    ("notes", Submission.Status.SUBMITTED, "accept"): (
        "review_first",
        Submission.Status.APPROVED,
        ReviewStep.Action.ACCEPT,
    ),
    ("reflection", Submission.Status.SUBMITTED, "accept"): (
        "review_first",
        Submission.Status.APPROVED,
        ReviewStep.Action.ACCEPT,
    ),
    ("discussion", Submission.Status.SUBMITTED, "pass"): (
        "review_first",
        Submission.Status.FIRST_REVIEW,
        ReviewStep.Action.PASS_FIRST,
    ),
    ("discussion", Submission.Status.FIRST_REVIEW, "pass"): (
        "review_second",
        Submission.Status.SECOND_REVIEW,
        ReviewStep.Action.PASS_SECOND,
    ),
    ("discussion", Submission.Status.SECOND_REVIEW, "approve"): (
        "approve",
        Submission.Status.APPROVED,
        ReviewStep.Action.APPROVE,
    ),
}


RETURN_RULE = {
    Submission.Status.SUBMITTED: "review_first",
    Submission.Status.FIRST_REVIEW: "review_second",
    Submission.Status.SECOND_REVIEW: "approve",
}


def next_action(submission: Submission) -> str | None:
    for kind, status, action in TRANSITIONS:
        if kind == submission.kind and status == submission.status:
            return action
    return None


def duty_conflict(user_id: int | None, submission: Submission) -> str:
    """Why the user ``user_id`` may not take the submission's next step (separation of duties), or ``""``.

    The author never reviews or approves his own submission; the leader's
    approval comes from someone other than the second reviewer.
    """
    if submission.person.user_id == user_id:
        return _("You wrote this submission; somebody else reviews it.")
    if submission.status == Submission.Status.SECOND_REVIEW and (
        submission.steps.filter(action=ReviewStep.Action.PASS_SECOND, by_id=user_id).exists()
    ):
        return _("You did the second review of this material; another person gives the final approval.")
    return ""


def _refuse_conflict(conflict: str) -> None:
    if conflict:
        raise ValidationError(conflict)


@transaction.atomic
def submission_review(*, submission: Submission, action: str, comment: str = "", by: User) -> Submission:
    """Move a submission one step: accept/pass/approve, or ``return`` it with a comment."""
    submission = (
        Submission.objects.select_for_update(of=("self",)).select_related("person", "group").get(pk=submission.pk)
    )
    conflict = duty_conflict(by.pk, submission)
    before = audit.stored(submission)
    if action == "return":
        rule = RETURN_RULE.get(submission.status)  # type: ignore[call-overload]
        if rule is None:
            raise ValidationError(_("This submission is not waiting for a review."))
        access.require(by, rule, submission)
        _refuse_conflict(conflict)
        if not comment.strip():
            raise ValidationError({"comment": _("Say what should be revised.")})
        submission.status = Submission.Status.RETURNED
        step = ReviewStep.Action.RETURN
    else:
        transition = TRANSITIONS.get((submission.kind, submission.status, action))  # type: ignore[arg-type]
        if transition is None:
            raise ValidationError(_("This step is not possible now."))
        access.require(by, transition[0], submission)
        _refuse_conflict(conflict)
        _rule, submission.status, step = transition
    submission.save(update_fields=["status", "updated_at"])
    audit.record(AuditEntry.Action.UPDATE, submission, by=by, before=before)
    _step(submission, step, by, comment)
    _after_review(submission, step, comment, by)
    return submission


def _after_review(submission: Submission, step: str, comment: str, by: User) -> None:
    if submission.status == Submission.Status.APPROVED and submission.is_makeup and submission.session_id:
        missed = list(
            Attendance.objects.select_for_update(of=("self",)).filter(
                session_id=submission.session_id, person_id=submission.person_id, status__in=MISSED
            )
        )
        Attendance.objects.filter(pk__in=[row.pk for row in missed]).update(
            status=Attendance.Status.MADE_UP, updated_at=timezone.now()
        )
        changed = [(row, row.status) for row in missed]
        for row in missed:
            row.status = Attendance.Status.MADE_UP
        _audit_status_changed(changed, submission.group.organization.path, by)
        session = submission.session
        if missed and session is not None:
            rollup_marks.mark(submission.group_id, session.starts_at)  # made up: attendance counts
    if submission.person.user_id:
        notifications.send(
            to=[submission.person.user],
            verb="submission_reviewed",
            title=_("%(title)s: %(step)s") % {"title": submission.title, "step": ReviewStep.Action(step).label},
            body=comment.strip(),
            url=submission.get_absolute_url(),
        )
    if submission.status == Submission.Status.FIRST_REVIEW and submission.group.second_reviewer_id:
        reviewer = submission.group.second_reviewer
        if reviewer.user_id:  # type: ignore[union-attr]
            notifications.send(
                to=[reviewer.user],  # type: ignore[union-attr]
                verb="submission_second_review",
                title=_("Discussion material for your review: %(title)s") % {"title": submission.title},
                url=submission.get_absolute_url(),
            )
    if submission.status == Submission.Status.SECOND_REVIEW:
        notifications.send(
            to=core_selectors.group_leaders(group=submission.group),
            verb="submission_final",
            title=_("Discussion material for your approval: %(title)s") % {"title": submission.title},
            url=submission.get_absolute_url(),
        )


@transaction.atomic
def submission_recommend(*, submission: Submission, recommended: bool, by: User) -> Submission:
    access.require(by, "review_first", submission)
    if submission.status != Submission.Status.APPROVED or submission.kind != Submission.Kind.REFLECTION:
        raise ValidationError(_("Only an approved reflection can be recommended for the digest."))
    before = audit.stored(submission)
    submission.is_recommended = recommended
    submission.save(update_fields=["is_recommended", "updated_at"])
    audit.record(AuditEntry.Action.UPDATE, submission, by=by, before=before)
    return submission


@transaction.atomic
def second_reviewer_set(*, group: StudyGroup, person: Person | None, by: User) -> StudyGroup:
    access.require(by, "manage_members", group)
    if person is not None and not group.memberships.filter(person=person, end_on__isnull=True).exists():
        raise ValidationError({"person": _("The second reviewer must be a member of the group.")})
    before = audit.stored(group)
    group.second_reviewer = person
    group.save(update_fields=["second_reviewer", "updated_at"])
    audit.record(AuditEntry.Action.UPDATE, group, by=by, before=before)
    return group
