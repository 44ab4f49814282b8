"""QR sign-in: tokens, the window, the late rule, one row however many scans."""

import datetime
import threading

import pytest
from django.core import signing
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from sessions import services, signin
from sessions.models import Attendance
from sessions.tests.factories import StudySessionFactory
from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, user_with_role

pytestmark = pytest.mark.django_db
START = datetime.datetime(2026, 11, 20, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def session():
    group = StudyGroupFactory(organization=OrganizationFactory())
    return StudySessionFactory(group=group, starts_at=START, ends_at=START + datetime.timedelta(hours=2))


@pytest.fixture
def member(session):
    return user_with_role("member", session.group.organization)


def token_at(session, moment, kind=signin.QR):
    with freeze_time(moment):
        return signin.make_token(session, kind)


def test_valid_token_signs_in_present_and_second_scan_changes_nothing(session, member):
    token = token_at(session, START - datetime.timedelta(minutes=5))
    with freeze_time(START - datetime.timedelta(minutes=4)):
        row, created = services.sign_in(session=session, token=token, by=member)
    assert created and row.status == "present" and row.method == "qr"
    with freeze_time(START + datetime.timedelta(minutes=30)):
        again, created_again = services.sign_in(
            session=session, token=token_at(session, START + datetime.timedelta(minutes=30)), by=member
        )
    assert not created_again
    assert again.status == "present" and again.signed_at == row.signed_at
    assert Attendance.objects.filter(session=session).count() == 1


@pytest.mark.parametrize(("minutes", "status"), [(0, "present"), (10, "present"), (11, "late"), (90, "late")])
def test_late_after_start_plus_grace(session, member, minutes, status, settings):
    settings.SIGNIN_GRACE_MINUTES = 10
    moment = START + datetime.timedelta(minutes=minutes)
    with freeze_time(moment):
        row, _created = services.sign_in(session=session, token=signin.make_token(session), by=member)
    assert row.status == status
    assert row.signed_at == moment


def test_expired_qr_token_is_refused(session, member, settings):
    token = token_at(session, START - datetime.timedelta(minutes=10))
    with (
        freeze_time(
            START - datetime.timedelta(minutes=10) + datetime.timedelta(seconds=settings.SIGNIN_QR_MAX_AGE + 1)
        ),
        pytest.raises(signin.SignInRefused, match="已过期"),
    ):
        services.sign_in(session=session, token=token, by=member)
    assert not Attendance.objects.exists()


def test_link_token_lasts_the_session(session, member):
    token = token_at(session, START - datetime.timedelta(hours=20), signin.LINK)
    with freeze_time(START + datetime.timedelta(minutes=5)):
        row, _created = services.sign_in(session=session, token=token, by=member)
    assert row.method == "link"


def test_token_of_another_session_is_refused(session, member):
    other = StudySessionFactory(group=session.group, starts_at=START, ends_at=START + datetime.timedelta(hours=1))
    with freeze_time(START), pytest.raises(signin.SignInRefused, match="其他学习会"):
        services.sign_in(session=session, token=signin.make_token(other), by=member)


def test_tampered_token_is_refused(session, member):
    with freeze_time(START):
        token = signin.make_token(session)
        forged = signing.TimestampSigner(salt=signin.SALT, key="another-key-entirely-0123456789").sign_object(
            {"s": session.pk, "k": "link"}
        )
        for bad in (token[:-2] + "xx", forged, "nonsense"):
            with pytest.raises(signin.SignInRefused, match="无效"):
                services.sign_in(session=session, token=bad, by=member)


@pytest.mark.parametrize("offset", [datetime.timedelta(hours=-2), datetime.timedelta(hours=3)])
def test_outside_the_window_is_refused(session, member, offset):
    moment = START + offset
    with freeze_time(moment), pytest.raises(signin.SignInRefused):
        services.sign_in(session=session, token=signin.make_token(session), by=member)


def test_someone_not_on_the_roster_is_refused(session):
    stranger = user_with_role("member", OrganizationFactory())
    with freeze_time(START), pytest.raises(signin.SignInRefused, match="名单"):
        services.sign_in(session=session, token=signin.make_token(session), by=stranger)


def test_invited_person_of_another_organization_signs_in(session):
    guest = user_with_role("staff", OrganizationFactory())
    session.invited.add(guest.person)
    with freeze_time(START):
        row, created = services.sign_in(session=session, token=signin.make_token(session), by=guest)
    assert created and row.person == guest.person


def test_sign_in_page_flow(client, session, member):
    with freeze_time(START - datetime.timedelta(minutes=2)):
        url = reverse("sessions:signin", args=[session.pk, signin.make_token(session)])
        client.force_login(member)
        page = client.get(url).content.decode()
        assert "立即签到" in page
        page = client.post(url).content.decode()
        assert "签到成功" in page
        assert "您已签到" in client.post(url).content.decode()
    assert Attendance.objects.get().status == "present"


def test_sign_in_page_shows_expired_message(client, session, member):
    token = token_at(session, START - datetime.timedelta(minutes=30))
    with freeze_time(START):
        client.force_login(member)
        page = client.get(reverse("sessions:signin", args=[session.pk, token])).content.decode()
    assert "已过期" in page
    assert "立即签到" not in page


def test_anonymous_scan_goes_to_login_and_back(client, session):
    url = reverse("sessions:signin", args=[session.pk, "sometoken"])
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login")) and "next=" in response.url


def test_staff_sign_in_by_hand_is_recorded_as_such(client, session, member):
    staff = user_with_role("staff", session.group.organization)
    client.force_login(staff)
    with freeze_time(START + datetime.timedelta(minutes=20)):
        client.post(reverse("sessions:signin-screen", args=[session.pk]), {"person": member.person.pk})
    row = Attendance.objects.get()
    assert row.method == "staff" and row.status == "late" and row.recorded_by == staff


def test_signin_screen_shows_a_qr_code_for_staff_only(client, session, member):
    client.force_login(user_with_role("staff", session.group.organization))
    page = client.get(reverse("sessions:signin-screen", args=[session.pk])).content.decode()
    assert "<svg" in page and 'http-equiv="refresh"' in page
    client.force_login(member)
    assert client.get(reverse("sessions:signin-screen", args=[session.pk])).status_code == 403


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL; SQLite serializes them"
)
def test_concurrent_sign_ins_of_one_person_leave_one_row():
    group = StudyGroupFactory(organization=OrganizationFactory())
    now = timezone.now()
    session = StudySessionFactory(group=group, starts_at=now, ends_at=now + datetime.timedelta(hours=2))
    member = user_with_role("member", group.organization)
    token = signin.make_token(session)
    barrier = threading.Barrier(8)
    results, errors = [], []

    def scan():
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            results.append(services.sign_in(session=session, token=token, by=member)[1])
        except Exception as exc:
            errors.append(exc)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=scan) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Attendance.objects.filter(session=session, person=member.person).count() == 1
    assert results.count(True) == 1
