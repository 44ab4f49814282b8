"""The leader dashboard: held sessions only, pre-study as a count and a rate, sorting, and up-links within reach."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from freezegun import freeze_time

from plans.tests.factories import MaterialFactory, StudyConfirmationFactory
from reports import dashboard
from sessions.tests.factories import AttendanceFactory, StudySessionFactory
from studygroup.tests.factories import MembershipFactory, OrganizationFactory, StudyGroupFactory, user_with_role

pytestmark = pytest.mark.django_db
NOW = "2026-06-15 09:00:00+08:00"


def at(month, day, hour=1):
    return datetime.datetime(2026, month, day, hour, tzinfo=datetime.UTC)


def session(group, starts):
    return StudySessionFactory(group=group, starts_at=starts, ends_at=starts + datetime.timedelta(hours=2))


@pytest.fixture
def tree():
    """City → county → two towns; the first town has four members, a past session and one next week."""
    city = OrganizationFactory(name="临江市委")
    county = OrganizationFactory(parent=city, name="清河县委")
    towns = [OrganizationFactory(parent=county, name=name) for name in ("城关镇党委", "白沙镇党委")]
    groups = [StudyGroupFactory(organization=o) for o in (city, county, *towns)]
    seats = MembershipFactory.create_batch(4, group=groups[2], start_on=datetime.date(2026, 1, 1))
    past, upcoming = session(groups[2], at(5, 20)), session(groups[2], at(6, 22))
    for seat in seats:
        AttendanceFactory(session=past, person=seat.person, status="present")
    AttendanceFactory(session=upcoming, person=seats[0].person, status="leave")
    return {
        "city": city,
        "county": county,
        "towns": towns,
        "groups": groups,
        "seats": seats,
        "past": past,
        "upcoming": upcoming,
    }


def get(client, user, **query):
    url = reverse("reports:dashboard") + "?" + "&".join(f"{k}={v}" for k, v in {"year": 2026, **query}.items())
    if user is not None:
        client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def figure(page, label):
    """The text of the dashboard card whose caption is ``label``, without tags."""
    card = page.split(f">{label}</div>")[0].rsplit('<div class="sg-figure', 1)[1].split(">", 1)[1]
    card = card.rsplit('<div class="small', 1)[0]
    return " ".join(re.sub(r"<[^>]+>", " ", card).split())


def test_a_session_next_week_is_not_counted_as_held(client, tree):
    with freeze_time(NOW):
        data = dashboard.build_live(organization=tree["county"], year=2026)
        page = get(client, user_with_role("viewer", tree["county"]))
    assert data["figures"]["sessions"] == 1
    assert data["chart"]["sessions"][4:6] == [1, 0]  # May held; June's session is next week
    assert [(c["name"], c["sessions"], c["attendance_rate"]) for c in data["children"]] == [
        ("城关镇党委", 1, 1.0),
        ("白沙镇党委", 0, None),
    ]
    assert figure(page, "开展学习 / 计划专题") == "1 /0"


def test_prestudy_is_confirmations_over_members_expected_never_above_100(client, tree):
    past, upcoming, seats = tree["past"], tree["upcoming"], tree["seats"]
    first, second = MaterialFactory.create_batch(2, group=past.group, session=past)
    MaterialFactory(group=past.group, session=past, published_at=None)  # a draft is not studied
    for seat in seats[:3]:
        StudyConfirmationFactory(material=first, person=seat.person)
    StudyConfirmationFactory(material=second, person=seats[0].person)
    StudyConfirmationFactory(material=first)  # not on the roster
    # Next week's material and its confirmations wait until the session is held.
    StudyConfirmationFactory(material=MaterialFactory(group=past.group, session=upcoming), person=seats[0].person)
    with freeze_time(NOW):
        data = dashboard.build_live(organization=tree["county"], year=2026)
        page = get(client, user_with_role("viewer", tree["county"]))
    assert (data["prestudy"].confirmed, data["prestudy"].expected) == (4, 8)  # 2 materials × 4 members
    assert data["prestudy"].rate == 0.5
    assert figure(page, "会前自学完成率") == "50% 4/8 人次"


def test_every_sort_key_and_an_unknown_one(client, tree):
    viewer = user_with_role("viewer", tree["city"])
    for key in ("name", "groups", "sessions", "attendance_rate", "coverage", "overdue", "organization", "x"):
        page = get(client, viewer, org=tree["county"].pk, sort=key)
        assert "城关镇党委" in page.split('id="ranking"')[1]
    children = [{"name": "乙", "sessions": 1, "organization": object()}, {"name": "甲", "sessions": 3}]
    children[1]["organization"] = object()
    for child in children:
        child.update(groups=1, attendance_rate=None, coverage=None, overdue=0)
    assert dashboard.sort_children(children, "organization") == "attendance_rate"
    assert dashboard.sort_children(children, "sessions") == "sessions"
    assert [c["name"] for c in children] == ["甲", "乙"]


def test_up_links_stop_at_the_top_of_the_users_reach(client, tree):
    county, town = tree["county"], tree["towns"][0]
    viewer = user_with_role("viewer", county)
    top = get(client, viewer)
    assert 'id="trail"' not in top and f"?org={tree['city'].pk}&" not in top
    drilled = get(client, viewer, org=town.pk)
    trail = drilled.split('id="trail"')[1].split("</ol>")[0]
    assert f"?org={county.pk}&" in trail and "城关镇党委" in trail
    assert f"?org={tree['city'].pk}&" not in drilled and "临江市委" not in trail
    client.force_login(viewer)
    assert client.get(reverse("reports:dashboard") + f"?org={tree['city'].pk}").status_code == 404
    # The city's viewer sees the whole way down from the city.
    city_trail = get(client, user_with_role("viewer", tree["city"]), org=town.pk).split('id="trail"')[1]
    assert "临江市委" in city_trail.split("</ol>")[0]


def queries_at(client, size: int) -> int:
    top = OrganizationFactory()
    for index in range(size):
        group = StudyGroupFactory(organization=OrganizationFactory(parent=top))
        seat = MembershipFactory(group=group, start_on=datetime.date(2026, 1, 1))
        held = session(group, at(3, 10 + index % 10))
        session(group, at(11, 10))
        AttendanceFactory(session=held, person=seat.person)
        StudyConfirmationFactory(material=MaterialFactory(group=group, session=held), person=seat.person)
    get(client, user_with_role("viewer", top))
    with CaptureQueriesContext(connection) as context:
        get(client, None)
    return len(context)


def test_dashboard_query_count_is_pinned_and_equal_at_two_sizes(client):
    with freeze_time(NOW):
        assert queries_at(client, 3) == queries_at(client, 40) == 41


@pytest.mark.parametrize("url_name", ["reports:summary", "audits:compliance"])
def test_drill_down_pages_lead_back_up_only_within_reach(client, tree, url_name):
    county, town = tree["county"], tree["towns"][0]
    client.force_login(user_with_role("viewer", county))
    page = client.get(reverse(url_name) + f"?org={town.pk}&year=2026").content.decode()
    trail = page.split('id="trail"')[1].split("</ol>")[0]
    assert f"?org={county.pk}&" in trail and "临江市委" not in trail
    assert f"?org={tree['city'].pk}&" not in page
    top = client.get(reverse(url_name) + f"?org={county.pk}&year=2026").content.decode()
    assert 'id="trail"' not in top
