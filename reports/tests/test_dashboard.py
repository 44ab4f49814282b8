"""The leader dashboard: held sessions only, pre-study as a count and a rate, sorting, and up-links within reach."""

import datetime
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from freezegun import freeze_time

from audits.tests.factories import ActionFactory
from plans.tests.factories import MaterialFactory, StudyConfirmationFactory
from reports import dashboard
from reports.figures import year_figures
from reports.rollups import rebuild
from reports.tests.test_figures import world  # noqa: F401 - the records of the year figures' test, year 2025
from sessions.tests.factories import AttendanceFactory, StudySessionFactory, SubmissionFactory
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
    assert figure(page, "开展学习") == "1" and figure(page, "已学专题 / 计划专题") == "0 /0"


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
        # 33 of the core's (the scope, the figures and tiles), 2 of the knowledge tests' figures, 4 of the practice
        # app's (first-topic actions, self-study entries and targets: reports.extensions; the 第一议题 tile's own
        # count of measures accepted apart from those awaiting acceptance).
        assert queries_at(client, 3) == queries_at(client, 40) == 39


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


def tile_link(page, label):
    """The address the dashboard tile captioned ``label`` links to."""
    return html.unescape(page.split(f">{label}</div>")[0].rsplit('href="', 1)[1].split('"', 1)[0])


def rows_listed(client, address) -> int:
    """Records listed on a drill-down page: one link per row of its table (or of the subtree's submissions)."""
    page = client.get(address).content.decode()
    region = page.split('id="subtree"')[1].split("</section>")[0] if "submissions" in address else page
    if "submissions" not in address:
        region = region.split("<tbody>")[1].split("</tbody>")[0]
    return region.count("<a href=")


def test_every_tile_links_to_exactly_the_records_behind_its_figure(client, tree):
    town, other = tree["groups"][2], tree["groups"][3]
    for status, day in [("submitted", 3), ("approved", 4), ("draft", 5)]:
        SubmissionFactory(group=town, status=status, submitted_on=datetime.date(2026, day, 1))
    SubmissionFactory(group=town, status="approved", submitted_on=datetime.date(2025, 12, 1))
    SubmissionFactory(group=town, kind="notes", status="approved", submitted_on=datetime.date(2026, 3, 1))
    raised = datetime.date(2026, 2, 1)
    ActionFactory(group=town, raised_on=raised, due_on=datetime.date(2026, 3, 1))  # open, overdue
    ActionFactory(group=other, raised_on=raised, due_on=datetime.date(2026, 3, 1), status="done", done_on=raised)
    ActionFactory(
        group=other,
        raised_on=raised,
        due_on=datetime.date(2026, 3, 1),
        status="done",
        done_on=datetime.date(2026, 4, 1),
    )  # done late: overdue in the year's figure
    ActionFactory(group=town, raised_on=raised, due_on=datetime.date(2026, 9, 1))  # not yet due
    ActionFactory(group=town, raised_on=datetime.date(2025, 5, 1), due_on=datetime.date(2025, 6, 1))  # last year's
    viewer = user_with_role("viewer", tree["county"])
    with freeze_time(NOW):
        page = get(client, viewer)
        shown = {
            "开展学习": (int(figure(page, "开展学习").split()[0]), 1),
            "心得体会": (int(figure(page, "心得体会")), 2),
            "整改事项": (int(figure(page, "整改事项")), 4),
            "逾期整改": (int(figure(page, "逾期整改")), 2),
        }
        for label, (number, expected) in shown.items():
            assert number == expected, label
            assert rows_listed(client, tile_link(page, label)) == number, label
        held = tile_link(page, "开展学习")
        assert held.endswith("&held=1")
        for label in ("出勤率(含补学)", "会前自学完成率"):
            assert tile_link(page, label) == held


@pytest.mark.parametrize("today", ["2026-03-01", "2025-06-15"])
def test_dashboard_figures_are_the_year_figures_live_and_from_rollups(client, world, today):  # noqa: F811
    shown = ("groups", "sessions", "topics_planned", "attendance_rate", "reflections", "observation_coverage")
    with freeze_time(today):
        expected = year_figures(world, 2025)
        live = dashboard.build_live(organization=world, year=2025)
        rebuild(2025)
        rolled = dashboard.build_from_rollups(organization=world, year=2025)
        page = get(client, user_with_role("viewer", world), year=2025)
        before = get(client, None, year=2024)
    assert expected["actions_overdue"] == (2 if today.startswith("2026") else 1)
    for key in (*shown, "bayou_all_met", "actions", "actions_overdue"):
        assert live["figures"][key] == expected[key], key
        assert rolled["figures"][key] == expected[key], key
    for data in (live, rolled):
        assert sum(child["overdue"] for child in data["children"]) == expected["actions_overdue"]
    assert figure(page, "逾期整改") == str(expected["actions_overdue"])
    assert figure(page, "整改事项") == str(expected["actions"])
    # 2024 raised one action, due after that year's end: not overdue in 2024, however late it is today.
    assert (figure(before, "整改事项"), figure(before, "逾期整改")) == ("1", "0")


def test_drill_downs_refuse_an_organization_outside_the_reach(client, tree):
    ActionFactory(group=tree["groups"][0], raised_on=datetime.date(2026, 2, 1), due_on=datetime.date(2026, 3, 1))
    client.force_login(user_with_role("viewer", tree["county"]))
    city = tree["city"].pk
    for address in (
        reverse("sessions:session-list") + f"?year=2026&org={city}&held=1",
        reverse("audits:action-list") + f"?status=overdue&org={city}&year=2026",
        reverse("sessions:submission-list") + f"?org={city}&year=2026&kind=reflection",
    ):
        assert client.get(address).status_code == 404, address
    page = client.get(reverse("audits:action-list") + f"?org={tree['county'].pk}&year=2026").content.decode()
    assert "临江市委" not in page.split('id="actions"')[1]


@pytest.fixture
def replica(settings):
    """A ``replica`` database configured as DATABASE_REPLICA_URL would, reaching the test database (committed data:
    a transactional test), so the router's reads can be counted on it apart from the primary's."""
    from django.db import connections
    from django.db.utils import load_backend

    primary = connections["default"].settings_dict
    connections["replica"] = load_backend(primary["ENGINE"]).DatabaseWrapper({**primary}, "replica")
    settings.DATABASES = {**settings.DATABASES, "replica": primary}
    yield connections["replica"]
    connections["replica"].close()
    del connections["replica"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_the_dashboard_reads_from_the_replica_when_one_is_configured(client, tree, replica):
    client.force_login(user_with_role("viewer", tree["city"]))
    with CaptureQueriesContext(replica) as on_replica, CaptureQueriesContext(connection) as on_primary:
        page = get(client, None)
    assert tree["county"].name in page
    assert any("study_sessions_studysession" in q["sql"] for q in on_replica.captured_queries)
    # The primary answers the middleware (session, signed-in user) only: no figure is read there.
    assert not any("study_sessions" in q["sql"] or "reports_" in q["sql"] for q in on_primary.captured_queries)


def test_with_no_replica_configured_the_dashboard_reads_the_primary(client, tree):
    client.force_login(user_with_role("viewer", tree["city"]))
    with CaptureQueriesContext(connection) as on_primary:
        get(client, None)
    assert any("study_sessions_studysession" in q["sql"] for q in on_primary.captured_queries)
