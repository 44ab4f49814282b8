"""The reports pages and the ``year_summary`` command run the same number of queries at two sizes of subtree."""

import datetime
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from audits.tests.factories import ActionFactory, ObserverVisitFactory, RulesDocumentFactory
from plans.tests.factories import PlanTopicFactory, StudyPlanFactory
from reports import dashboard
from reports.figures import year_figures
from reports.rollups import rebuild
from sessions.tests.factories import AttendanceFactory, LectureFactory, StudySessionFactory, SubmissionFactory
from studygroup.tests.factories import MembershipFactory, OrganizationFactory, StudyGroupFactory, user_with_role
from studygroup.tests.querycount import assert_queries

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_frozen")]
YEAR = 2026
SMALL, LARGE = 2, 9


@pytest.fixture
def _frozen():
    with freeze_time("2026-12-01 08:00:00"):
        yield


def subtree(groups: int, *, code: str, parent=None):
    """A county with its own group and ``groups - 1`` towns below, each with a year of records of every kind."""
    county = OrganizationFactory(code=code, kind="county", parent=parent)
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
        # Whether the stored rollup is current (1; there is none), 13 of the core's figures, 5 of the apps above
        # reports (knowledge tests 2, practice 3: reports.extensions).
        with assert_queries(19):
            call_command("year_summary", "--org", f"county{size}", "--year", str(YEAR), "--json", stdout=out)
        figures = json.loads(out.getvalue())
        assert (figures["groups"], figures["sessions"], figures["leave"]) == (size, 3 * size, 3 * size)
        met = dict.fromkeys(["rules", "plan", "attendance", "minutes", "reflections", "inspection"], size)
        assert figures["bayou_met"] == {**met, "notes": 0, "summary": 0}


def home(client, role: str, organization) -> str:
    client.force_login(user_with_role(role, organization))
    client.get(reverse("home"))
    return reverse("home")


@pytest.mark.parametrize("role", ["leader", "viewer"])
@pytest.mark.parametrize("from_rollups", [False, True])
def test_leader_and_viewer_home_runs_a_fixed_number_of_queries(client, settings, role, from_rollups):
    """Live below the limit, from the rollups above it: the same count at two sizes, and the figures of the year."""
    # The leader's home adds one query of the apps above reports (reports.extensions) to the core's 26 / 20.
    expected = {("leader", False): 27, ("leader", True): 21, ("viewer", False): 20, ("viewer", True): 14}
    if from_rollups:
        settings.DASHBOARD_LIVE_LIMIT = 1
    for size in (SMALL, LARGE):
        county = subtree(size, code=f"county{size}")
        rebuild(YEAR)
        url = home(client, role, county)
        with assert_queries(expected[role, from_rollups]):
            page = client.get(url).content.decode()
        figures = year_figures(county, YEAR)
        panel = page.split('id="panel-dashboard-entry"')[1].split("</section>")[0]
        assert f'<div class="sg-figure">{figures["sessions"]}</div>' in panel
        assert f'<div class="sg-figure">{round(figures["attendance_rate"] * 100)}%</div>' in panel
        assert ("数据截至" in panel) is from_rollups
        # The subtree's organizations, groups and seated members, each counted on its own table.
        reach = page.split('id="panel-viewer-subtree"')[1].split("</section>")[0]
        assert [f'<div class="sg-figure">{n}</div>' in reach for n in (size, size, 3 * size)] == [True] * 3


def test_home_figures_are_computed_live_when_the_subtree_changed_since_the_rollups(client, settings):
    settings.DASHBOARD_LIVE_LIMIT = 1
    county = subtree(LARGE, code="county")
    rebuild(YEAR)
    StudyGroupFactory(organization=OrganizationFactory(parent=county))
    assert dashboard.current_rollup(organization=county, year=YEAR) is None
    assert dashboard.glance(organization=county, year=YEAR)["from_rollups"] is None
    rebuild(YEAR)
    assert dashboard.current_rollup(organization=county, year=YEAR).groups == LARGE + 1


@pytest.mark.parametrize("from_rollups", [False, True])
@pytest.mark.parametrize(("role", "level"), [("viewer", "county"), ("leader", "province"), ("staff", "county")])
def test_dashboard_runs_a_fixed_number_of_queries(client, settings, from_rollups, role, level):
    """A county's dashboard, read by its own people or drilled down to from the province: the same queries at
    two sizes; another county's dashboard answers 404."""
    if from_rollups:
        settings.DASHBOARD_LIVE_LIMIT = 1
    for size in (SMALL, LARGE):
        province = OrganizationFactory(kind="province", code=f"p{size}")
        county = subtree(size, code=f"county{size}", parent=province)
        rebuild(YEAR)
        client.force_login(user_with_role(role, county if level == "county" else province))
        url = reverse("reports:dashboard") + f"?org={county.pk}&year={YEAR}"
        client.get(url)
        # The core's 15 / 28 (live below the limit, but the year figures read the current rollup), and the tiles of
        # the apps above reports (reports.extensions): 3 / 6 (live, the 第一议题 tile counts its measures accepted
        # and awaiting acceptance itself: the year figures count both as done); reaching the county from the
        # province reads it (get_visible_or_404) and the trail between them: two more.
        with assert_queries((17 if from_rollups else 33) + (2 if level == "province" else 0)):
            page = client.get(url).content.decode()
        assert ("数据截至" in page) is from_rollups
        assert page.count('<tr><td class="text-nowrap"><a href="?org=') == size - 1
        foreign = OrganizationFactory(kind="county")
        assert client.get(reverse("reports:dashboard") + f"?org={foreign.pk}&year={YEAR}").status_code == 404


@pytest.mark.parametrize("counties", [2, 5])
def test_a_citys_digest_summarises_by_county_and_its_page_runs_a_fixed_number_of_queries(client, settings, counties):
    from reports import digest, services
    from reports.models import MonthlyDigest

    settings.DIGEST_DETAIL_LIMIT = 4
    province = OrganizationFactory(kind="province")
    city = OrganizationFactory(kind="city", parent=province)
    StudyGroupFactory(organization=city)
    below = [subtree(3, code=f"c{counties}-{index}", parent=city) for index in range(counties)]
    # 16 of the core's sections, 3 of the apps above reports (reports.extensions: the tests, the 第一议题 studies,
    # the month's self-study entries).
    with assert_queries(19):
        content = digest.build(city, YEAR, 3)
    # A line per county, each what the county's own (detailed) digest says of the month.
    assert [line["org"] for line in content["children"]] == [county.name for county in below]
    for line, county in zip(content["children"], below, strict=True):
        detailed = digest.build(county, YEAR, 3)
        assert "children" not in detailed and len(detailed["groups"]) == 3
        figures = detailed["figures"]
        assert (line["sessions"], line["groups"], line["rate"], line["visits"]) == (
            figures["sessions"],
            figures["groups_studied"],
            figures["attendance_rate"],
            figures["visits"],
        )
    assert content["figures"]["sessions"] == sum(line["sessions"] for line in content["children"])
    assert content["groups"] == []  # the city's own group held nothing in March
    item = services.digest_compile(organization=city, year=YEAR, month=3)
    below_digests = [services.digest_compile(organization=county, year=YEAR, month=3) for county in below]
    links = [f'<a href="{county_digest.get_absolute_url()}">' for county_digest in below_digests]
    client.force_login(user_with_role("staff", city))
    # 11, and one for the counties' own digests the lines link to.
    with assert_queries(11):
        page = client.get(item.get_absolute_url()).content.decode()
    assert page.count('name="keep-child-') == counties
    assert all(link in page for link in links)
    assert MonthlyDigest.objects.get(pk=item.pk).content["children"] == content["children"]
    MonthlyDigest.objects.filter(pk__in=[item.pk, *(d.pk for d in below_digests)]).update(status="published")
    for role, level in (("leader", city), ("viewer", city), ("viewer", province), ("staff", province)):
        client.force_login(user_with_role(role, level))
        with assert_queries(11):
            page = client.get(item.get_absolute_url()).content.decode()
        assert all(link in page for link in links) and 'name="keep-child-' not in page
    foreign = services.digest_compile(organization=OrganizationFactory(kind="county"), year=YEAR, month=3)
    assert client.get(foreign.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("members", [1, 30])
def test_publishing_a_digest_notifies_in_a_job_not_in_the_request(client, django_capture_on_commit_callbacks, members):
    """The request publishes and queues the job (its outbox row: an insert and a read): the same queries for 1 member
    or 30. The job tells each member once, a batch at a time, and a second run tells nobody again."""
    from reports import services
    from studygroup.models import Notification

    county = OrganizationFactory(kind="county")
    StudyGroupFactory(organization=county)
    readers = [user_with_role("member", OrganizationFactory(parent=county)) for _ in range(members)]
    item = services.digest_compile(organization=county, year=YEAR, month=3)
    client.force_login(user_with_role("staff", county))
    with django_capture_on_commit_callbacks() as callbacks, assert_queries(17):
        client.post(reverse("reports:digest-publish", args=[item.pk]))
    assert not Notification.objects.filter(verb="digest_published").exists()
    with assert_queries(1 + 4 * ((members + 9) // 10)):  # per batch: read, savepoint, insert, release
        assert services.digest_notify_readers(digest=item, batch=10) == members
    assert len(callbacks) == 1
    callbacks[0]()  # the job queued at commit runs: everybody was told, nobody is told twice
    told = Notification.objects.filter(verb="digest_published", url=item.get_absolute_url())
    assert sorted(told.values_list("recipient", flat=True)) == sorted(user.pk for user in readers)


@pytest.mark.parametrize(("old", "members"), [(2, 1), (30, 6)])
def test_the_make_up_reminder_reads_only_what_falls_due(settings, old, members):
    """Absences long past (or far from due) cost nothing; the two sessions whose make-ups fall due cost one insert
    each, whatever their number of members."""
    from reports import reminders
    from studygroup.models import Notification

    settings.MAKEUP_DAYS = 14
    group = StudyGroupFactory(organization=OrganizationFactory())
    now = datetime.datetime(2026, 12, 1, 8, tzinfo=datetime.UTC)

    def absent(days_ago: int, people: int) -> None:
        ends = now - datetime.timedelta(days=days_ago)
        session = StudySessionFactory(group=group, starts_at=ends - datetime.timedelta(hours=2), ends_at=ends)
        for _ in range(people):
            AttendanceFactory(
                session=session, person=user_with_role("member", group.organization).person, status="absent"
            )

    for index in range(old):
        absent(40 + index, 1)
    absent(12, members)  # due in two days
    absent(14, members)  # due today
    absent(15, 1)  # overdue since yesterday: no longer "due soon"
    with freeze_time(now), assert_queries(3):
        assert reminders._makeups(timezone.localdate()) == 2 * members
    assert Notification.objects.filter(verb="makeup_due").count() == 2 * members


@pytest.mark.parametrize("spare", [0, 20])
def test_the_drafts_first_titles_are_the_old_ones_without_reading_every_row(monkeypatch, spare):
    """Titles repeated across groups, or differing only in spacing and a final full stop, are named once, in the
    order of their first session, as when every title was read (also when normalising exhausts the spare)."""
    from reports import narrative
    from sessions.models import StudySession

    monkeypatch.setattr(narrative, "SPARE", spare)
    group = StudyGroupFactory(organization=OrganizationFactory())
    titles = [
        "学习党章",
        "学习党章。",
        "学习 党章",
        "学习党章",
        "理论学习",
        "第一议题",
        "理论学习",
        "调研交流",
        "案例剖析",
        "专题辅导",
    ]
    for day, title in enumerate(titles, start=1):
        starts = datetime.datetime(YEAR, 2, day, 1, tzinfo=datetime.UTC)
        StudySessionFactory(group=group, title=title, starts_at=starts, ends_at=starts + datetime.timedelta(hours=2))
    sessions = StudySession.objects.filter(group=group)
    old = narrative._unique(sessions.order_by("starts_at", "pk").values_list("title", flat=True))
    for limit in (1, 3, 5, 8):
        assert narrative._first_values(sessions, "title", ["starts_at", "pk"], limit) == old[:limit]


def test_year_summary_page_runs_a_fixed_number_of_queries(client):
    for size in (SMALL, LARGE):
        county = subtree(size, code=f"county{size}")
        client.force_login(user_with_role("viewer", county))
        url = reverse("reports:summary") + f"?org={county.pk}&year={YEAR}"
        # 42 of the core's (one asks whether the stored rollup is current: there is none; one counts the actions
        # awaiting acceptance, one the topics not yet due), 5 of the apps above reports (reports.extensions; the
        # 第一议题 sentence takes its count from the figures).
        with assert_queries(46):
            page = client.get(url).content.decode()
        figures = year_figures(county, YEAR)
        assert f"共开展集中学习{figures['sessions']}次" in page


@pytest.mark.parametrize("spare", [0, 20])
def test_the_drafts_first_titles_without_sorting_every_session_are_the_old_ones(monkeypatch, spare):
    """Many groups' sessions at the same instants under a few titles (the first rows in order name too few): each
    title named once, in the order of its first session, as when every title was read."""
    from reports import narrative
    from sessions.models import StudySession

    monkeypatch.setattr(narrative, "SPARE", spare)
    monkeypatch.setattr(narrative, "HEAD", 1)
    county = OrganizationFactory()
    groups = [StudyGroupFactory(organization=OrganizationFactory(parent=county)) for _ in range(3)]
    titles = [
        "学习党章",
        "学习党章。",
        "理论学习",
        "第一议题",
        "理论学习",
        "调研交流",
        "案例剖析",
        "专题辅导",
        "学习党章",
    ]
    for day, title in enumerate(titles, start=1):
        starts = datetime.datetime(YEAR, 2, 1 + day // 3, 1, tzinfo=datetime.UTC)  # three titles an instant
        for group in reversed(groups):
            StudySessionFactory(
                group=group, title=title, starts_at=starts, ends_at=starts + datetime.timedelta(hours=2)
            )
    sessions = StudySession.objects.filter(group__organization__parent=county)
    old = narrative._unique(sessions.order_by("starts_at", "pk").values_list("title", flat=True))
    for limit in (1, 3, 5, 8):
        assert narrative._first_titles(sessions, limit) == old[:limit]
