"""Records that cannot predate their session: attendance, sign-in by hand, make-ups and the make-up notes' list."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from sessions import services
from sessions.models import Attendance, MakeUp, Submission
from sessions.tests.factories import AttendanceFactory, StudySessionFactory
from studygroup.tests.factories import MembershipFactory, OrganizationFactory, StudyGroupFactory, user_with_role

pytestmark = pytest.mark.django_db
START = datetime.datetime(2027, 1, 4, 1, 0, tzinfo=datetime.UTC)  # 09:00 in Beijing


@pytest.fixture
def group():
    return StudyGroupFactory(organization=OrganizationFactory(name="城关镇党委"))


@pytest.fixture
def staff(group):
    return user_with_role("staff", group.organization)


@pytest.fixture
def session(group):
    return StudySessionFactory(
        group=group, title="学习全会精神", starts_at=START, ends_at=START + datetime.timedelta(hours=2)
    )


def _member(group):
    member = user_with_role("member", group.organization)
    member.person.memberships.update(group=group)
    return member


@freeze_time(START - datetime.timedelta(days=28))
def test_the_attendance_sheet_of_a_session_not_held_takes_leave_only(client, group, staff, session):
    first, second = MembershipFactory.create_batch(2, group=group)
    client.force_login(staff)
    url = reverse("sessions:attendance", args=[session.pk])
    page = client.get(url).content.decode()
    assert "尚未举行" in page and "开始前只能登记请假" in page
    present = page.split(f'name="status-{first.person.pk}" value="present"')[1].split(">")[0]
    leave = page.split(f'name="status-{first.person.pk}" value="leave"')[1].split(">")[0]
    assert "disabled" in present and "disabled" not in leave
    response = client.post(url, {f"status-{first.person.pk}": "present", f"status-{second.person.pk}": "present"})
    assert response.status_code == 200 and "学习会尚未开始,开始前只能登记请假。" in response.content.decode()
    assert not Attendance.objects.exists()
    client.post(url, {f"status-{first.person.pk}": "leave"})
    assert dict(session.attendances.values_list("person_id", "status")) == {first.person.pk: "leave"}


@pytest.mark.parametrize("status", ["present", "late", "absent", "made_up"])
def test_no_attendance_but_leave_is_recorded_before_the_start(group, staff, session, status):
    seat = MembershipFactory(group=group)
    with freeze_time(START - datetime.timedelta(minutes=1)):
        with pytest.raises(ValidationError) as refused:
            services.attendance_mark(session=session, marks={seat.person.pk: status}, by=staff)
        assert "开始前只能登记请假" in refused.value.messages[0]
        assert not Attendance.objects.exists()
        assert services.attendance_mark(session=session, marks={seat.person.pk: "leave"}, by=staff) == 1
        with pytest.raises(ValidationError):  # nor does leave turn into anything else early
            services.attendance_mark(session=session, marks={seat.person.pk: status}, by=staff)
    with freeze_time(START):
        assert services.attendance_mark(session=session, marks={seat.person.pk: status}, by=staff) == 1
    assert session.attendances.get().status == status


def test_a_make_up_is_not_recorded_before_the_session_starts_even_on_its_day(group, staff, session):
    row = AttendanceFactory(session=session, person=MembershipFactory(group=group).person, status="leave")
    # The same day in Beijing, before 09:00.
    with freeze_time(START - datetime.timedelta(hours=2)), pytest.raises(ValidationError):
        services.makeup_record(
            attendance=row, on=timezone.localdate(), method="delivered", given_by="学习秘书", by=staff
        )
    assert not MakeUp.objects.exists()
    row.refresh_from_db()
    assert row.status == "leave"


def test_staff_cannot_sign_anyone_in_a_week_early(client, group, staff, session):
    member = _member(group)
    url = reverse("sessions:signin-screen", args=[session.pk])
    with freeze_time(START - datetime.timedelta(days=7)):
        client.force_login(staff)
        page = client.get(url).content.decode()
        assert 'id="signin-closed"' in page and "签到将于 1月4日 08:00 开始" in page and "<svg" in page
        response = client.post(url, {"person": member.person.pk})
        assert response.status_code == 200 and "签到将于" in response.content.decode()
        with pytest.raises(ValidationError):
            services.sign_in_by_staff(session=session, person=member.person, by=staff)
    assert not Attendance.objects.exists()
    with freeze_time(START - datetime.timedelta(minutes=30)):
        client.force_login(staff)
        assert 'id="signin-closed"' not in client.get(url).content.decode()
        client.post(url, {"person": member.person.pk})
    assert Attendance.objects.get().status == "present"


def test_staff_cannot_sign_anyone_in_after_the_end(client, group, staff, session):
    member = _member(group)
    url = reverse("sessions:signin-screen", args=[session.pk])
    with freeze_time(START + datetime.timedelta(hours=3)):
        client.force_login(staff)
        page = client.get(url).content.decode()
        assert 'id="signin-closed"' in page and "考勤表" in page
        response = client.post(url, {"person": member.person.pk})
    assert "学习会已结束" in response.content.decode()
    assert not Attendance.objects.exists()


@freeze_time(START - datetime.timedelta(days=7))
def test_another_organization_s_staff_get_404_on_these_pages(client, session):
    client.force_login(user_with_role("staff", OrganizationFactory()))
    assert client.get(reverse("sessions:attendance", args=[session.pk])).status_code == 404
    assert client.get(reverse("sessions:signin-screen", args=[session.pk])).status_code == 404


def test_the_make_up_notes_form_lists_only_sessions_held(client, group):
    member = _member(group)
    start = timezone.now() - datetime.timedelta(days=10)
    held = StudySessionFactory(
        group=group, title="已开学习会", starts_at=start, ends_at=start + datetime.timedelta(hours=2)
    )
    ahead = StudySessionFactory(group=group, title="下月学习会")  # a week ahead
    AttendanceFactory(session=held, person=member.person, status="leave")
    client.force_login(member)
    url = reverse("sessions:submission-create") + f"?session={held.pk}&makeup=1"
    page = client.get(url).content.decode()
    assert "已开学习会" in page and "下月学习会" not in page
    response = client.post(url, {"kind": "notes", "title": "补学笔记", "session": ahead.pk, "text": "补学"})
    assert response.status_code == 200 and not Submission.objects.exists()
    client.post(url, {"kind": "notes", "title": "补学笔记", "session": held.pk, "text": "补学"})
    makeup = Submission.objects.get()
    assert "下月学习会" not in client.get(reverse("sessions:submission-edit", args=[makeup.pk])).content.decode()
    # Discussion material is prepared before a session: the ordinary form still offers the one ahead.
    assert "下月学习会" in client.get(reverse("sessions:submission-create")).content.decode()
