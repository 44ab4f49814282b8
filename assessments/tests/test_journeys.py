"""The knowledge-test journeys in Chromium (issue 17, "Done when"): staff import a bank from the template and build
a test by rules, draw 20% of two groups; a drawn member sits it on a phone, loses the connection midway, resumes
and hands it in; staff mark the short answer and publish; the member sees the score; the county viewer reads the
organizations' figures and the item analysis and turns the most missed tag into next month's topic.

With ``SCREENSHOTS=<folder>`` set, every page the journeys pass is also saved at desktop and phone width.
"""

from __future__ import annotations

import datetime
import os
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.utils import timezone

from studygroup.tests.browser import needs_chromium, shows

pytestmark = [pytest.mark.django_db(transaction=True), needs_chromium]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@contextmanager
def journey(browser, base: str, name: str, user, viewport=None):
    from studygroup.tests.factories import PASSWORD

    context = browser.new_context(viewport=viewport or DESKTOP, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        page.goto(base + "/accounts/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(base + "/")
        yield context, page
    except BaseException:
        ARTIFACTS.mkdir(exist_ok=True)
        if not page.is_closed():
            page.screenshot(path=str(ARTIFACTS / f"journey-{name}.png"), full_page=True)
        raise
    finally:
        context.close()


def shot(page, name: str) -> None:
    """Save the page at desktop and at phone width when ``SCREENSHOTS`` names a folder."""
    folder = os.environ.get("SCREENSHOTS")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        page.screenshot(path=str(Path(folder) / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(size)


@pytest.fixture
def county():
    """清河县委 with staff, a viewer who also keeps the county's plan, and two towns of five seated members."""
    from plans.tests.factories import StudyPlanFactory
    from studygroup.tests.factories import (
        MembershipFactory,
        OrganizationFactory,
        RoleGrantFactory,
        StudyGroupFactory,
        UserFactory,
        user_with_role,
    )

    county = OrganizationFactory(name="中共清河县委员会")
    county_group = StudyGroupFactory(organization=county)
    staff = user_with_role("staff", county)
    viewer = user_with_role("viewer", county)
    RoleGrantFactory(person=viewer.person, organization=county, role="staff")
    towns = [OrganizationFactory(parent=county, name=name) for name in ("城关镇党委", "白沙镇党委")]
    for town in towns:
        group = StudyGroupFactory(organization=town)
        for _ in range(5):
            MembershipFactory(group=group, person__user=UserFactory(), person__organization=town)
    today = timezone.localdate()
    StudyPlanFactory(group=county_group, year=today.year + (today.month == 12), status="draft")
    return {"county": county, "staff": staff, "viewer": viewer, "towns": towns}


def _local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_a_knowledge_test_from_the_template_to_next_months_topic(browser, live_server, county, tmp_path):
    from assessments.models import KnowledgeTest, Sitting
    from plans.models import PlanTopic

    base = live_server.url
    # Staff: the bank from the template, a test by rules, 20% of two groups drawn.
    with journey(browser, base, "assess-staff", county["staff"]) as (_context, page):
        page.goto(base + "/assessments/banks/")
        shot(page, "bank-list-empty")
        page.fill("input[name=name]", "清河县党史知识题库")
        page.click("button:has-text('创建题库')")
        page.click("text=清河县党史知识题库")
        with page.expect_download() as download:
            page.click("text=下载模板")
        template = tmp_path / "template.xlsx"
        download.value.save_as(template)
        page.set_input_files("input[name=file]", str(template))
        page.click("#import")
        shows(page, "已导入 5 道题")
        shot(page, "bank-detail")
        page.click("text=党史 >> nth=-1")
        shot(page, "tag-edit")
        page.go_back()
        page.click("#questions a >> nth=0")
        shot(page, "question-edit")
        page.goto(base + "/assessments/")
        page.click("text=组织测试")
        page.fill("input[name=title]", "党史知识测试(第一轮)")
        page.fill("input[name=opens_at]", _local(timezone.now() - datetime.timedelta(minutes=5)))
        page.fill("input[name=closes_at]", _local(timezone.now() + datetime.timedelta(hours=2)))
        page.fill("input[name=time_limit]", "30")
        shot(page, "test-create")
        page.click("button:has-text('保存')")
        for kind, points in (("single", "25"), ("true_false", "25"), ("fill", "25"), ("short", "25")):
            page.select_option("select[name=bank]", label="清河县党史知识题库(中共清河县委员会)")
            page.select_option("select[name=kind]", kind)
            if kind == "single":
                page.select_option("select[name=tag]", label="党史")
            page.fill("input[name=count]", "1")
            page.fill("input[name=points]", points)
            page.click("#add-part")
        shows(page, "100 / 100 分")
        shot(page, "test-draft")
        page.click("#publish-test")
        shows(page, "测试已发布")
        page.click("#who-sits")
        for town in ("城关镇党委", "白沙镇党委"):
            page.get_by_label(town).check()
        page.check("input[name=mode][value=percent]")
        page.fill("input[name=amount]", "20")
        page.fill("input[name=seed]", "qinghe-2026")
        shot(page, "test-draw")
        page.click("#draw")
        shows(page, "重新演算,抽中的仍是同样的 2 人")
        shot(page, "draw-detail")
        page.click("text=党史知识测试(第一轮)")
        shot(page, "test-published")
        page.goto(base + "/assessments/")
        shot(page, "test-list")
    test = KnowledgeTest.objects.get(title="党史知识测试(第一轮)")
    assert test.questions.count() == 4
    drawn = list(test.sittings.select_related("person__user", "group__organization"))
    assert len(drawn) == 2 and {s.group.organization.name for s in drawn} <= {"城关镇党委", "白沙镇党委"}
    member = drawn[0].person.user

    # The member on a phone: answers, loses the connection, closes the tab, comes back, hands in.
    with journey(browser, base, "assess-member", member, viewport=PHONE) as (context, page):
        shot(page, "member-home")
        page.click("#panel-to-do a:has-text('党史知识测试(第一轮)')")
        page.wait_for_selector("#countdown")
        page.wait_for_function("document.getElementById('countdown').textContent.includes(':')")
        shot(page, "sitting")
        page.goto(page.url + "?view=one&q=2")
        shot(page, "sitting-one-per-screen")
        page.goto(base + f"/assessments/sittings/{drawn[0].pk}/")
        single = page.locator("fieldset.sg-question").filter(has_text="单选题").first
        single.locator("label.sg-option").nth(0).click()
        page.wait_for_selector("fieldset.sg-question:has-text('单选题') .sg-saved:has-text('已保存')")
        context.set_offline(True)
        judge = page.locator("fieldset.sg-question").filter(has_text="判断题").first
        judge.locator("label.sg-option").nth(0).click()
        page.wait_for_selector("#connection:has-text('网络已断开')")
        shot(page, "sitting-offline")
        page.close()
        context.set_offline(False)
        page = context.new_page()
        page.goto(base + f"/assessments/sittings/{drawn[0].pk}/")
        chosen = page.locator("fieldset.sg-question:has-text('单选题') input:checked")
        assert chosen.count() == 1  # resumed where it was
        judge = page.locator("fieldset.sg-question").filter(has_text="判断题").first
        judge.locator("label.sg-option").nth(0).click()
        page.wait_for_selector("fieldset.sg-question:has-text('判断题') .sg-saved:has-text('已保存')")
        page.fill("fieldset.sg-question:has-text('填空题') input[type=text]", "人民")
        page.fill("fieldset.sg-question:has-text('简答题') textarea", "“两个确立”是新时代最重大的政治成果。")
        page.click("#hand-in")
        page.wait_for_selector("#sitting-status")
        shows(page, "已于")
        shows(page, "交卷")
        shot(page, "sitting-handed-in")
    sitting = Sitting.objects.get(pk=drawn[0].pk)
    assert sitting.submitted_at is not None and sitting.answers.count() == 4

    # Staff close the test, mark the short answer and publish the results.
    with journey(browser, base, "assess-marking", county["staff"]) as (_context, page):
        page.goto(base + test.get_absolute_url())
        page.click("#close-test")
        page.click("#marking")
        shot(page, "marking")
        page.fill(f"input[name=points-{sitting.answers.get(question__version__kind='short').pk}]", "20")
        page.click("#save-marks")
        shows(page, "已评阅 1 道题")
        page.click("#publish-results")
        shows(page, "成绩已公布")
        page.goto(base + f"/assessments/tests/{test.pk}/scores/")
        shot(page, "paper-scores")
    sitting.refresh_from_db()
    assert sitting.score is not None

    # The member sees the score and the explanations.
    with journey(browser, base, "assess-score", member, viewport=PHONE) as (_context, page):
        page.goto(base + "/assessments/")
        page.click(f"#my-tests a:has-text('{sitting.score} 分')")
        assert "解析" in page.content() and f">{sitting.score}<" in page.content()
        shot(page, "sitting-review")

    # The county viewer reads the figures and the item analysis and makes the most missed tag a topic.
    with journey(browser, base, "assess-viewer", county["viewer"]) as (_context, page):
        page.goto(base + f"/assessments/tests/{test.pk}/results/")
        shows(page, "各单位情况")
        shows(page, "试题分析")
        assert member.person.name not in page.locator("#figures").inner_text()
        shot(page, "results")
        page.goto(base + f"/reports/dashboard/?org={county['county'].pk}")
        shot(page, "dashboard")
        page.goto(base + f"/assessments/tests/{test.pk}/results/")
        page.locator("#missed-tags button").first.click()
        shows(page, "已将")
        shows(page, "列入学习计划")
        shot(page, "plan-with-topic")
    topic = PlanTopic.objects.get(plan__group__organization=county["county"])
    assert topic.source == "work_need" and "答错最多" in topic.title
