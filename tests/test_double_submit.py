"""Issue 15, failure 7: double submits create nothing twice, repeats of a state change do nothing, and an edit made
stale by someone else's change is refused (never saved over it).

Each case posts what a browser posts: the form as the page draws it (with its key and, for an edit, its version).
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from audits.models import ObserverVisit
from audits.tests.factories import ObserverVisitFactory
from plans.tests.factories import StudyPlanFactory
from sessions.models import LeaveRequest, ReviewStep, Submission
from sessions.tests.factories import StudySessionFactory, SubmissionFactory
from studygroup import tasks  # noqa: F401 - registers the e-mail task that the outbox publishes by name
from studygroup.models import FormReceipt, Notification
from studygroup.tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    PersonFactory,
    StudyGroupFactory,
    UserFactory,
    user_with_role,
)

pytestmark = pytest.mark.django_db


def hidden(page: str, name: str) -> str:
    """The value of the hidden field ``name`` the page drew (the first form that has one)."""
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, f"the page draws no {name} field"
    return match.group(1)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


@pytest.fixture
def group():
    return StudyGroupFactory(organization=OrganizationFactory())


def member_of(group, **user_kwargs):
    user = UserFactory(**user_kwargs)
    MembershipFactory(group=group, person=PersonFactory(organization=group.organization, user=user))
    return user


def test_a_reflection_posted_twice_or_five_times_is_one_submission(client, group):
    member = member_of(group)
    client.force_login(member)
    url = reverse("sessions:submission-create")
    key = hidden(client.get(url).content.decode(), "once")
    body = {"kind": "reflection", "title": "学习心得", "text": "心得正文", "once": key}
    first = client.post(url, body)
    assert first.status_code == 302
    repeats = [client.post(url, body) for _ in range(4)]
    assert Submission.objects.filter(person=member.person).count() == 1
    assert {r.status_code for r in repeats} == {302} and {r.url for r in repeats} == {first.url}
    assert "这份表单已经提交过,没有再次提交。下面是第一次提交的结果。" in messages_of(repeats[0])
    # Back to the form: the page is drawn anew with a new key and the browser puts back what was typed. Sent
    # again, it is the same post.
    resent = client.post(url, {**body, "once": hidden(client.get(url).content.decode(), "once")})
    assert resent.status_code == 302 and resent.url == first.url
    assert Submission.objects.filter(person=member.person).count() == 1
    assert "这份表单已经提交过,没有再次提交。下面是第一次提交的结果。" in messages_of(resent)
    # A second reflection, written on purpose, is a second submission.
    again = {**body, "text": "第二篇心得", "once": hidden(client.get(url).content.decode(), "once")}
    client.post(url, again)
    assert Submission.objects.filter(person=member.person).count() == 2


def test_submit_clicked_three_times_is_one_review_step_and_one_email(
    client, group, django_capture_on_commit_callbacks, settings
):
    staff = user_with_role("staff", group.organization, email="office@example.org")
    member = member_of(group)
    submission = SubmissionFactory(group=group, person=member.person)
    client.force_login(member)
    page = client.get(submission.get_absolute_url()).content.decode()
    url = reverse("sessions:submission-submit", args=[submission.pk])
    key = hidden(page.split(f'action="{url}"')[1], "once")
    with django_capture_on_commit_callbacks(execute=True):
        answers = [client.post(url, {"once": key}) for _ in range(3)]
        # A fourth click from a second tab (another key), later than a resend: the service finds it submitted and
        # says so calmly, nothing more.
        settings.FORM_RESEND_SECONDS = 0
        other_tab = client.post(
            url, {"once": hidden(client.get(submission.get_absolute_url()).content.decode(), "once")}
        )
    assert [a.status_code for a in answers] == [302, 302, 302]
    assert ReviewStep.objects.filter(submission=submission, action=ReviewStep.Action.SUBMIT).count() == 1
    assert [m.to for m in mail.outbox] == [[staff.email]]
    assert Notification.objects.filter(recipient=staff, verb="submission_submitted").count() == 1
    assert [(m.level_tag, str(m)) for m in other_tab.wsgi_request._messages] == [("info", "已经提交过了。")]


def test_a_leave_request_sent_three_times_notifies_each_decider_once(client, group):
    staff = user_with_role("staff", group.organization)
    leader = user_with_role("leader", group.organization)
    member = member_of(group)
    session = StudySessionFactory(group=group)
    client.force_login(member)
    url = reverse("sessions:leave-ask", args=[session.pk])
    key = hidden(client.get(url).content.decode(), "once")
    for _ in range(3):
        client.post(url, {"reason": "赴省里参加培训", "once": key})
    # and three times more from pages drawn again (a reload, a second tab): the request stands as it was
    for _ in range(3):
        client.post(url, {"reason": "赴省里参加培训", "once": hidden(client.get(url).content.decode(), "once")})
    assert LeaveRequest.objects.filter(session=session, person=member.person).count() == 1
    told = Notification.objects.filter(verb="leave_asked").values_list("recipient", flat=True)
    assert sorted(told) == sorted([staff.pk, leader.pk])


def _visit_after_the_session():
    county = OrganizationFactory()
    observer = user_with_role("observer", county)
    starts = timezone.now() - datetime.timedelta(days=2)
    session = StudySessionFactory(
        group=StudyGroupFactory(organization=OrganizationFactory(parent=county)),
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
    )
    visit = ObserverVisitFactory(session=session, organization=county, observer=observer.person)
    return observer, visit


def test_a_visit_report_filed_from_two_tabs_keeps_the_first_and_refuses_the_second(client):
    observer, visit = _visit_after_the_session()
    client.force_login(observer)
    url = reverse("audits:visit-report", args=[visit.pk])
    first_tab, second_tab = (client.get(url).content.decode() for _ in range(2))
    filed = {"rating": "good", "report": "准备充分,研讨深入", "findings": "", "file": "1"}
    answer = client.post(url, {**filed, "once": hidden(first_tab, "once"), "version": hidden(first_tab, "version")})
    assert answer.status_code == 302
    late = {"rating": "fair", "report": "第二个标签页里的草稿", "findings": "", "save": "1"}
    refused = client.post(url, {**late, "once": hidden(second_tab, "once"), "version": hidden(second_tab, "version")})
    assert refused.status_code == 200
    page = refused.content.decode()
    assert "您已在另一个页面或标签页中修改了该记录" in page and "请刷新页面查看最新内容后重试" in page
    assert "第二个标签页里的草稿" in page  # what was typed stays on the page
    visit.refresh_from_db()
    assert (visit.report, visit.rating, visit.reported_on) == ("准备充分,研讨深入", "good", timezone.localdate())
    assert not FormReceipt.objects.filter(key=hidden(second_tab, "once")).exists()


def test_an_autosave_hands_the_page_its_new_version(client):
    observer, visit = _visit_after_the_session()
    client.force_login(observer)
    url = reverse("audits:visit-report", args=[visit.pk])
    page = client.get(url).content.decode()
    draft = {"rating": "good", "report": "边写边存", "findings": "", "version": hidden(page, "version")}
    saved = client.post(reverse("audits:visit-report-draft", args=[visit.pk]), draft, HTTP_HX_REQUEST="true")
    version = hidden(saved.content.decode(), "version")
    assert 'hx-swap-oob="true"' in saved.content.decode() and version != draft["version"]
    filed = client.post(url, {**draft, "version": version, "file": "1", "once": hidden(page, "once")})
    assert filed.status_code == 302
    assert ObserverVisit.objects.get(pk=visit.pk).reported_on == timezone.localdate()


def test_a_plan_edited_meanwhile_by_a_colleague_is_not_overwritten(client, group):
    plan = StudyPlanFactory(group=group, main_line="第一版主线")
    mine, colleague = (user_with_role("staff", group.organization) for _ in range(2))
    client.force_login(mine)
    url = reverse("plans:plan-edit", args=[plan.pk])
    page = client.get(url).content.decode()
    client.force_login(colleague)
    colleagues = client.get(url).content.decode()
    assert client.post(url, {"main_line": "同事改的主线", "version": hidden(colleagues, "version")}).status_code == 302
    client.force_login(mine)
    refused = client.post(
        url, {"main_line": "我改的主线", "version": hidden(page, "version"), "once": hidden(page, "once")}
    )
    assert refused.status_code == 200
    assert f"该记录已被他人修改:{colleague.person.name}于" in refused.content.decode()
    plan.refresh_from_db()
    assert plan.main_line == "同事改的主线"
    # Reloaded, the page carries the colleague's version and my change goes through.
    fresh = client.get(url).content.decode()
    assert client.post(url, {"main_line": "我改的主线", "version": hidden(fresh, "version")}).status_code == 302
    plan.refresh_from_db()
    assert plan.main_line == "我改的主线"


def test_a_stranger_reusing_a_key_gets_nothing(client, group):
    member = member_of(group)
    stranger = user_with_role("staff", OrganizationFactory())
    client.force_login(member)
    url = reverse("sessions:submission-create")
    key = hidden(client.get(url).content.decode(), "once")
    client.post(url, {"kind": "reflection", "title": "学习心得", "text": "正文", "once": key})
    client.force_login(stranger)
    answer = client.post(url, {"kind": "reflection", "title": "冒用", "text": "正文", "once": key})
    assert answer.status_code == 409 and "这份表单已经提交过" in answer.content.decode()
    assert list(Submission.objects.values_list("title", flat=True)) == ["学习心得"]
