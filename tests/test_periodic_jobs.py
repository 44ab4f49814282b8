"""Every periodic job of every app: claims its key before acting (a second beat does nothing) and retries
temporary faults for at least ten minutes."""

import pytest
from django.conf import settings
from django.db import OperationalError
from django_celery_beat.models import PeriodicTask
from freezegun import freeze_time

from studygroup import jobs
from studygroup.celery import app
from studygroup.models import JobClaim, Tick

pytestmark = pytest.mark.django_db
# Jobs with nothing to do twice: beat's heartbeat for /healthz overwrites one row with the time.
HEARTBEATS = {"studygroup.beat_tick"}


def _tasks():
    app.loader.import_default_modules()
    return app.tasks


@freeze_time("2026-12-01 00:01:00")  # both beats within the same five minutes, whenever the test runs
def test_every_periodic_job_claims_its_key_so_a_second_beat_does_nothing():
    names = sorted(set(PeriodicTask.objects.exclude(task__startswith="celery.").values_list("task", flat=True)))
    assert {"reports.compile_digests", "reports.daily_reminders", "practice.selfstudy_reminders"} <= set(names)
    assert "studygroup.prune_audit_log" in names
    tasks = _tasks()
    for name in names:
        if name in HEARTBEATS:
            tasks[name].apply()
            tasks[name].apply()  # a second beat stores the time again: nothing is sent, counted or kept twice
            assert Tick.objects.count() == 1
            continue
        first = tasks[name].apply()
        claims = JobClaim.objects.filter(holder=first.id)
        assert claims.count() == 1, name  # the day's, month's or five minutes' key
        again = tasks[name].apply()  # a second beat, the same day
        assert again.get() == 0, name
        assert not JobClaim.objects.filter(holder=again.id).exists(), name


def test_every_retrying_task_waits_at_least_ten_minutes_in_all_each_wait_shorter_than_the_visibility_timeout():
    retrying = [task for name, task in _tasks().items() if name.split(".")[0] in {"reports", "studygroup", "practice"}]
    retrying = [task for task in retrying if getattr(task, "autoretry_for", ())]
    assert {"reports.compile_digests", "reports.compile_digest_for", "studygroup.email_notification"} <= {
        task.name for task in retrying
    }
    for task in retrying:
        assert OperationalError in task.autoretry_for and not task.retry_jitter, task.name
        assert jobs.retry_window(task) >= 600, task.name
        assert task.retry_backoff_max < settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"], task.name


def test_heavy_report_work_mail_and_the_rest_go_to_their_own_queues():
    router = app.amqp.router
    queue = lambda name: router.route({}, name)["queue"].name  # noqa: E731
    assert queue("reports.compile_digests") == "reports" and queue("reports.compile_digest_for") == "reports"
    assert queue("reports.rebuild_rollups") == "reports" and queue("reports.draft_summaries") == "reports"
    assert queue("studygroup.email_notification") == "mail" and queue("reports.notify_digest_readers") == "mail"
    assert queue("studygroup.ping") == "default" and queue("studygroup.prune_audit_log") == "default"
