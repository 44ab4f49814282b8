"""Rollups equal the live figures, and large subtrees' dashboards read them."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from freezegun import freeze_time

from audits import checklists
from audits.models import ChecklistStatus
from audits.tests.factories import ActionFactory, ObserverVisitFactory, RulesDocumentFactory
from reports import dashboard
from reports.figures import live_year_figures
from reports.models import Rollup
from reports.rollups import rebuild
from reports.tasks import rebuild_rollups
from sessions.tests.factories import AttendanceFactory, StudySessionFactory, SubmissionFactory
from studygroup.models import StudyGroup
from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, user_with_role

pytestmark = pytest.mark.django_db
MEASURES = [
    "groups",
    "sessions",
    "expanded_sessions",
    "leave",
    "absent",
    "made_up",
    "notes",
    "reflections",
    "discussion_materials",
    "observer_visits",
    "groups_observed",
    "topics_planned",
    "topics_held",
    "bayou_all_met",
]


def tree(towns: int):
    city = OrganizationFactory()
    StudyGroupFactory(organization=city)
    counties = [OrganizationFactory(parent=city) for _ in range(2)]
    for county in counties:
        StudyGroupFactory(organization=county)
    for index in range(towns):
        group = StudyGroupFactory(organization=OrganizationFactory(parent=counties[index % 2]))
        start = datetime.datetime(2026, index % 12 + 1, 5, 1, tzinfo=datetime.UTC)
        session = StudySessionFactory(
            group=group, starts_at=start, ends_at=start + datetime.timedelta(hours=2), is_expanded=index % 3 == 0
        )
        for status in ["present", "late", "leave", "absent"][: index % 4 + 1]:
            AttendanceFactory(session=session, status=status)
        SubmissionFactory(
            group=group, kind="reflection", status="submitted", submitted_on=datetime.date(2026, index % 12 + 1, 6)
        )
        if index % 2:
            ObserverVisitFactory(session=session, organization=city)
    return city, counties


def test_rollups_equal_the_live_figures_at_every_level():
    city, counties = tree(9)
    assert rebuild(2026) > 0
    for organization in [city, *counties]:
        row = Rollup.objects.get(organization=organization, year=2026, month=0)
        live = live_year_figures(organization, 2026)
        assert {k: getattr(row, k) for k in MEASURES} == {k: live[k] for k in MEASURES}
        assert round(row.attended / row.attendance_rows, 4) == live["attendance_rate"]
    march = Rollup.objects.get(organization=city, year=2026, month=3)
    assert march.sessions == 1


def test_rebuild_twice_gives_the_same_rows():
    tree(4)
    rebuild_rollups(2026)
    first = sorted(Rollup.objects.values_list("organization", "month", "sessions", "attended"))
    rebuild_rollups(2026)
    assert sorted(Rollup.objects.values_list("organization", "month", "sessions", "attended")) == first


def dashboard_queries(client, settings, towns: int) -> tuple[int, str]:
    settings.DASHBOARD_LIVE_LIMIT = 3
    city, _counties = tree(towns)
    rebuild(2026)
    client.force_login(user_with_role("viewer", city))
    url = reverse("reports:dashboard") + f"?org={city.pk}&year=2026"
    client.get(url)
    with CaptureQueriesContext(connection) as context:
        page = client.get(url).content.decode()
    return len(context), page


def test_large_subtree_dashboard_reads_rollups_in_constant_queries(client, settings):
    small, page = dashboard_queries(client, settings, 10)
    assert "数据截至" in page
    large, _page = dashboard_queries(client, settings, 60)
    assert small == large


def test_rollups_count_only_sessions_held_at_the_rebuild():
    from freezegun import freeze_time

    city, counties = tree(6)  # sessions on the 5th of January to June
    group = StudyGroupFactory(organization=OrganizationFactory(parent=counties[0]))
    upcoming = StudySessionFactory(
        group=group,
        starts_at=datetime.datetime(2026, 6, 20, 1, tzinfo=datetime.UTC),
        ends_at=datetime.datetime(2026, 6, 20, 3, tzinfo=datetime.UTC),
    )
    AttendanceFactory(session=upcoming, status="leave")
    ObserverVisitFactory(session=upcoming, organization=city)
    with freeze_time("2026-06-15"):
        rebuild(2026)
        live = live_year_figures(city, 2026)
    row = Rollup.objects.get(organization=city, year=2026, month=0)
    assert row.sessions == live["sessions"] == 6
    assert row.leave == live["leave"] == 2  # towns 2 and 3, not next week's leave
    assert row.groups_observed == live["groups_observed"] == 3
    assert not Rollup.objects.filter(organization=city, year=2026, month=6, sessions__gt=1).exists()


def test_large_subtree_checklist_table_is_exact_even_after_the_rollup_job(client, settings):
    """The rollup job keeps every group's statuses; the compliance table filters and computes from the records,
    so a record added since shows at once, whatever the size of the subtree."""
    top = OrganizationFactory()
    groups = [StudyGroupFactory(organization=OrganizationFactory(parent=top)) for _ in range(6)]
    RulesDocumentFactory(organization=groups[0].organization)
    starts = datetime.datetime(2026, 3, 10, 1, tzinfo=datetime.UTC)
    StudySessionFactory(group=groups[1], starts_at=starts, ends_at=starts + datetime.timedelta(hours=2))
    rebuild(2026)
    live = checklists.compute(groups, 2026)
    stored = dict(ChecklistStatus.objects.filter(year=2026, checklist="bayou").values_list("group_id", "statuses"))
    assert all(stored[g.pk] == live[g.pk] for g in groups)
    settings.DASHBOARD_LIVE_LIMIT = 3
    RulesDocumentFactory(organization=groups[2].organization)  # after the rebuild
    client.force_login(user_with_role("viewer", top))
    page = client.get(reverse("audits:compliance") + "?year=2026&item=rules&status=met").content.decode()
    shown = page.split("<tbody>")[1]
    assert groups[0].organization.name in shown and groups[2].organization.name in shown
    assert groups[1].organization.name not in shown


def test_dashboard_from_rollups_counts_actions_as_the_live_one_including_the_organizations_own():
    from freezegun import freeze_time

    city, counties = tree(4)
    raised, late, ahead = datetime.date(2026, 2, 1), datetime.date(2026, 3, 1), datetime.date(2026, 12, 20)
    groups = [StudyGroup.objects.get(organization=o) for o in (city, counties[0], *counties[1].children.all())]
    overdue = [ActionFactory(group=group, raised_on=raised, due_on=late) for group in groups]
    on_time = [ActionFactory(group=group, raised_on=raised, due_on=ahead) for group in groups[:2]]
    with freeze_time("2026-12-01 10:00"):
        rebuild(2026)
        live = dashboard.build_live(organization=city, year=2026)
        rolled = dashboard.build_from_rollups(organization=city, year=2026)
    for figures in (live["figures"], rolled["figures"]):
        assert (figures["actions"], figures["actions_overdue"]) == (len(overdue) + len(on_time), len(overdue))
    per_child = {c["name"]: c["overdue"] for c in live["children"]}
    assert {c["name"]: c["overdue"] for c in rolled["children"]} == per_child
    assert per_child == {counties[0].name: 1, counties[1].name: counties[1].children.count()}


# Incremental rollups -------------------------------------------------------------------------------------------


def rollup_rows():
    return sorted(
        (row["organization"], row["month"], *(row[m] for m in MEASURES))
        for row in Rollup.objects.filter(year=2026).values("organization", "month", *MEASURES)
    )


def change_some_groups(groups):
    """Write through the services (which mark the groups dirty): a new session, marks on an existing one."""
    from sessions import services
    from studygroup.tests.factories import MembershipFactory

    for group in groups:
        leader = user_with_role("staff", group.organization)
        start = datetime.datetime(2026, 4, 9, 1, tzinfo=datetime.UTC)
        session = services.session_create(
            group=group, by=leader, title="学习", starts_at=start, ends_at=start + datetime.timedelta(hours=2)
        )
        seat = MembershipFactory(group=group, start_on=datetime.date(2026, 1, 1))
        services.attendance_mark(session=session, marks={seat.person_id: "absent"}, by=leader)


@pytest.mark.parametrize("towns", [4, 12])
def test_an_incremental_run_equals_a_full_rebuild_and_touches_only_dirty_groups(towns):
    from reports.rollups import refresh_dirty
    from studygroup.models import DirtyRollup

    with freeze_time("2026-12-01"):
        city, counties = tree(towns)
        rebuild(2026)
        DirtyRollup.objects.all().delete()
        changed = list(StudyGroup.objects.filter(organization__parent=counties[0])[:2])
        change_some_groups(changed)
        assert set(DirtyRollup.objects.values_list("group", flat=True)) == {g.pk for g in changed}
        groups, written = refresh_dirty()
        incremental = rollup_rows()
        assert groups == len(changed)
        # Only the rows of the changed groups' organizations and their ancestors (city, first county) were written.
        touched = {g.organization_id for g in changed} | {city.pk, counties[0].pk}
        assert written == Rollup.objects.filter(year=2026, organization__in=touched).count()
        assert not DirtyRollup.objects.exists()
        rebuild(2026)
        assert incremental == rollup_rows()


def test_a_changed_record_shows_on_the_dashboard_after_the_next_incremental_run(client, settings):
    from reports.tasks import refresh_rollups

    settings.DASHBOARD_LIVE_LIMIT = 3
    with freeze_time("2026-12-01"):
        city, counties = tree(6)
        rebuild(2026)
        before = Rollup.objects.get(organization=city, year=2026, month=0).sessions
        change_some_groups(list(StudyGroup.objects.filter(organization__parent=counties[1])[:1]))
        assert Rollup.objects.get(organization=city, year=2026, month=0).sessions == before
        refresh_rollups()
        client.force_login(user_with_role("viewer", city))
        page = client.get(reverse("reports:dashboard") + f"?org={city.pk}&year=2026").content.decode()
    assert Rollup.objects.get(organization=city, year=2026, month=0).sessions == before + 1
    assert dashboard.build(organization=city, year=2026)["figures"]["sessions"] == before + 1
    assert page


def test_a_mark_renewed_during_a_run_stays_for_the_next(monkeypatch):
    from reports import rollups
    from studygroup import rollup_marks
    from studygroup.models import DirtyRollup

    _city, counties = tree(2)
    group = StudyGroup.objects.get(organization=counties[0])
    real = rollups.refresh

    def refresh_while_a_write_lands(year, groups, at=None):
        rollup_marks.mark(group.pk, datetime.date(2026, 3, 2))
        return real(year, groups, at)

    rebuild(2026)
    rollup_marks.mark(group.pk, datetime.date(2026, 3, 1))  # a write after the full rebuild (which cleared older)
    monkeypatch.setattr(rollups, "refresh", refresh_while_a_write_lands)
    rollups.refresh_dirty()
    assert DirtyRollup.objects.filter(group=group, year=2026, month=3).exists()


def test_a_staff_sign_in_and_a_new_group_mark_their_months_dirty():
    from sessions import services
    from studygroup import services as core_services
    from studygroup.models import DirtyRollup
    from studygroup.tests.factories import MembershipFactory

    _city, counties = tree(1)
    group = StudyGroup.objects.get(organization=counties[0])
    start = datetime.datetime(2026, 5, 9, 1, tzinfo=datetime.UTC)
    session = StudySessionFactory(group=group, starts_at=start, ends_at=start + datetime.timedelta(hours=2))
    seat = MembershipFactory(group=group, start_on=datetime.date(2026, 1, 1))
    staff = user_with_role("staff", group.organization)
    with freeze_time(start):  # signing in by hand keeps the sign-in window
        services.sign_in_by_staff(session=session, person=seat.person, by=staff)
    assert DirtyRollup.objects.filter(group=group, year=2026, month=5).exists()
    with freeze_time("2026-08-01"):
        new = core_services.group_create(organization=OrganizationFactory(parent=counties[1]), code="g-new")
    assert DirtyRollup.objects.filter(group=new, year=2026, month=8).exists()


def test_a_session_that_became_held_since_the_last_run_is_counted_by_the_next():
    from reports.rollups import refresh_dirty

    with freeze_time("2026-04-01 08:00"):
        city, counties = tree(2)
        group = StudyGroup.objects.get(organization=counties[0])
        start = datetime.datetime(2026, 4, 1, 9, tzinfo=datetime.UTC)
        StudySessionFactory(group=group, starts_at=start, ends_at=start + datetime.timedelta(hours=2))
        rebuild(2026)
        refresh_dirty()
        before = Rollup.objects.get(organization=city, year=2026, month=0).sessions
    with freeze_time("2026-04-01 10:00"):
        assert refresh_dirty()[0] == 1
    assert Rollup.objects.get(organization=city, year=2026, month=0).sessions == before + 1


def test_the_nightly_rebuild_fans_out_in_chunks_and_gives_the_rows_of_a_single_rebuild(monkeypatch):
    from reports import tasks
    from reports.models import TaskRun

    tree(4)
    rebuild(2026)
    whole = sorted(Rollup.objects.values_list("organization", "month", "sessions", "attended", "bayou_all_met"))
    Rollup.objects.all().delete()
    monkeypatch.setattr(tasks, "ROLLUP_CHUNK", 2)
    groups = StudyGroup.objects.count()
    assert rebuild_rollups(2026) == groups
    assert sorted(Rollup.objects.values_list("organization", "month", "sessions", "attended", "bayou_all_met")) == whole
    run = TaskRun.objects.get(key="rollups:2026")
    assert (run.state, run.done, run.total) == ("succeeded", (groups + 1) // 2, (groups + 1) // 2)


def test_a_rebuild_skips_while_another_live_holder_has_the_rollups_lease():
    from studygroup import jobs

    tree(1)
    assert jobs.lease_take("rollups", "incremental-run")
    assert rebuild_rollups(2026) == 0
    assert not Rollup.objects.exists()


def test_a_rollup_is_current_until_a_mark_or_a_session_started_after_its_as_of_moment():
    from reports.dashboard import current_rollup
    from reports.rollups import refresh_dirty
    from studygroup import rollup_marks

    with freeze_time("2026-04-01 08:00"):
        city, counties = tree(2)
        group = StudyGroup.objects.get(organization=counties[0])
        start = datetime.datetime(2026, 4, 1, 9, tzinfo=datetime.UTC)
        StudySessionFactory(group=group, starts_at=start, ends_at=start + datetime.timedelta(hours=2))
        rebuild(2026)
    row = Rollup.objects.get(organization=city, year=2026, month=0)
    assert row.built_at == datetime.datetime(2026, 4, 1, 8, tzinfo=datetime.UTC)  # as of, not when written
    with freeze_time("2026-04-01 08:30"):
        assert current_rollup(organization=city, year=2026) == row
    with freeze_time("2026-04-01 10:00"):  # the session has started since
        assert current_rollup(organization=city, year=2026) is None
        refresh_dirty()
        assert current_rollup(organization=city, year=2026) is not None
        rollup_marks.mark(group.pk, datetime.date(2026, 4, 1))
        assert current_rollup(organization=city, year=2026) is None
        assert current_rollup(organization=counties[1], year=2026) is not None
