"""Session pages: scheduling, access from another organization, my study, lectures, and the phone sign-in."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from sessions import signin
from sessions.models import Attendance, StudySession
from sessions.tests.factories import LectureFactory, StudySessionFactory, SubmissionFactory
from studygroup.tests.browser import log_in, needs_chromium
from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def group():
    return StudyGroupFactory(organization=OrganizationFactory(name="城关镇党委"))


def test_staff_schedules_an_expanded_session_with_guests(client, group):
    staff = user_with_role("staff", group.organization)
    client.force_login(staff)
    data = {
        "kind": "reading_class",
        "title": "专题读书班",
        "starts_at": "2026-12-01T09:00",
        "ends_at": "2026-12-03T17:00",
        "location": "党校",
        "is_expanded": "on",
        "guests": "李四,某村党支部\n王五",
        "plan_text": "会前方案",
    }
    response = client.post(reverse("sessions:session-create", args=[group.pk]), data)
    session = StudySession.objects.get()
    assert response.url == session.get_absolute_url()
    assert session.is_expanded and session.ends_at - session.starts_at == datetime.timedelta(days=2, hours=8)
    assert list(session.guests.values_list("name", "organization_name")) == [("李四", "某村党支部"), ("王五", "")]


def test_schedule_form_shows_errors_beside_fields(client, group):
    client.force_login(user_with_role("staff", group.organization))
    response = client.post(
        reverse("sessions:session-create", args=[group.pk]),
        {"kind": "party", "title": "", "starts_at": "2026-12-01T09:00", "ends_at": "2026-11-01T09:00"},
    )
    page = response.content.decode()
    assert "这个字段是必填项" in page and "选择一个有效的选项" in page and "结束时间不能早于开始时间" in page
    assert not StudySession.objects.exists()


def test_another_town_gets_nothing_of_the_session(client, group):
    session = StudySessionFactory(group=group)
    submission = SubmissionFactory(group=group, session=session, status="approved")
    client.force_login(user_with_role("staff", OrganizationFactory()))
    urls = [
        reverse(name, args=[session.pk])
        for name in [
            "sessions:session-detail",
            "sessions:session-edit",
            "sessions:signin-screen",
            "sessions:attendance",
            "sessions:leave-ask",
            "sessions:minutes",
            "sessions:circular",
        ]
    ]
    urls += [
        reverse("sessions:signin", args=[session.pk, signin.make_token(session)]),
        reverse("sessions:submission-detail", args=[submission.pk]),
        reverse("sessions:session-create", args=[group.pk]),
        reverse("sessions:reviewer", args=[group.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert session.title not in client.get(reverse("sessions:session-list")).content.decode()


def test_my_study_shows_what_is_due(client, group):
    member = user_with_role("member", group.organization)
    soon = timezone.now() + datetime.timedelta(days=3)
    StudySessionFactory(group=group, title="下周集体学习", starts_at=soon, ends_at=soon + datetime.timedelta(hours=2))
    past = timezone.now() - datetime.timedelta(days=3)
    missed = StudySessionFactory(
        group=group, title="上周集体学习", starts_at=past, ends_at=past + datetime.timedelta(hours=2)
    )
    Attendance.objects.create(session=missed, person=member.person, status="absent")
    client.force_login(member)
    page = client.get(reverse("sessions:my-study")).content.decode()
    assert "下周集体学习" in page and "上周集体学习" in page and "缺席" in page


def test_lectures_list_with_audience(client, group):
    LectureFactory(group=group, audience=45, on=datetime.date(2026, 3, 2))
    LectureFactory(group=group, audience=120, on=datetime.date(2026, 4, 2))
    client.force_login(user_with_role("viewer", group.organization))
    page = client.get(reverse("sessions:lecture-list") + "?year=2026").content.decode()
    assert "共 2 场宣讲,听众 165 人次" in page


@needs_chromium
@pytest.mark.django_db(transaction=True)
def test_sign_in_page_on_a_375_pixel_phone(live_server, browser, group):
    from playwright.sync_api import expect

    member = user_with_role("member", group.organization)
    now = timezone.now()
    session = StudySessionFactory(group=group, starts_at=now, ends_at=now + datetime.timedelta(hours=2))
    path = reverse("sessions:signin", args=[session.pk, signin.make_token(session)])
    page = browser.new_page(viewport={"width": 375, "height": 740}, locale="zh-CN")
    log_in(page, live_server.url, member, path)
    button = page.locator("#signin-button")
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    button.click()
    expect(page.locator("#signin-result")).to_contain_text("签到成功")
    assert Attendance.objects.get(session=session).person == member.person


@needs_chromium
@pytest.mark.django_db(transaction=True)
def test_attendance_grid_works_from_the_keyboard(live_server, browser, group):
    from playwright.sync_api import expect

    from studygroup.tests.factories import MembershipFactory

    staff = user_with_role("staff", group.organization)
    first, second = sorted(MembershipFactory.create_batch(2, group=group), key=lambda m: m.person.name)
    start = timezone.now() - datetime.timedelta(hours=1)
    session = StudySessionFactory(group=group, starts_at=start, ends_at=start + datetime.timedelta(hours=2))
    page = browser.new_page()
    log_in(page, live_server.url, staff, reverse("sessions:attendance", args=[session.pk]))
    first_absent = page.locator(f"input[name=status-{first.person.pk}][value=absent]")
    expect(first_absent).to_be_checked()  # unmarked rows start at absent
    first_absent.focus()
    page.keyboard.press("ArrowLeft")  # absent → leave
    expect(page.locator(f"input[name=status-{first.person.pk}][value=leave]")).to_be_checked()
    page.keyboard.press("Tab")  # to the next person
    page.keyboard.press("ArrowLeft")  # absent → leave
    page.keyboard.press("ArrowLeft")  # leave → late
    expect(page.locator(f"input[name=status-{second.person.pk}][value=late]")).to_be_checked()
    page.keyboard.press("Enter")  # submits the form
    expect(page.locator("body")).to_contain_text("考勤已保存")
    statuses = dict(Attendance.objects.filter(session=session).values_list("person_id", "status"))
    assert statuses == {first.person.pk: "leave", second.person.pk: "late"}


def test_staff_record_a_lecture(client, group):
    from sessions.models import Lecture

    speaker = user_with_role("member", group.organization).person
    client.force_login(user_with_role("staff", group.organization))
    response = client.post(
        reverse("sessions:lecture-create"),
        {"person": speaker.pk, "on": "2026-03-02", "title": "宣讲全会精神", "place": "文化站", "audience": "60"},
    )
    assert response.status_code == 302
    assert Lecture.objects.get().audience == 60
    response = client.post(
        reverse("sessions:lecture-create"), {"person": speaker.pk, "on": "", "title": "", "audience": "-1"}
    )
    assert "这个字段是必填项" in response.content.decode() and Lecture.objects.count() == 1
