"""Actions: owners, status history, overdue highlighting; the visit report on a phone."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from audits import services
from audits.models import Action, ActionChange, ObserverVisit
from audits.tests.factories import ActionFactory, ObserverVisitFactory
from sessions.tests.factories import StudySessionFactory
from studygroup import access
from studygroup.tests.browser import log_in, needs_chromium
from studygroup.tests.factories import (
    OrganizationFactory,
    PersonFactory,
    StudyGroupFactory,
    UserFactory,
    user_with_role,
)

pytestmark = pytest.mark.django_db
DUE = timezone.localdate() + datetime.timedelta(days=30)  # a deadline not yet passed


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
    ActionFactory(group=group, owner=owner.person, problem="按期事项", due_on=DUE)
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


def test_raiser_reads_the_action_page_with_the_note_on_accepting(client):
    county = OrganizationFactory()
    group = StudyGroupFactory(organization=OrganizationFactory(parent=county))
    raiser = user_with_role("viewer", county)
    action = ActionFactory(group=group, raised_by=raiser)
    client.force_login(raiser)
    response = client.get(action.get_absolute_url())
    assert response.status_code == 200
    assert "此整改事项由您提出:责任主体报告完成后,请在此验收。" in response.content.decode()
    client.force_login(user_with_role("viewer", county))
    assert 'id="raiser-note"' not in client.get(action.get_absolute_url()).content.decode()


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
        {"problem": "成果转化不够", "measure": "形成制度", "owner": owner.pk, "due_on": DUE.isoformat()},
    )
    assert response.url == topic.get_absolute_url()
    action = topic.actions.get()
    assert (action.group, action.owner, action.research) == (group, owner, topic)


def _reported_visit(observer):
    county = OrganizationFactory()
    town = OrganizationFactory(parent=county)
    starts = timezone.now() - datetime.timedelta(days=2)
    session = StudySessionFactory(
        group=StudyGroupFactory(organization=town), starts_at=starts, ends_at=starts + datetime.timedelta(hours=2)
    )
    return ObserverVisitFactory(
        session=session,
        organization=county,
        observer=observer.person,
        findings="研讨不够聚焦\n总结讲话不够深入",
        rating="good",
        report="总体良好",
        reported_on=timezone.localdate(),
    )


def test_a_finding_becomes_an_action_only_once(client):
    observer = user_with_role("observer", OrganizationFactory())
    visit = _reported_visit(observer)
    owner = user_with_role("member", visit.session.group.organization).person
    client.force_login(observer)
    url = reverse("audits:visit-action", args=[visit.pk]) + "?finding=研讨不够聚焦"
    form = client.get(url).content.decode()
    assert 'name="finding" value="研讨不够聚焦"' in form
    body = {
        "problem": "研讨不够聚焦,发言偏离主题",
        "measure": "会前细化题目",
        "owner": owner.pk,
        "due_on": DUE.isoformat(),
    }
    first = client.post(url, {**body, "finding": "研讨不够聚焦", "request_key": "0c5e2c7a-8a51-4d0e-a7a5-3c0b8e9d1f01"})
    second = client.post(
        url, {**body, "finding": "研讨不够聚焦", "request_key": "6f1d0b8e-2b6a-49f3-8e0a-7a3f5c1d2e02"}
    )
    assert first.url == second.url == visit.get_absolute_url()
    assert list(visit.actions.values_list("finding", "problem")) == [("研讨不够聚焦", "研讨不够聚焦,发言偏离主题")]
    page = client.get(visit.get_absolute_url()).content.decode()
    assert "该整改事项已提出,未重复创建。" in page
    findings = page.split('id="findings"')[1].split("</ul>")[0]
    assert findings.count("已转为整改事项") == 1 and findings.count("转为整改事项") == 2
    # Asking again for the form of a finding already raised leads back to the visit.
    again = client.get(url)
    assert again.url == visit.get_absolute_url()
    with pytest.raises(ValidationError):
        services.action_create(
            group=visit.session.group,
            problem="另写的问题",
            measure="",
            owner=owner,
            due_on=DUE,
            finding="研讨不够聚焦",
            visit=visit,
            by=observer,
        )
    assert visit.actions.count() == 1


def test_a_second_click_on_any_action_form_raises_nothing(client):
    from plans.tests.factories import ResearchTopicFactory

    group = StudyGroupFactory(organization=OrganizationFactory())
    topic = ResearchTopicFactory(group=group)
    owner = user_with_role("member", group.organization).person
    client.force_login(user_with_role("staff", group.organization))
    body = {
        "problem": "成果转化不够",
        "measure": "",
        "owner": owner.pk,
        "due_on": DUE.isoformat(),
        "request_key": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
    }
    url = reverse("audits:research-action", args=[topic.pk])
    assert client.post(url, body).status_code == 302
    assert client.post(url, body).url == topic.get_absolute_url()
    assert topic.actions.count() == 1


def test_the_observer_finds_the_actions_he_raised_under_my_actions(client):
    observer = user_with_role("observer", OrganizationFactory())
    visit = _reported_visit(observer)
    owner = user_with_role("member", visit.session.group.organization).person
    services.action_create(
        group=visit.session.group,
        problem="研讨不够聚焦",
        measure="",
        owner=owner,
        due_on=DUE,
        visit=visit,
        finding="研讨不够聚焦",
        by=observer,
    )
    ActionFactory(group=visit.session.group, problem="别人提出的事项")
    # Staff of the planning organization raise the second finding of his visit: he follows it too.
    ActionFactory(
        group=visit.session.group,
        visit=visit,
        finding="总结讲话不够深入",
        problem="总结讲话不够深入",
        raised_by=user_with_role("staff", visit.organization),
    )
    client.force_login(observer)
    page = client.get(reverse("audits:action-list") + "?mine=1").content.decode()
    assert "研讨不够聚焦" in page and "总结讲话不够深入" in page and "别人提出的事项" not in page
    for action in visit.actions.all():
        assert client.get(action.get_absolute_url()).status_code == 200


def test_upper_level_staff_read_a_lower_levels_action_but_do_not_close_it(client):
    county = OrganizationFactory()
    town = OrganizationFactory(parent=county)
    group = StudyGroupFactory(organization=town)
    county_staff = user_with_role("staff", county)
    action = ActionFactory(group=group)
    with pytest.raises(PermissionDenied):
        services.action_update(action=action, status="done", evidence="已整改", by=county_staff)
    client.force_login(county_staff)
    page = client.get(action.get_absolute_url())
    assert page.status_code == 200 and 'name="status"' not in page.content.decode()
    response = client.post(action.get_absolute_url(), {"form": "update", "status": "done", "evidence": "已整改"})
    assert response.status_code == 403
    action.refresh_from_db()
    assert (action.status, action.done_on, action.changes.count()) == ("open", None, 0)
    # The town's own staff act for the owner.
    services.action_update(action=action, status="in_progress", by=user_with_role("staff", town))
    assert action.status == "in_progress"


def test_the_owner_closes_and_the_raiser_accepts_or_sends_back(client):
    county = OrganizationFactory()
    group = StudyGroupFactory(organization=OrganizationFactory(parent=county))
    raiser = user_with_role("staff", county)
    owner = user_with_role("member", group.organization)
    action = ActionFactory(group=group, owner=owner.person, raised_by=raiser)
    client.force_login(raiser)
    assert 'id="accept"' not in client.get(action.get_absolute_url()).content.decode()
    with pytest.raises(ValidationError):
        services.action_accept(action=action, accept=True, by=raiser)
    services.action_update(action=action, status="done", evidence="已修订制度", by=owner)
    with pytest.raises(PermissionDenied):
        services.action_accept(action=action, accept=True, by=owner)
    assert 'id="accept"' in client.get(action.get_absolute_url()).content.decode()
    client.post(action.get_absolute_url(), {"form": "accept", "send_back": "1", "note": "佐证材料不全"})
    action.refresh_from_db()
    assert (action.status, action.done_on, action.accepted_on) == ("in_progress", None, None)
    services.action_update(action=action, status="done", evidence="已补充佐证材料", by=owner)
    client.post(action.get_absolute_url(), {"form": "accept", "accept": "1", "note": ""})
    client.post(action.get_absolute_url(), {"form": "accept", "accept": "1", "note": ""})  # a double click
    action.refresh_from_db()
    assert (action.accepted_on, action.accepted_by) == (timezone.localdate(), raiser)
    assert [(c.from_status, c.to_status, c.note) for c in action.changes.all()] == [
        ("open", "done", ""),
        ("done", "in_progress", "佐证材料不全"),
        ("in_progress", "done", ""),
        ("done", "done", "验收通过。"),
    ]
    with pytest.raises(ValidationError):
        services.action_update(action=action, status="open", by=owner)
    client.force_login(owner)
    page = client.get(action.get_absolute_url()).content.decode()
    assert "已验收" in page and 'name="status"' not in page


def test_a_second_click_on_file_the_report_files_once(client):
    observer = user_with_role("observer", OrganizationFactory())
    visit = _reported_visit(observer)
    type(visit).objects.filter(pk=visit.pk).update(reported_on=None, report="", rating="")
    client.force_login(observer)
    url = reverse("audits:visit-report", args=[visit.pk])
    body = {"rating": "good", "report": "准备充分", "findings": "", "file": "1"}
    assert client.post(url, body).url == visit.get_absolute_url()
    second = client.post(url, {**body, "report": "第二次提交"})
    assert second.url == visit.get_absolute_url()
    visit.refresh_from_db()
    assert (visit.report, visit.reported_on) == ("准备充分", timezone.localdate())
    assert "旁听报告已提交" in client.get(visit.get_absolute_url()).content.decode()
    form = client.get(url).content.decode()
    assert "data-busy" in form


def test_my_actions_and_coverage_pages_keep_their_query_count(
    client, django_assert_num_queries, django_assert_max_num_queries
):
    county = OrganizationFactory()
    observer = user_with_role("observer", county)
    staff = user_with_role("staff", county)

    def add(n):
        for _ in range(n):
            group = StudyGroupFactory(organization=OrganizationFactory(parent=county))
            starts = timezone.now() - datetime.timedelta(days=3)
            session = StudySessionFactory(group=group, starts_at=starts, ends_at=starts + datetime.timedelta(hours=2))
            visit = ObserverVisitFactory(session=session, organization=county, observer=observer.person)
            ActionFactory(group=group, visit=visit, raised_by=observer)

    add(1)
    pages = [(observer, reverse("audits:action-list") + "?mine=1"), (staff, reverse("audits:coverage"))]
    counts = []
    for user, url in pages:
        client.force_login(user)
        client.get(url)
        with django_assert_max_num_queries(30) as captured:
            client.get(url)
        counts.append(len(captured.captured_queries))
    add(4)
    for (user, url), count in zip(pages, counts, strict=True):
        client.force_login(user)
        with django_assert_num_queries(count):
            assert client.get(url).status_code == 200


def test_a_status_change_is_named_in_chinese():
    assert str(ActionChange(from_status="open", to_status="done")) == "待整改 → 已整改"


def test_a_superuser_passes_reach_rules_but_not_rules_about_who_he_is():
    superuser = UserFactory(is_superuser=True)
    action = ActionFactory(status=Action.Status.DONE, raised_by=UserFactory())
    assert access.can(superuser, "change", action)
    assert access.can(superuser, "audits.raise_for_group", action.group)
    assert not access.can(superuser, "audits.action_accept", action)
    with pytest.raises(PermissionDenied):
        services.action_accept(action=action, accept=True, by=superuser)
    action.refresh_from_db()
    assert (action.status, action.accepted_on) == (Action.Status.DONE, None)


def test_a_superuser_who_raised_an_action_accepts_it():
    superuser = UserFactory(is_superuser=True)
    PersonFactory(user=superuser)
    action = ActionFactory(status=Action.Status.DONE, raised_by=superuser)
    services.action_accept(action=action, accept=True, by=superuser)
    action.refresh_from_db()
    assert action.accepted_by == superuser


def test_an_action_is_not_raised_with_a_deadline_already_passed(client):
    observer = user_with_role("observer", OrganizationFactory())
    visit = _reported_visit(observer)
    owner = user_with_role("member", visit.session.group.organization).person
    client.force_login(observer)
    url = reverse("audits:visit-action", args=[visit.pk]) + "?finding=研讨不够聚焦"
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    body = {"problem": "研讨不够聚焦", "measure": "会前细化题目", "owner": owner.pk, "finding": "研讨不够聚焦"}
    response = client.post(url, {**body, "due_on": yesterday.isoformat()})
    assert response.status_code == 200 and not Action.objects.exists()
    field = response.content.decode().split('name="due_on"')[1].split("</div>")[:3]
    assert "完成时限已过,请填写今天或以后的日期。" in "".join(field)
    with pytest.raises(ValidationError) as refused:
        services.action_create(
            group=visit.session.group,
            problem="问题",
            measure="",
            owner=owner,
            due_on=yesterday,
            visit=visit,
            by=observer,
        )
    assert "due_on" in refused.value.error_dict
    # Due today is still on time.
    assert client.post(url, {**body, "due_on": timezone.localdate().isoformat()}).status_code == 302
    assert visit.actions.get().due_on == timezone.localdate()
    client.force_login(user_with_role("observer", OrganizationFactory()))
    assert client.get(url).status_code == 404


def test_an_action_past_its_deadline_can_still_be_updated(client):
    group = StudyGroupFactory(organization=OrganizationFactory())
    owner = user_with_role("member", group.organization)
    action = ActionFactory(group=group, owner=owner.person, due_on=timezone.localdate() - datetime.timedelta(days=9))
    client.force_login(owner)
    response = client.post(
        action.get_absolute_url(), {"form": "update", "status": "in_progress", "note": "已制定方案", "evidence": ""}
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == "in_progress" and action.due_on < timezone.localdate()
    services.action_update(action=action, status="done", evidence="修订了学习制度", by=owner)
    assert Action.objects.get().status == "done"
