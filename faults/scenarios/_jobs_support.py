"""What the job scenarios (worker_killed, postgres_outage, two_beats) need, apart from ``faults/harness.py``: a TCP
proxy in front of PostgreSQL that can go silent, real Celery workers and beats as process groups they kill or
stop, and a tree of organizations to compile. 127.0.0.1 only, on ports ``FAULTS_JOBS_PORT_BASE`` (default 7400)
upwards; whoever starts a process stops it.

The scenarios run inside ``faults/run.py`` (Django set up, ``DATABASE_URL`` and ``REDIS_URL`` pointing at the
fault run's database and broker). Run alone (``python -m faults.scenarios.worker_killed``), they use the
environment's ``DATABASE_URL`` and ``REDIS_URL`` (both required, on 127.0.0.1).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from faults.harness import TcpProxy

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
PORT_BASE = int(os.environ.get("FAULTS_JOBS_PORT_BASE", "7400"))
PG_PROXY_PORT = PORT_BASE + 1
QUEUES = "reports,mail,default"


def setup() -> None:
    """Django, for a scenario run on its own (``faults/run.py`` has done it already)."""
    for name in ("DATABASE_URL", "REDIS_URL"):
        address = urlparse(os.environ.get(name, ""))
        if address.hostname not in {"127.0.0.1", "localhost"}:
            raise SystemExit(f"{name} must point at 127.0.0.1: the fault scenarios touch nothing else")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studygroup.settings")
    os.environ.setdefault("SECRET_KEY", "faults-only-secret-key-not-for-production-0123456789")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def wait_for(predicate: Callable[[], object], timeout: float, message: str, interval: float = 0.3):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(message)
        time.sleep(interval)


def port_open(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=0.2):
        return True
    return False


class PostgresProxy(TcpProxy):
    """127.0.0.1:``port`` → the PostgreSQL of the app's database (``faults.harness.TcpProxy``). ``outage()`` drops
    every connection and refuses new ones (the database is gone for its clients) until ``restore()``."""

    def __init__(self, port: int = PG_PROXY_PORT):
        from django.db import connection

        settings = connection.settings_dict
        super().__init__(port, (settings["HOST"] or HOST, int(settings["PORT"] or 5432)))

    def url(self) -> str:
        """``DATABASE_URL`` of the app, through the proxy."""
        address = urlparse(os.environ["DATABASE_URL"])
        user = f"{address.username}@" if address.username else ""
        password = f"{address.username}:{address.password}@" if address.password else user
        return urlunparse(address._replace(netloc=f"{password}{HOST}:{self.port}"))

    def start(self) -> PostgresProxy:
        if port_open(self.port):
            raise RuntimeError(f"port {self.port} is taken")
        super().start()
        return self

    def outage(self) -> None:
        self.refuse()

    def restore(self) -> None:
        self.accept()


class Process:
    """A Celery worker or beat of the app in its own process group, its output in a file."""

    def __init__(self, args: list[str], env: dict, name: str):
        self.args, self.env, self.name = args, env, name
        self.log = Path(tempfile.mkstemp(prefix=f"faults-{name}-", suffix=".log")[1])
        self.process: subprocess.Popen | None = None

    def start(self) -> Process:
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [sys.executable, *self.args], env=self.env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        return self

    def kill(self) -> None:
        """``kill -9`` of the whole group: the main process and its pool, no chance to hand anything back."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def __enter__(self) -> Process:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
        with contextlib.suppress(OSError):
            self.log.unlink()


def environment(database_url: str | None = None) -> dict:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "studygroup.settings"}
    if database_url:
        env["DATABASE_URL"] = database_url
    env.pop("DEBUG", None)
    return env


def worker(env: dict, name: str = "worker", slow: bool = True, concurrency: int = 2) -> Process:
    """A worker of every queue; ``slow``: it pauses a second after each digest, so a fault lands mid-job."""
    module = "reports.tests.slow_worker" if slow else "celery"
    head = ["-m", module] if slow else ["-m", "celery", "-A", "studygroup"]
    args = [*head, "worker", "--pool=prefork", f"--concurrency={concurrency}", "-Q", QUEUES, "--loglevel=WARNING",
            "--without-gossip", "--without-mingle", "-n", f"{name}-{uuid.uuid4().hex[:6]}@%h"]  # fmt: skip
    return Process(args, env, name)


def beat(env: dict, name: str) -> Process:
    directory = tempfile.mkdtemp(prefix=f"faults-{name}-")
    args = ["-m", "celery", "-A", "studygroup", "beat", "--loglevel=WARNING", f"--pidfile={directory}/beat.pid",
            f"--schedule={directory}/schedule"]  # fmt: skip
    return Process(args, env, name)


def purge_queues() -> None:
    from studygroup.celery import app

    with app.connection_for_write() as connection:
        for queue in QUEUES.split(","):
            with contextlib.suppress(Exception):
                connection.default_channel.queue_purge(queue)


def unique_sequences() -> None:
    """Start the factories' numbering (codes, usernames) where no earlier run of a scenario has been."""
    import random

    import factory

    from audits.tests import factories as audit_factories
    from studygroup.tests import factories as core_factories

    start = random.randrange(10**6, 10**9)
    for module in (core_factories, audit_factories):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, factory.Factory) and value._meta.model is not None:
                value.reset_sequence(start)


def tree(towns: int):
    """A county (its own name, so runs never meet) with a group and ``towns`` towns with a group each."""
    from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory

    unique_sequences()

    tag = uuid.uuid4().hex[:6]
    county = OrganizationFactory(name=f"故障演练县委{tag}")
    StudyGroupFactory(organization=county)
    for number in range(towns):
        StudyGroupFactory(organization=OrganizationFactory(parent=county, name=f"故障演练{tag}第{number + 1}镇"))
    return county


def digest_outcome(county, year: int, month: int) -> dict:
    """What a compile of ``county``'s subtree left: organizations without a digest, extra digests or run records."""
    from reports.models import MonthlyDigest, TaskRun
    from reports.tasks import digest_key, organizations_with_groups

    expected = {o.pk for o in organizations_with_groups(county)}
    counts: dict[int, int] = {}
    for organization_id in MonthlyDigest.objects.filter(
        organization__path__startswith=county.path, year=year, month=month
    ).values_list("organization_id", flat=True):
        counts[organization_id] = counts.get(organization_id, 0) + 1
    runs = TaskRun.objects.filter(key=digest_key(year, month, county.pk))
    run = runs.first()
    return {
        "total": len(expected),
        "lost": len(expected - set(counts)),
        "duplicated": sum(n - 1 for n in counts.values())
        + max(runs.count() - 1, 0)
        + (max(run.done - run.total, 0) if run else 0),
        "run": run,
    }


def run_state(county, year: int, month: int) -> str:
    from reports.models import TaskRun
    from reports.tasks import digest_key

    run = TaskRun.objects.filter(key=digest_key(year, month, county.pk)).first()
    return run.state if run else ""


def run_done(county, year: int, month: int) -> int:
    from reports.models import TaskRun
    from reports.tasks import digest_key

    run = TaskRun.objects.filter(key=digest_key(year, month, county.pk)).first()
    return run.done if run else 0
