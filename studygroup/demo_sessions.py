"""Demo records of the sessions app: attendance of past sessions, leave, submissions under review, lectures.

Deterministic and idempotent: rows are only added where none exist yet.
"""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from sessions.models import Attendance, LeaveRequest, Lecture, ReviewStep, Submission
from studygroup.models import Membership, StudyGroup, User

STATUS_WEIGHTS = [("present", 80), ("late", 6), ("leave", 8), ("absent", 3), ("made_up", 3)]
REFLECTIONS = [
    "学习全会精神的几点体会",
    "以学促干推动基层治理提质增效",
    "把理论学习成果转化为发展实效",
    "筑牢信仰之基 补足精神之钙",
]


def _status(rng: random.Random) -> str:
    return rng.choices([s for s, _w in STATUS_WEIGHTS], weights=[w for _s, w in STATUS_WEIGHTS])[0]


def _attendance(group: StudyGroup, rng: random.Random) -> None:
    now = timezone.now()
    seats = list(Membership.objects.filter(group=group, end_on__isnull=True).values_list("person_id", flat=True))
    rows = []
    for session in group.sessions.filter(ends_at__lt=now).exclude(attendances__isnull=False):
        for person_id in seats:
            status = _status(rng)
            signed = session.starts_at - datetime.timedelta(minutes=rng.randint(2, 20))
            if status == "late":
                signed = session.starts_at + datetime.timedelta(minutes=rng.randint(11, 30))
            rows.append(
                Attendance(
                    session=session,
                    person_id=person_id,
                    status=status,
                    method=Attendance.Method.QR if status in ("present", "late") else Attendance.Method.GRID,
                    signed_at=signed if status in ("present", "late") else None,
                )
            )
    Attendance.objects.bulk_create(rows, batch_size=1000)


def _reviewer(group: StudyGroup) -> None:
    if group.second_reviewer_id is None:
        seat = Membership.objects.filter(group=group, role="member").order_by("id").first()
        if seat:
            group.second_reviewer_id = seat.person_id
            group.save(update_fields=["second_reviewer", "updated_at"])


def _submissions(group: StudyGroup, rng: random.Random, staff: User | None) -> None:
    if group.submissions.exists():
        return
    sessions = list(group.sessions.filter(ends_at__lt=timezone.now()).order_by("-starts_at")[:3])
    seats = list(Membership.objects.filter(group=group, role__in=["member", "deputy"]).select_related("person__user"))
    for index, seat in enumerate(seats[:4]):
        session = sessions[index % len(sessions)] if sessions else None
        kind = "discussion" if index == 0 else ("notes" if index == 1 else "reflection")
        status = ["submitted", "approved", "approved", "draft"][index]
        submission = Submission.objects.create(
            group=group,
            person=seat.person,
            session=session,
            kind=kind,
            title=REFLECTIONS[index % len(REFLECTIONS)],
            text="结合分管工作,谈谈学习体会:一是提高政治站位;二是坚持问题导向;三是抓好贯彻落实。",
            status=status,
            submitted_on=timezone.localdate() - datetime.timedelta(days=rng.randint(1, 20))
            if status != "draft"
            else None,
            is_recommended=index == 2,
        )
        if status != "draft" and seat.person.user_id:
            ReviewStep.objects.create(submission=submission, action="submit", by=seat.person.user)
        if status == "approved" and staff is not None:
            ReviewStep.objects.create(submission=submission, action="accept", by=staff)


def _lectures(group: StudyGroup, rng: random.Random) -> None:
    if group.lectures.exists():
        return
    leader = Membership.objects.filter(group=group, role="leader").values_list("person_id", flat=True).first()
    if leader is None:
        return
    year = timezone.localdate().year
    for month in (3, 6, 9):
        Lecture.objects.create(
            group=group,
            person_id=leader,
            on=datetime.date(year, month, 12),
            title="宣讲党的创新理论",
            place="新时代文明实践所",
            audience=rng.randint(40, 160),
        )


def _leave(group: StudyGroup) -> None:
    upcoming = group.sessions.filter(starts_at__gt=timezone.now()).first()
    seat = Membership.objects.filter(group=group, role="member").order_by("-id").first()
    if upcoming and seat and not upcoming.leave_requests.exists():
        LeaveRequest.objects.create(session=upcoming, person=seat.person, reason="参加市里召开的专题工作会议")


def seed_sessions() -> None:
    for group in StudyGroup.objects.select_related("organization"):
        rng = random.Random(f"sessions-{group.code}")
        staff = User.objects.filter(
            person__grants__organization=group.organization, person__grants__role="staff"
        ).first()
        _attendance(group, rng)
        _reviewer(group)
        _submissions(group, rng, staff)
        _lectures(group, rng)
        _leave(group)
