"""Make-ups recorded by staff (送学上门, 集中补学 …) and forms that create records acting once."""

import datetime
import threading
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sessions.models import Attendance, Lecture, MakeUp, StudySession, Submission
from sessions.tests.factories import AttendanceFactory, StudySessionFactory
from studygroup.models import AuditEntry, Notification
from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def group():
    return StudyGroupFactory(organization=OrganizationFactory(name="城关镇党委"))


@pytest.fixture
def staff(group):
    return user_with_role("staff", group.organization)


@pytest.fixture
def missed(group):
    member = user_with_role("member", group.organization)
    member.person.memberships.update(group=group)
    start = timezone.now() - datetime.timedelta(days=10)
    session = StudySessionFactory(
        group=group, title="学习全会精神", starts_at=start, ends_at=start + datetime.timedelta(hours=2)
    )
    return AttendanceFactory(session=session, person=member.person, status=Attendance.Status.LEAVE)


def _data(**overrides):
    data = {
        "on": timezone.localdate().isoformat(),
        "method": "delivered",
        "given_by": "学习秘书张明",
        "note": "送学上门,讲解全会精神",
        "once": str(uuid.uuid4()),
    }
    return {**data, **overrides}


def test_staff_record_a_make_up_delivered_in_person(client, staff, missed):
    client.force_login(staff)
    list_page = client.get(reverse("sessions:makeup-list")).content.decode()
    url = reverse("sessions:makeup-record", args=[missed.pk])
    assert url in list_page
    assert "送学上门" in client.get(url).content.decode()
    response = client.post(url, _data())
    assert response.status_code == 302 and response.url == reverse("sessions:makeup-list")
    missed.refresh_from_db()
    makeup = MakeUp.objects.get()
    assert missed.status == "made_up" and missed.recorded_by == staff
    assert (makeup.attendance, makeup.method, makeup.given_by, makeup.on, makeup.status_before) == (
        missed,
        "delivered",
        "学习秘书张明",
        timezone.localdate(),
        "leave",
    )
    entries = AuditEntry.objects.filter(user=staff)
    assert entries.filter(action="create", object_type="study_sessions.makeup", object_id=str(makeup.pk)).exists()
    change = entries.get(action="update", object_type="study_sessions.attendance", object_id=str(missed.pk))
    assert change.changes["status"] == ["leave", "made_up"]
    assert Notification.objects.filter(recipient=missed.person.user, verb="makeup_recorded").count() == 1
    page = client.get(reverse("sessions:makeup-list")).content.decode()
    assert url not in page and "学习秘书张明" in page


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"on": "2000-01-01"}, "补学日期不能早于所补的学习会"),
        ({"on": (timezone.localdate() + datetime.timedelta(days=2)).isoformat()}, "日期不能是将来"),
        ({"given_by": ""}, "这个字段是必填项"),
        ({"method": "points"}, "选择一个有效的选项"),
    ],
)
def test_make_up_form_shows_errors_beside_fields_and_records_nothing(client, staff, missed, overrides, error):
    client.force_login(staff)
    response = client.post(reverse("sessions:makeup-record", args=[missed.pk]), _data(**overrides))
    assert response.status_code == 200 and error in response.content.decode()
    missed.refresh_from_db()
    assert missed.status == "leave" and not MakeUp.objects.exists()


@pytest.mark.parametrize("who", ["staff of another town", "member", "upper staff"])
def test_only_the_group_s_staff_record_a_make_up(client, missed, who):
    organization = missed.session.group.organization
    user = {
        "staff of another town": lambda: user_with_role("staff", OrganizationFactory()),
        "member": lambda: missed.person.user,
        "upper staff": lambda: user_with_role("staff", OrganizationFactory()),
    }[who]()
    if who == "upper staff":
        organization.parent = user.person.organization
        organization.save()
    client.force_login(user)
    response = client.post(reverse("sessions:makeup-record", args=[missed.pk]), _data())
    assert response.status_code in (403, 404)
    missed.refresh_from_db()
    assert missed.status == "leave" and not MakeUp.objects.exists()


def test_a_double_click_records_one_make_up(client, staff, missed):
    client.force_login(staff)
    url = reverse("sessions:makeup-record", args=[missed.pk])
    data = _data()
    first, second = client.post(url, data), client.post(url, data)
    assert first.url == second.url == reverse("sessions:makeup-list")
    assert MakeUp.objects.count() == 1
    assert Notification.objects.filter(verb="makeup_recorded").count() == 1


def test_a_second_form_for_the_same_absence_is_refused(client, staff, missed):
    client.force_login(staff)
    url = reverse("sessions:makeup-record", args=[missed.pk])
    client.post(url, _data())
    response = client.post(url, _data(method="collective"))
    assert "该缺勤已补学,无需重复登记。" in response.content.decode()
    assert list(MakeUp.objects.values_list("method", flat=True)) == ["delivered"]


def test_a_double_click_creates_one_submission_one_lecture_one_session(client, group, staff):
    member = user_with_role("member", group.organization)
    client.force_login(member)
    data = {"kind": "reflection", "title": "学习心得", "text": "心得", "once": str(uuid.uuid4()), "submit_now": "1"}
    urls = {client.post(reverse("sessions:submission-create"), data).url for _ in range(2)}
    assert Submission.objects.count() == 1 and urls == {Submission.objects.get().get_absolute_url()}
    assert Notification.objects.filter(verb="submission_submitted").count() == 1

    client.force_login(staff)
    data = {
        "person": member.person.pk,
        "on": "2026-03-02",
        "title": "宣讲",
        "audience": "60",
        "once": str(uuid.uuid4()),
    }
    for _ in range(2):
        assert client.post(reverse("sessions:lecture-create"), data).status_code == 302
    assert Lecture.objects.count() == 1

    data = {
        "kind": "collective",
        "title": "集体学习",
        "starts_at": "2026-12-01T09:00",
        "ends_at": "2026-12-01T11:00",
        "once": str(uuid.uuid4()),
    }
    urls = {client.post(reverse("sessions:session-create", args=[group.pk]), data).url for _ in range(2)}
    assert StudySession.objects.count() == 1 and urls == {StudySession.objects.get().get_absolute_url()}


def test_another_user_cannot_reuse_a_key(client, group, staff):
    member, other = (user_with_role("member", group.organization) for _ in range(2))
    key = str(uuid.uuid4())
    client.force_login(member)
    client.post(reverse("sessions:submission-create"), {"kind": "notes", "title": "笔记", "text": "正文", "once": key})
    client.force_login(other)
    response = client.post(
        reverse("sessions:submission-create"), {"kind": "notes", "title": "笔记", "text": "正文", "once": key}
    )
    assert response.status_code == 409 and "这份表单已经提交过" in response.content.decode()
    assert list(Submission.objects.values_list("person", flat=True)) == [member.person.pk]


def _at_once(count, call):
    """Run ``call`` in ``count`` threads released together; return their results and errors."""
    barrier = threading.Barrier(count)
    results, errors = [], []

    def run():
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            results.append(call())
        except Exception as exc:
            errors.append(exc)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_simultaneous_posts_of_one_form_create_one_submission():
    group = StudyGroupFactory(organization=OrganizationFactory())
    member = user_with_role("member", group.organization)
    user_with_role("staff", group.organization)
    data = {"kind": "notes", "title": "笔记", "text": "正文", "once": str(uuid.uuid4()), "submit_now": "1"}

    def post():
        client = Client()
        client.force_login(member)
        return client.post(reverse("sessions:submission-create"), data).status_code

    results, errors = _at_once(4, post)
    assert errors == [] and results == [302] * 4
    assert Submission.objects.count() == 1
    assert Notification.objects.filter(verb="submission_submitted").count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_simultaneous_make_ups_of_one_absence_record_one():
    from django.core.exceptions import ValidationError

    from sessions import services

    group = StudyGroupFactory(organization=OrganizationFactory())
    staff = user_with_role("staff", group.organization)
    start = timezone.now() - datetime.timedelta(days=3)
    session = StudySessionFactory(group=group, starts_at=start, ends_at=start + datetime.timedelta(hours=2))
    row = AttendanceFactory(session=session, status=Attendance.Status.ABSENT)

    def record():
        return services.makeup_record(
            attendance=row, on=timezone.localdate(), method="delivered", given_by="学习秘书", by=staff
        )

    results, errors = _at_once(4, record)
    assert len(results) == 1 and len(errors) == 3
    assert all(isinstance(error, ValidationError) for error in errors)
    assert MakeUp.objects.count() == 1


def test_a_double_click_adds_one_minutes_attachment(client, group, staff):
    from django.core.files.uploadedfile import SimpleUploadedFile

    session = StudySessionFactory(group=group)
    client.force_login(staff)
    key = str(uuid.uuid4())
    for _ in range(2):
        response = client.post(
            reverse("sessions:attachment-add", args=[session.pk]),
            {"upload": SimpleUploadedFile("签到表.pdf", b"%PDF-1.7 sheet"), "once": key},
        )
        assert response.url == reverse("sessions:minutes", args=[session.pk])
    assert list(session.attachments.values_list("original_name", flat=True)) == ["签到表.pdf"]


def test_make_up_page_query_count_is_the_same_for_2_and_12_rows(client, group, staff):
    from django.db import connection as default_connection
    from django.test.utils import CaptureQueriesContext

    from sessions import services

    def add_rows(count):
        start = timezone.now() - datetime.timedelta(days=5)
        for _ in range(count):
            session = StudySessionFactory(group=group, starts_at=start, ends_at=start + datetime.timedelta(hours=2))
            AttendanceFactory(session=session, status="absent")
            done = AttendanceFactory(session=session, status="leave")
            services.makeup_record(attendance=done, on=timezone.localdate(), method="online", given_by="秘书", by=staff)

    client.force_login(staff)
    counts = []
    for size in (1, 5):
        add_rows(size)
        with CaptureQueriesContext(default_connection) as queries:
            page = client.get(reverse("sessions:makeup-list")).content.decode()
        counts.append(len(queries))
        assert page.count("登记补学</a>") == MakeUp.objects.count()
    assert counts[0] == counts[1]
