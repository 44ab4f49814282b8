"""Lockout, session limits, password rules, deploy settings."""

import datetime

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from freezegun import freeze_time

from studygroup.middleware import LAST_SEEN_KEY
from studygroup.models import Organization
from studygroup.tests.factories import PASSWORD, OrganizationFactory, UserFactory, user_with_role

pytestmark = pytest.mark.django_db


def login(client, username, password, address="10.0.0.8"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_five_failures_lock_username_and_address_for_thirty_minutes(client):
    user = UserFactory()
    for _attempt in range(5):
        login(client, user.username, "wrong-password")
    response = login(client, user.username, PASSWORD)
    assert response.status_code == 429
    assert "账号已被暂时锁定" in response.content.decode()
    # Same username from another office address, and another user from the same address, still sign in.
    assert login(client, user.username, PASSWORD, address="10.0.0.9").status_code == 302
    client.logout()
    colleague = UserFactory()
    assert login(client, colleague.username, PASSWORD).status_code == 302
    client.logout()
    with freeze_time(datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=31)):
        assert login(client, user.username, PASSWORD).status_code == 302


def test_four_failures_do_not_lock(client):
    user = UserFactory()
    for _attempt in range(4):
        login(client, user.username, "wrong-password")
    assert login(client, user.username, PASSWORD).status_code == 302


def test_session_ends_after_thirty_minutes_idle(client):
    user = user_with_role("staff", OrganizationFactory())
    start = datetime.datetime(2026, 11, 25, 9, 0, tzinfo=datetime.UTC)
    with freeze_time(start):
        assert login(client, user.username, PASSWORD).status_code == 302
    with freeze_time(start + datetime.timedelta(minutes=29)):
        assert client.get(reverse("home")).status_code == 200
    with freeze_time(start + datetime.timedelta(minutes=29 + 31)):
        response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    follow = client.get(response.url)
    assert "30 分钟" in follow.content.decode()


def test_htmx_requests_write_the_time_last_seen_at_most_once_a_minute_and_idle_still_counts_from_it(client):
    """A phone saving every answer of a test (htmx) does not write its session at each request; a page drawn does.
    The idle limit counts from the time written, so it ends a session at most a minute early, never late."""
    user = user_with_role("staff", OrganizationFactory())
    start = datetime.datetime(2026, 11, 25, 9, 0, tzinfo=datetime.UTC)
    htmx = {"HX-Request": "true"}

    def last_seen():
        from django.contrib.sessions.models import Session

        # Read as stored (the 2026-11-25 session has expired by the real clock, so a SessionStore would not load it).
        return Session.objects.get(session_key=client.cookies["sessionid"].value).get_decoded()[LAST_SEEN_KEY]

    def at(seconds, **extra):
        with freeze_time(start + datetime.timedelta(seconds=seconds)), CaptureQueriesContext(connection) as context:
            response = client.get(reverse("home"), **extra)
        writes = [q for q in context.captured_queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
        return response, len(writes)

    with freeze_time(start):
        login(client, user.username, PASSWORD)
    assert at(1)[0].status_code == 200 and last_seen() == start.timestamp() + 1
    assert at(59, headers=htmx)[1] == 0 and last_seen() == start.timestamp() + 1
    assert at(60)[1] == 1 and last_seen() == start.timestamp() + 60  # a page drawn: written
    assert at(121, headers=htmx)[1] == 1 and last_seen() == start.timestamp() + 121  # a minute on: written
    assert at(151, headers=htmx)[1] == 0 and last_seen() == start.timestamp() + 121
    response, _writes = at(151 + 30 * 60)  # 30 minutes after the last request, 30.5 after the time written
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_session_ends_after_twelve_hours_even_when_active(client):
    user = user_with_role("staff", OrganizationFactory())
    start = datetime.datetime(2026, 11, 25, 8, 0, tzinfo=datetime.UTC)
    with freeze_time(start):
        login(client, user.username, PASSWORD)
    for quarter in range(1, 48):
        with freeze_time(start + datetime.timedelta(minutes=15 * quarter)):
            assert client.get(reverse("home")).status_code == 200
    with freeze_time(start + datetime.timedelta(hours=12, minutes=1)):
        response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    "password",
    ["short-1A", "alllowercaseletters", "123456789012345", "password1234"],
)
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


def test_long_mixed_password_is_accepted():
    validate_password("qinghe-study-2026")


def test_forced_password_change_after_the_configured_period(client, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    user = user_with_role("staff", OrganizationFactory(kind=Organization.Kind.COUNTY))
    user.password_changed_at = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    user.save()
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url == reverse("password_change")
    assert client.get(reverse("password_change")).status_code == 200


def test_password_change_form_shows_rule_errors_in_chinese(client):
    user = user_with_role("staff", OrganizationFactory())
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "abcdefgh", "new_password2": "abcdefgh"},
    )
    assert response.status_code == 200
    assert "密码太短,至少需要 12 个字符" in response.content.decode()


def test_deploy_settings_are_clean(settings):
    settings.SECURE_SSL_REDIRECT = True
    from django.core.management import call_command

    # DEBUG is off in tests, as in production: check --deploy must not complain.
    call_command("check", "--deploy", "--fail-level", "WARNING")


# Client address behind reverse proxies ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("10.0.0.8", "", "10.0.0.8"),
        # Not from a trusted proxy: the header is the client's own words and is ignored.
        ("203.0.113.9", "1.2.3.4", "203.0.113.9"),
        ("192.168.1.10", "172.16.5.5", "172.16.5.5"),
        # The client wrote the left entries itself: only the right-most untrusted hop counts.
        ("192.168.1.10", "6.6.6.6, 172.16.5.5", "172.16.5.5"),
        ("192.168.1.10", "172.16.5.5, 192.168.1.11", "172.16.5.5"),
        ("192.168.1.10", "", "192.168.1.10"),
        ("192.168.1.10", "not-an-address", "192.168.1.10"),
    ],
)
def test_client_address_reads_past_trusted_proxies_only(rf, settings, remote, forwarded, expected):
    from studygroup.network import client_address

    settings.TRUSTED_PROXIES = ["192.168.1.10", "192.168.1.11/32"]
    request = rf.get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


def test_lockout_and_audit_key_on_the_client_behind_the_proxy(client, settings):
    from studygroup.models import AuditEntry

    settings.TRUSTED_PROXIES = ["192.168.1.10"]
    user = UserFactory()

    def through_proxy(client_address, password):
        return client.post(
            reverse("login"),
            {"username": user.username, "password": password},
            REMOTE_ADDR="192.168.1.10",
            HTTP_X_FORWARDED_FOR=client_address,
        )

    for _attempt in range(5):
        through_proxy("172.16.0.1", "wrong-password")
    assert through_proxy("172.16.0.1", PASSWORD).status_code == 429
    # Another office behind the same proxy is not locked out.
    assert through_proxy("172.16.0.2", PASSWORD).status_code == 302
    addresses = set(AuditEntry.objects.filter(username=user.username).values_list("ip_address", flat=True))
    assert addresses == {"172.16.0.1", "172.16.0.2"}


def test_signed_out_users_come_back_to_the_page_they_asked_for_with_its_whole_query(client):
    user = user_with_role("staff", OrganizationFactory())
    start = datetime.datetime(2026, 11, 25, 9, 0, tzinfo=datetime.UTC)
    with freeze_time(start):
        login(client, user.username, PASSWORD)
    with freeze_time(start + datetime.timedelta(minutes=31)):
        response = client.get("/audit/?action=login&username=a")
    assert response.url == "/accounts/login/?next=%2Faudit%2F%3Faction%3Dlogin%26username%3Da"


# Numbers in the query string ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12),
        ("0", None),
        ("-3", None),
        ("9" * 19, None),
        ("9223372036854775807", 9223372036854775807),
        ("9223372036854775808", None),
        ("9" * 5000, None),
        ("²", None),
        ("١٢", None),
        ("1e3", None),
        (" 7 ", 7),
        ("", None),
        (None, None),
    ],
)
def test_ids_from_the_query_string_are_parsed_safely(value, expected):
    from studygroup.viewutils import parse_int

    assert parse_int(value) == expected


@pytest.mark.parametrize("value", ["²", "99999999999999999999", "1999", "2101", "abc", "-2026"])
def test_odd_years_fall_back_to_this_year(rf, value):
    from django.utils import timezone

    from studygroup.viewutils import requested_year

    assert requested_year(rf.get("/", {"year": value})) == timezone.localdate().year


@pytest.mark.parametrize("value", ["9" * 30, "9223372036854775808", "²", "-1"])
def test_a_huge_organization_id_never_answers_500(client, value):
    county = OrganizationFactory()
    client.force_login(user_with_role("viewer", county))
    response = client.get(reverse("reports:dashboard"), {"org": value})
    assert response.status_code == 200
