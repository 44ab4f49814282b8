"""The benchmark's figures that are not pages: digests through real Celery workers, the rollup refresh and rebuild,
``year_summary --json``, the checklist page's query counts, the export's memory and the sign-in burst."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench import checks
from bench.measure import load
from bench.pages import Dataset
from bench.report import git_commit

ROOT = Path(__file__).resolve().parents[1]
DIGEST_TIMEOUT = int(os.environ.get("BENCH_DIGEST_TIMEOUT", "1800"))


def _figure(text: str, **values) -> dict:
    return {"text": text, "load_average": load(), "git_commit": git_commit(), **values}


def previous_month(year: int) -> tuple[int, int]:
    """The month the scheduled digest run compiles (the previous month of today, or December of ``year``)."""
    from django.utils import timezone

    today = timezone.localdate()
    if today.year != year:
        return year, 12
    return (year, today.month - 1) if today.month > 1 else (year - 1, 12)


def _queues() -> list[str]:
    """Every queue the settings route a task to, and Celery's default."""
    from django.conf import settings

    routes = getattr(settings, "CELERY_TASK_ROUTES", None) or {}
    queues = {"celery", getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery")}
    for route in routes.values() if isinstance(routes, dict) else []:
        if isinstance(route, dict) and route.get("queue"):
            queues.add(route["queue"])
    return sorted(queues)


def _worker(concurrency: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "celery", "-A", "studygroup", "worker", "-c", str(concurrency), "-P", "prefork"]
    command += ["-Q", ",".join(_queues()), "-n", f"bench{concurrency}@%h", "--without-gossip", "--without-mingle"]
    command += ["--loglevel", "WARNING"]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def compile_digests(data: Dataset, concurrency: int) -> dict:
    """Dispatch ``reports.compile_digests(year, month, organization_id, run_id)`` for the province to a real
    worker with ``-c concurrency`` on Redis, and time it from dispatch until its run record is finished."""
    from reports.models import TaskRun
    from reports.tasks import compile_digests as task

    year, month = previous_month(data.year)
    worker = _worker(concurrency)
    try:
        time.sleep(5)  # the worker's pool starts
        key = f"digests:{year}-{month:02d}:{data.root.pk}"
        TaskRun.objects.filter(key=key).delete()  # one run per key: the previous measurement's goes
        run = TaskRun.objects.create(name="compile_digests", key=key, organization=data.root)
        started = time.perf_counter()
        task.apply_async(args=[year, month, data.root.pk, run.pk])
        final = {TaskRun.State.SUCCEEDED, TaskRun.State.FAILED, TaskRun.State.SKIPPED}
        while time.perf_counter() - started < DIGEST_TIMEOUT:
            run.refresh_from_db()
            if run.state in final and run.finished_at:
                break
            time.sleep(0.5)
        seconds = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(timeout=120)
    if run.state != TaskRun.State.SUCCEEDED:
        raise RuntimeError(f"compiling digests with -c {concurrency}: run {run.pk} {run.state} {run.message}")
    return {"seconds": round(seconds, 1), "organizations": run.total, "month": f"{year}-{month:02d}"}


def digests(data: Dataset) -> dict:
    one = compile_digests(data, 1)
    two = compile_digests(data, 2)
    speedup = round(one["seconds"] / two["seconds"], 2)
    return _figure(
        f"{one['seconds']:.0f} s (-c 1) → {two['seconds']:.0f} s (-c 2), {speedup}×; {one['organizations']} digests",
        c1=one,
        c2=two,
        speedup=speedup,
    )


def root_digest_id(data: Dataset) -> int:
    """The root's digest of the month the digests step compiles; compiled alone here when that step did not run
    (so that the digest page is measured at every size)."""
    from reports import services
    from reports.models import MonthlyDigest

    year, month = previous_month(data.year)
    digest = MonthlyDigest.objects.filter(organization=data.root, year=year, month=month).first()
    if digest is None:
        digest = services.digest_compile(organization=data.root, year=year, month=month)
    return digest.pk


def rollups(data: Dataset, full: bool = True) -> dict:
    """The full rebuild of the database's year (``full``, or when the year has no rollup yet: every province in it,
    the group count is given; the 八有 statuses of every group computed in this process, as the nightly job's
    chunks and its sums would, one after the other), then the incremental refresh after 10 of the province's
    groups changed (the periodic job's work: their statuses, their organizations' and ancestors' rows)."""
    from reports import rollups as jobs
    from reports.models import Rollup
    from studygroup import rollup_marks
    from studygroup.models import StudyGroup

    figures = {}
    if full or not Rollup.objects.filter(year=data.year).exists():
        everything = StudyGroup.objects.count()
        started = time.perf_counter()
        jobs.rebuild(data.year)
        seconds = time.perf_counter() - started
        rebuilt = _figure(f"{seconds:.1f} s (all {everything:,} groups of the database)", seconds=round(seconds, 1))
        if full:
            figures["rollup_rebuild"] = rebuilt
    jobs.refresh_dirty()  # what earlier steps left marked, out of the way
    changed = list(
        StudyGroup.objects.filter(organization__path__startswith=data.root.path)
        .order_by("?")[:10]
        .values_list("pk", flat=True)
    )
    for group_id in changed:
        rollup_marks.mark(group_id, datetime.date(data.year, 6, 1))
    started = time.perf_counter()
    groups, rows = jobs.refresh_dirty()
    seconds = time.perf_counter() - started
    refresh = _figure(f"{seconds:.2f} s ({groups} groups, {rows} rows)", groups=groups, seconds=round(seconds, 2))
    return {"rollup_refresh": refresh, **figures}


def year_summary(data: Dataset) -> dict:
    """``manage.py year_summary --json`` for the root, timed as a command (Python start included), its output
    checked against the year figures' SQL."""
    from django.db import connection

    from audits.selectors import judge_date
    from plans.models import SessionKind

    command = [sys.executable, "manage.py", "year_summary", "--org", data.root.code, "--year", str(data.year), "--json"]
    started = time.perf_counter()
    output = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    seconds = time.perf_counter() - started
    shown = json.loads(output)
    with connection.cursor() as cursor:
        sql = checks.year_sql(cursor, data.where(data.root), judge_date(data.year), list(SessionKind.values))
        sql_started = time.perf_counter()
        checks.year_sql(cursor, data.where(data.root), judge_date(data.year), list(SessionKind.values))
        sql_seconds = time.perf_counter() - sql_started
    checks.compare("year_summary --json", {key: shown[key] for key in checks.YEAR_KEYS}, sql)
    return _figure(
        f"{seconds:.2f} s (command, start-up included); SQL {sql_seconds:.2f} s; checked equal",
        seconds=round(seconds, 2),
        sql_seconds=round(sql_seconds, 3),
        ratio_to_sql=round(seconds / max(sql_seconds, 1e-6), 1),
    )


def checklist_queries(data: Dataset) -> dict:
    """The queries of a group's 八有 and 七有 checklist pages with 5 and with 40 held sessions (a new group under
    the county, made and rolled back in one transaction)."""
    from django.db import transaction

    from bench.measure import _client, open_page

    counts = {}
    for sessions in (5, 40):
        with transaction.atomic():
            group = _group_with_sessions(data, sessions)
            client = _client(data.users["staff-root"])
            for code in ("bayou", "qiyou"):
                url = f"/audits/groups/{group.pk}/{data.year}/{code}/"
                response, queries = open_page(client, url)
                if response.status_code != 200:
                    raise RuntimeError(f"{url}: HTTP {response.status_code}")
                counts[f"{code}_{sessions}"] = queries
            transaction.set_rollback(True)
    fixed = counts["bayou_5"] == counts["bayou_40"] and counts["qiyou_5"] == counts["qiyou_40"]
    return _figure(
        f"八有 {counts['bayou_5']} → {counts['bayou_40']}, 七有 {counts['qiyou_5']} → {counts['qiyou_40']} queries "
        f"({'fixed' if fixed else 'grows'})",
        fixed=fixed,
        **counts,
    )


def _group_with_sessions(data: Dataset, count: int):
    from django.utils import timezone

    from sessions.models import Attendance, StudySession
    from studygroup import services
    from studygroup.models import Membership, Person, StudyGroup

    organization = services.organization_create(code=f"bench-cl{count}", name=f"清单测试{count}", parent=data.county)
    group = StudyGroup.objects.create(organization=organization, code=f"bench-cl{count}-g", name=f"清单测试{count}组")
    people = Person.objects.bulk_create(
        [Person(code=f"bench-cl{count}-m{i}", name=f"成员{i}", organization=organization) for i in range(15)]
    )
    Membership.objects.bulk_create(
        [Membership(group=group, person=p, start_on=datetime.date(data.year, 1, 1)) for p in people]
    )
    first = datetime.datetime(data.year, 1, 5, 9, tzinfo=timezone.get_current_timezone())
    sessions = StudySession.objects.bulk_create(
        [
            StudySession(
                group=group,
                code=f"bench-cl{count}-s{n}",
                title=f"第{n + 1}次学习",
                starts_at=first + datetime.timedelta(days=7 * n),
                ends_at=first + datetime.timedelta(days=7 * n, hours=2),
                minutes="会议记录",
            )
            for n in range(count)
        ]
    )
    Attendance.objects.bulk_create(
        [Attendance(session=s, person=p, status="present", method="import") for s in sessions for p in people]
    )
    return group


def export_memory(groups: int = 1000) -> dict | None:
    """``bench/export_memory.py`` when it exists (it prints one JSON line: groups, peak_rss_mb, seconds), on its
    own database of ``groups`` groups (``sg_bench_export``, dropped after)."""
    script = ROOT / "bench" / "export_memory.py"
    if not script.exists():
        return None
    command = [sys.executable, str(script), "--groups", str(groups), "--database", "sg_bench_export"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return _figure(f"export_memory.py failed: {done.stderr.strip()[-300:]}", failed=True)
    value = json.loads(lines[-1])
    return _figure(f"{value['peak_rss_mb']} MB peak for {value['groups']} groups in {value['seconds']} s", **value)


def signin_burst() -> dict:
    """``bench/signin_burst.py`` (its own database): its last line is the JSON of the burst."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "signin_burst.py")], cwd=ROOT, capture_output=True, text=True, check=False
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        return _figure(f"signin_burst.py failed: {done.stderr.strip()[-300:]}", failed=True)
    value = json.loads(lines[-1])
    return _figure(
        f"p95 {value['p95_ms']} ms, {value['errors']} errors of {value['requests']} sign-ins posted, "
        f"{value.get('not_signed_in', 0)} of {value['members']} not signed in within the minute, "
        f"{value['duplicates']} duplicates",
        **value,
    )
