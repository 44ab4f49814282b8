"""Home pages: one "To do" list that agrees with every other panel; leaders and viewers are led to the dashboard."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from plans.tests.factories import MaterialFactory, StudyPlanFactory
from sessions.tests.factories import AttendanceFactory, StudySessionFactory, SubmissionFactory
from studygroup.tests.factories import MembershipFactory, OrganizationFactory, StudyGroupFactory, user_with_role

pytestmark = pytest.mark.django_db
NOTHING_WAITING = "暂无待办事项"


def home(client, user) -> str:
    client.force_login(user)
    return client.get(reverse("home")).content.decode()


def to_do(page) -> str:
    return page.split('id="panel-to-do"')[1].split("</section>")[0]


def test_staff_see_every_waiting_task_in_one_list_and_never_nothing_waiting_beside_it(client):
    town = OrganizationFactory(name="城关镇党委")
    group = StudyGroupFactory(organization=town)
    MembershipFactory(group=group, role="secretary")
    SubmissionFactory.create_batch(2, group=group, status="submitted", submitted_on=datetime.date(2026, 11, 2))
    page = home(client, user_with_role("staff", town))
    tasks = to_do(page)
    assert "有 2 份材料待您审核。" in tasks
    assert "城关镇党委:尚未登记中心组组长。" in tasks
    assert f"城关镇党委尚未制定{timezone.localdate().year}年度学习计划。" in tasks
    assert NOTHING_WAITING not in page


def test_a_plan_of_this_year_still_in_draft_is_a_to_do_of_the_office(client):
    town = OrganizationFactory(name="白沙镇党委")
    plan = StudyPlanFactory(group=StudyGroupFactory(organization=town), year=timezone.localdate().year, status="draft")
    tasks = to_do(home(client, user_with_role("staff", town)))
    assert f"白沙镇党委{timezone.localdate().year}年度学习计划仍为草稿,请报送审批。" in tasks
    assert plan.get_absolute_url() in tasks


def test_nothing_waiting_only_when_the_to_do_list_is_empty(client):
    town = OrganizationFactory()
    group = StudyGroupFactory(organization=town)
    MembershipFactory(group=group, role="leader")
    MembershipFactory(group=group, role="secretary")
    StudyPlanFactory(group=group, year=timezone.localdate().year, status="submitted")
    page = home(client, user_with_role("staff", town))
    assert NOTHING_WAITING in to_do(page)
    assert page.count(NOTHING_WAITING) == 1


def test_members_find_materials_and_make_ups_in_the_to_do_list(client):
    member = user_with_role("member", OrganizationFactory())
    group = member.person.memberships.get().group
    soon = timezone.now() + datetime.timedelta(days=3)
    upcoming = StudySessionFactory(group=group, starts_at=soon, ends_at=soon + datetime.timedelta(hours=2))
    MaterialFactory(group=group, session=upcoming)
    past = timezone.now() - datetime.timedelta(days=30)
    missed = StudySessionFactory(group=group, starts_at=past, ends_at=past + datetime.timedelta(hours=2))
    AttendanceFactory(session=missed, person=member.person, status="absent")
    tasks = to_do(home(client, member))
    assert "近期学习会有 1 份资料待自学。" in tasks
    assert "有 1 项待补学。" in tasks


def test_leaders_approve_plans_from_the_to_do_list(client):
    town = OrganizationFactory()
    plan = StudyPlanFactory(group=StudyGroupFactory(organization=town), status="submitted")
    tasks = to_do(home(client, user_with_role("leader", town)))
    assert plan.get_absolute_url() in tasks and "审批学习计划" in tasks


@pytest.mark.parametrize("role", ["leader", "viewer"])
def test_leaders_and_viewers_are_led_to_the_dashboard(client, role):
    county = OrganizationFactory()
    StudyGroupFactory(organization=county)
    page = home(client, user_with_role(role, county))
    assert "数据看板将随报表功能提供" not in page
    subtree = page.split('id="panel-viewer-subtree"')[1].split("</section>")[0]
    assert f'href="{reverse("reports:dashboard")}"' in subtree and "打开工作看板" in subtree


def test_viewers_have_no_to_do_panel(client):
    page = home(client, user_with_role("viewer", OrganizationFactory()))
    assert 'id="panel-to-do"' not in page and NOTHING_WAITING not in page


def test_leave_requests_wait_in_the_to_do_list_of_those_who_decide_them_until_decided(client):
    from sessions import services

    town = OrganizationFactory()
    group = StudyGroupFactory(organization=town)
    member = user_with_role("member", town)
    soon = timezone.now() + datetime.timedelta(days=10)
    session = StudySessionFactory(group=group, starts_at=soon, ends_at=soon + datetime.timedelta(hours=2))
    services.leave_ask(session=session, reason="赴省里参加培训", by=member)
    leader, staff = user_with_role("leader", town), user_with_role("staff", town)
    line = f"{session.title}:有 1 条请假申请待您审批。"
    for user in (leader, staff):
        tasks = to_do(home(client, user))
        assert line in tasks and f'href="{session.get_absolute_url()}#leave"' in tasks
    assert line not in home(client, member)
    assert line not in home(client, user_with_role("leader", OrganizationFactory()))
    services.leave_decide(request=session.leave_requests.get(), approve=True, by=leader)
    assert line not in home(client, leader)


def test_make_up_notes_waiting_for_review_are_a_line_of_their_own(client):
    town = OrganizationFactory()
    group = StudyGroupFactory(organization=town)
    past = timezone.now() - datetime.timedelta(days=5)
    missed = StudySessionFactory(group=group, starts_at=past, ends_at=past + datetime.timedelta(hours=2))
    SubmissionFactory(group=group, session=missed, kind="notes", is_makeup=True, status="submitted")
    SubmissionFactory(group=group, status="submitted")
    tasks = to_do(home(client, user_with_role("staff", town)))
    assert "有 1 份补学笔记待您审核。" in tasks
    assert "有 1 份材料待您审核。" in tasks


def test_a_handed_in_make_up_note_is_no_longer_a_make_up_to_do(client):
    member = user_with_role("member", OrganizationFactory())
    group = member.person.memberships.get().group
    past = timezone.now() - datetime.timedelta(days=30)
    missed = StudySessionFactory(group=group, starts_at=past, ends_at=past + datetime.timedelta(hours=2))
    AttendanceFactory(session=missed, person=member.person, status="leave")
    note = SubmissionFactory(
        group=group, person=member.person, session=missed, kind="notes", is_makeup=True, status="submitted"
    )
    draft = SubmissionFactory(group=group, person=member.person, status="draft")
    returned = SubmissionFactory(group=group, person=member.person, status="returned")
    assert "待补学" not in to_do(home(client, member))
    page = client.get(reverse("sessions:my-study")).content.decode()
    makeups = page.split('id="makeups"')[1].split("</ul>")[0]
    assert missed.title in makeups and "补学笔记已提交,待审核" in makeups and "逾期" not in makeups
    unfinished = page.split('id="unfinished"')[1].split("</ul>")[0]
    assert draft.title in unfinished and returned.title in unfinished and note.title not in unfinished
    assert note.title in page.split('id="in-review"')[1].split("</ul>")[0]
    note.status = "returned"
    note.save(update_fields=["status"])
    assert "有 1 项待补学。" in to_do(home(client, member))
