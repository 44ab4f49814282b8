"""Pages that read right: each figure divides like by like and leads to the records it counts, the attendance rate
says it counts 补学, a make-up's date says what it is, the session plan and the 学习报备 name different things, the
digest's next-month section says 下月, and a year summary saved before the year is over is confirmed first."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from plans.tests.factories import MaterialFactory, PlanTopicFactory, StudyConfirmationFactory, StudyPlanFactory
from practice.figures import dashboard_tiles_selfstudy
from reports import services
from reports.models import YearSummary
from reports.tests.test_dashboard import figure
from sessions import services as session_services
from sessions.models import Attendance
from sessions.tests.factories import AttendanceFactory, StudySessionFactory
from studygroup.models import StudyGroup
from studygroup.tests.browser import log_in, needs_chromium
from studygroup.tests.factories import MembershipFactory, OrganizationFactory, StudyGroupFactory, user_with_role

pytestmark = pytest.mark.django_db


def at(month, day, year=2026):
    return datetime.datetime(year, month, day, 1, tzinfo=datetime.UTC)


def held(group, when, topics=()):
    session = StudySessionFactory(group=group, starts_at=when, ends_at=when + datetime.timedelta(hours=2))
    session.topics.add(*topics)
    return session


@pytest.fixture
def county():
    """A county with its own group and two towns; the county's plan has three topics, two sessions took up one."""
    county = OrganizationFactory(name="清河县委")
    for name in ("城关镇党委", "白沙镇党委"):
        StudyGroupFactory(organization=OrganizationFactory(parent=county, name=name))
    group = StudyGroupFactory(organization=county)
    topics = PlanTopicFactory.create_batch(3, plan=StudyPlanFactory(group=group, year=2026, status="approved"))
    held(group, at(3, 1), topics[:1])
    held(group, at(4, 1), topics[:1])
    seat = MembershipFactory(group=group, start_on=datetime.date(2026, 1, 1))
    AttendanceFactory(session=group.sessions.first(), person=seat.person, status="made_up")
    return county


def dashboard(client, user, year=2026):
    client.force_login(user)
    return client.get(reverse("reports:dashboard") + f"?year={year}").content.decode()


def href_of(page, tile_id):
    return re.search(rf'id="{tile_id}" href="([^"]+)"', page).group(1).replace("&amp;", "&")


def test_topics_are_divided_by_topics_and_sessions_are_counted_apart(client, county):
    with freeze_time("2026-06-15"):
        page = dashboard(client, user_with_role("viewer", county))
        plans = client.get(href_of(page, "topics-tile")).content.decode()
    assert "开展学习 / 计划专题" not in page
    assert figure(page, "开展学习") == "2"  # sessions held, a count of its own
    assert figure(page, "已学专题 / 计划专题") == "1 /3"  # the year summary's topics_held / topics_planned
    assert href_of(page, "topics-tile") == f"{reverse('plans:plan-list')}?org={county.pk}&year=2026"
    assert "清河县委" in plans and "城关镇党委" in plans and "白沙镇党委" in plans


def test_the_groups_tile_leads_to_the_groups_it_counts(client, county):
    with freeze_time("2026-06-15"):
        page = dashboard(client, user_with_role("viewer", county))
        assert figure(page, "中心组数") == "3"
        listed = client.get(href_of(page, "groups-tile")).content.decode()
    # The plan list of the same subtree and year counts and lists the very groups.
    assert '<div class="sg-figure" id="groups">3</div><div class="small text-body-secondary">中心组数</div>' in listed
    for name in ("清河县委", "城关镇党委", "白沙镇党委"):
        assert name in listed


def test_the_self_study_tile_leads_to_the_subtrees_group_tables_of_that_year(client, county):
    elsewhere = StudyGroupFactory(organization=OrganizationFactory(name="东山县委"))
    tile = dashboard_tiles_selfstudy(county, 2025, {"selfstudy_on_target_rate": 0.5})
    assert tile.url == f"{reverse('practice:selfstudy-groups')}?org={county.pk}&year=2025"
    staff = user_with_role("staff", county)
    outsider = user_with_role("staff", OrganizationFactory())
    client.force_login(staff)
    page = client.get(tile.url).content.decode()
    assert "自学台账 · 清河县委 · 2025年" in page and "看板上的自学目标完成率按这些中心组的成员计算" in page
    for group in StudyGroup.objects.filter(organization__path__startswith=county.path):
        assert f'href="{reverse("practice:group-selfstudy", args=[group.pk])}?year=2025"' in page
    assert elsewhere.name not in page
    # The one access rule: an organization out of reach answers 404, not its groups.
    client.force_login(outsider)
    assert client.get(tile.url).status_code == 404


def test_the_attendance_rate_says_it_counts_make_ups(client, county):
    with freeze_time("2026-06-15"):
        viewer = user_with_role("viewer", county)
        page = dashboard(client, viewer)
        assert figure(page, "出勤率(含补学)") == "100%"
        summary = client.get(reverse("reports:summary") + f"?org={county.pk}&year=2026").content.decode()
        assert "<th>出勤率(含补学)</th>" in summary
        item = services.digest_compile(organization=county, year=2026, month=3)
        client.force_login(user_with_role("staff", county))
        digest = client.get(item.get_absolute_url()).content.decode()
    assert ">出勤率(含补学)</div>" in digest


def test_the_digest_says_nothing_next_month_under_next_months_topics(client, county):
    item = services.digest_compile(organization=county, year=2026, month=12)
    client.force_login(user_with_role("staff", county))
    page = client.get(item.get_absolute_url()).content.decode()
    section = page.split("下月学习专题</div>", 1)[1].split("</section>", 1)[0]
    assert "下月暂无。" in section and "本月暂无" not in section


def test_a_make_up_says_it_is_due_on_the_date_on_one_line(client):
    group = StudyGroupFactory(organization=OrganizationFactory(name="城关镇党委"))
    member = user_with_role("member", group.organization)
    past = timezone.now() - datetime.timedelta(days=3)
    missed = StudySessionFactory(group=group, starts_at=past, ends_at=past + datetime.timedelta(hours=2))
    Attendance.objects.create(session=missed, person=member.person, status="absent")
    soon = timezone.now() + datetime.timedelta(days=3)
    next_one = StudySessionFactory(group=group, starts_at=soon, ends_at=soon + datetime.timedelta(hours=2))
    StudyConfirmationFactory(material=MaterialFactory(group=group, session=next_one), person=member.person)
    client.force_login(member)
    page = client.get(reverse("sessions:my-study")).content.decode()
    makeups = page.split('id="makeups"', 1)[1].split("</ul>", 1)[0]
    assert re.search(r'<span class="small text-nowrap" data-makeup-due>补学截止 \d{4}-\d\d-\d\d</span>', makeups)
    assert '<span class="badge text-bg-success text-nowrap">已学</span>' in page


def test_the_session_plan_and_the_upward_report_name_different_things(client):
    county = OrganizationFactory(name="清河县委")
    town = StudyGroupFactory(organization=OrganizationFactory(name="城关镇党委", parent=county)).organization
    staff = user_with_role("staff", town)
    start = timezone.now() + datetime.timedelta(days=10)
    session = session_services.session_create(
        group=town.study_group,
        by=staff,
        kind="collective",
        title="集体学习",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        location="会议室",
        plan_text="",
    )
    client.force_login(staff)
    page = client.get(session.get_absolute_url()).content.decode()
    assert "尚未报备" not in page
    assert '<span class="text-danger">尚未填写或上传。</span>' in page  # 会前方案: the plan itself
    upward = page.split('id="upward-report"', 1)[1].split("</section>", 1)[0]
    assert re.search(r"已于 \d{4}-\d\d-\d\d \d\d:\d\d 向上级报备本次学习安排。", upward)


@freeze_time("2026-12-07 10:00:00+08:00")
def test_saving_the_summary_before_the_year_is_over_asks_first_saying_what_is_to_come(client):
    town = StudyGroupFactory(organization=OrganizationFactory(name="城关镇党委")).organization
    held(town.study_group, at(12, 1))
    StudySessionFactory(group=town.study_group, starts_at=at(12, 20), ends_at=at(12, 20) + datetime.timedelta(hours=2))
    client.force_login(user_with_role("staff", town))
    url = reverse("reports:summary") + f"?org={town.pk}&year=2026"
    page = client.post(url, {"text": "一、基本情况\n全年开展学习。"}).content.decode()
    assert not YearSummary.objects.exists()
    assert "2026年尚未结束:本年度还有 1 场学习会尚未召开,现在定稿的总结不含这些学习。仍要定稿吗?" in page
    assert 'name="early" value="1"' in page and "全年开展学习。" in page  # the text typed is kept
    response = client.post(url, {"text": "一、基本情况\n全年开展学习。", "early": "1"})
    assert response.status_code == 302 and YearSummary.objects.get().is_final
    # A year that is over saves at once.
    last_year = reverse("reports:summary") + f"?org={town.pk}&year=2025"
    assert client.post(last_year, {"text": "二〇二五年总结"}).status_code == 302
    assert YearSummary.objects.get(year=2025).text == "二〇二五年总结"


@needs_chromium
@pytest.mark.django_db(transaction=True)
def test_the_ranking_headers_stay_on_one_line_on_a_phone(live_server, browser, county):
    viewer = user_with_role("viewer", county)
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
    log_in(page, live_server.url, viewer, reverse("reports:dashboard") + "?year=2026")
    heights = page.eval_on_selector_all(
        "#ranking thead th", "cells => cells.map(c => c.getBoundingClientRect().height)"
    )
    line = page.eval_on_selector("#ranking thead th", "c => parseFloat(getComputedStyle(c).lineHeight)")
    assert heights and max(heights) < 2 * line
    assert page.locator("#ranking-hint").is_visible()
    assert "表格可左右滑动查看全部列" in page.locator("#ranking-hint").inner_text()
