"""The set-based year figures equal a straightforward computation group by group, on a varied subtree.

``reference`` below reads each group's records one by one in Python and applies records-format.md's rules as
written ("Year figures", "八有 from records"); ``year_figures`` counts the same in grouped SQL. Both must agree on
every key, for the current year (sessions not yet started, actions judged today) and a past one.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter

import pytest
from freezegun import freeze_time

from audits.models import Action, Inspection, ObserverVisit, RulesDocument
from audits.selectors import judge_date
from audits.tests.factories import ActionFactory, InspectionFactory, ObserverVisitFactory, RulesDocumentFactory
from plans.models import PlanTopic, ResearchReport, ResearchTopic, SessionKind, StudyPlan
from plans.tests.factories import PlanTopicFactory, ResearchReportFactory, ResearchTopicFactory, StudyPlanFactory
from reports.figures import KEYS, figure_keys, year_figures
from reports.models import YearSummary
from reports.tests.factories import YearSummaryFactory
from sessions.models import Attendance, Lecture, StudySession, Submission
from sessions.tests.factories import AttendanceFactory, LectureFactory, StudySessionFactory, SubmissionFactory
from studygroup.models import Membership, Organization, StudyGroup
from studygroup.tests.factories import MembershipFactory, OrganizationFactory, StudyGroupFactory

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 7, 15, 4, 0, tzinfo=datetime.UTC)  # 12:00 in Beijing
STATUSES = ["present", "present", "present", "late", "leave", "absent", "made_up"]
SUBMISSION_STATUSES = ["draft", "submitted", "first_review", "second_review", "approved", "returned"]
BAYOU = ["rules", "plan", "attendance", "minutes", "notes", "reflections", "inspection", "summary"]


def when(rng: random.Random) -> datetime.datetime:
    """A moment of 2025 or 2026 (some of 2026 still to come), a few on the eve of a year in Beijing."""
    if rng.random() < 0.1:  # 31 December 23:30 in Beijing: the last evening of the year, already the 31st in UTC
        return datetime.datetime(rng.choice([2024, 2025]), 12, 31, 15, 30, tzinfo=datetime.UTC)
    return datetime.datetime(
        rng.choice([2025, 2026]), rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23), tzinfo=datetime.UTC
    )


def day(rng: random.Random) -> datetime.date:
    return when(rng).date()


def group_records(group: StudyGroup, rng: random.Random) -> None:
    """A random year and a half of one group's records of every kind the figures count."""
    if rng.random() < 0.6:
        RulesDocumentFactory(organization=group.organization)
    seats = []
    for _ in range(rng.randint(1, 5)):
        start = datetime.date(rng.choice([2024, 2025, 2026]), rng.randint(1, 12), 1)
        end = start + datetime.timedelta(days=rng.randint(30, 500)) if rng.random() < 0.3 else None
        role = rng.choice(["leader", "deputy", "member", "member", "secretary"])
        seats.append(MembershipFactory(group=group, role=role, start_on=start, end_on=end).person)
    for year in (2025, 2026):
        if rng.random() < 0.8:
            plan = StudyPlanFactory(group=group, year=year, status=rng.choice(["draft", "submitted", "approved"]))
            for month in rng.sample(range(1, 13), rng.randint(0, 4)):
                PlanTopicFactory(plan=plan, month=month)
        if rng.random() < 0.3:
            YearSummaryFactory(group=group, year=year, is_final=rng.random() < 0.8)
        if rng.random() < 0.2:
            InspectionFactory(group=group, year=year)
        if rng.random() < 0.5:
            topic = ResearchTopicFactory(group=group, year=year)
            for _ in range(rng.randint(0, 2)):
                ResearchReportFactory(topic=topic, submitted_on=day(rng))
    topics = list(PlanTopic.objects.filter(plan__group=group))
    for _ in range(rng.randint(2, 8)):
        starts = when(rng)
        session = StudySessionFactory(
            group=group,
            kind=rng.choice(SessionKind.values),
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=2),
            is_expanded=rng.random() < 0.3,
            minutes=rng.choice(["", "记录", "  \n", "\u3000"]),
        )
        if topics and rng.random() < 0.6:
            session.topics.add(rng.choice(topics))
        people = seats if seats and rng.random() < 0.7 else []
        for person in people:
            AttendanceFactory(session=session, person=person, status=rng.choice(STATUSES))
        if rng.random() < 0.3:
            ObserverVisitFactory(session=session)
    for person in seats:
        for _ in range(rng.randint(1, 3)):
            SubmissionFactory(
                group=group,
                person=person,
                kind=rng.choice(["notes", "reflection", "discussion"]),
                status=rng.choice(SUBMISSION_STATUSES),
                submitted_on=day(rng),
            )
    for _ in range(rng.randint(0, 2)):
        LectureFactory(group=group, on=day(rng), audience=rng.randint(0, 200))
    for _ in range(rng.randint(1, 3)):
        raised = day(rng)
        status = rng.choice(["open", "in_progress", "done"])
        ActionFactory(
            group=group,
            raised_on=raised,
            due_on=raised + datetime.timedelta(days=rng.randint(1, 120)),
            status=status,
            done_on=raised + datetime.timedelta(days=rng.randint(0, 150)) if status == "done" else None,
        )


def build(seed: int):
    """A city, two counties, towns below them (some without a group), and an outside town that must not count."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not a secret
    city = OrganizationFactory(code=f"city{seed}", kind="city")
    organizations = [city]
    for _ in range(2):
        county = OrganizationFactory(parent=city, kind="county")
        organizations += [county, *(OrganizationFactory(parent=county) for _ in range(rng.randint(2, 4)))]
    outside = OrganizationFactory(code=f"outside{seed}")
    for organization in [*organizations, outside]:
        if rng.random() < 0.9 or organization is outside:
            group_records(StudyGroupFactory(organization=organization), rng)
    return city


# The reference: each group's records read in Python, the rules of records-format.md applied row by row.


def held_in(session: StudySession, year: int) -> bool:
    from django.utils import timezone

    return session.starts_at <= timezone.now() and timezone.localtime(session.starts_at).year == year


def share(done: list[bool]) -> str:
    if done and all(done):
        return "met"
    return "partial" if any(done) else "missing"


def bayou_of(group: StudyGroup, year: int, sessions: list[StudySession]) -> dict[str, str]:
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    plans = list(StudyPlan.objects.filter(group=group, year=year))
    members = [
        seat.person_id
        for seat in Membership.objects.filter(group=group)
        if seat.role != "secretary" and seat.start_on <= last and (seat.end_on is None or seat.end_on >= first)
    ]
    handed_in = [
        (s.person_id, s.kind)
        for s in Submission.objects.filter(group=group)
        if s.status != "draft" and s.submitted_on is not None and s.submitted_on.year == year
    ]
    visited = any(ObserverVisit.objects.filter(session=session).exists() for session in sessions)
    return {
        "rules": "met" if RulesDocument.objects.filter(organization=group.organization).exists() else "missing",
        "plan": "met" if any(p.status == "approved" for p in plans) else ("partial" if plans else "missing"),
        "attendance": share([session.attendances.exists() for session in sessions]),
        "minutes": share([bool(session.minutes.strip()) for session in sessions]),
        "notes": share([(person, "notes") in handed_in for person in members]),
        "reflections": share([(person, "reflection") in handed_in for person in members]),
        "inspection": "met" if visited or Inspection.objects.filter(group=group, year=year).exists() else "missing",
        "summary": "met" if YearSummary.objects.filter(group=group, year=year, is_final=True).exists() else "missing",
    }


def group_counts(group: StudyGroup, year: int) -> Counter:
    """Long because it is the reference: every figure of one group, one after the other, as the format words it."""
    counts: Counter = Counter(groups=1)
    sessions = [s for s in StudySession.objects.filter(group=group) if held_in(s, year)]
    counts["sessions"] = len(sessions)
    for session in sessions:
        counts[f"kind:{session.kind}"] += 1
        counts["expanded_sessions"] += session.is_expanded
        for row in Attendance.objects.filter(session=session):
            counts["attendance_rows"] += 1
            counts["attended"] += row.status in ("present", "late", "made_up")
            counts[row.status] += 1
        visits = ObserverVisit.objects.filter(session=session).count()
        counts["observer_visits"] += visits
    counts["groups_observed"] = int(any(ObserverVisit.objects.filter(session=s).exists() for s in sessions))
    for submission in Submission.objects.filter(group=group):
        if submission.status != "draft" and submission.submitted_on and submission.submitted_on.year == year:
            counts[
                {"notes": "notes", "reflection": "reflections", "discussion": "discussion_materials"}[submission.kind]
            ] += 1
    counts["research_topics"] = sum(1 for t in ResearchTopic.objects.filter(group=group) if t.year == year)
    counts["research_reports"] = sum(
        1 for r in ResearchReport.objects.filter(topic__group=group) if r.submitted_on and r.submitted_on.year == year
    )
    for lecture in Lecture.objects.filter(group=group):
        if lecture.on.year == year:
            counts["lectures"] += 1
            counts["lecture_audience"] += lecture.audience or 0
    judged = judge_date(year)
    for action in Action.objects.filter(group=group):
        if action.raised_on.year != year:
            continue
        counts["actions"] += 1
        counts["actions_done"] += action.status == "done"
        in_time = action.status == "done" and (action.done_on is None or action.done_on <= action.due_on)
        counts["actions_overdue"] += action.due_on < judged and not in_time
    for topic in PlanTopic.objects.filter(plan__group=group, plan__year=year):
        counts["topics_planned"] += 1
        counts["topics_held"] += any(s.starts_at <= NOW for s in topic.sessions.all())
    bayou = bayou_of(group, year, sessions)
    for item, status in bayou.items():
        counts[f"bayou:{item}"] += status == "met"
    counts["bayou_all_met"] = int(all(status == "met" for status in bayou.values()))
    return counts


def ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def reference(organization, year: int) -> dict:
    """The core's figures of the subtree: the sum of every group's own counts."""
    total: Counter = Counter()
    for group in StudyGroup.objects.all():
        if group.organization.path.startswith(organization.path):
            total.update(group_counts(group, year))
    return {
        "groups": total["groups"],
        "sessions": total["sessions"],
        "sessions_by_kind": {kind: total[f"kind:{kind}"] for kind in SessionKind.values},
        "expanded_sessions": total["expanded_sessions"],
        "attendance_rate": ratio(total["attended"], total["attendance_rows"]),
        "leave": total["leave"],
        "absent": total["absent"],
        "made_up": total["made_up"],
        "notes": total["notes"],
        "reflections": total["reflections"],
        "discussion_materials": total["discussion_materials"],
        "research_topics": total["research_topics"],
        "research_reports": total["research_reports"],
        "lectures": total["lectures"],
        "lecture_audience": total["lecture_audience"],
        "observer_visits": total["observer_visits"],
        "groups_observed": total["groups_observed"],
        "observation_coverage": ratio(total["groups_observed"], total["groups"]),
        "actions": total["actions"],
        "actions_done": total["actions_done"],
        "actions_overdue": total["actions_overdue"],
        "topics_planned": total["topics_planned"],
        "topics_held": total["topics_held"],
        "bayou_met": {item: total[f"bayou:{item}"] for item in BAYOU},
        "bayou_all_met": total["bayou_all_met"],
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_year_figures_equal_the_group_by_group_reference(seed):
    with freeze_time(NOW):
        city = build(seed)
        county = Organization.objects.filter(parent=city).order_by("path").first()
        seen = []
        for organization in (city, county):
            for year in (2025, 2026):
                figures = year_figures(organization, year)
                assert list(figures) == figure_keys()
                expected = reference(organization, year)
                assert {key: figures[key] for key in KEYS} == expected, (organization.code, year)
                seen.append(expected)
    # The subtree is varied: these figures are nonzero, and some groups miss some 八有 items, in the city's years.
    for expected in seen[:2]:
        assert all(expected[key] for key in ("sessions", "leave", "absent", "notes", "actions", "topics_held")), [
            key for key, value in expected.items() if not value
        ]
        assert expected["bayou_all_met"] < expected["groups"]
