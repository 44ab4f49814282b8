"""Every read of the sessions app, starting from the visibility rule."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from sessions.models import (
    ATTENDED,
    MISSED,
    Attendance,
    LeaveRequest,
    Lecture,
    MakeUp,
    ReviewStep,
    StudySession,
    Submission,
    held_q,
    unregistered_q,
)
from studygroup import access
from studygroup import selectors as core_selectors
from studygroup.models import Person, StudyGroup, User


def session_list(
    *,
    user: User,
    year: int | None = None,
    group_id: int | None = None,
    organization=None,
    held: bool = False,
    unregistered: bool = False,
    month: int | None = None,
) -> QuerySet[StudySession]:
    """Sessions the user reads; ``held`` keeps those held (``held_q``), the records behind the year figures;
    ``unregistered`` those held without a single attendance row (``unregistered_q``: left out of the attendance
    rate); ``month`` those starting in that month (local time) of ``year``."""
    queryset = access.visible(StudySession.objects.all(), user).select_related("group__organization")
    if held or unregistered:
        queryset = queryset.filter(held_q())
    if unregistered:
        queryset = queryset.filter(unregistered_q())
    if month and year:
        start = datetime.datetime(year, month, 1, tzinfo=timezone.get_current_timezone())
        end = datetime.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=timezone.get_current_timezone())
        queryset = queryset.filter(starts_at__gte=start, starts_at__lt=end)
    if organization is not None:
        queryset = queryset.filter(group__organization__path__startswith=organization.path)
    if year:
        queryset = queryset.filter(starts_at__year=year)
    if group_id:
        queryset = queryset.filter(group_id=group_id)
    return queryset.order_by("-starts_at", "-pk")


def with_attendance_counts(sessions: list[StudySession]) -> list[StudySession]:
    """Set ``attendance_rows`` and ``attended_rows`` on each of ``sessions`` (a page of them), in one grouped
    query over those sessions only."""
    counts = {
        row["session_id"]: row
        for row in Attendance.objects.filter(session__in=[session.pk for session in sessions])
        .order_by()
        .values("session_id")
        .annotate(rows=Count("pk"), attended=Count("pk", filter=Q(status__in=ATTENDED)))
    }
    for session in sessions:
        row = counts.get(session.pk, {})
        session.attendance_rows, session.attended_rows = row.get("rows", 0), row.get("attended", 0)  # type: ignore[attr-defined]
    return sessions


def roster(*, session: StudySession) -> list[Person]:
    """The people expected: members seated on the session's date, then invited people (two queries)."""
    members = list(core_selectors.roster(group=session.group, on=timezone.localdate(session.starts_at)))
    seen = {person.pk for person in members}
    invited = [p for p in session.invited.select_related("organization").order_by("name") if p.pk not in seen]
    return members + invited


def is_on_roster(*, session: StudySession, person: Person) -> bool:
    day = timezone.localdate(session.starts_at)
    return (
        session.group.memberships.filter(person=person, start_on__lte=day)
        .filter(Q(end_on__isnull=True) | Q(end_on__gte=day))
        .exists()
        or session.invited.filter(pk=person.pk).exists()
    )


@dataclass
class RosterRow:
    person: Person
    attendance: Attendance | None
    leave: LeaveRequest | None

    @property
    def status(self) -> str:
        return self.attendance.status if self.attendance else ""


def attendance_grid(*, session: StudySession) -> list[RosterRow]:
    """Every roster person with their attendance and leave request, in four queries."""
    people = roster(session=session)
    attendances = {a.person_id: a for a in session.attendances.all()}
    leaves = {leave.person_id: leave for leave in session.leave_requests.all()}
    rows = [RosterRow(p, attendances.pop(p.pk, None), leaves.get(p.pk)) for p in people]
    # People recorded but no longer on the roster (e.g. left the group) stay visible.
    if attendances:
        extra = Person.objects.filter(pk__in=list(attendances)).order_by("name")
        rows += [RosterRow(p, attendances[p.pk], leaves.get(p.pk)) for p in extra]
    return rows


def leave_list(*, session: StudySession, person: Person | None, may_decide: bool) -> list[LeaveRequest]:
    """The session's leave requests; ``reason_shown`` only for those who decide leave and for the asker.

    A leave reason is personal: observers, other members and upper levels
    see who is on leave, never why.
    """
    leaves = list(session.leave_requests.select_related("person", "decided_by__person"))
    for leave in leaves:
        leave.reason_shown = may_decide or (person is not None and leave.person_id == person.pk)  # type: ignore[attr-defined]
    return leaves


def attendance_rate(rows) -> float | None:
    """(present + late + made_up) ÷ all rows, 4 places; ``None`` without rows (records format)."""
    statuses = [row if isinstance(row, str) else row.status for row in rows]
    if not statuses:
        return None
    return round(sum(1 for s in statuses if s in ATTENDED) / len(statuses), 4)


def session_rate(*, session: StudySession, rows) -> float | None:
    """The attendance rate of one session, ``None`` until it is held (``held_q``).

    Rows recorded ahead (a leave granted before the day) are no attendance yet.
    """
    return attendance_rate(rows) if session.has_started else None


def session_attendance_rate(*, session: StudySession) -> float | None:
    return session_rate(session=session, rows=session.attendances.order_by().values_list("status", flat=True))


def member_year_attendance(*, person: Person, year: int) -> tuple[list[Attendance], float | None]:
    rows = list(
        Attendance.objects.filter(held_q("session__"), person=person, session__starts_at__year=year)
        .select_related("session__group")
        .order_by("session__starts_at")
    )
    return rows, attendance_rate(rows)


def makeup_due_on(session: StudySession) -> datetime.date:
    return timezone.localdate(session.ends_at) + datetime.timedelta(days=settings.MAKEUP_DAYS)


# A submission in these states is with the reviewers: neither unfinished nor done.
IN_REVIEW = [Submission.Status.SUBMITTED, Submission.Status.FIRST_REVIEW, Submission.Status.SECOND_REVIEW]
UNFINISHED = [Submission.Status.DRAFT, Submission.Status.RETURNED]


def makeups_open(*, user: User) -> QuerySet[Attendance]:
    """Leave and absence rows the user reads that still need a make-up, oldest first, a session's people together.

    The session id between the end time and the name lets a page be read from the sessions' ``ends_at`` index,
    oldest first, stopping at the page's end (only the names within one session are sorted), rather than
    sorting every open row of a province."""
    accepted = Submission.objects.filter(
        session=OuterRef("session"), person=OuterRef("person"), is_makeup=True, status=Submission.Status.APPROVED
    )
    return (
        access.visible(Attendance.objects.filter(status__in=MISSED), user)
        .filter(session__ends_at__lte=timezone.now())
        .exclude(Exists(accepted))
        .select_related("session__group__organization", "person")
        .order_by("session__ends_at", "session_id", "person__name")
    )


def makeups_recorded(*, user: User) -> QuerySet[MakeUp]:
    """Make-ups recorded by staff that the user reads, latest first."""
    return (
        access.visible(MakeUp.objects.all(), user)
        .select_related("attendance__person", "attendance__session__group__organization")
        .order_by("-on", "-id")
    )


def overdue(attendance: Attendance) -> bool:
    return timezone.localdate() > makeup_due_on(attendance.session)


def makeup_overdue_before() -> datetime.datetime:
    """The make-up of a session that ended before this moment is overdue (``overdue`` as one SQL bound).

    Overdue means today is past the day the session ended plus ``MAKEUP_DAYS``: the session ended before the
    start of the day ``MAKEUP_DAYS`` days ago.
    """
    day = timezone.localdate() - datetime.timedelta(days=settings.MAKEUP_DAYS)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def makeups_due_between(first: datetime.date, last: datetime.date) -> QuerySet[Attendance]:
    """Open make-ups (leave or absence, no accepted make-up note) of people with a login whose due day
    (``makeup_due_on``) falls from ``first`` to ``last``: the sessions that ended on those days less
    ``MAKEUP_DAYS``, found by a range on the end time rather than by reading every absence."""
    days = datetime.timedelta(days=settings.MAKEUP_DAYS)
    begin = timezone.make_aware(datetime.datetime.combine(first - days, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(last - days + datetime.timedelta(days=1), datetime.time.min))
    accepted = Submission.objects.filter(
        session=OuterRef("session"), person=OuterRef("person"), is_makeup=True, status=Submission.Status.APPROVED
    )
    return (
        Attendance.objects.filter(
            status__in=MISSED,
            session__ends_at__gte=begin,
            session__ends_at__lt=end,
            session__ends_at__lte=timezone.now(),
            person__user__isnull=False,
        )
        .exclude(Exists(accepted))
        .order_by("session_id", "person_id")
    )


def makeups_counted(*, user: User) -> tuple[int, int]:
    """How many rows ``makeups_open`` holds and how many of them are overdue: one aggregate query, the ordering
    cleared (it would join the people to sort rows that are only counted). It counts ``session_id`` (never
    null) rather than the id: the rows are then read from the ``attendance_missed`` index alone (an index-only
    scan once the table is vacuumed), twice as fast at 180,000 open rows."""
    figures = (
        makeups_open(user=user)
        .order_by()
        .aggregate(
            open=Count("session_id"),
            overdue=Count("session_id", filter=Q(session__ends_at__lt=makeup_overdue_before())),
        )
    )
    return figures["open"], figures["overdue"]


def makeups_overdue(*, user: User) -> QuerySet[Attendance]:
    """The rows of ``makeups_open`` whose make-up is overdue, filtered in SQL (count them with ``.count()``)."""
    return makeups_open(user=user).filter(session__ends_at__lt=makeup_overdue_before())


def submissions_to_review(*, user: User) -> QuerySet[Submission]:
    """Submissions waiting for this user's step of the review."""
    scope = access.scope_for(user)
    staff_orgs = scope.organization_ids([access.STAFF])
    leader_orgs = scope.organization_ids([access.LEADER])
    waiting = Q(group__organization_id__in=staff_orgs, status=Submission.Status.SUBMITTED)
    if scope.person_id:
        waiting |= Q(group__second_reviewer_id=scope.person_id, status=Submission.Status.FIRST_REVIEW)
    waiting |= Q(status=Submission.Status.SECOND_REVIEW) & (
        Q(group_id__in=scope.leader_group_ids) | Q(group__organization_id__in=leader_orgs)
    )
    passed_second_by_me = ReviewStep.objects.filter(
        submission=OuterRef("pk"), action=ReviewStep.Action.PASS_SECOND, by=user
    )
    return (
        access.visible(Submission.objects.filter(waiting), user)
        # Separation of duties: never one's own, never the approval of what one passed in second review.
        .exclude(person__user=user)
        .exclude(Q(status=Submission.Status.SECOND_REVIEW) & Exists(passed_second_by_me))
        .select_related("person", "group__organization", "session")
        .order_by("submitted_on", "id")
    )


def subtree_submissions(*, user: User, organization, year: int, kind: str = "") -> QuerySet[Submission]:
    """Submissions of the year in a subtree (not drafts), as the year figures count them."""
    queryset = access.visible(
        Submission.objects.filter(
            group__organization__path__startswith=organization.path, submitted_on__year=year
        ).exclude(status=Submission.Status.DRAFT),
        user,
    ).select_related("person", "group__organization")
    if kind:
        queryset = queryset.filter(kind=kind)
    return queryset.order_by("-submitted_on", "id")


def my_submissions(*, user: User) -> QuerySet[Submission]:
    return Submission.objects.filter(person__user=user).select_related("session", "group").order_by("-updated_at")


def upcoming_sessions(*, user: User) -> QuerySet[StudySession]:
    scope = access.scope_for(user)
    return (
        access.visible(StudySession.objects.filter(ends_at__gte=timezone.now()), user)
        .filter(Q(group_id__in=scope.member_group_ids) | Q(invited__id=scope.person_id))
        .distinct()
        .select_related("group__organization")
        .order_by("starts_at")
    )


def my_makeups(*, user: User) -> list[tuple[Attendance, datetime.date, bool]]:
    """The user's open make-ups as (row, due on, overdue); ``row.is_in_review`` when its make-up note is handed in
    and waits for the office (nothing left for the member to do, so never overdue for him)."""
    handed_in = Submission.objects.filter(
        session=OuterRef("session"), person=OuterRef("person"), is_makeup=True, status__in=IN_REVIEW
    )
    rows = makeups_open(user=user).filter(person__user=user).annotate(is_in_review=Exists(handed_in))
    return [(row, makeup_due_on(row.session), overdue(row) and not row.is_in_review) for row in rows]


def leave_requests_to_decide(*, user: User) -> QuerySet[LeaveRequest]:
    """Pending leave requests the user may approve or refuse (the session's staff or group leader)."""
    scope = access.scope_for(user)
    deciding = Q(session__group__organization_id__in=scope.organization_ids([access.STAFF, access.LEADER])) | Q(
        session__group_id__in=scope.leader_group_ids
    )
    if scope.is_superuser:
        deciding = Q()
    return (
        access.visible(LeaveRequest.objects.filter(deciding, status=LeaveRequest.Status.PENDING), user)
        .select_related("session")
        .order_by("session__starts_at", "id")
    )


def lecture_list(*, user: User, year: int | None = None) -> QuerySet[Lecture]:
    queryset = access.visible(Lecture.objects.all(), user).select_related("person", "group__organization")
    if year:
        queryset = queryset.filter(on__year=year)
    return queryset.order_by("-on", "-id")


def groups_for_sessions(*, user: User) -> QuerySet[StudyGroup]:
    return core_selectors.groups_staffed(user=user)
