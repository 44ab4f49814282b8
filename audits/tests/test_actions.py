"""Actions: owners, status history, overdue highlighting; the visit report on a phone."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from audits import services
from audits.models import ObserverVisit
from audits.tests.factories import ActionFactory, ObserverVisitFactory
from sessions.tests.factories import StudySessionFactory
from studygroup.tests.browser import log_in, needs_chromium
from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, user_with_role

pytestmark = pytest.mark.django_db


def test_owner_updates_and_every_change_is_kept(client):
    group = StudyGroupFactory(organization=OrganizationFactory())
    owner = user_with_role("member", group.organization)
    action = ActionFactory(group=group, owner=owner.person)
    services.action_update(action=action, status="in_progress", note="已制定方案", by=owner)
    with pytest.raises(ValidationError):
        services.action_update(action=action, status="done", evidence="", by=owner)
    services.action_update(action=action, status="done", evidence="修订了学习制度", by=owner)
    assert action.done_on == timezone.localdate()
    assert list(action.changes.values_list("from_status", "to_status")) == [
        ("open", "in_progress"),
        ("in_progress", "done"),
    ]
    stranger = user_with_role("member", group.organization)
    with pytest.raises(PermissionDenied):
        services.action_update(action=action, status="open", by=stranger)


def test_my_actions_and_overdue_highlight(client):
    group = StudyGroupFactory(organization=OrganizationFactory())
    owner = user_with_role("member", group.organization)
    ActionFactory(group=group, owner=owner.person, problem="按期事项", due_on=datetime.date(2026, 12, 31))
    ActionFactory(group=group, owner=owner.person, problem="逾期事项", due_on=datetime.date(2026, 10, 1))
    ActionFactory(group=group, problem="别人的事项")
    client.force_login(owner)
    with freeze_time("2026-11-20"):
        page = client.get(reverse("audits:action-list") + "?mine=1").content.decode()
    assert "按期事项" in page and "逾期事项" in page and "别人的事项" not in page
    assert page.count("table-danger") == 1
    with freeze_time("2026-11-20"):
        home = client.get(reverse("home")).content.decode()
    assert "逾期事项" in home


def test_upper_level_reads_actions_neighbours_do_not(client):
    county = OrganizationFactory()
    group = StudyGroupFactory(organization=OrganizationFactory(parent=county))
    action = ActionFactory(group=group)
    client.force_login(user_with_role("viewer", county))
    assert client.get(action.get_absolute_url()).status_code == 200
    client.force_login(user_with_role("staff", OrganizationFactory(parent=county)))
    assert client.get(action.get_absolute_url()).status_code == 404


@needs_chromium
@pytest.mark.django_db(transaction=True)
def test_visit_report_form_on_a_375_pixel_phone(live_server, browser):
    from playwright.sync_api import expect

    county = OrganizationFactory()
    observer = user_with_role("observer", county)
    starts = timezone.now() - datetime.timedelta(hours=3)
    session = StudySessionFactory(
        group=StudyGroupFactory(organization=OrganizationFactory(parent=county)),
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
    )
    visit = ObserverVisitFactory(session=session, organization=county, observer=observer.person)
    page = browser.new_page(viewport={"width": 375, "height": 740}, locale="zh-CN")
    log_in(page, live_server.url, observer, reverse("audits:visit-report", args=[visit.pk]))
    page.fill("textarea[name=report]", "学习会准备充分,研讨较为聚焦。")
    expect(page.locator("#autosave")).to_contain_text("已于", timeout=10000)
    page.click("#save-draft")
    expect(page.locator("body")).to_contain_text("草稿已保存")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.select_option("select[name=rating]", "good")
    page.fill("textarea[name=findings]", "个别发言联系实际不够")
    box = page.locator("#file-report").bounding_box()
    assert box["x"] + box["width"] <= 375
    page.click("#file-report")
    expect(page.locator("body")).to_contain_text("旁听报告已提交")
    visit = ObserverVisit.objects.get(pk=visit.pk)
    assert visit.rating == "good" and visit.reported_on == timezone.localdate()
    assert visit.finding_lines == ["个别发言联系实际不够"]


def test_an_action_raised_from_a_research_topic(client):
    from plans.tests.factories import ResearchTopicFactory

    group = StudyGroupFactory(organization=OrganizationFactory())
    topic = ResearchTopicFactory(group=group)
    owner = user_with_role("member", group.organization).person
    client.force_login(user_with_role("member", group.organization))
    assert client.get(reverse("audits:research-action", args=[topic.pk])).status_code == 403
    client.force_login(user_with_role("staff", group.organization))
    assert "提出整改事项" in client.get(topic.get_absolute_url()).content.decode()
    response = client.post(
        reverse("audits:research-action", args=[topic.pk]),
        {"problem": "成果转化不够", "measure": "形成制度", "owner": owner.pk, "due_on": "2026-12-31"},
    )
    assert response.url == topic.get_absolute_url()
    action = topic.actions.get()
    assert (action.group, action.owner, action.research) == (group, owner, topic)
