"""The sessions pages and panels run the same number of queries at two sizes; overdue make-ups are counted in
SQL exactly as ``selectors.overdue`` judges one row."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time
from hypothesis import given, settings
from hypothesis import strategies as st

from sessions import selectors
from sessions.models import Attendance
from sessions.tests.factories import AttendanceFactory, StudySessionFactory, SubmissionFactory
from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, user_with_role
from studygroup.tests.querycount import assert_queries

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 12, 1, 8, 0, tzinfo=datetime.UTC)


def ended(group, days_ago: float):
    ends = NOW - datetime.timedelta(days=days_ago)
    return StudySessionFactory(group=group, starts_at=ends - datetime.timedelta(hours=2), ends_at=ends)


def county_with_makeups(towns: int, *, per_town: int, parent=None):
    """A county and ``towns`` towns below; each town has ``per_town`` overdue make-ups, one due later, one made up
    by an approved make-up note (not open any more) and one leave of a session not yet ended."""
    county = OrganizationFactory(kind="county", parent=parent)
    StudyGroupFactory(organization=county)
    for _ in range(towns):
        group = StudyGroupFactory(organization=OrganizationFactory(parent=county))
        for index in range(per_town):
            AttendanceFactory(session=ended(group, 30 + index), status="absent" if index % 2 else "leave")
        AttendanceFactory(session=ended(group, 2), status="leave")
        covered = AttendanceFactory(session=ended(group, 40), status="absent")
        SubmissionFactory(
            group=group, session=covered.session, person=covered.person, is_makeup=True, status="approved"
        )
        AttendanceFactory(session=ended(group, -3), status="leave")
    return county


@pytest.mark.parametrize(("towns", "per_town"), [(1, 1), (6, 4)])
def test_staff_home_counts_overdue_make_ups_in_sql(client, towns, per_town):
    with freeze_time(NOW):
        county = county_with_makeups(towns, per_town=per_town)
        staff = user_with_role("staff", county)
        client.force_login(staff)
        client.get(reverse("home"))
        # 26 of the core and its apps, 2 of the knowledge tests' to-dos (answers to mark, results to publish).
        with assert_queries(27):
            page = client.get(reverse("home")).content.decode()
        oldest = list(selectors.makeups_overdue(user=staff).order_by("session__ends_at", "pk")[:3])
    overdue = towns * per_town
    to_do = page.split('id="panel-to-do"')[1].split("</section>")[0]
    assert f"所管中心组有 {overdue} 人次补学逾期。" in to_do
    # The longest overdue are named (at most three), each with its session's link; the list has the others.
    named = to_do.split("人次补学逾期。")[1].split("</ul>")[0]
    assert named.count('class="link-secondary"') == min(overdue, 3) == len(oldest)
    for row in oldest:
        assert f'href="{row.session.get_absolute_url()}">{row.person.name} · {row.session.title}' in named
    assert ("查看全部" in named) is (overdue > 3)


@pytest.mark.parametrize("level", ["county", "city"])
@pytest.mark.parametrize(("towns", "per_town"), [(1, 1), (6, 4)])
def test_make_up_list_counts_in_sql_and_shows_a_page(client, settings, towns, per_town, level):
    """One aggregate query counts the open and the overdue make-ups (the paginator does not count again); the
    staff of the city above see the same rows; the staff of another county see none of them."""
    with freeze_time(NOW):
        parent = OrganizationFactory(kind="city") if level == "city" else None
        county = county_with_makeups(towns, per_town=per_town, parent=parent)
        client.force_login(user_with_role("staff", county if level == "county" else county.parent))
        client.get(reverse("sessions:makeup-list"))
        with assert_queries(12):
            page = client.get(reverse("sessions:makeup-list")).content.decode()
        client.force_login(user_with_role("staff", OrganizationFactory(kind="county")))
        outside = client.get(reverse("sessions:makeup-list")).content.decode()
    rows = page.split('id="makeups-open"')[1].split("</table>")[0]
    assert rows.count("<tr") - 1 == towns * (per_town + 1)
    assert rows.count("table-danger") == towns * per_town
    assert f"{towns * per_town} 人次已逾期。" in page
    assert "0 人次已逾期。" in outside and "没有待补学" in outside.split('id="makeups-open"')[1]


def test_make_up_list_is_paginated_and_counts_every_overdue_one(client, settings):
    from sessions.views import leave

    with freeze_time(NOW):
        county = county_with_makeups(3, per_town=2)
        client.force_login(user_with_role("staff", county))
        settings.MAKEUP_DAYS = 14
        leave.MAKEUP_PAGE_SIZE, size = 4, leave.MAKEUP_PAGE_SIZE
        try:
            first = client.get(reverse("sessions:makeup-list")).content.decode()
            last = client.get(reverse("sessions:makeup-list") + "?page=3").content.decode()
        finally:
            leave.MAKEUP_PAGE_SIZE = size
    assert "6 人次已逾期。" in first and "第 1 页,共 3 页" in first
    assert last.split('id="makeups-open"')[1].split("</table>")[0].count("<tr") - 1 == 1


@settings(max_examples=60)
@given(
    now=st.datetimes(min_value=datetime.datetime(2026, 3, 1), max_value=datetime.datetime(2026, 3, 3)),  # noqa: DTZ001 (Hypothesis takes naive bounds)
    minutes_ago=st.lists(st.integers(min_value=0, max_value=20 * 24 * 60), min_size=1, max_size=5),
    makeup_days=st.integers(min_value=0, max_value=15),
)
def test_overdue_in_sql_is_overdue_row_by_row(now, minutes_ago, makeup_days):
    from django.conf import settings as django_settings

    django_settings.MAKEUP_DAYS, kept = makeup_days, django_settings.MAKEUP_DAYS
    try:
        with freeze_time(timezone.make_aware(now)):
            group = StudyGroupFactory(organization=OrganizationFactory())
            staff = user_with_role("staff", group.organization)
            for minutes in minutes_ago:
                ends = timezone.now() - datetime.timedelta(minutes=minutes)
                session = StudySessionFactory(group=group, starts_at=ends - datetime.timedelta(hours=1), ends_at=ends)
                AttendanceFactory(session=session, status="absent")
            by_row = {row.pk for row in selectors.makeups_open(user=staff) if selectors.overdue(row)}
            assert set(selectors.makeups_overdue(user=staff).values_list("pk", flat=True)) == by_row
    finally:
        django_settings.MAKEUP_DAYS = kept


def older_and_newer(page: str) -> tuple[str | None, str | None]:
    """The addresses of the 较早一页 and 较新一页 links of a session list page."""
    links = {}
    for label in ("较早一页", "较新一页"):
        before = page.split(f">{label}</a>")[0] if f">{label}</a>" in page else None
        query = before.rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&") if before else None
        links[label] = reverse("sessions:session-list") + query if query else None
    return links["较早一页"], links["较新一页"]


def session_rows(page: str) -> list[str]:
    return page.split('id="sessions"')[1].split("</table>")[0].split("<tr>")[2:]


@pytest.mark.parametrize("sessions", [3, 70])
@pytest.mark.parametrize(("role", "level"), [("viewer", "county"), ("staff", "county"), ("leader", "province")])
def test_session_list_is_paginated_and_counts_attendance_for_the_page_only(client, sessions, role, level):
    """The same queries for 3 sessions or 70, whoever reads them; no query counts every visible session."""
    with freeze_time(NOW):
        province = OrganizationFactory(kind="province")
        county = OrganizationFactory(kind="county", parent=OrganizationFactory(kind="city", parent=province))
        towns = [StudyGroupFactory(organization=OrganizationFactory(parent=county)) for _ in range(3)]
        for index in range(sessions):
            session = ended(towns[index % 3], 10 + (index + 1) // 2)  # two groups meet at once: ties in the sort
            for status in ("present", "late", "absent")[: index % 3 + 1]:
                AttendanceFactory(session=session, status=status)
        elsewhere = ended(StudyGroupFactory(organization=OrganizationFactory(kind="county")), 5)
        client.force_login(user_with_role(role, county if level == "county" else province))
        url = reverse("sessions:session-list") + "?year=2026"
        client.get(url)
        # The staff's page asks which groups they may schedule for: one query more.
        with assert_queries(12 if role == "staff" else 11):
            page = client.get(url).content.decode()
    rows = session_rows(page)
    assert len(rows) == min(sessions, 50)
    assert elsewhere.title not in page
    # The latest session (index 0: one row, present) first: 1 attended of 1.
    assert rows[0].count("1/1") == 1
    older, newer = older_and_newer(page)
    assert newer is None and (older is not None) is (sessions > 50)
    if older:
        with freeze_time(NOW), assert_queries(12 if role == "staff" else 11):
            second = client.get(older).content.decode()
        assert len(session_rows(second)) == sessions - 50 and "最新一页" in second
        assert not set(session_rows(second)) & set(rows)
        back, newer = older_and_newer(second)
        assert back is None
        with freeze_time(NOW):
            assert session_rows(client.get(newer).content.decode()) == rows


def test_session_list_with_a_cursor_that_does_not_parse_shows_the_latest_page(client):
    with freeze_time(NOW):
        group = StudyGroupFactory()
        session = ended(group, 3)
        client.force_login(user_with_role("viewer", group.organization))
        for cursor in ("before=garbage", "after=2026-13-01_4", "before=2026-11-01T00:00:00_x", "after=2026-11-01_1"):
            response = client.get(reverse("sessions:session-list") + f"?year=2026&{cursor}")
            assert response.status_code == 200
            assert session.title in response.content.decode()


@settings(max_examples=60)
@given(
    now=st.datetimes(min_value=datetime.datetime(2026, 3, 1), max_value=datetime.datetime(2026, 3, 3)),  # noqa: DTZ001 (Hypothesis takes naive bounds)
    minutes_ago=st.lists(st.integers(min_value=-600, max_value=25 * 24 * 60), min_size=1, max_size=5),
    makeup_days=st.integers(min_value=0, max_value=15),
)
def test_makeups_due_in_sql_are_those_due_row_by_row(now, minutes_ago, makeup_days):
    """``makeups_due_between`` (what the daily reminder reads) picks the rows whose due day falls in the window."""
    from django.conf import settings as django_settings

    django_settings.MAKEUP_DAYS, kept = makeup_days, django_settings.MAKEUP_DAYS
    try:
        with freeze_time(timezone.make_aware(now)):
            group = StudyGroupFactory(organization=OrganizationFactory())
            for minutes in minutes_ago:
                ends = timezone.now() - datetime.timedelta(minutes=minutes)
                session = StudySessionFactory(group=group, starts_at=ends - datetime.timedelta(hours=1), ends_at=ends)
                AttendanceFactory(
                    session=session, status="leave", person=user_with_role("member", group.organization).person
                )
            today = timezone.localdate()
            by_row = {
                row.pk
                for row in Attendance.objects.filter(session__group=group).select_related("session")
                if row.session.ends_at <= timezone.now()
                and 0 <= (selectors.makeup_due_on(row.session) - today).days <= 3
            }
            window = selectors.makeups_due_between(today, today + datetime.timedelta(days=3)).filter(
                session__group=group
            )
            assert set(window.values_list("pk", flat=True)) == by_row
    finally:
        django_settings.MAKEUP_DAYS = kept
