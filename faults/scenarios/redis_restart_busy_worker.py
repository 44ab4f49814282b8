"""Redis restarts under a busy worker (acks_late, prefork): the worker stays up and consumes again, and every task
it held runs, or waits in Redis's ``unacked`` hash for the visibility timeout (not lost: counted apart) (issue 15,
failure 2)."""

import contextlib
import os
import time
import uuid

from faults import harness
from studygroup.celery import app

BUSY, SECONDS, PROBES = 8, 2.0, 3


def _send(mark: str, seconds: float) -> None:
    """Queue a ``faults.busy`` task on the broker configured now (a fresh connection, not the app's pool)."""
    with app.connection_for_write() as connection:
        app.send_task("faults.busy", args=[seconds, mark], ignore_result=True, connection=connection)


def _done(worker, mark: str) -> int:
    return worker.output().count(f"faults.busy done {mark}\n")


def run() -> dict:
    tag = uuid.uuid4().hex[:6]
    busy = [f"{tag}-busy-{n}" for n in range(BUSY)]
    probes = [f"{tag}-probe-{n}" for n in range(PROBES)]
    env = harness.app_env(database_url=harness.DATABASE_URL, redis_url=harness.BROKER.url)
    with harness.worker(env, concurrency=2, name="busy") as worker:
        for mark in busy:
            _send(mark, SECONDS)
        harness.wait_for(lambda: _done(worker, busy[0]), 60, "the worker never got busy")
        harness.BROKER.restart()
        restarted = time.monotonic()
        for mark in probes:
            _send(mark, 0.1)
        recovery = None
        with contextlib.suppress(AssertionError):
            harness.wait_for(lambda: all(_done(worker, m) for m in probes) or not worker.alive, 60, "no recovery")
            if worker.alive:
                recovery = round(time.monotonic() - restarted, 1)
        # What the worker held when Redis went away comes back by the visibility timeout; wait for it as long as
        # the run allows (FAULTS_BUSY_WAIT, default 60 s), then count.
        wait = float(os.environ.get("FAULTS_BUSY_WAIT", "60"))
        with contextlib.suppress(AssertionError):
            harness.wait_for(lambda: all(_done(worker, m) for m in busy) or not worker.alive, wait, "held tasks")
        counts = {mark: _done(worker, mark) for mark in busy + probes}
        crashed = "Unrecoverable error" in worker.output() or not worker.alive
    unacked = harness.BROKER.unacked()
    waiting = [mark for mark, n in counts.items() if n == 0 and repr(mark) in unacked]
    return {
        "fault": "Redis restarted under a busy worker" + (" (worker exited)" if crashed else ""),
        "in_flight": f"{BUSY} tasks of {SECONDS:.0f} s on 2 processes, {PROBES} sent after the restart"
        + (f"; {len(waiting)} held in Redis until the visibility timeout" if waiting else ""),
        "lost": sum(1 for mark, n in counts.items() if n == 0 and mark not in waiting),
        "duplicated": sum(max(0, n - 1) for n in counts.values()),
        "recovery_s": recovery,
    }
