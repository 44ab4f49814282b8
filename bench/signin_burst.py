"""The sign-in burst: 500 members signing in to 20 sessions within one minute (locust, 127.0.0.1 only).

Prints p95, errors, and checks that the attendance rows equal the members who signed in (no duplicates); the last
line printed is the same as JSON (``bench/run.py`` reads it).
"""

from __future__ import annotations

import csv
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MEMBERS = int(os.environ.get("BURST_MEMBERS", "500"))
SESSIONS = int(os.environ.get("BURST_SESSIONS", "20"))
PORT = int(os.environ.get("BURST_PORT", "7302"))
DATABASE = os.environ.get("BURST_DATABASE", "sg_bench_burst")
os.environ.update(
    DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
    DJANGO_SETTINGS_MODULE="studygroup.settings",
    SECRET_KEY=os.environ.get("SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijklmnop"),
    ALLOWED_HOSTS="127.0.0.1,localhost",
    SECURE_SSL_REDIRECT="0",
    STATIC_PLAIN="1",
    DEBUG="0",
)
sys.path.insert(0, str(ROOT))


def prepare() -> list[dict]:
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from sessions import signin
    from sessions.models import StudySession
    from studygroup import services
    from studygroup.models import Membership, Person, StudyGroup, User

    organization = services.organization_create(code="burst", name="签到压力测试单位")
    group = StudyGroup.objects.create(organization=organization, code="burst-g", name="签到压力测试中心组")
    now = timezone.now()
    sessions = [
        StudySession.objects.create(
            group=group,
            code=f"burst-s{i}",
            title=f"学习会{i}",
            starts_at=now,
            ends_at=now + datetime.timedelta(hours=2),
        )
        for i in range(SESSIONS)
    ]
    users = User.objects.bulk_create([User(username=f"burst{i}", password="!") for i in range(MEMBERS)])  # noqa: S106 - unusable
    people = Person.objects.bulk_create(
        [
            Person(code=f"burst-p{i}", name=f"成员{i}", organization=organization, user=user)
            for i, user in enumerate(users)
        ]
    )
    Membership.objects.bulk_create(
        [Membership(group=group, person=p, start_on=now.date() - datetime.timedelta(days=1)) for p in people]
    )
    entries = []
    for index, user in enumerate(users):
        store = SessionStore()
        store[SESSION_KEY], store[BACKEND_SESSION_KEY] = str(user.pk), "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        session = sessions[index % SESSIONS]
        url = f"http://127.0.0.1:{PORT}/sessions/{session.pk}/signin/{signin.make_token(session, signin.LINK)}/"
        entries.append({"session": store.session_key, "url": url})
    return entries


def main() -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-c", f"DROP DATABASE IF EXISTS {DATABASE}"],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-c", f"CREATE DATABASE {DATABASE}"],
        check=True,
        capture_output=True,
    )
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, check=True, capture_output=True)
    entries = prepare()
    folder = Path(tempfile.mkdtemp())
    (folder / "entries.json").write_text(json.dumps(entries), encoding="utf-8")
    burst(folder)
    from django.db.models import Count

    from sessions.models import Attendance

    stats = {row["Name"]: row for row in csv.DictReader(open(folder / "burst_stats.csv", encoding="utf-8"))}  # noqa: SIM115
    # No sign-in posted within the minute (an overloaded machine): every member counts as not signed in.
    none = {"Request Count": "0", "Failure Count": "0", "50%": "nan", "95%": "nan"}
    post, page = stats.get("sign in", none), stats.get("sign-in page", none)
    burst_rows = Attendance.objects.filter(session__code__startswith="burst-s")
    rows = burst_rows.count()
    duplicates = burst_rows.order_by().values("session", "person").annotate(n=Count("pk")).filter(n__gt=1).count()
    signed = int(post["Request Count"]) - int(post["Failure Count"])
    report = (
        f"- sign-in burst: {MEMBERS} members, {SESSIONS} sessions, one minute: p95 {post['95%']} ms, "
        f"{post['Failure Count']} errors of {post['Request Count']}; attendance rows {rows} "
        f"(members signed in: {signed}); {duplicates} duplicated"
    )
    print(report)
    result = {
        "members": MEMBERS,
        "sessions": SESSIONS,
        "p50_ms": float(post["50%"]),
        "p95_ms": float(post["95%"]),
        "page_p95_ms": float(page["95%"]),
        "requests": int(post["Request Count"]),
        "errors": int(post["Failure Count"]),
        "not_signed_in": MEMBERS - signed,
        "attendance_rows": rows,
        "signed_in": signed,
        "duplicates": duplicates,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(result))


def burst(folder: Path) -> None:
    """Serve the site with gunicorn (four workers) while locust signs every member in for one minute."""
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "studygroup.wsgi",
            "-b",
            f"127.0.0.1:{PORT}",
            "-w",
            "4",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
    )
    time.sleep(3)
    try:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(ROOT / "bench" / "locustfile.py"),
                "--headless",
                "-u",
                str(MEMBERS),
                "-r",
                str(max(1, MEMBERS // 30)),
                "-t",
                "60s",
                "--host",
                f"http://127.0.0.1:{PORT}",
                "--csv",
                str(folder / "burst"),
                "--only-summary",
            ],
            cwd=ROOT,
            check=False,
            env={**os.environ, "BURST_ENTRIES": str(folder / "entries.json")},
        )
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
