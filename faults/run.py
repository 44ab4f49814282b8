"""``make faults``: inject each fault of ``faults/scenarios/`` into a real worker, Redis and PostgreSQL on 127.0.0.1
and print what was lost, duplicated and how long recovery took. Not part of ``make test``.

Each module of ``faults/scenarios/`` (those whose name starts with ``_`` are helpers) exposes ``run() -> dict`` with
the keys ``fault``, ``in_flight``, ``lost``, ``duplicated`` and ``recovery_s`` (seconds, ``None``: no recovery).
Before the scenarios run, this sets up the database ``FAULTS_DATABASE_URL`` (default ``sg_faults``, dropped, created
and migrated here) and starts the broker (``harness.BROKER``, a persistent redis-server on ``FAULTS_PORT_BASE`` + 1); a
scenario may stop and start it, and leaves it running. ``python faults/run.py [name ...]`` runs only those.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import time
import traceback
import unicodedata
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from faults import harness  # noqa: E402 - after the path is set

COLUMNS = ["fault", "in_flight", "lost", "duplicated", "recovery_s"]


def _environment() -> None:
    host = urlparse(harness.DATABASE_URL).hostname
    if host not in {"127.0.0.1", "localhost"}:
        raise SystemExit(f"faults run against 127.0.0.1 only, not {host}")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="studygroup.settings",
        DATABASE_URL=harness.DATABASE_URL,
        REDIS_URL=harness.BROKER.url,
        ALLOWED_HOSTS="testserver,127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        STATIC_PLAIN="1",
    )
    os.environ.setdefault("SECRET_KEY", "faults-only-secret-key-not-for-production-0123456789")
    os.environ.pop("DEBUG", None)


def _database() -> None:
    import psycopg2

    url = urlparse(harness.DATABASE_URL)
    name = url.path.lstrip("/")
    server = psycopg2.connect(
        host=url.hostname,
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password,
        dbname="postgres",
    )
    server.autocommit = True
    with server.cursor() as cursor:  # a scratch database, made afresh for every run
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    server.close()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def scenarios(names: list[str]) -> list:
    import faults.scenarios

    found = sorted(
        info.name for info in pkgutil.iter_modules(faults.scenarios.__path__) if not info.name.startswith("_")
    )
    return [importlib.import_module(f"faults.scenarios.{name}") for name in found if not names or name in names]


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def table(rows: list[dict]) -> str:
    cells = [[str(row.get(column, "")) if row.get(column) is not None else "—" for column in COLUMNS] for row in rows]
    widths = [max(_width(column), *(_width(cell[i]) for cell in cells)) for i, column in enumerate(COLUMNS)]
    lines = ["| " + " | ".join(_pad(c, w) for c, w in zip(COLUMNS, widths, strict=True)) + " |"]
    lines.append("| " + " | ".join("-" * w for w in widths) + " |")
    lines += ["| " + " | ".join(_pad(c, w) for c, w in zip(cell, widths, strict=True)) + " |" for cell in cells]
    return "\n".join(lines)


def main(names: list[str]) -> int:
    _environment()
    import django

    django.setup()
    _database()
    rows = []
    harness.BROKER.start()
    try:
        for module in scenarios(names):
            started = time.monotonic()
            print(f"… {module.__name__}", flush=True)
            try:
                row = module.run()
            except Exception as exc:  # a scenario that breaks is a row that fails, the others still run
                traceback.print_exc()
                row = {"fault": module.__name__, "in_flight": f"scenario failed: {exc!r}"[:120], "lost": "?"}
            if not harness.port_open(harness.BROKER.port):
                harness.BROKER.start()  # leave the broker up for the next scenario
            print(f"  done in {time.monotonic() - started:.0f} s", flush=True)
            rows.append(row)
    finally:
        harness.BROKER.stop()
    print(table(rows))
    healthy = all(r.get("lost") == 0 and r.get("duplicated") == 0 and r.get("recovery_s") is not None for r in rows)
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
