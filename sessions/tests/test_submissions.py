"""Members hand in notes, reflections and make-up notes tied to a session."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from sessions.models import Attendance, Submission
from sessions.tests.factories import AttendanceFactory, StudySessionFactory, SubmissionFactory
from studygroup.tests.factories import OrganizationFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def member():
    return user_with_role("member", OrganizationFactory(name="城关镇党委"))


def _past_session(group, days=10, **kwargs):
    start = timezone.now() - datetime.timedelta(days=days)
    return StudySessionFactory(group=group, starts_at=start, ends_at=start + datetime.timedelta(hours=2), **kwargs)


def test_member_hands_in_a_make_up_note_for_the_session_he_missed(client, member):
    group = member.person.memberships.get().group
    missed = _past_session(group, title="学习全会精神")
    AttendanceFactory(session=missed, person=member.person, status=Attendance.Status.LEAVE)
    client.force_login(member)
    url = reverse("sessions:submission-create") + f"?session={missed.pk}&makeup=1"
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"kind": "notes", "title": "补学笔记", "session": missed.pk, "text": "补学内容", "submit_now": "1"}
    )
    submission = Submission.objects.get()
    assert response.status_code == 302 and response.url == submission.get_absolute_url()
    assert (submission.session, submission.is_makeup, submission.status) == (missed, True, "submitted")


def test_a_make_up_for_a_session_older_than_the_list_is_still_accepted(client, member):
    group = member.person.memberships.get().group
    old = _past_session(group, days=500)
    client.force_login(member)
    url = reverse("sessions:submission-create") + f"?session={old.pk}&makeup=1"
    response = client.post(url, {"kind": "notes", "title": "补学笔记", "session": old.pk, "text": "补学内容"})
    assert response.status_code == 302
    assert Submission.objects.get().session == old


def test_member_chooses_a_session_for_a_reflection_and_changes_it_on_edit(client, member):
    group = member.person.memberships.get().group
    first, second = _past_session(group, days=20), _past_session(group, days=5)
    client.force_login(member)
    response = client.post(
        reverse("sessions:submission-create"),
        {"kind": "reflection", "title": "学习心得", "session": first.pk, "text": "心得"},
    )
    submission = Submission.objects.get()
    assert response.status_code == 302 and submission.session == first
    response = client.post(
        reverse("sessions:submission-edit", args=[submission.pk]),
        {"kind": "reflection", "title": "学习心得", "session": second.pk, "text": "修改后的心得"},
    )
    submission.refresh_from_db()
    assert response.status_code == 302
    assert (submission.session, submission.text) == (second, "修改后的心得")


def test_a_session_of_another_organization_is_not_a_choice(client, member):
    other = _past_session(StudySessionFactory().group)
    client.force_login(member)
    response = client.post(
        reverse("sessions:submission-create"),
        {"kind": "reflection", "title": "学习心得", "session": other.pk, "text": "心得"},
    )
    assert "选择一个有效的选项" in response.content.decode()
    assert not Submission.objects.exists()


def test_editing_keeps_an_old_session_a_choice(client, member):
    group = member.person.memberships.get().group
    old = _past_session(group, days=600)
    submission = SubmissionFactory(group=group, person=member.person, session=old, kind="notes")
    client.force_login(member)
    response = client.post(
        reverse("sessions:submission-edit", args=[submission.pk]),
        {"kind": "notes", "title": "笔记", "session": old.pk, "text": "新的笔记"},
    )
    submission.refresh_from_db()
    assert response.status_code == 302 and submission.text == "新的笔记"


def test_notes_wait_for_the_session_but_discussion_materials_may_come_before_it(client, member):
    group = member.person.memberships.get().group
    start = timezone.now() + datetime.timedelta(days=7)
    coming = StudySessionFactory(group=group, starts_at=start, ends_at=start + datetime.timedelta(hours=2))
    client.force_login(member)
    url = reverse("sessions:submission-create")
    response = client.post(url, {"kind": "reflection", "title": "学习心得", "session": coming.pk, "text": "心得"})
    assert "这次学习会尚未举行" in response.content.decode()
    assert not Submission.objects.exists()
    response = client.post(url, {"kind": "discussion", "title": "研讨发言提纲", "session": coming.pk, "text": "提纲"})
    assert response.status_code == 302
    assert Submission.objects.get().kind == "discussion"
