"""Lockout, session limits, password rules, deploy settings."""

import datetime

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from freezegun import freeze_time

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
