"""Who may do what with sessions, leave, submissions and lectures (loaded by ``SessionsConfig.ready``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from studygroup import access
from studygroup.access import Scope, rule

if TYPE_CHECKING:
    from sessions.models import Lecture, StudySession, Submission


@rule("sessions.leave_decide")
def _leave_decide(scope: Scope, session: StudySession) -> bool:
    """The staff of the session's organization or the group's leader approve or refuse a leave request."""
    return access.allows(scope, "change", session) or access.allows(scope, "approve", session)


@rule("sessions.submission_review", superuser=False)
def _submission_review(scope: Scope, submission: Submission) -> bool:
    """Take a submission's next review step or return it: its step's reviewer, never its author (duties apart)."""
    from sessions.services import RETURN_RULE, duty_conflict

    step_rule = RETURN_RULE.get(submission.status)
    return (
        step_rule is not None
        and access.allows(scope, step_rule, submission)
        and not duty_conflict(scope.user_id, submission)
    )


@rule("sessions.lecture_add")
def _lecture_add(scope: Scope, lecture: Lecture) -> bool:
    """The staff record any speaker's lecture (宣讲) for their group; a member records his own."""
    is_speaker = scope.person_id is not None and scope.person_id == lecture.person_id
    return access.allows(scope, "change", lecture.group) or (
        is_speaker and access.allows(scope, "study", lecture.group)
    )


@rule("sessions.roster", superuser=False)
def _roster(scope: Scope, session: StudySession) -> bool:
    """Those on a session's roster (seated in the group on its day, or invited) ask leave from it."""
    from sessions.selectors import is_on_roster
    from studygroup.models import Person

    return scope.person_id is not None and is_on_roster(session=session, person=Person(pk=scope.person_id))


@rule("sessions.submission_edit", superuser=False)
def _submission_edit(scope: Scope, submission: Submission) -> bool:
    """A member edits and submits only his own notes, reflections and discussion material."""
    return scope.person_id is not None and submission.person_id == scope.person_id


@rule("sessions.lecture_add_any")
def _lecture_add_any(scope: Scope, obj: None = None) -> bool:
    """Offer the lecture form: to staff of some organization and to members of some group (see lecture_add)."""
    return bool(scope.member_group_ids or scope.paths([access.STAFF]))
