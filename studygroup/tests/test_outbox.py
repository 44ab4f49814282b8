"""The outbox: jobs and e-mails are rows of the change's transaction, published after the commit or by the relay."""

import datetime
import socket

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from studygroup import notifications, outbox
from studygroup.celery import app
from studygroup.models import OutboxMessage
from studygroup.tasks import email_notification
from studygroup.tests.factories import OrganizationFactory, user_with_role

pytestmark = pytest.mark.django_db

DEAD_PORT = 7198  # nothing listens here (the outbox range of this project's test ports)


@pytest.fixture
def leader():
    return user_with_role("member", OrganizationFactory(), email="leader@example.gov.cn")


@pytest.fixture
def dead_broker(monkeypatch):
    """Celery as in production (not eager), its broker a port where nothing listens; count connection attempts."""
    assert not _listening(DEAD_PORT)
    saved = {name: app.conf[name] for name in ("task_always_eager", "broker_url", "broker_write_url")}
    app.conf.update(task_always_eager=False, broker_url=f"redis://127.0.0.1:{DEAD_PORT}/0", broker_write_url=None)
    attempts = []
    connect = socket.socket.connect

    def counting(sock, address):
        if isinstance(address, tuple) and address[1] == DEAD_PORT:
            attempts.append(address)
        return connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", counting)
    yield attempts
    app.conf.update(saved)


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_an_email_is_a_row_of_the_transaction_and_leaves_once_committed(
    leader, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notifications.send(to=[leader], verb="plan_submitted", title="计划待您审批", body="请审批")
    message = OutboxMessage.objects.get()
    assert message.task_name == "studygroup.email_notification"
    assert message.kwargs["user_ids"] == [leader.pk]
    assert message.sent_at is not None and message.delivered_at is not None
    assert [m.to for m in mailoutbox] == [["leader@example.gov.cn"]]


def test_a_rolled_back_change_leaves_no_row_and_mails_nobody(leader, mailoutbox, django_capture_on_commit_callbacks):
    def notify_then_fail():
        with transaction.atomic():
            notifications.send(to=[leader], verb="plan_submitted", title="计划待您审批")
            raise RuntimeError("the change fails after notifying")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError, match="fails after"):
        notify_then_fail()
    assert not OutboxMessage.objects.exists()
    assert mailoutbox == []


def test_a_key_makes_a_message_once(leader, mailoutbox, django_capture_on_commit_callbacks):
    kwargs = {"user_ids": [leader.pk], "title": "简报已印发", "body": "", "url": ""}
    with django_capture_on_commit_callbacks(execute=True):
        first = outbox.enqueue("studygroup.email_notification", key="digest:1", **kwargs)
        second = outbox.enqueue("studygroup.email_notification", key="digest:1", **kwargs)
    with django_capture_on_commit_callbacks(execute=True):
        third = outbox.enqueue("studygroup.email_notification", key="digest:1", **kwargs)
    assert first.pk == second.pk == third.pk and OutboxMessage.objects.count() == 1
    assert len(mailoutbox) == 1


def test_a_message_delivered_again_mails_nobody_twice(leader, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox.enqueue(
            "studygroup.email_notification", user_ids=[leader.pk], title="计划待您审批", body="", url=""
        )
    assert len(mailoutbox) == 1
    # The relay published it again (it died before marking it sent), or the broker redelivered it.
    kwargs = {"user_ids": [leader.pk], "title": "计划待您审批", "body": "", "url": ""}
    assert email_notification.apply(kwargs=kwargs, task_id=outbox.task_id(message)).get() == 0
    assert len(mailoutbox) == 1


def test_a_failing_send_releases_its_claim_so_the_retry_mails(leader, mailoutbox, monkeypatch):
    message = OutboxMessage.objects.create(
        task_name="studygroup.email_notification", kwargs={"user_ids": [leader.pk], "title": "t", "body": "", "url": ""}
    )

    def send_and_fail():
        with outbox.deliver_once(outbox.task_id(message)) as first:
            assert first
            raise OSError("the mail server hung up")

    with pytest.raises(OSError, match="hung up"):
        send_and_fail()
    message.refresh_from_db()
    assert message.delivered_at is None
    with outbox.deliver_once(outbox.task_id(message)) as first:
        assert first


def test_with_the_broker_down_the_commit_stands_and_the_row_waits_for_the_relay(
    leader, mailoutbox, dead_broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notifications.send(to=[leader], verb="plan_submitted", title="计划待您审批")
    message = OutboxMessage.objects.get()
    assert message.sent_at is None and message.attempts == 1
    assert "127.0.0.1:7198" in message.last_error
    assert message.next_attempt_at > timezone.now()  # backed off
    assert len(dead_broker) == 1  # one connection attempt, no retries
    assert mailoutbox == []


def test_the_relay_backs_off_each_failing_row_and_publishes_when_the_broker_is_back(leader, mailoutbox, dead_broker):
    due = timezone.now() - datetime.timedelta(seconds=1)
    rows = [
        OutboxMessage.objects.create(
            task_name="studygroup.email_notification",
            kwargs={"user_ids": [leader.pk], "title": f"第{n}条", "body": "", "url": ""},
            next_attempt_at=due,
        )
        for n in range(3)
    ]
    call_command("relay_outbox", "--once", verbosity=0)
    assert len(dead_broker) == 1  # the first failure stops the pass
    for row in rows:
        row.refresh_from_db()
        assert row.sent_at is None and row.attempts == 1 and row.next_attempt_at > timezone.now()
    call_command("relay_outbox", "--once", verbosity=0)
    assert len(dead_broker) == 1  # nothing is due yet: no new attempt
    OutboxMessage.objects.update(next_attempt_at=due)
    app.conf.task_always_eager = True  # the broker is back (a worker in-process)
    call_command("relay_outbox", "--once", verbosity=0)
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 0
    assert sorted(m.subject for m in mailoutbox) == ["第0条", "第1条", "第2条"]


def test_backoff_doubles_up_to_five_minutes():
    assert [outbox.backoff(n).total_seconds() for n in (1, 2, 3, 8, 9, 30)] == [2, 4, 8, 256, 300, 300]
