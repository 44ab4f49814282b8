"""The benchmark (``make bench``, not part of the test command), on PostgreSQL and Redis at 127.0.0.1 only.

For each size of ``BENCH_GROUPS`` (default ``1000,10000``; ``30000`` may be added) it finds or generates a
province in ``BENCH_DATABASE_URL`` (default the database ``sg_bench``; a province generated earlier with the same
size and seed is reused, never regenerated), runs ``VACUUM ANALYZE``, then measures:

- the rollup refresh after 10 changed groups, and the full rebuild;
- every monthly digest of the province through a real Celery worker (``-c 1``, then ``-c 2``) on ``REDIS_URL``;
- every page a root user opens from the menu, as the accounts holding the roles that use it (never a
  superuser), p50/p95 over ``BENCH_REPEAT`` (20) requests, the SQL queries of each, and for the pages with
  figures the fastest hand-written SQL, checked equal to the page (``bench.checks``; a difference stops the run);
- ``year_summary --json`` (checked against the year figures' SQL), the checklist page's query counts at 5 and 40
  sessions;

and once: the sign-in burst (``bench/signin_burst.py``) and the export's memory (``bench/export_memory.py`` when
present). ``BENCH_STEPS`` (comma-separated: rollups, digests, pages, menu, year, checklist, burst, export) picks
steps. Results: ``bench/results/latest.json`` (rewritten after every step) and ``bench/results.md``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
SIZES = [int(size) for size in os.environ.get("BENCH_GROUPS", "1000,10000").split(",") if size]
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sg_bench")
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
ALL_STEPS = "rollups,digests,pages,menu,year,checklist,burst,export"
STEPS = set(os.environ.get("BENCH_STEPS", ALL_STEPS).split(","))
os.environ.update(
    DATABASE_URL=DATABASE_URL,
    REDIS_URL=REDIS_URL,
    DJANGO_SETTINGS_MODULE="studygroup.settings",
    SECRET_KEY=os.environ.get("SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijklmnop"),
    ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
    SECURE_SSL_REDIRECT="0",
    STATIC_PLAIN="1",
    DEBUG="0",
)
sys.path.insert(0, str(ROOT))
JSON_PATH = Path(os.environ.get("BENCH_JSON", ROOT / "bench" / "results" / "latest.json"))
MARKDOWN_PATH = Path(os.environ.get("BENCH_MARKDOWN", ROOT / "bench" / "results.md"))
# The seed of each size's province (another size gets its place in BENCH_GROUPS): a run finds the province an
# earlier run generated with the same size and seed.
SEEDS = {1000: 1, 10000: 2, 30000: 3}


def manage(*args: str) -> str:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout


def _database() -> str:
    name = urlsplit(DATABASE_URL).path.lstrip("/")
    exists = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if not exists:
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-c", f'CREATE DATABASE "{name}"'], check=True)
    manage("migrate", "--noinput")
    return name


def _setting(name: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {name}")
        return cursor.fetchone()[0]


def main() -> None:
    _database()
    import django

    django.setup()
    from bench import report

    results = report.header(
        postgres=_setting("server_version"), autovacuum=_setting("autovacuum"), database=DATABASE_URL.rsplit("/", 1)[1]
    )
    # Sizes measured by an earlier run and not now are kept, each with the commit and date it was measured at;
    # so are the figures taken once (read before the first save rewrites the file).
    previous = report.read_json(JSON_PATH)
    results["sizes"] = [previous[key] for key in sorted(previous)]  # kept as they are by a run of no size
    results["once"] = report.read_once(JSON_PATH)
    for position, size in enumerate(SIZES, start=1):
        seed = SEEDS.get(size, 100 + position)
        entry = previous.get(size) or {"groups": size, "figures": {}}
        entry.update(seed=seed, repeat=int(os.environ.get("BENCH_REPEAT", "20")), git_commit=results["git_commit"])
        entry.update(date=results["date"])
        previous[size] = entry
        results["sizes"] = [previous[key] for key in sorted(previous)]
        measure(entry, results)
    once = results["once"]
    if "burst" in STEPS:
        once["signin_burst"] = _step("sign-in burst", _jobs().signin_burst)
        save(results)
    if "export" in STEPS:
        value = _step("export memory", _jobs().export_memory)
        once["export_memory"] = value or {"text": "not measured (bench/export_memory.py is not on this branch)"}
        save(results)
    save(results)
    print(f"written {JSON_PATH} and {MARKDOWN_PATH}")


def _jobs():
    from bench import jobs

    return jobs


def _step(name: str, function):
    print(f"-- {name}", flush=True)
    value = function()
    print(f"   {value.get('text') if isinstance(value, dict) else value}", flush=True)
    return value


def prepare(entry: dict):
    """Find the province of this size and seed, or generate it; then ``VACUUM ANALYZE`` the database.

    A served database is kept so by autovacuum; the bench's may run with autovacuum off. Without the planner's
    statistics every subtree filter (``path LIKE '0002.%'``) is guessed at 0.5% of the rows, and the page plans
    nested loops over 10,000 groups; without the visibility map the index-only scans the pages rely on (the
    open make-ups counted from ``attendance_missed``) read every row from the table as well. VACUUM cannot run
    in a transaction: the connection is in autocommit here."""
    from django.db import connection

    from bench.pages import find_dataset
    from studygroup.models import StudyGroup

    size, seed = entry["groups"], entry["seed"]
    data = find_dataset(size, seed)
    if data is None:
        started = time.perf_counter()
        manage("generate_load", "--groups", str(size), "--years", "1", "--seed", str(seed))
        entry["generated_seconds"] = round(time.perf_counter() - started)
        data = find_dataset(size, seed)
    else:
        entry["generated_seconds"] = None
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    entry["analyze_seconds"] = round(time.perf_counter() - started, 1)
    everything = StudyGroup.objects.count()
    entry["data"] = (
        f"province `{data.root.code}` ({size:,} groups, seed {seed}, one year, "
        + ("generated now" if entry["generated_seconds"] is not None else "reused from an earlier run")
        + f"), in a database of {everything:,} groups; VACUUM ANALYZE run after generating "
        f"({entry['analyze_seconds']} s); autovacuum {_setting('autovacuum')}; city dashboard: "
        f"{data.city.name} ({data.city_groups} groups); county: {data.county.name}"
    )
    return data


def measure(entry: dict, results: dict) -> None:
    from bench import measure as pages

    data = prepare(entry)
    print(f"-- {entry['groups']} groups: {entry['data']}", flush=True)
    figures = entry["figures"]
    if "rollups" in STEPS:
        figures.update(_step("rollups", lambda: _jobs().rollups(data)))
        save(results)
    else:
        _jobs().rollups(data, full=False)  # the pages read current rollups
    if "digests" in STEPS:
        figures["digests"] = _step("digests", lambda: _jobs().digests(data))
        save(results)
    if "pages" in STEPS:

        def measured(done: list[dict]) -> None:
            entry["pages"] = done
            save(results)

        entry["pages"] = pages.measure_pages(
            data, _jobs().root_digest_id(data), repeat=entry["repeat"], menu="menu" in STEPS, measured=measured
        )
        save(results)
    if "year" in STEPS:
        figures["year_summary_json"] = _step("year_summary --json", lambda: _jobs().year_summary(data))
        save(results)
    if "checklist" in STEPS:
        figures["checklist_queries"] = _step("checklist queries", lambda: _jobs().checklist_queries(data))
        save(results)


def save(results: dict) -> None:
    from bench import report

    report.write_json(results, JSON_PATH)
    MARKDOWN_PATH.write_text(report.markdown(results), encoding="utf-8")


if __name__ == "__main__":
    main()
