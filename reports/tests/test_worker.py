"""Digests compiled through a real Celery worker over Redis, including a worker process killed mid-run."""

import datetime
import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection

from reports.models import MonthlyDigest, TaskRun
from reports.tasks import compile_digests
from sessions.tests.factories import StudySessionFactory
from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory

needs_redis = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set, so there is no Redis")


def build_tree(towns: int):
    county = OrganizationFactory()
    StudyGroupFactory(organization=county)
    for _index in range(towns):
        group = StudyGroupFactory(organization=OrganizationFactory(parent=county))
        start = datetime.datetime(2026, 10, 12, 1, tzinfo=datetime.UTC)
        StudySessionFactory(group=group, starts_at=start, ends_at=start + datetime.timedelta(hours=2))
    return county


QUEUES = ["reports", "mail", "default"]


def _purge_queues():
    """Leave no message of an earlier run in this database's queues (each engineer's tests have their own)."""
    from studygroup.celery import app

    with app.connection_for_write() as connection:
        channel = connection.default_channel
        for queue in QUEUES:
            channel.queue_purge(queue)


@pytest.mark.redis
@needs_redis
@pytest.mark.django_db(transaction=True)
def test_a_worker_compiles_the_digests_across_a_chord_of_chunks_of_organizations():
    from celery.contrib.testing.worker import start_worker

    from studygroup.celery import app

    county = build_tree(2)
    _purge_queues()
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING", queues=QUEUES):
        for _again in range(2):  # run twice: the same record, started afresh, the same three digests
            assert compile_digests.delay(2026, 10, county.pk).get(timeout=60) == 3
            _wait(lambda: TaskRun.objects.get().state == "succeeded", 60, "the chord never finished the run")
    run = TaskRun.objects.get()
    assert (run.key, run.done, run.total, run.failures) == (f"digests:2026-10:{county.pk}", 3, 3, 0)
    assert MonthlyDigest.objects.filter(year=2026, month=10).count() == 3


def _children(pid: int) -> list[int]:
    result = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(line) for line in result.stdout.split()]


def _wait(predicate, timeout: float, message: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(message)


@pytest.mark.redis
@needs_redis
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a worker in another process needs a database it can share (PostgreSQL)"
)
@pytest.mark.django_db(transaction=True)
def test_killing_the_worker_process_mid_compile_still_compiles_each_digest_once():
    county = build_tree(5)
    _purge_queues()
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}"
        f"/{database['NAME']}",
        "SECRET_KEY": settings.SECRET_KEY,
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "reports.tests.slow_worker",  # pauses after each digest, so the kill lands mid-run
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            "-Q",
            ",".join(QUEUES),
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        compile_digests.delay(2026, 10, county.pk)
        _wait(lambda: TaskRun.objects.filter(state="running").exists(), 60, "the job never started")
        run = TaskRun.objects.get()
        _wait(lambda: TaskRun.objects.get(pk=run.pk).done >= 2, 60, "the worker never started compiling")
        children = _wait(lambda: _children(worker.pid), 10, "no pool process found")
        killed_at = TaskRun.objects.get(pk=run.pk)
        assert killed_at.state == "running" and killed_at.done < killed_at.total  # the kill lands mid-run
        for child in children:
            os.kill(child, signal.SIGKILL)
        # The pool starts another process; the task, rejected on worker loss, runs again there.
        _wait(lambda: TaskRun.objects.get(pk=run.pk).state == "succeeded", 120, "the compile never finished")
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
    digests = MonthlyDigest.objects.filter(year=2026, month=10)
    assert digests.count() == 6
    assert sorted(digests.values_list("organization__path", flat=True)) == sorted(
        {county.path, *county.children.values_list("path", flat=True)}
    )
