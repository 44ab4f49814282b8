"""The reports pages and the ``year_summary`` command run the same number of queries at two sizes of subtree."""

import datetime
import json
from io import StringIO

import pytest
from django.core.management import call_command
from freezegun import freeze_time

from audits.tests.factories import ActionFactory, ObserverVisitFactory, RulesDocumentFactory
from plans.tests.factories import PlanTopicFactory, StudyPlanFactory
from sessions.tests.factories import AttendanceFactory, LectureFactory, StudySessionFactory, SubmissionFactory
from studygroup.tests.factories import MembershipFactory, OrganizationFactory, StudyGroupFactory
from studygroup.tests.querycount import assert_queries

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_frozen")]
YEAR = 2026
SMALL, LARGE = 2, 9


@pytest.fixture
def _frozen():
    with freeze_time("2026-12-01 08:00:00"):
        yield


def subtree(groups: int, *, code: str):
    """A county with its own group and ``groups - 1`` towns below, each with a year of records of every kind."""
    county = OrganizationFactory(code=code, kind="county")
    organizations = [county, *(OrganizationFactory(parent=county) for _ in range(groups - 1))]
    for index, organization in enumerate(organizations):
        group = StudyGroupFactory(organization=organization)
        RulesDocumentFactory(organization=organization)
        plan = StudyPlanFactory(group=group, year=YEAR, status="approved")
        people = [MembershipFactory(group=group, start_on=datetime.date(YEAR, 1, 1)).person for _ in range(3)]
        for month in (3, 6, 9 + index % 3):
            starts = datetime.datetime(YEAR, month, 10, 1, tzinfo=datetime.UTC)
            session = StudySessionFactory(
                group=group,
                starts_at=starts,
                ends_at=starts + datetime.timedelta(hours=2),
                minutes="记录",
                topics=[PlanTopicFactory(plan=plan, month=month)],
            )
            for person, status in zip(people, ["present", "leave", "absent"], strict=True):
                AttendanceFactory(session=session, person=person, status=status)
            ObserverVisitFactory(session=session)
        for person in people:
            SubmissionFactory(
                group=group, person=person, kind="reflection", status="approved", submitted_on=datetime.date(YEAR, 4, 1)
            )
        LectureFactory(group=group, on=datetime.date(YEAR, 5, 1), audience=30)
        ActionFactory(group=group, raised_on=datetime.date(YEAR, 3, 1), due_on=datetime.date(YEAR, 4, 1))
    return county


def test_year_summary_command_runs_a_fixed_number_of_queries():
    for size in (SMALL, LARGE):
        subtree(size, code=f"county{size}")
        out = StringIO()
        with assert_queries(13):
            call_command("year_summary", "--org", f"county{size}", "--year", str(YEAR), "--json", stdout=out)
        figures = json.loads(out.getvalue())
        assert (figures["groups"], figures["sessions"], figures["leave"]) == (size, 3 * size, 3 * size)
        met = dict.fromkeys(["rules", "plan", "attendance", "minutes", "reflections", "inspection"], size)
        assert figures["bayou_met"] == {**met, "notes": 0, "summary": 0}
