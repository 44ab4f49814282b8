"""Memory of ``export_records`` (not part of the tests): PostgreSQL on 127.0.0.1 only.

    .venv/bin/python bench/export_memory.py --groups 1000 --database sg_bench_export [--keep] [--reuse]

Creates the database named (dropped first), migrates it, generates ``--groups`` study groups with
``manage.py generate_load``, exports the root organization with ``manage.py export_records`` into a temporary file
and prints one JSON line: ``{"groups": N, "peak_rss_mb": X, "seconds": Y, "bytes": Z}``, the peak resident memory
of the export's process (``ru_maxrss`` of that child alone, from ``os.wait4``) and its wall time. The database is
dropped at the end unless ``--keep``; ``--reuse`` exports a database kept from an earlier run without rebuilding
it. The target (issue 15): at most 250 MB at any size.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"


def environment(database: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@{HOST}:5432/{database}",
        "DJANGO_SETTINGS_MODULE": "studygroup.settings",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijklmnop"),
        "DEBUG": "0",
        "STATIC_PLAIN": "1",
    }


def psql(command: str) -> None:
    subprocess.run(["psql", "-h", HOST, "-U", "postgres", "-c", command], check=True, capture_output=True)


def manage(database: str, *args: str) -> str:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment(database),
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def build(database: str, groups: int) -> None:
    psql(f'DROP DATABASE IF EXISTS "{database}"')
    psql(f'CREATE DATABASE "{database}"')
    manage(database, "migrate", "--noinput")
    manage(database, "generate_load", "--groups", str(groups))


def root_code(database: str) -> str:
    return manage(
        database,
        "shell",
        "--no-imports",
        "-c",
        "from studygroup.models import Organization; print(Organization.objects.get(depth=1).code)",
    ).strip()


def measure_export(database: str, code: str) -> dict:
    """Run the export in its own process; its peak memory is that process's alone (``os.wait4``)."""
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "manage.py", "export_records", "--org", code],
            cwd=ROOT,
            env=environment(database),
            stdout=output,
        )
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode:
            raise SystemExit(f"export_records exited with {process.returncode}")
        size = output.seek(0, os.SEEK_END)
    # Linux reports ru_maxrss in kilobytes.
    return {"peak_rss_mb": round(usage.ru_maxrss / 1024, 1), "seconds": round(seconds, 1), "bytes": size}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=1000)
    parser.add_argument("--database", default="sg_bench_export")
    parser.add_argument("--keep", action="store_true", help="leave the database for another run")
    parser.add_argument("--reuse", action="store_true", help="export a database kept from an earlier run")
    options = parser.parse_args()
    if not options.reuse:
        build(options.database, options.groups)
    try:
        figures = measure_export(options.database, root_code(options.database))
    finally:
        if not options.keep:
            psql(f'DROP DATABASE IF EXISTS "{options.database}"')
    print(json.dumps({"groups": options.groups, **figures}))


if __name__ == "__main__":
    main()
