"""学习报备 and 随机抽查: a scheduled session is reported upward at once, late reports are flagged on both sides,
the upper level draws reported sessions for unannounced records checks (or random visits) and turns findings into
actions."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from audits.models import Action, ObserverVisit, RandomDraw
from audits.tests.factories import ObserverPoolMemberFactory
from practice import draw, services
from practice.models import SessionReport, SpotCheck, SpotCheckDraw
from sessions import services as session_services
from sessions.tests.factories import AttendanceFactory, StudySessionFactory
from studygroup.models import Notification
from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def county():
    return OrganizationFactory(name="中共费县委员会", kind="county")


@pytest.fixture
def town(county):
    town = OrganizationFactory(name="中共卞桥镇委员会", parent=county)
    StudyGroupFactory(organization=town)
    return town


def _schedule(town, staff, *, days_ahead: float, title="集体学习", plan_text=""):
    start = timezone.now() + datetime.timedelta(days=days_ahead)
    return session_services.session_create(
        group=town.study_group,
        by=staff,
        kind="collective",
        title=title,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        location="镇党委会议室",
        plan_text=plan_text,
    )


def _held(town, *, days_ago: int, title="已举办的学习"):
    """A session held ``days_ago`` days ago that was reported in time when it was scheduled."""
    start = timezone.now() - datetime.timedelta(days=days_ago)
    session = StudySessionFactory(
        group=town.study_group, title=title, starts_at=start, ends_at=start + datetime.timedelta(hours=2)
    )
    SessionReport.objects.create(
        session=session, reported_at=start - datetime.timedelta(days=10), starts_at=start, is_late=False
    )
    return session


# Reporting -----------------------------------------------------------------------------------


def test_scheduling_reports_the_session_upward_at_once_and_late_ones_are_flagged_on_both_sides(client, county, town):
    staff = user_with_role("staff", town)
    in_time = _schedule(town, staff, days_ahead=10, title="按时报备的学习", plan_text="会前方案")
    late = _schedule(town, staff, days_ahead=1, title="临时安排的学习")
    assert SessionReport.objects.get(session=in_time).is_late is False
    report = SessionReport.objects.get(session=late)
    assert report.is_late is True and report.reported_by == staff
    client.force_login(staff)
    assert "逾期报备:学习会应至少提前 3 天报备" in client.get(late.get_absolute_url()).content.decode()
    assert "逾期报备" not in client.get(in_time.get_absolute_url()).content.decode()
    client.force_login(user_with_role("staff", county))
    months = {timezone.localdate(s.starts_at).strftime("%Y-%m") for s in (in_time, late)}
    page = "".join(
        client.get(f"{reverse('practice:calendar')}?org={county.pk}&month={month}").content.decode() for month in months
    )
    assert "按时报备的学习" in page and "临时安排的学习" in page
    assert page.count(">逾期报备<") == 1 and "会前方案已备" in page and "尚无会前方案" in page


def test_a_moved_start_is_reported_again_and_a_new_title_is_not(county, town):
    staff = user_with_role("staff", town)
    session = _schedule(town, staff, days_ahead=10)
    first = SessionReport.objects.get(session=session).reported_at
    fields = {
        "kind": "collective",
        "title": "改了题目",
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "location": "",
    }
    session_services.session_update(session=session, by=staff, **fields)
    assert SessionReport.objects.get(session=session).reported_at == first
    soon = timezone.now() + datetime.timedelta(days=1)
    fields.update(starts_at=soon, ends_at=soon + datetime.timedelta(hours=1))
    session_services.session_update(session=session, by=staff, **fields)
    report = SessionReport.objects.get(session=session)
    assert (report.starts_at, report.is_late) == (soon, True) and report.reported_at > first


def test_a_group_with_nobody_above_reports_to_nobody(county):
    StudyGroupFactory(organization=county)
    _schedule(county, user_with_role("staff", county), days_ahead=10)
    assert not SessionReport.objects.exists()


def test_the_calendar_is_for_levels_above_and_names_only_what_the_reader_may_open(client, county, town):
    session = _schedule(town, user_with_role("staff", town), days_ahead=5, title="镇里的学习")
    month = f"&month={timezone.localdate(session.starts_at):%Y-%m}"
    observer = user_with_role("observer", county)
    client.force_login(observer)
    page = client.get(f"{reverse('practice:calendar')}?org={county.pk}{month}").content.decode()
    assert "镇里的学习" in page and session.get_absolute_url() not in page  # observers open what they observe
    client.force_login(user_with_role("viewer", county))
    page = client.get(f"{reverse('practice:calendar')}?org={county.pk}{month}").content.decode()
    assert session.get_absolute_url() in page and "随机抽查" not in page  # viewers read, staff draw
    client.force_login(user_with_role("staff", town))
    assert client.get(reverse("practice:calendar")).status_code == 403
    neighbour = OrganizationFactory(name="邻县")
    OrganizationFactory(parent=neighbour)
    client.force_login(user_with_role("staff", neighbour))
    assert client.get(f"{reverse('practice:calendar')}?org={county.pk}").status_code == 404


def test_the_calendar_reads_a_fixed_number_of_queries(client, county, town):
    client.force_login(user_with_role("staff", county))
    url = f"{reverse('practice:calendar')}?org={county.pk}"

    def count() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context.captured_queries)

    staff = user_with_role("staff", town)
    _held(town, days_ago=0)
    small = count()
    for index in range(5):
        other = OrganizationFactory(parent=county)
        StudyGroupFactory(organization=other)
        _held(other, days_ago=0, title=f"学习{index}")
    _schedule(town, staff, days_ahead=0.5)
    assert count() == small


# Drawing and checking ------------------------------------------------------------------------


def test_the_draw_is_a_pure_function_of_its_seed_and_takes_each_group_once_first():
    inputs = {"sessions": [[1, 10], [2, 10], [3, 20], [4, 30]], "checked": {"30": 1}, "count": 2}
    for seed in ("seed-1", "seed-2", "seed-3"):
        result = draw.run(seed, inputs)
        assert result == draw.run(seed, inputs)
        # Groups 10 and 20 were never checked: one session of each, group 30 (checked before) not yet.
        assert len(result) == 2 and 3 in result and len({1, 2} & set(result)) == 1
        assert sorted(draw.run(seed, {**inputs, "count": 9})) == [1, 2, 3, 4]


def test_staff_draw_reported_sessions_of_the_dates_only_and_a_second_click_draws_nothing(county, town):
    staff = user_with_role("staff", county)
    held = _held(town, days_ago=3)
    _held(town, days_ago=40)  # outside the dates
    StudySessionFactory(group=town.study_group, starts_at=timezone.now() - datetime.timedelta(days=2))  # unreported
    coming = _schedule(town, user_with_role("staff", town), days_ahead=4)  # checked once it is held
    StudyGroupFactory(organization=county)
    _held(county, days_ago=1)  # the county's own
    today = timezone.localdate()
    key = "1b4e28ba-2fa1-11d2-883f-0016d3cca427"
    record = services.spot_draw(
        organization=county,
        date_from=today - datetime.timedelta(days=10),
        date_to=today + datetime.timedelta(days=10),
        count=5,
        seed="fixed",
        request_key=key,
        by=staff,
    )
    assert sorted(record.result) == sorted([held.pk, coming.pk])
    assert sorted(SpotCheck.objects.values_list("session", flat=True)) == sorted([held.pk, coming.pk])
    with pytest.raises(ValidationError):
        services.spot_check_record(
            check=SpotCheck.objects.get(session=coming), verdict="pass", findings="", comment="", by=staff
        )
    with pytest.raises(ValidationError) as refused:
        services.spot_draw(organization=county, date_from=today, date_to=today, count=1, request_key=key, by=staff)
    assert refused.value.code == services.ALREADY_DONE
    for outsider in (
        user_with_role("viewer", county),
        user_with_role("observer", county),
        user_with_role("staff", town),
    ):
        with pytest.raises(PermissionDenied):
            services.spot_draw(organization=county, date_from=today, date_to=today, count=1, by=outsider)
    assert SpotCheckDraw.objects.count() == 1


def test_the_check_is_unannounced_until_its_result_is_recorded_then_findings_become_actions(client, county, town):
    county_staff = user_with_role("staff", county)
    town_staff = user_with_role("staff", town)
    session = _held(town, days_ago=3)
    AttendanceFactory(session=session, person=town_staff.person, status="absent")
    today = timezone.localdate()
    services.spot_draw(
        organization=county, date_from=today - datetime.timedelta(days=5), date_to=today, count=1, by=county_staff
    )
    check = SpotCheck.objects.get()
    client.force_login(town_staff)
    assert client.get(check.get_absolute_url()).status_code == 404
    assert "抽查记录" not in client.get(session.get_absolute_url()).content.decode()

    inspector = user_with_role("inspector", county)
    client.force_login(inspector)
    page = client.get(check.get_absolute_url()).content.decode()
    assert "缺席" in page and "没有学习记录" in page
    response = client.post(
        check.get_absolute_url(), {"verdict": "needs_work", "findings": "学习记录缺失\n缺席未补学", "comment": ""}
    )
    assert response.url == check.get_absolute_url()
    check.refresh_from_db()
    assert (check.verdict, check.inspector, check.checked_on) == ("needs_work", inspector.person, today)
    assert Notification.objects.filter(recipient=town_staff, verb="spot_check_recorded").count() == 1
    with pytest.raises(ValidationError):
        services.spot_check_record(check=check, verdict="pass", findings="", comment="", by=inspector)

    url = f"{reverse('practice:spot-check-action', args=[check.pk])}?finding=学习记录缺失"
    due = (today + datetime.timedelta(days=20)).isoformat()
    body = {
        "problem": "学习记录缺失",
        "measure": "补齐记录",
        "owner": town_staff.person.pk,
        "due_on": due,
        "finding": "学习记录缺失",
    }
    assert client.post(url, body).url == check.get_absolute_url()
    action = Action.objects.get()
    assert (action.group, action.owner, action.raised_by) == (town.study_group, town_staff.person, inspector)
    assert client.post(url, body).status_code == 302 and Action.objects.count() == 1  # each finding once
    client.force_login(town_staff)
    page = client.get(check.get_absolute_url()).content.decode()
    assert "需改进" in page and "学习记录缺失" in page and action.get_absolute_url() in page


def test_a_random_visit_is_drawn_from_the_calendar_through_the_observer_draw(client, county, town):
    staff = user_with_role("staff", county)
    ObserverPoolMemberFactory(organization=county)
    session = _schedule(town, user_with_role("staff", town), days_ahead=5)
    day = timezone.localdate(session.starts_at)
    client.force_login(staff)
    page = client.get(f"{reverse('practice:calendar')}?org={county.pk}&month={day:%Y-%m}").content.decode()
    assert 'action="/practice/spot-checks/draw/"' in page
    response = client.post(
        reverse("practice:spot-draw"),
        {"org": county.pk, "kind": "visit", "date_from": day, "date_to": day, "count": 1, "seed": "s"},
    )
    record = RandomDraw.objects.get()
    assert response.url == reverse("audits:draw-detail", args=[record.pk])
    assert ObserverVisit.objects.get().session == session


@freeze_time("2026-06-10 02:00:00")
def test_a_session_entered_after_it_was_held_is_reported_late(county, town):
    staff = user_with_role("staff", town)
    session = _schedule(town, staff, days_ahead=-2)
    assert SessionReport.objects.get(session=session).is_late is True


def test_the_spot_draw_page_re_runs_the_draw_and_says_when_the_stored_result_differs(client, county, town):
    staff = user_with_role("staff", county)
    sessions = [_held(town, days_ago=days) for days in (2, 3, 4)]
    today = timezone.localdate()
    record = services.spot_draw(
        organization=county,
        date_from=today - datetime.timedelta(days=10),
        date_to=today,
        count=1,
        seed="fixed",
        by=staff,
    )
    client.force_login(staff)
    assert "用同一种子重新抽取,结果相同。" in client.get(record.get_absolute_url()).content.decode()
    other = next(s.pk for s in sessions if s.pk not in record.result)
    SpotCheckDraw.objects.filter(pk=record.pk).update(result=[other])
    page = client.get(record.get_absolute_url()).content.decode()
    assert "用同一种子重新抽取,结果不同。" in page and "结果相同" not in page
    client.force_login(user_with_role("staff", OrganizationFactory()))
    assert client.get(record.get_absolute_url()).status_code == 404
