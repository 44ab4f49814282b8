"""The benchmark (``make bench``, not part of the test command).

Builds load on PostgreSQL with ``generate_load`` and measures, on 127.0.0.1 only:
the root organization's dashboard and compliance table through gunicorn (server time p50/p95), their SQL
query counts, the ratio to hand-written SQL for the same headline figures, the rollup rebuild, compiling every
organization's monthly digest with one worker, and the root's year summary. Results go to bench/results.md.
"""

from __future__ import annotations

import http.cookiejar
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZES = [int(size) for size in os.environ.get("BENCH_GROUPS", "1000,10000").split(",")]
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/studygroup_bench")
PORT = 8765
os.environ.update(
    DATABASE_URL=DATABASE_URL,
    DJANGO_SETTINGS_MODULE="studygroup.settings",
    SECRET_KEY=os.environ.get("SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijklmnop"),
    ALLOWED_HOSTS="127.0.0.1,localhost",
    SECURE_SSL_REDIRECT="0",
    STATIC_PLAIN="1",
    DEBUG="0",
)
sys.path.insert(0, str(ROOT))


def manage(*args: str) -> str:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout


def timed(function, repeat: int = 1) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return times


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-c", "DROP DATABASE IF EXISTS studygroup_bench"],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-c", "CREATE DATABASE studygroup_bench"],
        check=True,
        capture_output=True,
    )
    manage("migrate", "--noinput")
    import django

    django.setup()
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {os.cpu_count()} cores; PostgreSQL at 127.0.0.1; gunicorn 2 workers.",
        "",
    ]
    for seed, size in enumerate(SIZES, start=1):
        lines += measure(size, seed)
    (ROOT / "bench" / "results.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


def measure(size: int, seed: int) -> list[str]:
    from django.test import Client
    from django.utils import timezone

    from reports.figures import year_figures
    from reports.rollups import rebuild
    from reports.tasks import compile_digests
    from studygroup.models import Organization, User

    started = time.perf_counter()
    output = manage("generate_load", "--groups", str(size), "--years", "1", "--seed", str(seed))
    generated = time.perf_counter() - started
    code = output.strip().rsplit(" ", 1)[-1]
    root = Organization.objects.get(code=code)
    year = timezone.localdate().year
    rollup = timed(lambda: rebuild(year))[0]
    user, _created = User.objects.get_or_create(
        username=f"bench{seed}", defaults={"is_superuser": True, "is_staff": True}
    )
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    urls = {
        "dashboard": f"/reports/dashboard/?org={root.pk}&year={year}",
        "compliance": f"/audits/compliance/?org={root.pk}&year={year}",
    }
    queries = query_counts(client, urls)
    server_times = served(client.cookies["sessionid"].value, urls)
    hand = timed(lambda: hand_written(root.path, year), 5)
    digest = timed(lambda: compile_digests(year, max(1, timezone.localdate().month - 1)))[0]
    summary = timed(lambda: year_figures(root, year))[0]
    lines = [f"## {size} groups", "", f"- data generated in {generated:.0f} s; rollups rebuilt in {rollup:.1f} s"]
    for name in urls:
        p50, p95 = percentile(server_times[name], 0.5), percentile(server_times[name], 0.95)
        lines.append(
            f"- {name}: p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, {queries[name]} SQL queries; "
            f"ratio to hand-written SQL (p50 {statistics.median(hand) * 1000:.0f} ms): "
            f"{p50 / statistics.median(hand):.1f}×"
        )
    lines += [
        f"- compiling every organization's monthly digest with one worker: {digest:.1f} s",
        f"- year summary of the root organization: {summary:.2f} s",
        "",
    ]
    return lines


def query_counts(client, urls: dict[str, str]) -> dict[str, int]:
    """How many SQL queries each page runs once warm."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    queries = {}
    for name, url in urls.items():
        client.get(url)
        with CaptureQueriesContext(connection) as context:
            client.get(url)
        queries[name] = len(context)
    return queries


def served(cookie: str, urls: dict[str, str]) -> dict[str, list[float]]:
    """Twenty timings of each page served by gunicorn (two workers) to the session ``cookie``."""
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "studygroup.wsgi",
            "-b",
            f"127.0.0.1:{PORT}",
            "-w",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
    )
    time.sleep(3)
    try:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        opener.addheaders = [("Cookie", f"sessionid={cookie}")]
        server_times = {
            name: timed(lambda url=url: opener.open(f"http://127.0.0.1:{PORT}{url}").read(), 20)
            for name, url in urls.items()
        }
    finally:
        server.terminate()
        server.wait()
    return server_times


def hand_written(path: str, year: int) -> tuple:
    """The fastest SQL for the dashboard's headline figures of a subtree."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(DISTINCT s.id),
                   count(a.id),
                   count(a.id) FILTER (WHERE a.status IN ('present', 'late', 'made_up'))
            FROM study_sessions_studysession s
            JOIN studygroup_studygroup g ON g.id = s.group_id
            JOIN studygroup_organization o ON o.id = g.organization_id
            LEFT JOIN study_sessions_attendance a ON a.session_id = s.id
            WHERE o.path LIKE %s AND s.starts_at >= make_date(%s, 1, 1) AND s.starts_at < make_date(%s + 1, 1, 1)
            """,
            [path + "%", year, year],
        )
        return cursor.fetchone()


if __name__ == "__main__":
    main()
