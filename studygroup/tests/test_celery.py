"""Celery: in-process without Redis; a real worker over Redis when REDIS_URL is set."""

import os

import pytest

from studygroup.celery import app
from studygroup.tasks import ping


def test_tasks_run_in_process_without_redis(settings):
    if settings.REDIS_URL:
        assert not settings.CELERY_TASK_ALWAYS_EAGER
        assert settings.CELERY_BROKER_URL == settings.CELERY_RESULT_BACKEND == settings.REDIS_URL
    else:
        assert settings.CELERY_TASK_ALWAYS_EAGER
        assert settings.CELERY_BROKER_URL == "memory://"
    assert ping.delay().get() == "pong"


def test_worker_settings_guard_against_lost_tasks():
    assert app.conf.task_acks_late
    assert app.conf.task_reject_on_worker_lost
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_time_limit < app.conf.broker_transport_options["visibility_timeout"]


@pytest.mark.redis
@pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set, so there is no Redis to test against"
)
def test_a_worker_takes_a_task_through_redis():
    from celery.contrib.testing.worker import start_worker

    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        assert ping.delay().get(timeout=20) == "pong"
