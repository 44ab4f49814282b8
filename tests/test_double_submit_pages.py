"""Issue 15, failure 7, as a person sees it in a browser, at desktop and phone width (screenshots in ``artifacts/``):
a visit report filed in one tab and then saved from a second is refused beside the form; a form sent again with
the key it was drawn with leads to what the first post did, with a calm message."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from audits.models import ObserverVisit
from audits.tests.factories import ObserverVisitFactory
from sessions.models import Submission
from sessions.tests.factories import StudySessionFactory
from studygroup.tests.browser import log_in, needs_chromium
from studygroup.tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    PersonFactory,
    StudyGroupFactory,
    UserFactory,
    user_with_role,
)

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
WIDTHS = [("desktop", 1366, 900), ("phone", 390, 844)]


@needs_chromium
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("label", "width", "height"), WIDTHS)
def test_a_visit_report_saved_from_a_second_tab_is_refused_beside_the_form(live_server, browser, label, width, height):
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(exist_ok=True)
    county = OrganizationFactory()
    observer = user_with_role("observer", county)
    starts = timezone.now() - datetime.timedelta(days=2)
    session = StudySessionFactory(
        group=StudyGroupFactory(organization=OrganizationFactory(parent=county)),
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
    )
    visit = ObserverVisitFactory(session=session, organization=county, observer=observer.person)
    path = reverse("audits:visit-report", args=[visit.pk])
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    first = context.new_page()
    log_in(first, live_server.url, observer, path)
    second = context.new_page()
    second.goto(f"{live_server.url}{path}")

    first.select_option("select[name=rating]", "good")
    first.fill("textarea[name=report]", "准备充分,研讨深入。")
    first.click("#file-report")
    first.wait_for_url(f"{live_server.url}{visit.get_absolute_url()}")

    second.fill("textarea[name=report]", "第二个标签页里写的内容")
    second.click("#save-draft")
    # Beside the form, above its fields: what happened, and what to do.
    expect(second.locator("form#report-form .alert-danger")).to_contain_text("您已在另一个页面或标签页中修改了该记录")
    assert second.input_value("textarea[name=report]") == "第二个标签页里写的内容"
    assert second.evaluate("document.documentElement.scrollWidth") <= width
    second.screenshot(path=str(ARTIFACTS / f"edit-conflict-{label}.png"), full_page=True)
    assert ObserverVisit.objects.get(pk=visit.pk).report == "准备充分,研讨深入。"
    context.close()


@needs_chromium
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("label", "width", "height"), WIDTHS)
def test_a_reflection_sent_again_with_its_key_leads_to_the_first(live_server, browser, label, width, height):
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(exist_ok=True)
    group = StudyGroupFactory(organization=OrganizationFactory())
    member = UserFactory()
    MembershipFactory(group=group, person=PersonFactory(organization=group.organization, user=member))
    page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN")
    path = reverse("sessions:submission-create")
    log_in(page, live_server.url, member, path)
    form = "form:has(input[name=title])"
    key = page.input_value(f"{form} input[name=once]")
    page.fill("input[name=title]", "学习心得:以学铸魂")
    page.fill("textarea[name=text]", "心得正文")
    page.click(f"{form} button[type=submit]:not([name])")
    page.wait_for_url(lambda url: "/new/" not in url)
    first = page.url

    # The same form sent again (a resent page, a second tap that got through): the key it was drawn with.
    page.goto(f"{live_server.url}{path}")
    page.locator(f"{form} input[name=once]").evaluate("(input, key) => { input.value = key; }", key)
    page.fill("input[name=title]", "学习心得:以学铸魂")
    page.fill("textarea[name=text]", "心得正文")
    page.click(f"{form} button[type=submit]:not([name])")
    page.wait_for_url(first)
    expect(page.locator("body")).to_contain_text("这份表单已经提交过,没有再次提交。")
    page.screenshot(path=str(ARTIFACTS / f"double-submit-{label}.png"), full_page=True)
    # (At 1366 the member's menu of every app is wider than the page: the navigation's affair, not this page's.)
    box = page.locator(".alert-info").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    assert Submission.objects.filter(person=member.person).count() == 1
    page.close()
