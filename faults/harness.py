"""What the fault scenarios share: a private redis-server, a TCP proxy in front of PostgreSQL that can drop its
connections, a Celery worker and the outbox relay as real processes, and the environment they all run with.

Everything listens on 127.0.0.1 only, on ports from ``FAULTS_PORT_BASE`` (default 7100) upwards, and whoever
starts a process stops it (each helper is a context manager, and ``stop`` is safe to call twice).
"""

from __future__ import annotations

import contextlib
import email
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
PORT_BASE = int(os.environ.get("FAULTS_PORT_BASE", "7100"))
#: The ports of the run's services: the broker the app talks to, and the proxy in front of PostgreSQL.
REDIS_PORT = PORT_BASE + 1
PG_PROXY_PORT = PORT_BASE + 2


def wait_for(predicate: Callable[[], object], timeout: float, message: str, interval: float = 0.2):
    """Poll ``predicate`` until it returns something true; return that, or raise ``AssertionError(message)``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(message)
        time.sleep(interval)


def port_open(port: int, host: str = HOST) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.2):
        return True
    return False


class RedisServer:
    """A private redis-server on 127.0.0.1:``port``; ``stop`` and ``start`` it at will.

    ``persistent``: an append-only file fsynced at every write (as a broker in production should be), so a restart
    keeps the queues; otherwise a restart empties them.
    """

    def __init__(self, port: int = REDIS_PORT, persistent: bool = False):
        self.port = port
        self.url = f"redis://{HOST}:{port}/0"
        self.process: subprocess.Popen | None = None
        self.directory = Path(tempfile.mkdtemp(prefix=f"faults-redis-{port}-")) if persistent else None

    def start(self) -> RedisServer:
        if port_open(self.port):
            raise RuntimeError(f"port {self.port} is already taken: another redis-server of a test or a fault run?")
        command = ["redis-server", "--bind", HOST, "--port", str(self.port), "--save", ""]
        if self.directory:
            command += ["--dir", str(self.directory), "--appendonly", "yes", "--appendfsync", "always"]
        else:
            command += ["--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: port_open(self.port), 10, f"redis-server did not start on port {self.port}")
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        wait_for(lambda: not port_open(self.port), 10, f"redis-server still answers on port {self.port}")

    def unacked(self) -> str:
        """The messages kombu keeps in Redis until they are acknowledged (its ``unacked`` hash), as text: what a
        worker held when it lost the connection waits there and is queued again after the visibility timeout."""
        import redis

        client = redis.Redis.from_url(self.url)
        try:
            return "\n".join(value.decode(errors="replace") for value in client.hgetall("unacked").values())
        finally:
            client.close()

    def restart(self) -> None:
        self.stop()
        self.start()

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
        if self.directory:
            shutil.rmtree(self.directory, ignore_errors=True)


class TcpProxy:
    """A TCP proxy from 127.0.0.1:``port`` to ``target`` (PostgreSQL by default), in a thread.

    ``drop()`` closes every connection going through it (the clients see the server vanish); ``refuse()`` also
    stops accepting new ones until ``accept()``. Point ``DATABASE_URL`` at the proxy's port to use it.
    """

    def __init__(self, port: int = PG_PROXY_PORT, target: tuple[str, int] = (HOST, 5432)):
        self.port, self.target = port, target
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self._refusing = threading.Event()
        self._stopping = threading.Event()
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> TcpProxy:
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((HOST, self.port))
        self._listener.listen(64)
        self._listener.settimeout(0.2)
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        return self

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _address = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self._refusing.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._pairs.append((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, client: socket.socket, upstream: socket.socket) -> None:
        sockets = [client, upstream]
        with contextlib.suppress(OSError, ValueError):
            while not self._stopping.is_set():
                readable, _, _ = select.select(sockets, [], [], 0.5)
                for source in readable:
                    data = source.recv(65536)
                    if not data:
                        raise OSError("closed")
                    (upstream if source is client else client).sendall(data)
        self._close_pair(client, upstream)

    def _close_pair(self, client: socket.socket, upstream: socket.socket) -> None:
        for sock in (client, upstream):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        with self._lock, contextlib.suppress(ValueError):
            self._pairs.remove((client, upstream))

    def drop(self) -> int:
        """Close every open connection; return how many there were."""
        with self._lock:
            pairs = list(self._pairs)
        for pair in pairs:
            self._close_pair(*pair)
        return len(pairs)

    def refuse(self) -> None:
        self._refusing.set()
        self.drop()

    def accept(self) -> None:
        self._refusing.clear()

    def stop(self) -> None:
        self._stopping.set()
        self.drop()
        if self._listener is not None:
            self._listener.close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def app_env(*, database_url: str | None = None, redis_url: str | None = None, **extra: str) -> dict[str, str]:
    """The environment of a process of the app (worker, relay): this one's, with the database and broker given."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "studygroup.settings", "PYTHONPATH": str(ROOT)}
    env.setdefault("SECRET_KEY", "faults-only-secret-key-not-for-production-0123456789")
    if database_url:
        env["DATABASE_URL"] = database_url
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.pop("DEBUG", None)
    env.update(extra)
    return env


def database_url_of(settings_dict: dict) -> str:
    """The ``DATABASE_URL`` of a Django database (e.g. the test database pytest-django made)."""
    user = settings_dict.get("USER") or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    host, port = settings_dict.get("HOST") or HOST, settings_dict.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


class Process:
    """A process of the app (``command`` from the project root), its output in a log file; a context manager."""

    def __init__(self, command: list[str], env: dict[str, str], name: str):
        self.command, self.env, self.name = command, env, name
        self.log = Path(tempfile.mkstemp(prefix=f"faults-{name}-", suffix=".log")[1])
        self.process: subprocess.Popen | None = None

    def start(self):
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.command, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        return self

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, timeout: float = 20) -> None:
        if self.alive:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)  # its own session: the worker and its pool children
                self.process.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
        if exc[0] is None:
            self.log.unlink(missing_ok=True)


def worker(
    env: dict[str, str], *, queues: str = "default,reports,mail", concurrency: int = 2, name: str = "worker"
) -> Process:
    """A Celery worker (prefork, ``acks_late`` as configured) that writes its e-mails as files to ``MAIL_DIR``
    of ``env`` (see ``faults/worker.py``)."""
    command = [
        sys.executable,
        "-m",
        "faults.worker",
        "worker",
        "--pool=prefork",
        f"--concurrency={concurrency}",
        "-Q",
        queues,
        "--loglevel=INFO",
        "-n",
        f"{name}-{os.getpid()}-{time.monotonic_ns()}@%h",
    ]
    return Process(command, env, name)


def relay(env: dict[str, str], *, interval: float = 0.5) -> Process:
    """The outbox relay, ``manage.py relay_outbox``."""
    return Process([sys.executable, "manage.py", "relay_outbox", "--interval", str(interval)], env, "relay")


class MailDir:
    """The folder a worker's file e-mail backend writes to; counts the messages each address received."""

    def __init__(self):
        self.path = Path(tempfile.mkdtemp(prefix="faults-mail-"))

    def received(self) -> Counter:
        counts: Counter = Counter()
        for path in self.path.glob("*.log"):
            for chunk in path.read_text(errors="replace").split("-" * 79):
                if chunk.strip():
                    message = email.message_from_string(chunk.strip())
                    for address in (message.get("To") or "").split(","):
                        counts[address.strip()] += 1
        return counts

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


# The run's services, set up by ``faults/run.py`` before it imports the scenarios: the database the app uses
# (directly, and through ``TcpProxy`` on PG_PROXY_PORT for scenarios that cut it) and the broker (persistent).
DATABASE_URL = os.environ.get("FAULTS_DATABASE_URL", f"postgres://postgres@{HOST}:5432/sg_faults")
PROXIED_DATABASE_URL = DATABASE_URL.replace(":5432/", f":{PG_PROXY_PORT}/")
BROKER = RedisServer(REDIS_PORT, persistent=True)


def executions(process: Process, outbox_pk: int) -> int:
    """How many times a worker ran the outbox message ``outbox_pk`` (its log names the task id)."""
    return process.output().count(f"[outbox-{outbox_pk}] succeeded")


def recover_outbox(
    *,
    fault: str,
    in_flight: str,
    expected_mail: dict[str, int],
    done: Callable[[], bool] = lambda: True,
    duplicates: Callable[[Process], int] = lambda worker_process: 0,
) -> dict:
    """Start the broker again with a worker and the relay; wait (60 s at most) until every address of
    ``expected_mail`` received its e-mails and ``done()`` holds, then until the outbox is empty and nothing more
    arrives. Return the scenario's row: ``lost`` counts the e-mails missing (and 1 if ``done()`` never held),
    ``duplicated`` the e-mails beyond those expected plus what ``duplicates(worker)`` counts."""
    from studygroup.models import OutboxMessage

    mails = MailDir()
    env = app_env(database_url=DATABASE_URL, redis_url=BROKER.url, MAIL_DIR=str(mails.path))
    BROKER.start()
    started = time.monotonic()
    recovery = None
    try:
        with worker(env, concurrency=2) as running, relay(env):

            def arrived() -> bool:
                received = mails.received()
                return all(received[a] >= n for a, n in expected_mail.items()) and done()

            with contextlib.suppress(AssertionError):
                wait_for(arrived, 60, "not recovered")
                recovery = round(time.monotonic() - started, 1)
            with contextlib.suppress(AssertionError):
                wait_for(lambda: not OutboxMessage.objects.filter(sent_at__isnull=True).exists(), 30, "outbox full")
            time.sleep(3)  # anything sent twice arrives meanwhile
            received = mails.received()
            extra = duplicates(running)
    finally:
        mails.remove()
    lost = sum(max(0, n - received[a]) for a, n in expected_mail.items()) + (0 if done() else 1)
    duplicated = sum(max(0, received[a] - n) for a, n in expected_mail.items()) + extra
    return {"fault": fault, "in_flight": in_flight, "lost": lost, "duplicated": duplicated, "recovery_s": recovery}
