"""Writes of the 第一议题 follow-through: the measures decided at a first-topic study."""

from __future__ import annotations

import datetime
import uuid

from audits import services as audit_services
from audits.models import Action
from sessions.models import StudySession
from studygroup import access
from studygroup.models import Person, User


def measure_add(
    *,
    session: StudySession,
    decision: str,
    measure: str,
    owner: Person,
    due_on: datetime.date,
    by: User,
    request_key: uuid.UUID | None = None,
) -> Action:
    """Record a measure decided at a 第一议题 study: an action with an owner and a due date, decided at the session."""
    access.require(by, "practice.measure_add", session)
    return audit_services.action_create(
        group=session.group,
        problem=decision,
        measure=measure,
        owner=owner,
        due_on=due_on,
        session=session,
        request_key=request_key,
        by=by,
    )
