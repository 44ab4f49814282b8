"""Rollups equal the live figures, and large subtrees' dashboards read them."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audits import checklists
from audits.models import ChecklistStatus
from audits.tests.factories import ActionFactory, ObserverVisitFactory, RulesDocumentFactory
from reports import dashboard
from reports.figures import year_figures
from reports.models import Rollup
from reports.rollups import rebuild
from reports.tasks import refresh_rollups
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
        live = year_figures(organization, 2026)
        assert {k: getattr(row, k) for k in MEASURES} == {k: live[k] for k in MEASURES}
        assert round(row.attended / row.attendance_rows, 4) == live["attendance_rate"]
    march = Rollup.objects.get(organization=city, year=2026, month=3)
    assert march.sessions == 1


def test_rebuild_twice_gives_the_same_rows():
    tree(4)
    refresh_rollups(2026)
    first = sorted(Rollup.objects.values_list("organization", "month", "sessions", "attended"))
    refresh_rollups(2026)
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
        live = year_figures(city, 2026)
    row = Rollup.objects.get(organization=city, year=2026, month=0)
    assert row.sessions == live["sessions"] == 6
    assert row.leave == live["leave"] == 2  # towns 2 and 3, not next week's leave
    assert row.groups_observed == live["groups_observed"] == 3
    assert not Rollup.objects.filter(organization=city, year=2026, month=6, sessions__gt=1).exists()


def test_large_subtree_checklist_table_reads_the_statuses_the_rollup_job_keeps(client, settings):
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
    RulesDocumentFactory(organization=groups[2].organization)  # after the rebuild: not yet in the stored table
    client.force_login(user_with_role("viewer", top))
    page = client.get(reverse("audits:compliance") + "?year=2026&item=rules&status=met").content.decode()
    assert groups[0].organization.name in page and groups[2].organization.name not in page


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
