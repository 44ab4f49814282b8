"""/healthz: open without a login, 200 when the database, broker, beat and outbox are well, 503 naming what is not."""

import datetime

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from studygroup.models import OutboxMessage, Tick
from studygroup.tasks import beat_tick

pytestmark = pytest.mark.django_db

DEAD = "redis://127.0.0.1:7197/0"  # nothing listens there


def test_without_a_broker_tasks_run_in_process_and_the_site_is_healthy(client, settings):
    settings.REDIS_URL = ""
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["broker"] == {"ok": True, "in_process": True}
    assert body["checks"]["outbox"] == {"ok": True, "pending": 0, "oldest_age_s": 0}
    assert response["Cache-Control"].startswith("max-age=0")


def test_a_broker_that_does_not_answer_and_no_beat_tick_answer_503(client, settings):
    settings.REDIS_URL = DEAD
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["broker"] == {"ok": False}
    assert checks["beat"] == {"ok": False, "age_s": None}
    assert checks["database"]["ok"] and checks["outbox"]["ok"]
    assert "7197" not in response.content.decode()  # no address, no error text


def test_beat_is_well_while_its_tick_is_recent(client, settings):
    settings.REDIS_URL = DEAD
    beat_tick()
    assert client.get(reverse("healthz")).json()["checks"]["beat"]["ok"] is True
    Tick.objects.filter(name="beat").update(at=timezone.now() - datetime.timedelta(minutes=6))
    beat = client.get(reverse("healthz")).json()["checks"]["beat"]
    assert beat["ok"] is False and beat["age_s"] >= 360


def test_an_outbox_message_waiting_ten_minutes_answers_503(client, settings):
    settings.REDIS_URL = ""
    OutboxMessage.objects.create(task_name="studygroup.ping", created_at=timezone.now() - datetime.timedelta(minutes=3))
    assert client.get(reverse("healthz")).status_code == 200
    OutboxMessage.objects.create(
        task_name="studygroup.ping", created_at=timezone.now() - datetime.timedelta(minutes=11)
    )
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    outbox = response.json()["checks"]["outbox"]
    assert outbox["ok"] is False and outbox["pending"] == 2 and outbox["oldest_age_s"] >= 660


def test_a_database_that_does_not_answer_answers_503(client, settings, monkeypatch):
    settings.REDIS_URL = ""

    def refuse(*args, **kwargs):
        raise ConnectionError("the database went away")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == {"ok": False}
    assert checks["outbox"] == {"ok": False, "pending": None, "oldest_age_s": None}
