"""Notifications: in-app list with unread count, e-mail after commit."""

import pytest
from django.urls import reverse

from studygroup import notifications
from studygroup.models import Notification
from studygroup.tests.factories import NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_send_creates_one_per_user_and_emails_after_commit(django_capture_on_commit_callbacks, mailoutbox):
    with_address = UserFactory(email="a@example.gov.cn")
    without = UserFactory(email="")
    with django_capture_on_commit_callbacks(execute=True):
        notifications.send(to=[with_address, without, with_address], verb="test", title="计划已批准", url="/plans/1/")
    assert Notification.objects.filter(title="计划已批准").count() == 2
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["a@example.gov.cn"]
    assert "/plans/1/" in mailoutbox[0].body


def test_no_mail_when_the_transaction_rolls_back(django_capture_on_commit_callbacks, mailoutbox):
    user = UserFactory(email="a@example.gov.cn")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notifications.send(to=[user], verb="test", title="x")
    assert len(callbacks) == 1
    assert mailoutbox == []


def test_unread_count_in_navigation_and_open_marks_read(client):
    user = UserFactory()
    first, _second = NotificationFactory.create_batch(2, recipient=user, url="/plans/")
    NotificationFactory(title="别人的通知")
    client.force_login(user)
    page = client.get(reverse("core:notification-list")).content.decode()
    assert 'text-bg-warning">2<' in page
    assert "别人的通知" not in page
    response = client.get(reverse("core:notification-open", args=[first.pk]))
    assert response.url == "/plans/"
    assert notifications.unread(user).count() == 1
    client.post(reverse("core:notification-read-all"))
    assert notifications.unread(user).count() == 0


def test_cannot_open_someone_elses_notification(client):
    other = NotificationFactory()
    client.force_login(UserFactory())
    assert client.get(reverse("core:notification-open", args=[other.pk])).status_code == 404
    assert Notification.objects.get(pk=other.pk).read_at is None


def test_external_links_are_not_followed(client):
    user = UserFactory()
    notification = NotificationFactory(recipient=user, url="https://evil.example.com/")
    client.force_login(user)
    assert client.get(reverse("core:notification-open", args=[notification.pk])).url == reverse(
        "core:notification-list"
    )
