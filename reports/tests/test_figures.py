"""Year figures on records built here, against values worked out by hand."""

import datetime
import json
from io import StringIO

import pytest
from django.core.management import call_command
from freezegun import freeze_time

from audits.tests.factories import (
    ActionFactory,
    InspectionFactory,
    ObserverVisitFactory,
    RulesDocumentFactory,
)
from plans.tests.factories import PlanTopicFactory, ResearchReportFactory, ResearchTopicFactory, StudyPlanFactory
from reports.figures import KEYS, figure_keys, year_figures
from reports.tests.factories import YearSummaryFactory
from sessions.tests.factories import AttendanceFactory, LectureFactory, StudySessionFactory, SubmissionFactory
from studygroup.tests.factories import MembershipFactory, OrganizationFactory, StudyGroupFactory

pytestmark = pytest.mark.django_db
YEAR = 2025


def at(month, day=10):
    return datetime.datetime(YEAR, month, day, 1, tzinfo=datetime.UTC)


def session(group, month, kind="collective", **kwargs):
    return StudySessionFactory(
        group=group, kind=kind, starts_at=at(month), ends_at=at(month) + datetime.timedelta(hours=2), **kwargs
    )


@pytest.fixture
def world():
    county = OrganizationFactory(code="county", kind="county")
    town1 = OrganizationFactory(parent=county, code="t1")
    town2 = OrganizationFactory(parent=county, code="t2")
    outside = OrganizationFactory(code="outside")
    g_county, g1, g2, g_out = (StudyGroupFactory(organization=o) for o in (county, town1, town2, outside))
    since = datetime.date(YEAR, 1, 1)
    m1, m2 = (MembershipFactory(group=g1, start_on=since).person for _ in range(2))
    MembershipFactory(group=g1, role="secretary", start_on=since)
    # Sessions of the year: 3 in the subtree (one expanded reading class), 1 of last year, 1 outside.
    s1 = session(g1, 3, minutes="记录")
    s2 = session(g1, 6, kind="reading_class", is_expanded=True)
    session(g2, 9, kind="case_review")
    session(g1, 1)
    StudySessionFactory(
        group=g1,
        starts_at=datetime.datetime(YEAR - 1, 12, 20, 1, tzinfo=datetime.UTC),
        ends_at=datetime.datetime(YEAR - 1, 12, 20, 3, tzinfo=datetime.UTC),
    )
    out_session = session(g_out, 3)
    for status in ["present", "present", "late", "leave", "absent", "made_up"]:
        AttendanceFactory(session=s1, status=status)
    AttendanceFactory(session=s2, status="absent")
    AttendanceFactory(session=out_session, status="absent")
    # Submissions: counted by submitted_on in the year, any status but draft.
    SubmissionFactory(group=g1, person=m1, kind="notes", status="submitted", submitted_on=datetime.date(YEAR, 3, 1))
    SubmissionFactory(group=g1, person=m2, kind="notes", status="approved", submitted_on=datetime.date(YEAR, 4, 1))
    SubmissionFactory(group=g1, person=m1, kind="notes", status="draft", submitted_on=datetime.date(YEAR, 4, 1))
    SubmissionFactory(group=g1, person=m1, kind="reflection", status="returned", submitted_on=datetime.date(YEAR, 5, 1))
    SubmissionFactory(group=g2, kind="discussion", status="first_review", submitted_on=datetime.date(YEAR, 9, 1))
    SubmissionFactory(
        group=g1, person=m1, kind="reflection", status="approved", submitted_on=datetime.date(YEAR - 1, 12, 1)
    )
    SubmissionFactory(group=g_out, kind="notes", status="approved", submitted_on=datetime.date(YEAR, 3, 1))
    # Research: 2 topics of the year, 1 report in the year, 1 the year after.
    topic = ResearchTopicFactory(group=g1, year=YEAR)
    ResearchTopicFactory(group=g2, year=YEAR)
    ResearchTopicFactory(group=g1, year=YEAR - 1)
    ResearchReportFactory(topic=topic, submitted_on=datetime.date(YEAR, 8, 1))
    ResearchReportFactory(topic=topic, submitted_on=datetime.date(YEAR + 1, 1, 5))
    # Lectures: 2 in the year (45 + 120), 1 outside.
    LectureFactory(group=g1, on=datetime.date(YEAR, 3, 2), audience=45)
    LectureFactory(group=g_county, on=datetime.date(YEAR, 7, 2), audience=120)
    LectureFactory(group=g_out, on=datetime.date(YEAR, 7, 2), audience=999)
    # Visits: 2 visits to g1's sessions, 1 to last year's.
    ObserverVisitFactory(session=s1, organization=county)
    ObserverVisitFactory(session=s2, organization=county)
    # Actions raised in the year: done in time, done late, open and overdue, open not yet due (due next year).
    ActionFactory(
        group=g1,
        raised_on=datetime.date(YEAR, 3, 1),
        due_on=datetime.date(YEAR, 4, 1),
        status="done",
        done_on=datetime.date(YEAR, 3, 20),
    )
    ActionFactory(
        group=g1,
        raised_on=datetime.date(YEAR, 3, 1),
        due_on=datetime.date(YEAR, 4, 1),
        status="done",
        done_on=datetime.date(YEAR, 5, 1),
    )
    ActionFactory(group=g2, raised_on=datetime.date(YEAR, 6, 1), due_on=datetime.date(YEAR, 7, 1), status="in_progress")
    ActionFactory(group=g2, raised_on=datetime.date(YEAR, 11, 1), due_on=datetime.date(YEAR + 1, 1, 31))
    ActionFactory(group=g2, raised_on=datetime.date(YEAR - 1, 11, 1), due_on=datetime.date(YEAR, 1, 31))
    # Plans: 3 topics of the year, 2 covered by a session.
    plan = StudyPlanFactory(group=g1, year=YEAR, status="approved")
    covered = [PlanTopicFactory(plan=plan, month=3), PlanTopicFactory(plan=plan, month=6)]
    PlanTopicFactory(plan=plan, month=12)
    s1.topics.add(covered[0])
    s2.topics.add(covered[1])
    # 八有: rules for county and t1; summary for t2; inspection for t2; visits make g1 inspected.
    RulesDocumentFactory(organization=county)
    RulesDocumentFactory(organization=town1)
    YearSummaryFactory(group=g2, year=YEAR)
    InspectionFactory(group=g2, year=YEAR)
    return county


def test_every_figure_against_hand_computed_values(world):
    with freeze_time("2026-03-01"):
        figures = year_figures(world, YEAR)
    assert list(figures) == figure_keys()
    assert {key: figures[key] for key in KEYS} == {
        "groups": 3,
        "sessions": 4,  # s1, s2, s3 and the January session
        "sessions_by_kind": {
            "collective": 2,
            "reading_class": 1,
            "expert_lecture": 0,
            "field_teaching": 0,
            "first_topic": 0,
            "micro_lecture": 0,
            "case_review": 1,
            "research_exchange": 0,
        },
        "expanded_sessions": 1,
        "attendance_rate": round(4 / 7, 4),  # present 2 + late 1 + made_up 1 of 7 rows
        "leave": 1,
        "absent": 2,
        "made_up": 1,
        "notes": 2,
        "reflections": 1,
        "discussion_materials": 1,
        "research_topics": 2,
        "research_reports": 1,
        "lectures": 2,
        "lecture_audience": 165,
        "observer_visits": 2,
        "groups_observed": 1,
        "observation_coverage": round(1 / 3, 4),
        "actions": 4,
        "actions_done": 2,
        "actions_overdue": 2,  # done late, and in progress past its due date
        "topics_planned": 3,
        "topics_held": 2,
        # rules: county, t1; plan: g1; attendance: g1 has 1 of 3 sessions with rows -> partial, g2 none;
        # minutes: g1 1 of 3 -> partial; notes: g1 both members; reflections: g1 one of two -> partial;
        # inspection: g1 (visits) and g2 (inspection); summary: g2.
        "bayou_met": {
            "rules": 2,
            "plan": 1,
            "attendance": 0,
            "minutes": 0,
            "notes": 1,
            "reflections": 0,
            "inspection": 2,
            "summary": 1,
        },
        "bayou_all_met": 0,
    }


def test_current_year_judges_overdue_today(world):
    with freeze_time(f"{YEAR}-06-15"):
        assert year_figures(world, YEAR)["actions_overdue"] == 1  # only the late one's due date has passed


def test_empty_subtree_gives_zeros_and_nulls():
    figures = year_figures(OrganizationFactory(), YEAR)
    assert figures["groups"] == 0 and figures["attendance_rate"] is None and figures["observation_coverage"] is None
    assert set(figures["bayou_met"]) == {
        "rules",
        "plan",
        "attendance",
        "minutes",
        "notes",
        "reflections",
        "inspection",
        "summary",
    }


def test_year_summary_command_prints_the_same_figures(world):
    out = StringIO()
    with freeze_time("2026-03-01"):
        call_command("year_summary", "--org", "county", "--year", str(YEAR), "--json", stdout=out)
        expected = year_figures(world, YEAR)
    assert json.loads(out.getvalue()) == expected


def test_figures_use_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    # 20 of the reports app's own, and at most five of the practice app's figures.
    with django_assert_max_num_queries(25):
        year_figures(world, YEAR)


# Held means started: a session scheduled for later is neither held nor missing (issue 12, item 8).

NOW = "2026-06-15 09:00:00+08:00"


def at_2026(month, day, hour=1):
    return datetime.datetime(2026, month, day, hour, tzinfo=datetime.UTC)


@pytest.fixture
def this_year():
    """A county with one town: two sessions already held this year and three still to come."""
    county = OrganizationFactory(code="now-county")
    town = OrganizationFactory(parent=county, code="now-town")
    group = StudyGroupFactory(organization=town)
    StudyGroupFactory(organization=county)
    MembershipFactory(group=group, start_on=datetime.date(2026, 1, 1))
    held = [
        StudySessionFactory(group=group, starts_at=at_2026(3, 10), ends_at=at_2026(3, 10, 3), minutes="记录"),
        # Started an hour ago and still going on: held.
        StudySessionFactory(group=group, starts_at=at_2026(6, 15, 0), ends_at=at_2026(6, 15, 3), minutes="记录"),
    ]
    for session in held:
        AttendanceFactory(session=session, status="present")
    later = [
        StudySessionFactory(group=group, starts_at=at_2026(6, 15, 2), ends_at=at_2026(6, 15, 4), is_expanded=True),
        StudySessionFactory(group=group, starts_at=at_2026(6, 22), ends_at=at_2026(6, 22, 3)),
        StudySessionFactory(group=group, kind="reading_class", starts_at=at_2026(11, 3), ends_at=at_2026(11, 5)),
    ]
    # Leave asked in advance gives an attendance row to a session not yet held; an observer visit is planned.
    AttendanceFactory(session=later[1], status="leave")
    ObserverVisitFactory(session=later[1], organization=county)
    plan = StudyPlanFactory(group=group, year=2026, status="approved")
    topic_held, topic_later = PlanTopicFactory(plan=plan, month=3), PlanTopicFactory(plan=plan, month=6)
    held[0].topics.add(topic_held)
    later[1].topics.add(topic_later)
    return county


def test_year_figures_count_only_sessions_that_have_started(this_year):
    with freeze_time(NOW):
        figures = year_figures(this_year, 2026)
    assert figures["sessions"] == 2
    assert figures["sessions_by_kind"]["collective"] == 2
    assert figures["sessions_by_kind"]["reading_class"] == 0
    assert figures["expanded_sessions"] == 0
    assert figures["attendance_rate"] == 1.0  # the leave row of next week's session is not counted
    assert figures["leave"] == 0
    assert figures["observer_visits"] == 0
    assert figures["groups_observed"] == 0
    assert figures["observation_coverage"] == 0.0
    assert (figures["topics_planned"], figures["topics_held"]) == (2, 1)
    # Every session held so far has attendance and minutes: met, whatever is scheduled next.
    assert figures["bayou_met"]["attendance"] == 1
    assert figures["bayou_met"]["minutes"] == 1
    assert figures["bayou_met"]["inspection"] == 0


def test_year_figures_of_the_whole_year_once_it_has_passed(this_year):
    with freeze_time("2027-01-05"):
        figures = year_figures(this_year, 2026)
    assert figures["sessions"] == 5
    assert figures["leave"] == 1
    assert figures["observer_visits"] == 1
    assert figures["topics_held"] == 2


def test_year_summary_json_for_the_current_year_counts_only_started_sessions(this_year):
    out = StringIO()
    with freeze_time(NOW):
        call_command("year_summary", "--org", "now-county", "--year", "2026", "--json", stdout=out)
    printed = json.loads(out.getvalue())
    assert printed["sessions"] == 2
    assert printed["expanded_sessions"] == 0
    assert printed["observer_visits"] == 0
    assert printed["topics_held"] == 1


def test_a_members_year_and_the_months_digest_count_only_held_sessions(this_year):
    from reports.digest import build
    from sessions import selectors as session_selectors
    from sessions.models import Attendance

    leave = Attendance.objects.get(status="leave")  # asked for next week's session
    with freeze_time(NOW):
        rows, _rate = session_selectors.member_year_attendance(person=leave.person, year=2026)
        digest = build(this_year, 2026, 6)
    assert rows == []
    assert digest["figures"]["sessions"] == 1  # this morning's; not this afternoon's nor next week's
