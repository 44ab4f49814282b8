"""The answer burst: people drawn to a knowledge test open it in the same minute and answer (127.0.0.1 only).

``ANSWER_PEOPLE`` (default 2000) people of ``ANSWER_GROUPS`` groups are called to one test of ``ANSWER_QUESTIONS``
questions. Their arrivals spread over ``ANSWER_SPREAD`` seconds (default 60); each opens the test (the page
starts the sitting) and saves an answer to every question as an htmx request, as the phone page does, then hands
it in. Requests go through gunicorn on PostgreSQL from ``ANSWER_CLIENTS`` client threads (default 64), each
holding one connection per person. Printed and appended to bench/results.md: p50/p95 of the answer saves, of
opening and of handing in, errors, and whether every answer arrived (no lost answers: the rows stored equal the
saves answered 200, and every sitting handed in has one row per question).

A small run shows it works without the full scale: ``ANSWER_PEOPLE=200 ANSWER_SPREAD=10 python bench/answer_burst.py``.
"""

from __future__ import annotations

import concurrent.futures
import datetime
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
PEOPLE = int(os.environ.get("ANSWER_PEOPLE", "2000"))
GROUPS = int(os.environ.get("ANSWER_GROUPS", "40"))
QUESTIONS = int(os.environ.get("ANSWER_QUESTIONS", "10"))
SPREAD = float(os.environ.get("ANSWER_SPREAD", "60"))
CLIENTS = int(os.environ.get("ANSWER_CLIENTS", "64"))
WORKERS = int(os.environ.get("ANSWER_WORKERS", "4"))
PORT = int(os.environ.get("ANSWER_PORT", "7303"))
DATABASE = os.environ.get("ANSWER_DATABASE", "studygroup_answers")
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
TOKEN = re.compile(r'"X-CSRFToken": "([^"]+)"')


def prepare() -> dict:
    """A county, its groups and people, a published test open now, everyone called; a signed-in session each."""
    import django

    django.setup()
    groups, test, questions = _county_and_test()
    return {"entries": _people(groups, test), "questions": [q.pk for q in questions]}


def _county_and_test():
    from django.utils import timezone

    from assessments.models import KnowledgeTest, Question, QuestionBank, QuestionVersion, TestQuestion
    from studygroup import services
    from studygroup.models import StudyGroup

    county = services.organization_create(code="answers", name="抽考压力测试县委")
    groups = []
    for index in range(GROUPS):
        town = services.organization_create(code=f"answers-{index}", name=f"第{index}镇党委", parent=county)
        groups.append(
            StudyGroup.objects.create(organization=town, code=f"answers-{index}-g", name=f"第{index}镇中心组")
        )
    bank = QuestionBank.objects.create(organization=county, name="压力测试题库")
    now = timezone.now()
    test = KnowledgeTest.objects.create(
        code="answers-k",
        organization=county,
        title="压力测试",
        opens_at=now - datetime.timedelta(minutes=1),
        closes_at=now + datetime.timedelta(hours=3),
        time_limit=60,
        held_on=timezone.localdate(),
        max_score=QUESTIONS * 10,
        pass_mark=QUESTIONS * 6,
        status=KnowledgeTest.Status.PUBLISHED,
        seed="answers",
    )
    questions = []
    for number in range(1, QUESTIONS + 1):
        question = Question.objects.create(bank=bank)
        version = QuestionVersion.objects.create(
            question=question,
            number=1,
            kind="single",
            text=f"第{number}题",
            options=["甲", "乙", "丙", "丁"],
            answer="B",
        )
        question.current = version
        question.save(update_fields=["current"])
        questions.append(TestQuestion.objects.create(test=test, version=version, number=number, points=10))
    return groups, test, questions


def _people(groups, test) -> list[dict]:
    """Everyone seated, called to the test and signed in (a session of their own)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from assessments.models import Sitting
    from studygroup.models import Membership, Person, User

    now = timezone.now()
    users = User.objects.bulk_create([User(username=f"answers{i}", password="!") for i in range(PEOPLE)])  # noqa: S106
    people = Person.objects.bulk_create(
        [
            Person(code=f"answers-p{i}", name=f"成员{i}", organization=groups[i % GROUPS].organization, user=user)
            for i, user in enumerate(users)
        ]
    )
    Membership.objects.bulk_create(
        [Membership(group=groups[i % GROUPS], person=p, start_on=now.date()) for i, p in enumerate(people)]
    )
    sittings = Sitting.objects.bulk_create(
        [Sitting(test=test, person=p, group=groups[i % GROUPS], seed=f"answers:{p.pk}") for i, p in enumerate(people)]
    )
    entries = []
    for user, sitting in zip(users, sittings, strict=True):
        store = SessionStore()
        store[SESSION_KEY], store[BACKEND_SESSION_KEY] = str(user.pk), "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        entries.append({"session": store.session_key, "sitting": sitting.pk})
    return entries


class Timings:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.values: dict[str, list[float]] = {"open": [], "answer": [], "hand in": []}
        self.errors: dict[str, int] = {"open": 0, "answer": 0, "hand in": 0}
        self.saved = 0

    def add(self, name: str, seconds: float, ok: bool) -> None:
        with self.lock:
            self.values[name].append(seconds * 1000)
            if not ok:
                self.errors[name] += 1
            elif name == "answer":
                self.saved += 1


def sit(entry: dict, questions: list[int], start: float, delay: float, timings: Timings) -> None:
    """One person: wait for their moment, open the test, answer every question, hand it in."""
    time.sleep(max(0.0, start + delay - time.monotonic()))
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    cookie = f"sessionid={entry['session']}"
    path = f"/assessments/sittings/{entry['sitting']}/"
    began = time.monotonic()
    connection.request("GET", path, headers={"Cookie": cookie})
    response = connection.getresponse()
    page = response.read().decode()
    csrf = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie") or "")
    token = TOKEN.search(page)
    timings.add("open", time.monotonic() - began, response.status == 200 and token is not None)
    if token is None or csrf is None:
        connection.close()
        return
    headers = {
        "Cookie": f"{cookie}; csrftoken={csrf.group(1)}",
        "X-CSRFToken": token.group(1),
        "HX-Request": "true",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    for question in questions:
        body = urlencode({f"present-{question}": "single", f"q-{question}": "B"})
        began = time.monotonic()
        connection.request("POST", f"{path}answer/", body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode()
        timings.add("answer", time.monotonic() - began, response.status == 200 and "已保存" in text)
    began = time.monotonic()
    headers.pop("HX-Request")
    connection.request("POST", f"{path}submit/", body="", headers=headers)
    response = connection.getresponse()
    response.read()
    timings.add("hand in", time.monotonic() - began, response.status == 302)
    connection.close()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else 0.0


def main() -> None:
    for statement in (f"DROP DATABASE IF EXISTS {DATABASE}", f"CREATE DATABASE {DATABASE}"):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-c", statement], check=True, capture_output=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, check=True, capture_output=True)
    prepared = prepare()
    timings, elapsed = run(prepared)
    report = summary(prepared, timings, elapsed)
    print(report)
    print(json.dumps({name: len(values) for name, values in timings.values.items()}))
    with open(ROOT / "bench" / "results.md", "a", encoding="utf-8") as results:
        results.write(report + "\n")


def run(prepared: dict) -> tuple[Timings, float]:
    """Serve through gunicorn and let every person sit the test; return the timings and the seconds it took."""
    command = [sys.executable, "-m", "gunicorn", "studygroup.wsgi", "-b", f"127.0.0.1:{PORT}", "-w", str(WORKERS)]
    server = subprocess.Popen([*command, "--log-level", "warning"], cwd=ROOT)
    time.sleep(3)
    timings = Timings()
    started = time.monotonic()
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            step = SPREAD / max(1, len(prepared["entries"]))
            futures = [
                pool.submit(sit, entry, prepared["questions"], started, index * step, timings)
                for index, entry in enumerate(prepared["entries"])
            ]
            for future in futures:
                future.result()
    finally:
        server.terminate()
        server.wait()
    return timings, time.monotonic() - started


def summary(prepared: dict, timings: Timings, elapsed: float) -> str:
    """The line of bench/results.md, with the check that no answer was lost."""
    from django.db.models import Count

    from assessments.models import Answer, Sitting

    stored = Answer.objects.filter(sitting__test__code="answers-k").count()
    complete = Sitting.objects.filter(test__code="answers-k", submitted_at__isnull=False)
    per_sitting = set(
        Answer.objects.filter(sitting__in=complete)
        .values("sitting")
        .annotate(n=Count("pk"))
        .values_list("n", flat=True)
    )
    kept = stored == timings.saved and per_sitting <= {len(prepared["questions"])}
    answers = timings.values["answer"]
    return (
        f"- answer burst: {PEOPLE} people of {GROUPS} groups opening one test within {SPREAD:.0f} s, "
        f"{QUESTIONS} answers each, {CLIENTS} client threads, gunicorn {WORKERS} workers, {elapsed:.0f} s in all: "
        f"answer saves p50 {statistics.median(answers) if answers else 0:.0f} ms, p95 {percentile(answers, 0.95):.0f} ms "
        f"({len(answers)} saves, {timings.errors['answer']} errors); "
        f"opening p95 {percentile(timings.values['open'], 0.95):.0f} ms; "
        f"handing in p95 {percentile(timings.values['hand in'], 0.95):.0f} ms; answer rows stored {stored} for "
        f"{timings.saved} saves answered, {complete.count()} sittings handed in, each with "
        f"{'/'.join(map(str, sorted(per_sitting))) or '—'} rows ({'no answer lost' if kept else 'ANSWERS LOST'})"
    )


if __name__ == "__main__":
    main()
