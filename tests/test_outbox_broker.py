"""Issue 15, failure 1: with Redis stopped, a request that asks for a job or an e-mail commits and answers at once;
once Redis is back the relay and a real worker deliver it, exactly once.

Each test owns its redis-server (``faults.harness``, ports 7150-7159) and points the app's broker at it.
"""

import socket
import uuid

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from faults import harness
from faults.world import build_town
from plans.models import StudyPlan
from reports.models import TaskRun
from sessions.models import LeaveRequest
from studygroup.celery import app
from studygroup.models import OutboxMessage
from studygroup.tasks import beat_tick

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="a worker in another process needs a database it can share"
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def broker():
    """A private redis-server, the app's broker while the test runs; the test stops and starts it."""
    server = harness.RedisServer(port=7150)
    saved = {name: app.conf[name] for name in ("task_always_eager", "broker_url", "broker_write_url")}
    app.conf.update(task_always_eager=False, broker_url=server.url, broker_write_url=None)
    server.start()
    yield server
    server.stop()
    app.conf.update(saved)


@pytest.fixture
def connects_to(monkeypatch):
    """Count the connections this process opens, per port."""
    ports = []
    connect = socket.socket.connect

    def counting(sock, address):
        if isinstance(address, tuple):
            ports.append(address[1])
        return connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", counting)
    return ports


def _delivered_twice(worker, message) -> bool:
    return worker.output().count(f"[outbox-{message.pk}] succeeded") >= 2


def test_with_redis_stopped_a_plan_submits_and_the_leader_is_mailed_once_when_it_is_back(client, broker, connects_to):
    town = build_town("submit")
    broker.stop()
    before = connects_to.count(broker.port)
    client.force_login(town.staff)
    response = client.post(reverse("plans:plan-submit", args=[town.plan.pk]))
    assert response.status_code == 302
    assert StudyPlan.objects.get(pk=town.plan.pk).status == "submitted"
    message = OutboxMessage.objects.get(task_name="studygroup.email_notification")
    assert message.sent_at is None and message.attempts == 1 and "Connection refused" in message.last_error
    assert connects_to.count(broker.port) - before == 1  # one quick attempt after the commit, no retries
    assert mail.outbox == []

    broker.start()
    mails = harness.MailDir()
    env = harness.app_env(database_url=harness.database_url_of(connection.settings_dict), redis_url=broker.url)
    env["MAIL_DIR"] = str(mails.path)
    try:
        with harness.worker(env, concurrency=1) as worker, harness.relay(env):
            harness.wait_for(lambda: mails.received()[town.leader.email], 60, "the leader's e-mail never arrived")
            # The relay publishes it again (as after dying before it marked the row sent): nobody is mailed twice.
            OutboxMessage.objects.filter(pk=message.pk).update(sent_at=None, next_attempt_at=timezone.now())
            harness.wait_for(lambda: _delivered_twice(worker, message), 60, "the second delivery never ran")
        assert mails.received()[town.leader.email] == 1
    finally:
        mails.remove()
    message.refresh_from_db()
    assert message.sent_at is not None and message.delivered_at is not None


def test_with_redis_stopped_leave_submit_now_and_compile_now_commit_and_wait_in_the_outbox(client, broker, connects_to):
    town = build_town("others")
    broker.stop()
    before = connects_to.count(broker.port)
    client.force_login(town.member)
    leave = client.post(
        reverse("sessions:leave-ask", args=[town.session.pk]), {"reason": "参加上级会议", "once": str(uuid.uuid4())}
    )
    assert leave.status_code == 302 and LeaveRequest.objects.filter(session=town.session).count() == 1
    submit_now = client.post(
        reverse("sessions:submission-create"),
        {"kind": "reflection", "title": "学习心得", "text": "心得", "once": str(uuid.uuid4()), "submit_now": "1"},
    )
    assert submit_now.status_code == 302
    client.force_login(town.staff)
    compile_now = client.post(reverse("reports:digest-compile"), {"year": 2026, "month": 3})
    assert compile_now.status_code == 302
    run = TaskRun.objects.get(name="compile_digests")
    pending = OutboxMessage.objects.filter(sent_at__isnull=True)
    assert sorted(pending.values_list("task_name", flat=True)) == [
        "reports.compile_digests",
        "studygroup.email_notification",
        "studygroup.email_notification",
    ]
    assert pending.get(task_name="reports.compile_digests").kwargs == {
        "year": 2026,
        "month": 3,
        "organization_id": town.organization.pk,
        "run_id": run.pk,
    }
    assert connects_to.count(broker.port) - before == 3  # one attempt per request

    broker.start()
    mails = harness.MailDir()
    env = harness.app_env(database_url=harness.database_url_of(connection.settings_dict), redis_url=broker.url)
    env["MAIL_DIR"] = str(mails.path)
    try:
        with harness.worker(env, concurrency=1), harness.relay(env):
            harness.wait_for(
                lambda: TaskRun.objects.get(pk=run.pk).state == TaskRun.State.SUCCEEDED, 60, "the compile never ran"
            )
            harness.wait_for(lambda: mails.received()[town.leader.email] == 1, 60, "the leave e-mail never arrived")
            harness.wait_for(lambda: mails.received()[town.staff.email] == 2, 60, "the staff's e-mails never arrived")
    finally:
        mails.remove()
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()


def test_healthz_follows_the_broker_and_the_outbox(client, broker, settings):
    settings.REDIS_URL = broker.url
    beat_tick()
    healthy = client.get(reverse("healthz"))
    assert healthy.status_code == 200 and healthy.json()["checks"]["broker"] == {"ok": True}
    broker.stop()
    town = build_town("health")
    client.force_login(town.staff)
    client.post(reverse("plans:plan-submit", args=[town.plan.pk]))  # its e-mail waits in the outbox
    client.logout()
    down = client.get(reverse("healthz"))
    assert down.status_code == 503
    assert down.json()["checks"]["broker"] == {"ok": False}
    assert down.json()["checks"]["outbox"]["pending"] == 1
