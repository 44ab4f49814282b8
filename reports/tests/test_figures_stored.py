"""The year figures read the stored rollup and 八有 statuses only while they are current for the subtree, and then
equal the live figures key for key; after a marked write, a session's start or a change of the tree they are
computed live again."""

import datetime
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from freezegun import freeze_time

from audits.models import ChecklistStatus
from audits.tests.factories import ActionFactory, InspectionFactory, ObserverVisitFactory, RulesDocumentFactory
from plans.tests.factories import PlanTopicFactory, ResearchTopicFactory, StudyPlanFactory
from reports import dashboard
from reports.figures import figure_keys, live_year_figures, year_figures, year_figures_as_of
from reports.models import Rollup
from reports.rollups import rebuild
from reports.tests.factories import YearSummaryFactory
from sessions import services as session_services
from sessions.tests.factories import AttendanceFactory, LectureFactory, StudySessionFactory, SubmissionFactory
from studygroup.models import DirtyRollup, StudyGroup
from studygroup.tests.factories import MembershipFactory, OrganizationFactory, StudyGroupFactory, user_with_role
from studygroup.tests.querycount import assert_queries

pytestmark = pytest.mark.django_db
YEAR = 2026
NOW = datetime.datetime(2026, 7, 1, 8, tzinfo=datetime.UTC)
KINDS = ["collective", "reading_class", "expert_lecture", "case_review"]


def at(month: int, day: int = 10, hour: int = 1) -> datetime.datetime:
    return datetime.datetime(YEAR, month, day, hour, tzinfo=datetime.UTC)


def town(county, index: int):
    """A group whose year differs with ``index``: sessions of several kinds (one of them still ahead), attendance
    of every status, writings, visits, actions, research, lectures and a plan; 八有 met in part."""
    group = StudyGroupFactory(organization=OrganizationFactory(parent=county) if index else county)
    if index % 2 == 0:
        RulesDocumentFactory(organization=group.organization)
    plan = StudyPlanFactory(group=group, year=YEAR, status="approved" if index % 3 else "submitted")
    people = [MembershipFactory(group=group, start_on=datetime.date(YEAR, 1, 1)).person for _ in range(2)]
    for number, month in enumerate((2, 4, 5 + index % 2)):
        session = StudySessionFactory(
            group=group,
            kind=KINDS[(index + number) % len(KINDS)],
            starts_at=at(month),
            ends_at=at(month) + datetime.timedelta(hours=2),
            is_expanded=number == 1,
            minutes="记录" if (index + number) % 4 else "",
            topics=[PlanTopicFactory(plan=plan, month=month)],
        )
        statuses = [["present", "late"], ["leave", "absent"], ["made_up", "present"]][number]
        for person, status in zip(people, statuses, strict=True):
            AttendanceFactory(session=session, person=person, status=status)
        if (index + number) % 2:
            ObserverVisitFactory(session=session, organization=county)
    PlanTopicFactory(plan=plan, month=11)
    ahead = StudySessionFactory(group=group, starts_at=at(9), ends_at=at(9) + datetime.timedelta(hours=2))
    AttendanceFactory(session=ahead, person=people[0], status="leave")
    for person in people[: 1 + index % 2]:
        SubmissionFactory(group=group, person=person, kind="notes", status="submitted", submitted_on=at(3).date())
        SubmissionFactory(group=group, person=person, kind="reflection", status="approved", submitted_on=at(5).date())
    SubmissionFactory(group=group, kind="discussion", status="first_review", submitted_on=at(4).date())
    ResearchTopicFactory(group=group, year=YEAR)
    LectureFactory(group=group, on=at(5).date(), audience=20 + index)
    ActionFactory(group=group, raised_on=at(3).date(), due_on=at(4).date())
    if index % 3 == 1:
        InspectionFactory(group=group, year=YEAR)
        YearSummaryFactory(group=group, year=YEAR)
    return group


def county_of(towns: int, code: str = "county"):
    county = OrganizationFactory(code=code, kind="county")
    groups = [town(county, index) for index in range(towns)]
    return county, groups


def built(towns: int, code: str = "county"):
    """A county of ``towns`` groups whose rollups and statuses the job has just built (no mark waiting)."""
    county, groups = county_of(towns, code)
    rebuild(YEAR)
    assert not DirtyRollup.objects.exists()  # the factories write no mark: nothing waits for the job
    return county, groups


@pytest.mark.parametrize("towns", [3, 8])
def test_figures_from_a_current_rollup_equal_the_live_figures_key_for_key(towns):
    with freeze_time(NOW):
        county, _groups = built(towns)
        figures, as_of = year_figures_as_of(county, YEAR)
        live = live_year_figures(county, YEAR)
    assert as_of == Rollup.objects.get(organization=county, year=YEAR, month=0).built_at
    assert list(figures) == figure_keys()
    assert figures == live
    # The records vary: the figures read from the store are not trivially zero or all met.
    assert figures["sessions"] == 3 * towns and sum(figures["sessions_by_kind"].values()) == 3 * towns
    assert 0 < figures["bayou_met"]["rules"] < towns and figures["leave"] == towns


def test_a_marked_write_sends_the_figures_back_to_live_until_the_next_run():
    with freeze_time(NOW):
        county, groups = built(4)
        held = groups[1].sessions.order_by("starts_at").first()
        absent = held.attendances.get(status="present").person_id
        session_services.attendance_mark(
            session=held, marks={absent: "absent"}, by=user_with_role("staff", groups[1].organization)
        )
        assert DirtyRollup.objects.filter(group=groups[1], year=YEAR).exists()
        figures, as_of = year_figures_as_of(county, YEAR)
        stale = Rollup.objects.get(organization=county, year=YEAR, month=0)
        assert as_of is None and figures == live_year_figures(county, YEAR)
        assert figures["absent"] == stale.absent + 1
        # The next run rebuilds the marked group and consumes the mark: read from the store again, still exact.
        from reports.rollups import refresh_dirty

        refresh_dirty()
        figures, as_of = year_figures_as_of(county, YEAR)
        assert as_of is not None and figures == live_year_figures(county, YEAR)


def test_a_session_that_starts_after_the_rollup_sends_the_figures_back_to_live():
    """A session becomes held by time alone, without a write: its sessions, attendance and 八有 statuses (有考勤,
    有记录) change, so the stored ones are no longer read."""
    with freeze_time("2026-09-10 00:30:00"):
        county, _groups = built(3)
        assert year_figures_as_of(county, YEAR)[1] is not None
    with freeze_time("2026-09-10 01:30:00"):  # the towns' sessions of 10 September have started
        assert dashboard.current_rollup(organization=county, year=YEAR) is None
        figures, as_of = year_figures_as_of(county, YEAR)
        assert as_of is None and figures == live_year_figures(county, YEAR)
        stale = Rollup.objects.get(organization=county, year=YEAR, month=0)
        assert (figures["sessions"], figures["leave"]) == (stale.sessions + 3, stale.leave + 3)
        assert (
            figures["bayou_met"]["minutes"]
            < ChecklistStatus.objects.filter(checklist="bayou", statuses__minutes="met").count()
        )


def test_next_years_session_taking_up_a_topic_of_the_year_sends_the_figures_back_to_live():
    with freeze_time("2027-01-05 00:00:00"):
        county, groups = built(2)
        assert year_figures_as_of(county, YEAR)[1] is not None
        late = PlanTopicFactory(plan=groups[0].plans.get(year=YEAR), month=12)
        StudySessionFactory(
            group=groups[0],
            starts_at=datetime.datetime(2027, 1, 5, 2, tzinfo=datetime.UTC),
            ends_at=datetime.datetime(2027, 1, 5, 4, tzinfo=datetime.UTC),
            topics=[late],
        )
        # Planned after the rollup: only a write could tell; the session of the next year is what time changes.
        rebuild(YEAR)
        held_before = year_figures(county, YEAR)["topics_held"]
    with freeze_time("2027-01-05 03:00:00"):
        figures, as_of = year_figures_as_of(county, YEAR)
        assert as_of is None and figures == live_year_figures(county, YEAR)
        assert figures["topics_held"] == held_before + 1


def test_a_group_without_a_stored_status_or_a_new_group_is_computed_live():
    with freeze_time(NOW):
        county, groups = built(3)
        ChecklistStatus.objects.filter(group=groups[2], checklist="bayou").delete()
        assert dashboard.current_rollup(organization=county, year=YEAR) is not None
        figures, as_of = year_figures_as_of(county, YEAR)
        assert as_of is None and figures == live_year_figures(county, YEAR)
        rebuild(YEAR)
        StudyGroupFactory(organization=OrganizationFactory(parent=county))
        figures, as_of = year_figures_as_of(county, YEAR)
        assert as_of is None and figures["groups"] == 4 == StudyGroup.objects.count()


def test_a_mark_of_another_year_or_outside_the_subtree_leaves_the_rollup_current():
    from studygroup import rollup_marks

    with freeze_time(NOW):
        county, groups = built(2)
        outside = StudyGroupFactory()
        rollup_marks.mark(outside.pk, datetime.date(YEAR, 3, 1))
        rollup_marks.mark(groups[0].pk, datetime.date(YEAR - 1, 3, 1))
        assert dashboard.current_rollup(organization=county, year=YEAR) is not None
        rollup_marks.mark(groups[0].pk, datetime.date(YEAR, 3, 1))
        assert dashboard.current_rollup(organization=county, year=YEAR) is None


@pytest.mark.parametrize("stored", [True, False])
def test_year_figures_run_a_fixed_number_of_queries_at_two_sizes(stored):
    """From the store: the rule (1), the 八有 statuses (1), sessions by kind (1), research (2), lectures (1),
    actions (1) and the apps above reports (5). Live: the rule and the 17 queries of every figure counted."""
    with freeze_time(NOW):
        for towns in (2, 7):
            county, _groups = built(towns, code=f"county{towns}")
            if not stored:
                Rollup.objects.all().delete()
            with assert_queries(12 if stored else 18):
                figures, as_of = year_figures_as_of(county, YEAR)
            assert (as_of is not None) is stored and figures["groups"] == towns


@pytest.mark.parametrize("stored", [True, False])
def test_year_summary_page_runs_a_fixed_number_of_queries_and_says_as_of_when(client, stored):
    with freeze_time(NOW):
        for towns in (2, 7):
            county, _groups = built(towns, code=f"county{towns}")
            if not stored:
                Rollup.objects.all().delete()
            client.force_login(user_with_role("leader", county))
            url = reverse("reports:summary") + f"?org={county.pk}&year={YEAR}"
            client.get(url)
            with assert_queries(40 if stored else 46):
                page = client.get(url).content.decode()
            figures = live_year_figures(county, YEAR)
            assert f"共开展集中学习{figures['sessions']}次" in page
            assert ("数据截至 07-01 16:00" in page) is stored


def test_year_summary_command_prints_the_stored_figures_equal_to_the_live_ones():
    with freeze_time(NOW):
        county, _groups = built(3)
        out = StringIO()
        with assert_queries(13):
            call_command("year_summary", "--org", county.code, "--year", str(YEAR), "--json", stdout=out)
        assert json.loads(out.getvalue()) == json.loads(json.dumps(live_year_figures(county, YEAR)))
