"""Held sessions without attendance are said beside every attendance rate, with a link to exactly those sessions.

A county with its own group and two towns. Held in 2026 with attendance: one session of the first town. Held
without a single attendance row: one more of the first town, one of the second town, one of the county's own
group (N = 3). Not counted: a session of the first town next week (not held), a session of 2025 without
attendance (another year), a held session without attendance of another county (outside the subtree).
"""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from freezegun import freeze_time

from reports import dashboard, digest, summary_docs
from reports.figures import figure_keys, year_figures, year_figures_disclosed
from reports.rollups import rebuild
from sessions import services as session_services
from sessions.tests.factories import AttendanceFactory, StudySessionFactory
from studygroup.tests.factories import MembershipFactory, OrganizationFactory, StudyGroupFactory, user_with_role

pytestmark = pytest.mark.django_db
NOW = "2026-06-15 09:00:00+08:00"
SENTENCE = "另有3场已召开的学习未登记出勤,未计入出勤率。"


def at(month, day, year=2026):
    return datetime.datetime(year, month, day, 1, tzinfo=datetime.UTC)


def session(group, starts, title):
    return StudySessionFactory(group=group, starts_at=starts, ends_at=starts + datetime.timedelta(hours=2), title=title)


@pytest.fixture
def tree():
    county = OrganizationFactory(name="清河县委")
    towns = [OrganizationFactory(parent=county, name=name) for name in ("城关镇党委", "白沙镇党委")]
    groups = [StudyGroupFactory(organization=o) for o in (county, *towns)]
    seats = MembershipFactory.create_batch(2, group=groups[1], start_on=datetime.date(2026, 1, 1))
    registered = session(groups[1], at(5, 20), "已登记的学习")
    for seat in seats:
        AttendanceFactory(session=registered, person=seat.person, status="present")
    unregistered = [
        session(groups[1], at(5, 25), "城关未登记"),
        session(groups[2], at(4, 10), "白沙未登记"),
        session(groups[0], at(3, 3), "县委未登记"),
    ]
    upcoming = session(groups[1], at(6, 22), "下周的学习")
    last_year = session(groups[2], at(11, 5, 2025), "去年未登记")
    other = OrganizationFactory(name="柳林县委")
    elsewhere = session(StudyGroupFactory(organization=other), at(5, 1), "柳林未登记")
    return {
        "county": county,
        "towns": towns,
        "groups": groups,
        "seats": seats,
        "unregistered": unregistered,
        "upcoming": upcoming,
        "last_year": last_year,
        "other": other,
        "elsewhere": elsewhere,
    }


def text(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", page).split())


def note(page: str) -> str:
    """The text of the page's disclosure beside its attendance rate, and the address its number links to."""
    region = page.split('id="unregistered-note"')[1].split("</div>")[0].split("</p>")[0]
    link = re.search(r'href="([^"]+)"', region)
    return text(region.split(">", 1)[1]), link.group(1).replace("&amp;", "&") if link else ""


def listed(client, address: str) -> list[str]:
    page = client.get(address)
    assert page.status_code == 200
    rows = page.content.decode().split('id="sessions"')[1].split("<tbody>")[1].split("</tbody>")[0]
    return sorted(re.findall(r'<a href="/sessions/\d+/">([^<]+)</a>', rows))


def test_live_dashboard_counts_held_sessions_without_attendance(tree):
    with freeze_time(NOW):
        data = dashboard.build(organization=tree["county"], year=2026)
        glance = dashboard.glance(organization=tree["county"], year=2026)
    assert "from_rollups" not in data or data["from_rollups"] is None
    assert data["unregistered"] == glance["unregistered"] == 3
    assert data["figures"]["sessions"] == 4 and data["figures"]["attendance_rate"] == 1.0
    # The county's own session counts in the total, not under a town.
    assert [(c["name"], c["unregistered"]) for c in data["children"]] == [("城关镇党委", 1), ("白沙镇党委", 1)]


def test_the_rollup_dashboard_counts_them_too_and_a_registration_or_a_new_held_session_is_not_missed(
    client, settings, tree
):
    settings.DASHBOARD_LIVE_LIMIT = 1  # the county's three groups are read from the rollups
    viewer = user_with_role("viewer", tree["county"])
    client.force_login(viewer)
    address = reverse("reports:dashboard") + f"?org={tree['county'].pk}&year=2026"
    with freeze_time(NOW):
        rebuild(2026)
        data = dashboard.build(organization=tree["county"], year=2026)
        glance = dashboard.glance(organization=tree["county"], year=2026)
        page = client.get(address).content.decode()
    assert data["from_rollups"] is not None and glance["from_rollups"] is not None
    assert data["unregistered"] == glance["unregistered"] == 3
    assert [(c["name"], c["unregistered"]) for c in data["children"]] == [("城关镇党委", 1), ("白沙镇党委", 1)]
    shown, link = note(page)
    assert shown == SENTENCE
    assert link == reverse("sessions:session-list") + f"?year=2026&org={tree['county'].pk}&unregistered=1"
    # Staff register the first town's session: the rollup is no longer current, the page counts live.
    staff = user_with_role("staff", tree["towns"][0])
    first = tree["unregistered"][0]
    with freeze_time(NOW):
        session_services.attendance_mark(session=first, marks={tree["seats"][0].person_id: "absent"}, by=staff)
        data = dashboard.build(organization=tree["county"], year=2026)
    assert data.get("from_rollups") is None and data["unregistered"] == 2
    # Rebuilt, then next week's session starts without attendance: counted as soon as it is held.
    with freeze_time(NOW):
        rebuild(2026)
    with freeze_time("2026-06-23 09:00:00+08:00"):
        data = dashboard.build(organization=tree["county"], year=2026)
        glance = dashboard.glance(organization=tree["county"], year=2026)
    assert data["unregistered"] == glance["unregistered"] == 3
    with freeze_time("2026-06-23 09:00:00+08:00"):
        rebuild(2026)
        assert dashboard.build(organization=tree["county"], year=2026)["unregistered"] == 3


def test_the_year_summary_says_it_live_and_from_rollups_and_keeps_the_formats_keys(client, tree):
    viewer = user_with_role("viewer", tree["county"])
    client.force_login(viewer)
    address = reverse("reports:summary") + f"?org={tree['county'].pk}&year=2026"
    with freeze_time(NOW):
        live = year_figures_disclosed(tree["county"], 2026)
        live_page = client.get(address).content.decode()
        rebuild(2026)
        stored = year_figures_disclosed(tree["county"], 2026)
        stored_page = client.get(address).content.decode()
        last_year = year_figures_disclosed(tree["county"], 2025)
        figures = year_figures(tree["county"], 2026)
    assert live[1] is None and stored[1] is not None
    assert live[2] == stored[2] == 3 and live[0] == stored[0]
    assert last_year[2] == 1
    assert list(figures) == figure_keys() and "unregistered_sessions" not in figures
    for page in (live_page, stored_page):
        assert note(page) == (
            SENTENCE,
            reverse("sessions:session-list") + f"?year=2026&org={tree['county'].pk}&unregistered=1",
        )
        assert text(page).count(SENTENCE) == 2  # beside the rate, and in the draft's overview
    rows = dict(summary_docs.figure_rows(figures, 3))
    assert rows["出勤率"] == "100.0%(另有3场已召开的学习未登记出勤,未计入出勤率)"


def test_no_disclosure_when_every_held_session_has_attendance(client, tree):
    for held in tree["unregistered"]:
        AttendanceFactory(session=held, status="late")
    client.force_login(user_with_role("viewer", tree["county"]))
    with freeze_time(NOW):
        page = client.get(reverse("reports:dashboard") + "?year=2026").content.decode()
        assert year_figures_disclosed(tree["county"], 2026)[2] == 0
    assert 'id="unregistered-note"' not in page and "未登记出勤" not in page


def test_the_filtered_list_lists_exactly_those_sessions_and_nobody_elsewhere_sees_them(client, tree):
    address = reverse("sessions:session-list") + f"?year=2026&org={tree['county'].pk}&unregistered=1"
    titles = sorted(s.title for s in tree["unregistered"])
    with freeze_time(NOW):
        client.force_login(user_with_role("viewer", tree["county"]))
        assert listed(client, address) == titles
        client.force_login(user_with_role("leader", tree["county"]))
        assert listed(client, address) == titles
        # A town's staff: only their own town's, and the county's filter is not theirs to ask for.
        client.force_login(user_with_role("staff", tree["towns"][1]))
        assert listed(client, reverse("sessions:session-list") + "?year=2026&unregistered=1") == ["白沙未登记"]
        assert client.get(address).status_code == 404
        # Another county's viewer sees its own session, never this county's.
        client.force_login(user_with_role("viewer", tree["other"]))
        assert listed(client, reverse("sessions:session-list") + "?year=2026&unregistered=1") == ["柳林未登记"]
        assert client.get(address).status_code == 404
        # The month filter of a digest's link.
        client.force_login(user_with_role("viewer", tree["county"]))
        assert listed(client, address + "&month=5") == ["城关未登记"]


def unregistered_list_queries(client, count: int) -> tuple[int, int]:
    county = OrganizationFactory()
    group = StudyGroupFactory(organization=OrganizationFactory(parent=county))
    for index in range(count):
        session(group, at(1, 1) + datetime.timedelta(hours=index), f"未登记{index}")
    registered = session(group, at(2, 1), "已登记")
    AttendanceFactory(session=registered)
    client.force_login(user_with_role("viewer", county))
    address = reverse("sessions:session-list") + f"?year=2026&org={county.pk}&unregistered=1"
    client.get(address)
    with CaptureQueriesContext(connection) as context:
        page = client.get(address).content.decode()
    rows = page.split('id="sessions"')[1].split("<tbody>")[1].split("</tbody>")[0].count("<tr>")
    return len(context), rows


def test_the_filtered_list_is_paginated_with_the_same_queries_at_two_sizes(client):
    with freeze_time(NOW):
        small, small_rows = unregistered_list_queries(client, 3)
        large, large_rows = unregistered_list_queries(client, 70)
    assert (small_rows, large_rows) == (3, 50)
    # The list's 11 (sessions/tests/test_query_counts.py) and the organization of ``org=``: the filter adds none.
    assert small == large == 12


def test_the_digest_says_how_many_of_the_months_held_sessions_have_no_attendance(settings, tree):
    with freeze_time(NOW):
        detailed = digest.build(tree["county"], 2026, 5)
        settings.DIGEST_DETAIL_LIMIT = 1
        summarised = digest.build(tree["county"], 2026, 5)
    assert detailed["figures"]["unregistered"] == summarised["figures"]["unregistered"] == 1
    assert [(line["org"], line["unregistered"]) for line in summarised["children"]] == [("城关镇党委", 1)]
