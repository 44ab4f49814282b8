"""后台任务 on a phone: the runs read as stacked cards without sideways scrolling; a desktop keeps the table."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from reports.models import TaskRun
from studygroup.tests.browser import log_in, needs_chromium
from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, user_with_role

pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def staff():
    county = OrganizationFactory(name="清河县委")
    StudyGroupFactory(organization=county)
    staff = user_with_role("staff", county)
    now = timezone.now()
    for month in (10, 11):
        TaskRun.objects.create(
            name="compile_digests",
            key=f"digests:2026-{month}:{county.pk}",
            organization=county,
            state=TaskRun.State.SUCCEEDED,
            started_at=now,
            finished_at=now,
            done=14,
            total=14,
            params={"year": 2026, "month": month, "organization_id": county.pk},
            triggered_by=staff,
        )
    TaskRun.objects.create(
        name="compile_digests",
        key=f"digests:2026-09:{county.pk}",
        organization=county,
        state=TaskRun.State.RUNNING,
        started_at=now - datetime.timedelta(hours=1),
        heartbeat_at=now - datetime.timedelta(hours=1),
        done=12,
        total=14,
        failures=2,
        failed=[
            {"item": "中共清河县白沙镇委员会", "error": "数据库连接中断,稍后重试"},
            {"item": "城关镇党委", "error": "超时"},
        ],
        message="14 项中有 2 项未完成",
        params={"year": 2026, "month": 9, "organization_id": county.pk},
        triggered_by=staff,
    )
    return staff


def open_runs(browser, live_server, staff, width, height):
    page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN")
    log_in(page, live_server.url, staff, reverse("reports:run-list"))
    return page


def test_on_a_phone_each_run_is_a_card_read_without_sideways_scrolling(live_server, browser, staff):
    page = open_runs(browser, live_server, staff, 390, 844)

    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.locator("#runs .table-responsive")
    assert box.evaluate("e => e.scrollWidth <= e.clientWidth")
    assert not page.locator("#run-table thead").is_visible()
    interrupted = page.locator("#run-table tbody tr.table-warning")
    card = interrupted.inner_text()
    for text in (
        "编制学习专刊(2026年9月)",
        "已中断",
        "12/14",
        "2 项失败",
        "中共清河县白沙镇委员会:数据库连接中断,稍后重试",
    ):
        assert text in card, card
    again = interrupted.get_by_role("button", name="重新运行").bounding_box()
    assert again is not None and again["x"] >= 0 and again["x"] + again["width"] <= 390


def test_on_a_desktop_the_runs_stay_a_table_of_six_columns(live_server, browser, staff):
    page = open_runs(browser, live_server, staff, 1366, 900)

    headers = page.locator("#run-table thead th")
    assert headers.all_inner_texts() == ["任务", "状态", "开始", "结束", "进度", "信息"]
    assert all(header.is_visible() for header in headers.all())
    assert not page.locator("#run-table .sg-run-when").first.is_visible()
    assert page.locator("#run-table tbody tr").count() == 3
