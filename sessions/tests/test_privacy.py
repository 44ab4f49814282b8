"""What the room and the upper level must not read: the lasting sign-in link, members' leave reasons, drafts.

That an observer reads who is on leave but not why is in ``audits/tests/test_visits.py``.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from sessions import signin
from sessions.models import Attendance
from sessions.tests.factories import AttendanceFactory, LeaveRequestFactory, StudySessionFactory
from studygroup.models import AuditEntry, Notification
from studygroup.tests.factories import MembershipFactory, OrganizationFactory, StudyGroupFactory, user_with_role

pytestmark = pytest.mark.django_db
REASON = "赴省委党校参加培训"


@pytest.fixture
def group():
    county = OrganizationFactory(name="临江县委")
    return StudyGroupFactory(organization=OrganizationFactory(name="城关镇党委", parent=county))


def _now_session(group):
    start = timezone.now() - datetime.timedelta(minutes=5)
    return StudySessionFactory(group=group, starts_at=start, ends_at=start + datetime.timedelta(hours=2))


def test_sign_in_screen_never_shows_the_link_token(client, group):
    session = _now_session(group)
    client.force_login(user_with_role("staff", group.organization))
    page = client.get(reverse("sessions:signin-screen", args=[session.pk])).content.decode()
    link_token = signin.make_token(session, signin.LINK)
    assert link_token not in page
    assert link_token.split(":")[0] not in page  # not even the signed payload
    assert "发送签到链接" in page


def test_the_link_goes_to_members_not_signed_in_and_signs_them_in(client, group):
    session = _now_session(group)
    staff = user_with_role("staff", group.organization)
    here, away = (user_with_role("member", group.organization) for _ in range(2))
    for user in (here, away):
        user.person.memberships.update(group=group)
    AttendanceFactory(session=session, person=here.person, status="present")
    client.force_login(staff)
    response = client.post(reverse("sessions:signin-screen", args=[session.pk]), {"send_link": "1"})
    assert response.status_code == 302
    notes = Notification.objects.filter(verb="signin_link")
    assert [n.recipient for n in notes] == [away]
    client.force_login(away)
    client.post(notes[0].url)
    assert Attendance.objects.get(session=session, person=away.person).method == "link"


def test_staff_of_another_organization_cannot_send_the_link(client, group):
    session = _now_session(group)
    MembershipFactory(group=group)
    client.force_login(user_with_role("staff", OrganizationFactory()))
    response = client.post(reverse("sessions:signin-screen", args=[session.pk]), {"send_link": "1"})
    assert response.status_code == 404
    assert not Notification.objects.exists()


def test_a_member_reads_his_own_leave_reason_not_a_colleague_s(client, group):
    session = StudySessionFactory(group=group)
    member = user_with_role("member", group.organization)
    member.person.memberships.update(group=group)
    LeaveRequestFactory(session=session, person=member.person, reason="出差")
    LeaveRequestFactory(session=session, reason=REASON)
    client.force_login(member)
    page = client.get(session.get_absolute_url()).content.decode()
    assert "出差" in page and REASON not in page


@pytest.mark.parametrize("role", ["staff", "leader"])
def test_staff_and_the_leader_read_leave_reasons(client, group, role):
    session = StudySessionFactory(group=group)
    LeaveRequestFactory(session=session, reason=REASON)
    user = user_with_role("member" if role == "leader" else role, group.organization)
    if role == "leader":
        user.person.memberships.update(group=group, role="leader")
    client.force_login(user)
    assert REASON in client.get(session.get_absolute_url()).content.decode()


def test_a_double_click_sends_the_link_once(client, group):
    session = _now_session(group)
    away = user_with_role("member", group.organization)
    away.person.memberships.update(group=group)
    client.force_login(user_with_role("staff", group.organization))
    for _ in range(2):
        client.post(reverse("sessions:signin-screen", args=[session.pk]), {"send_link": "1"})
    assert Notification.objects.filter(verb="signin_link", recipient=away).count() == 1


def test_a_members_draft_text_never_reaches_the_log(client):
    from sessions import services as session_services

    organization = OrganizationFactory()
    member = user_with_role("member", organization)
    group = member.person.memberships.get().group
    draft = session_services.submission_save(
        by=member, group=group, kind="notes", title="草稿标题", text="第一稿的私密内容"
    )
    session_services.submission_save(
        by=member, group=group, kind="notes", title="草稿标题", text="第二稿的私密内容", submission=draft
    )
    session_services.submission_submit(submission=draft, by=member)
    staff = user_with_role("staff", organization)
    session_services.submission_review(submission=draft, action="return", comment="请充实", by=staff)
    draft.refresh_from_db()
    session_services.submission_save(
        by=member, group=group, kind="notes", title="草稿标题", text="第三稿的私密内容", submission=draft
    )
    entries = AuditEntry.objects.filter(object_type="study_sessions.submission", object_id=str(draft.pk)).order_by("id")
    assert "私密内容" not in str(list(AuditEntry.objects.values_list("object_repr", "changes")))
    assert [(entry.action, entry.object_repr, entry.user) for entry in entries] == [
        ("create", "******", member),
        ("update", "******", member),
        ("update", "草稿标题", member),
        ("update", "******", staff),
        ("update", "******", member),
    ]
    assert entries[0].changes["title"] == [None, "******"]
    assert [entry.changes for entry in entries[1:]] == [
        {"text": ["******", "******"]},
        {"status": ["draft", "submitted"], "submitted_on": [None, timezone.localdate().isoformat()]},
        {"status": ["submitted", "returned"]},
        {"text": ["******", "******"]},
    ]
    client.force_login(staff)
    page = client.get(reverse("core:audit-log")).content.decode()
    assert "私密内容" not in page
    assert "(不予显示)" in page
