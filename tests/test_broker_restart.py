"""Issue 15, failure 2: Redis restarted under a busy worker (prefork, ``acks_late``): the worker stays up, consumes
again within a minute, and runs every task it held at most once (the rest wait in Redis for the visibility
timeout). A real worker and a private, persistent redis-server."""

import uuid

import pytest

from faults import harness
from studygroup.celery import app

pytestmark = pytest.mark.redis


def _send(mark: str, seconds: float) -> None:
    """Queue a ``faults.busy`` task on the broker configured now (a fresh connection, not the app's pool)."""
    with app.connection_for_write() as connection:
        app.send_task("faults.busy", args=[seconds, mark], ignore_result=True, connection=connection)


def _done(worker, mark: str) -> int:
    return worker.output().count(f"faults.busy done {mark}\n")


@pytest.fixture
def broker():
    server = harness.RedisServer(port=7152, persistent=True)
    saved = {name: app.conf[name] for name in ("task_always_eager", "broker_url", "broker_write_url")}
    app.conf.update(task_always_eager=False, broker_url=server.url, broker_write_url=None)
    with server:
        yield server
    app.conf.update(saved)


def test_a_busy_worker_consumes_again_after_redis_restarts(broker):
    tag = uuid.uuid4().hex[:6]
    busy = [f"{tag}-busy-{n}" for n in range(6)]
    probes = [f"{tag}-probe-{n}" for n in range(3)]
    with harness.worker(harness.app_env(redis_url=broker.url), concurrency=2, name="busy") as worker:
        for mark in busy:
            _send(mark, 2.0)
        harness.wait_for(lambda: _done(worker, busy[0]), 60, "the worker never got busy")
        broker.restart()  # while the worker runs two tasks and holds another prefetched
        for mark in probes:
            _send(mark, 0.1)
        harness.wait_for(lambda: all(_done(worker, m) for m in probes), 60, "no task consumed after the restart")
        # A task the worker held when the connection went is run, or waits in Redis's unacked hash, from which
        # kombu queues it again after the visibility timeout: either way it is not lost.
        harness.wait_for(
            lambda: all(_done(worker, m) or repr(m) in broker.unacked() for m in busy), 60, "a held task was lost"
        )
        assert worker.alive
        assert "Unrecoverable error" not in worker.output()
        assert all(_done(worker, mark) <= 1 for mark in busy) and all(_done(worker, m) == 1 for m in probes)
