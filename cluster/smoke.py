"""The smoke test of `make cluster` (started by cluster/run.sh, which owns every process and tears them down).

Through nginx (TLS on 127.0.0.1) it signs in as demo users, writes on web node 1 and reads on web node 2, uploads
a file on node 1 and downloads it on node 2, checks the replica streams and serves the dashboard, then compiles
every monthly digest on the Celery workers while it kills (SIGKILL, whole process groups) the worker running the
job and web node 2: the restart loops bring both back (as systemd's Restart=always does), every digest is
compiled exactly once, and the pages keep answering through nginx. Prints a table; exits 1 on any failure.
"""

from __future__ import annotations

import hashlib
import http.cookiejar
import os
import re
import signal
import ssl
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studygroup.settings")
django.setup()

from django.db import connections  # noqa: E402

from reports.models import MonthlyDigest, TaskRun  # noqa: E402
from reports.tasks import organizations_with_groups, previous_month  # noqa: E402
from studygroup.celery import app as celery_app  # noqa: E402
from studygroup.models import Person, StudyGroup  # noqa: E402

WORK = Path(os.environ["CLUSTER_WORK"])
PASSWORD = "Linjiang-2026"  # noqa: S105 - the demo accounts' published password (README)
BALANCED = f"https://127.0.0.1:{os.environ['CLUSTER_NGINX']}"
NODE1 = f"https://127.0.0.1:{os.environ['CLUSTER_NGINX1']}"
NODE2 = f"https://127.0.0.1:{os.environ['CLUSTER_NGINX2']}"
UPLOAD_MAX_MB = int(os.environ.get("UPLOAD_MAX_MB", "20"))
RESULTS: list[tuple[str, str, str]] = []


def row(check: str, ok: bool | None, detail: str) -> None:
    """``ok`` None is a warning: shown, not a failure."""
    result = "PASS" if ok else ("WARN" if ok is None else "FAIL")
    RESULTS.append((check, result, detail))
    print(f"[smoke] {result:4} {check}: {detail}", flush=True)


# A small browser: cookies shared by every port (one site), no redirect followed unless asked ------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    def __init__(self):
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # the cluster's throw-away certificate
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=context), urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect
        )

    def request(self, url: str, data: bytes | None = None, headers: dict | None = None, timeout: float = 30):
        request = urllib.request.Request(url, data=data, headers=headers or {})  # noqa: S310 - https to 127.0.0.1
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def get(self, url: str):
        return self.request(url)

    def csrf(self) -> str:
        return next((cookie.value for cookie in self.jar if cookie.name == "csrftoken"), "")

    def post(self, base: str, path: str, fields: dict, files: dict | None = None):
        """A form post as a browser sends it from a page of ``base`` (Origin and Referer of that page)."""
        self.get(base + path)  # the form's page: sets the CSRF cookie
        fields = {**fields, "csrfmiddlewaretoken": self.csrf()}
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in fields.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        for name, (filename, content) in (files or {}).items():
            head = (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            )
            parts.append(head.encode() + content + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        headers = {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Origin": base,
            "Referer": base + path,
        }
        return self.request(base + path, data=body, headers=headers)

    def login(self, base: str, username: str) -> bool:
        status, headers, _body = self.post(base, "/accounts/login/", {"username": username, "password": PASSWORD})
        return status == 302 and "/accounts/login/" not in headers.get("Location", "")


# Processes -------------------------------------------------------------------------------------------------------


def pid_of(name: str) -> int | None:
    path = WORK / "run" / f"{name}.pid"
    try:
        pid = int(path.read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except OSError:
        return None
    return pid


def kill_group(name: str) -> int | None:
    """SIGKILL the process group of ``name`` (a worker with its pool, a gunicorn master with its workers)."""
    pid = pid_of(name)
    if pid is not None:
        os.killpg(pid, signal.SIGKILL)
    return pid


def wait_for(predicate, timeout: float, step: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


def restarted(name: str, old_pid: int) -> int | None:
    pid = pid_of(name)
    return pid if pid is not None and pid != old_pid else None


# The checks ------------------------------------------------------------------------------------------------------


def check_topology() -> None:
    names = ["web1", "web2", "worker-a", "worker-b", "beat", "redis"]
    missing = [name for name in names if pid_of(name) is None]
    row("processes", not missing, "all up: " + ", ".join(names) if not missing else f"not running: {missing}")
    if os.environ.get("CLUSTER_RELAY") == "1":
        row("outbox relay", pid_of("relay") is not None, "manage.py relay_outbox running under its restart loop")
    else:
        row("outbox relay", None, "manage.py relay_outbox not on this branch: not started (outbox work)")


def check_health(browser: Browser) -> None:
    """The load balancer's probe through nginx; the first beat tick may take a few seconds after start."""
    wait_for(lambda: browser.get(BALANCED + "/healthz")[0] in (200, 404), 60, step=2)
    status, _headers, body = browser.get(BALANCED + "/healthz")
    if status == 200:
        row("health endpoint", True, f"/healthz through nginx: 200 {body[:80].decode(errors='replace')!r}")
    elif status == 404:
        row("health endpoint", None, "/healthz answers 404: not on this branch yet (outbox work)")
    else:
        row("health endpoint", False, f"/healthz through nginx: {status} {body[:200].decode(errors='replace')!r}")


def check_replication() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")
        streaming = cursor.fetchone()[0]
    with connections["replica"].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        standby = cursor.fetchone()[0]
    row(
        "replica", streaming == 1 and standby, f"{streaming} standby streaming from the primary; in recovery: {standby}"
    )


def check_logins() -> dict[str, Browser]:
    browsers = {}
    for username in ("staff.chengguan", "leader.city", "viewer.city", "member.chengguan"):
        browser = Browser()
        signed_in = browser.login(BALANCED, username)
        status, _headers, body = browser.get(BALANCED + "/")
        ok = signed_in and status == 200 and b'action="/accounts/logout/"' in body
        row(f"sign in {username}", ok, f"through nginx: home page {status}")
        browsers[username] = browser
    return browsers


def check_write_and_file(browser: Browser) -> int | None:
    """Upload a material on node 1 (a write and a file); read it and download it on node 2."""
    person = Person.objects.select_related("organization").get(user__username="staff.chengguan")
    group = StudyGroup.objects.filter(organization=person.organization).first()
    title = f"集群冒烟测试资料 {uuid.uuid4().hex[:8]}"
    content = b"%PDF-1.4\n" + os.urandom(1536 * 1024)  # 1.5 MB: more than nginx keeps in memory
    status, headers, _body = browser.post(
        NODE1, f"/plans/materials/add/{group.pk}/", {"title": title, "kind": "file"}, {"upload": ("资料.pdf", content)}
    )
    match = re.search(r"/plans/materials/(\d+)/", headers.get("Location", ""))
    row("write on node 1", status == 302 and match is not None, f"material uploaded through node 1: {status}")
    if not match:
        return None
    pk = int(match.group(1))
    status, _headers, body = browser.get(f"{NODE2}/plans/materials/{pk}/")
    row("read on node 2", status == 200 and title in body.decode(), f"node 2 shows the material: {status}")
    status, _headers, body = browser.get(f"{NODE2}/plans/materials/{pk}/download/")
    same = hashlib.sha256(body).hexdigest() == hashlib.sha256(content).hexdigest()
    row("file across nodes", status == 200 and same, f"node 2 downloads the {len(content)} bytes node 1 stored: {same}")

    def on_replica():
        with connections["replica"].cursor() as cursor:
            cursor.execute("SELECT count(*) FROM plans_material WHERE id = %s", [pk])
            return cursor.fetchone()[0] == 1

    row("replicated", bool(wait_for(on_replica, 15)), "the new material is on the replica")
    too_big = b"%PDF-1.4\n" + b"0" * ((UPLOAD_MAX_MB + 2) * 1024 * 1024)
    status, _headers, _body = browser.post(
        BALANCED,
        f"/plans/materials/add/{group.pk}/",
        {"title": "过大", "kind": "file"},
        {"upload": ("大.pdf", too_big)},
    )
    row("upload limit", status == 413, f"{UPLOAD_MAX_MB + 2} MB refused by nginx: {status}")
    return pk


def check_dashboard(browser: Browser) -> None:
    status, _headers, _body = browser.get(BALANCED + "/reports/dashboard/")
    row("dashboard (replica)", status == 200, f"viewer.city's dashboard, read from the replica: {status}")


def check_digests_under_faults(browser: Browser) -> None:
    """Long because it is one story: start the job, kill a worker and a web node in the middle, watch it heal."""
    year, month = previous_month()
    expected = {organization.pk for organization in organizations_with_groups()}
    digests = MonthlyDigest.objects.filter(year=year, month=month)
    before = digests.count()
    started = time.monotonic()
    celery_app.send_task("reports.compile_digests", kwargs={"year": year, "month": month})
    # The demo's seed compiles a few digests of its own: the job adds the rest.
    in_progress = wait_for(lambda: before < digests.count() < len(expected), 90, step=0.2)
    if not in_progress:
        row("digests under faults", False, f"the job did not start in 90 s ({digests.count()}/{len(expected)})")
        return
    busy = _busy_worker()
    worker_pid = kill_group(busy)
    web_pid = kill_group("web2")
    at_kill = digests.count()
    row(
        "kill mid-job",
        worker_pid is not None and web_pid is not None and at_kill < len(expected),
        f"SIGKILL {busy} at {at_kill}/{len(expected)} digests, and web2",
    )
    statuses = []
    for _ in range(20):
        statuses.append(browser.get(BALANCED + "/")[0])
        time.sleep(0.1)
    row("pages while web2 is down", set(statuses) == {200}, f"20 home pages through nginx: {sorted(set(statuses))}")
    back_worker = wait_for(lambda: restarted(busy, worker_pid), 30)
    back_web = wait_for(lambda: restarted("web2", web_pid), 30)
    row("restarted", bool(back_worker and back_web), f"{busy} and web2 started again by their restart loops")
    done = wait_for(lambda: digests.count() >= len(expected), 360, step=2)
    compiled = set(digests.values_list("organization_id", flat=True))
    lost = expected - compiled
    duplicates = digests.count() - len(compiled)
    elapsed = time.monotonic() - started
    runs = ", ".join(
        f"{run.state}{f' {run.done}/{run.total}' if run.total else ''}"
        for run in TaskRun.objects.filter(name__startswith="compile").order_by("pk")
    )
    row(
        "digests under faults",
        bool(done) and not lost and duplicates == 0,
        f"{len(compiled)}/{len(expected)} compiled ({before} by the seed), {len(lost)} lost, {duplicates} twice, "
        f"{elapsed:.0f} s; runs: {runs}",
    )
    row("work by worker", True, _tasks_by_worker())
    status1 = browser.get(NODE1 + "/")[0]
    status2 = wait_for(lambda: browser.get(NODE2 + "/")[0] == 200, 20)
    row("both nodes after", status1 == 200 and bool(status2), f"node 1: {status1}, node 2 back: {bool(status2)}")


def _busy_worker() -> str:
    """The worker running a reports task now (``worker-a`` or ``worker-b``); ``worker-a`` if none says so."""
    for _ in range(10):
        active = celery_app.control.inspect(timeout=2).active() or {}
        for hostname, tasks in active.items():
            if any(task.get("name", "").startswith("reports.") for task in tasks):
                return f"worker-{hostname.split('@')[0]}"
    return "worker-a"


def _tasks_by_worker() -> str:
    stats = celery_app.control.inspect(timeout=3).stats() or {}
    parts = []
    for hostname, info in sorted(stats.items()):
        totals = info.get("total", {})
        reports = sum(count for name, count in totals.items() if name.startswith("reports."))
        parts.append(f"{hostname.split('@')[0]}: {reports} reports tasks since its last start")
    return "; ".join(parts) or "no worker answered"


def check_beat() -> None:
    log = (WORK / "log" / "beat.log").read_text(errors="replace") if (WORK / "log" / "beat.log").exists() else ""
    restarts = (WORK / "run" / "beat.restarts").exists()
    row(
        "one beat",
        pid_of("beat") is not None and "beat: Starting" in log and not restarts,
        "one beat, running since start",
    )


def main() -> int:
    started = time.monotonic()
    try:
        check_topology()
        probe = Browser()
        check_health(probe)
        check_replication()
        browsers = check_logins()
        check_write_and_file(browsers["staff.chengguan"])
        check_dashboard(browsers["viewer.city"])
        check_digests_under_faults(browsers["staff.chengguan"])
        check_beat()
    except Exception as exc:  # a crash of the smoke test itself is a failure row, and the table still prints
        row("smoke test", False, f"{type(exc).__name__}: {exc}")
    width = max(len(check) for check, _result, _detail in RESULTS)
    print(f"\n{'check'.ljust(width)}  result  detail")
    print(f"{'-' * width}  ------  {'-' * 60}")
    for check, result, detail in RESULTS:
        print(f"{check.ljust(width)}  {result:6}  {detail}")
    failed = [check for check, result, _detail in RESULTS if result == "FAIL"]
    print(f"\n{len(RESULTS) - len(failed)} passed, {len(failed)} failed ({time.monotonic() - started:.0f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
