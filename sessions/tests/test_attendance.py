"""Attendance: the grid, rates, leave → make-up, the roster page's queries."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from sessions import selectors, services
from sessions.models import Attendance, Submission
from sessions.tests.factories import AttendanceFactory, LeaveRequestFactory, StudySessionFactory
from studygroup.models import Notification
from studygroup.tests.factories import MembershipFactory, OrganizationFactory, StudyGroupFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def group():
    return StudyGroupFactory(organization=OrganizationFactory())


@pytest.fixture
def staff(group):
    return user_with_role("staff", group.organization)


def past_session(group, days_ago=1, **kwargs):
    starts = timezone.now() - datetime.timedelta(days=days_ago)
    return StudySessionFactory(group=group, starts_at=starts, ends_at=starts + datetime.timedelta(hours=2), **kwargs)


def test_session_rate_against_hand_computed_values(group):
    session = past_session(group)
    for status in ["present", "present", "late", "leave", "absent", "made_up", "absent", "present"]:
        AttendanceFactory(session=session, status=status)
    # attended: present 3 + late 1 + made_up 1 = 5 of 8
    assert selectors.session_attendance_rate(session=session) == 0.625
    assert selectors.session_attendance_rate(session=past_session(group)) is None


def test_member_year_rate_against_hand_computed_values(group):
    seat = MembershipFactory(group=group)
    statuses = ["present", "late", "absent", "made_up", "leave", "present"]
    for index, status in enumerate(statuses):
        session = StudySessionFactory(
            group=group,
            starts_at=datetime.datetime(2026, index + 1, 10, 1, tzinfo=datetime.UTC),
            ends_at=datetime.datetime(2026, index + 1, 10, 3, tzinfo=datetime.UTC),
        )
        AttendanceFactory(session=session, person=seat.person, status=status)
    old = StudySessionFactory(
        group=group,
        starts_at=datetime.datetime(2025, 12, 1, 1, tzinfo=datetime.UTC),
        ends_at=datetime.datetime(2025, 12, 1, 3, tzinfo=datetime.UTC),
    )
    AttendanceFactory(session=old, person=seat.person, status="absent")
    rows, rate = selectors.member_year_attendance(person=seat.person, year=2026)
    assert len(rows) == 6
    assert rate == round(4 / 6, 4) == 0.6667


def test_grid_marks_everyone_and_unmarked_default_to_absent(client, group, staff):
    session = past_session(group)
    seats = MembershipFactory.create_batch(3, group=group)
    client.force_login(staff)
    page = client.get(reverse("sessions:attendance", args=[session.pk])).content.decode()
    assert all(seat.person.name in page for seat in seats)
    data = {
        f"status-{seats[0].person.pk}": "present",
        f"status-{seats[1].person.pk}": "late",
        f"status-{seats[2].person.pk}": "absent",
    }
    client.post(reverse("sessions:attendance", args=[session.pk]), data)
    assert dict(session.attendances.values_list("person_id", "status")) == {
        seats[0].person.pk: "present",
        seats[1].person.pk: "late",
        seats[2].person.pk: "absent",
    }
    client.post(reverse("sessions:attendance", args=[session.pk]), {**data, f"status-{seats[2].person.pk}": "leave"})
    assert session.attendances.get(person=seats[2].person).status == "leave"
    assert session.attendances.count() == 3


def test_grid_refuses_unknown_status_and_changes_nothing(client, group, staff):
    session = past_session(group)
    seat = MembershipFactory(group=group)
    client.force_login(staff)
    response = client.post(
        reverse("sessions:attendance", args=[session.pk]), {f"status-{seat.person.pk}": "asleep"}, follow=True
    )
    assert "未知" in response.content.decode()
    assert not session.attendances.exists()


def test_member_cannot_mark_the_grid(client, group):
    session = past_session(group)
    member = user_with_role("member", group.organization)
    client.force_login(member)
    assert client.get(reverse("sessions:attendance", args=[session.pk])).status_code == 200
    assert (
        client.post(
            reverse("sessions:attendance", args=[session.pk]), {f"status-{member.person.pk}": "present"}
        ).status_code
        == 403
    )
    assert not session.attendances.exists()


def grid_queries(client, group, staff, people: int) -> int:
    session = past_session(group)
    session.group.memberships.all().delete()
    for seat in MembershipFactory.create_batch(people, group=group):
        AttendanceFactory(session=session, person=seat.person)
    client.force_login(staff)
    client.get(reverse("sessions:attendance", args=[session.pk]))
    with CaptureQueriesContext(connection) as context:
        assert client.get(reverse("sessions:attendance", args=[session.pk])).status_code == 200
    return len(context)


def test_roster_page_query_count_is_the_same_for_10_and_80(client, staff):
    first = StudyGroupFactory(organization=OrganizationFactory())
    second = StudyGroupFactory(organization=OrganizationFactory())
    staff_first = user_with_role("staff", first.organization)
    staff_second = user_with_role("staff", second.organization)
    assert grid_queries(client, first, staff_first, 10) == grid_queries(client, second, staff_second, 80)


def test_leave_absent_makeup_made_up_and_overdue(client, group, staff, settings):
    settings.MAKEUP_DAYS = 14
    member = user_with_role("member", group.organization)
    truant = user_with_role("member", group.organization)
    starts = timezone.now() + datetime.timedelta(days=2)
    session = StudySessionFactory(group=group, starts_at=starts, ends_at=starts + datetime.timedelta(hours=2))
    request = services.leave_ask(session=session, reason="赴省里参加培训", by=member)
    assert Notification.objects.filter(recipient=staff, verb="leave_asked").exists()
    with pytest.raises(PermissionDenied):
        services.leave_decide(request=request, approve=True, by=truant)
    services.leave_decide(request=request, approve=True, comment="同意,请按时补学", by=staff)
    assert Attendance.objects.get(session=session, person=member.person).status == "leave"
    with freeze_time(starts + datetime.timedelta(hours=3)):
        services.attendance_mark(session=session, marks={truant.person.pk: "absent"}, by=staff)
        open_rows = {row.person_id for row in selectors.makeups_open(user=staff)}
        assert open_rows == {member.person.pk, truant.person.pk}
        submission = services.submission_save(
            by=member, group=group, kind="notes", title="补学笔记", text="学习笔记正文", session=session, is_makeup=True
        )
        services.submission_submit(submission=submission, by=member)
        services.submission_review(submission=submission, action="accept", by=staff)
        assert Attendance.objects.get(session=session, person=member.person).status == "made_up"
        assert {row.person_id for row in selectors.makeups_open(user=staff)} == {truant.person.pk}
    with freeze_time(starts + datetime.timedelta(days=16)):
        client.force_login(staff)
        page = client.get(reverse("sessions:makeup-list")).content.decode()
        assert truant.person.name in page and "已逾期" in page
        assert [selectors.overdue(row) for row in selectors.makeups_open(user=staff)] == [True]


def test_leave_cannot_be_asked_after_the_start(group):
    member = user_with_role("member", group.organization)
    session = past_session(group)
    with pytest.raises(ValidationError):
        services.leave_ask(session=session, reason="临时有事", by=member)


def test_refused_leave_keeps_no_attendance(group, staff):
    session = StudySessionFactory(group=group)
    request = LeaveRequestFactory(session=session, person=MembershipFactory(group=group).person)
    services.leave_decide(request=request, approve=False, comment="请安排好工作参加学习", by=staff)
    assert not session.attendances.exists()
    with pytest.raises(ValidationError):
        services.leave_decide(request=request, approve=True, by=staff)


def test_signed_in_after_approved_leave_counts_as_present(group, staff):
    from sessions import signin

    member = user_with_role("member", group.organization)
    starts = timezone.now() + datetime.timedelta(minutes=30)
    session = StudySessionFactory(group=group, starts_at=starts, ends_at=starts + datetime.timedelta(hours=2))
    services.leave_decide(request=services.leave_ask(session=session, reason="出差", by=member), approve=True, by=staff)
    row, recorded = services.sign_in(session=session, token=signin.make_token(session), by=member)
    assert recorded and row.status == "present"


def test_circular_reaches_staff_below_only(group, staff):
    town = OrganizationFactory(parent=group.organization)
    town_staff = user_with_role("staff", town)
    neighbour_staff = user_with_role("staff", OrganizationFactory())
    session = past_session(group)
    count = services.circular_send(session=session, text="本次学习会传达了全会精神……", by=staff)
    assert count == 1
    assert Notification.objects.filter(recipient=town_staff, verb="session_circular").exists()
    assert not Notification.objects.filter(recipient=neighbour_staff).exists()
    session.refresh_from_db()
    assert session.circular_sent_at is not None


def test_minutes_record_speakers(client, group, staff):
    seat = MembershipFactory(group=group, person__name="王建国")
    session = past_session(group)
    client.force_login(staff)
    client.post(
        reverse("sessions:minutes", args=[session.pk]),
        {"minutes": "会议由书记主持。", "speeches": "王建国:结合分管工作谈学习体会\n来宾张三:介绍村里做法"},
    )
    speeches = list(session.speeches.all())
    assert [(s.person_id, s.speaker, s.summary) for s in speeches] == [
        (seat.person.pk, "王建国", "结合分管工作谈学习体会"),
        (None, "来宾张三", "介绍村里做法"),
    ]
    response = client.post(
        reverse("sessions:minutes", args=[session.pk]), {"minutes": "", "speeches": "没有冒号的一行"}
    )
    assert "冒号" in response.content.decode()
    assert session.speeches.count() == 2


def test_plan_missing_flag(group, settings):
    settings.SESSION_PLAN_DAYS = 3
    soon = timezone.now() + datetime.timedelta(days=2)
    later = timezone.now() + datetime.timedelta(days=5)
    assert StudySessionFactory(group=group, starts_at=soon, ends_at=soon + datetime.timedelta(hours=2)).is_plan_missing
    assert not StudySessionFactory(
        group=group, starts_at=soon, ends_at=soon + datetime.timedelta(hours=2), plan_text="会前方案"
    ).is_plan_missing
    assert not StudySessionFactory(
        group=group, starts_at=later, ends_at=later + datetime.timedelta(hours=2)
    ).is_plan_missing


def test_approved_reflection_can_be_recommended(group, staff):
    member = user_with_role("member", group.organization)
    submission = services.submission_save(by=member, group=group, kind="reflection", title="心得", text="正文")
    services.submission_submit(submission=submission, by=member)
    with pytest.raises(ValidationError):
        services.submission_recommend(submission=submission, recommended=True, by=staff)
    services.submission_review(submission=submission, action="accept", by=staff)
    assert services.submission_recommend(
        submission=Submission.objects.get(pk=submission.pk), recommended=True, by=staff
    ).is_recommended


def test_minutes_attachments_upload_and_download(client, group, staff):
    from django.core.files.uploadedfile import SimpleUploadedFile

    session = past_session(group)
    client.force_login(staff)
    client.post(
        reverse("sessions:attachment-add", args=[session.pk]),
        {"upload": SimpleUploadedFile("签到表.pdf", b"%PDF-1.7 sheet")},
    )
    attachment = session.attachments.get()
    assert attachment.original_name == "签到表.pdf"
    member = user_with_role("member", group.organization)
    client.force_login(member)
    response = client.get(reverse("sessions:attachment-download", args=[attachment.pk]))
    assert b"".join(response.streaming_content) == b"%PDF-1.7 sheet"
    assert (
        client.post(
            reverse("sessions:attachment-add", args=[session.pk]), {"upload": SimpleUploadedFile("x.pdf", b"%PDF")}
        ).status_code
        == 403
    )


def test_the_group_leader_decides_leave(group):
    leader = user_with_role("member", group.organization)
    leader.person.memberships.update(role="leader")
    member = user_with_role("member", group.organization)
    starts = timezone.now() + datetime.timedelta(days=1)
    session = StudySessionFactory(group=group, starts_at=starts, ends_at=starts + datetime.timedelta(hours=2))
    request = services.leave_ask(session=session, reason="出差", by=member)
    services.leave_decide(request=request, approve=False, comment="请调整行程", by=leader)
    request.refresh_from_db()
    assert request.status == "refused" and request.decided_by == leader
    assert Notification.objects.filter(recipient=member, verb="leave_decided").exists()


def test_a_session_not_yet_held_shows_no_attendance_rate_after_an_approved_leave(client, group, staff):
    member = user_with_role("member", group.organization)
    starts = timezone.now() + datetime.timedelta(days=10)
    session = StudySessionFactory(group=group, starts_at=starts, ends_at=starts + datetime.timedelta(hours=2))
    services.leave_decide(
        request=services.leave_ask(session=session, reason="赴省里参加培训", by=member), approve=True, by=staff
    )
    assert session.attendances.get().status == "leave"
    assert selectors.session_attendance_rate(session=session) is None
    client.force_login(staff)
    pages = {
        "detail": client.get(session.get_absolute_url()).content.decode(),
        "attendance": client.get(reverse("sessions:attendance", args=[session.pk])).content.decode(),
        "list": client.get(reverse("sessions:session-list") + f"?year={starts.year}").content.decode(),
    }
    for name, page in pages.items():
        assert "尚未举行" in page, name
        assert "0%" not in page, name
    assert "0/1" not in pages["list"]
    client.force_login(member)
    mine = client.get(reverse("sessions:my-study")).content.decode()
    assert session.title not in mine.split("我的考勤")[-1]
    assert "0%" not in mine


def test_session_list_held_filter_lists_only_started_sessions_and_can_be_removed(client, group, staff):
    held = past_session(group, days_ago=3)
    starts = timezone.now() + datetime.timedelta(days=3)
    ahead = StudySessionFactory(group=group, starts_at=starts, ends_at=starts + datetime.timedelta(hours=2))
    client.force_login(staff)
    address = reverse("sessions:session-list") + f"?org={group.organization.pk}&held=1"
    page = client.get(address).content.decode()
    assert held.title in page and ahead.title not in page
    chips = page.split('id="filters"')[1].split("</div>")[0]
    assert "已举行" in chips and group.organization.name in chips
    assert f'href="{reverse("sessions:session-list")}?org={group.organization.pk}"' in chips
    assert '<input type="hidden" name="held" value="1">' in page
    assert ahead.title in client.get(reverse("sessions:session-list")).content.decode()


def test_session_list_names_the_group_under_the_title_on_a_phone(client, group, staff):
    """On a phone the group column is hidden: each title carries its group's name below it."""
    held = past_session(group, days_ago=3)
    client.force_login(staff)
    page = client.get(reverse("sessions:session-list")).content.decode()
    row = page.split(f">{held.title}</a>")[1].split("</td>")[0]
    assert f'<div class="small text-body-secondary d-md-none" data-phone-group>{group.organization.name}</div>' in row
