"""The answer burst: 2,000 people drawn to a knowledge test open it within the same minute and sit it as people do
(127.0.0.1 only; issue 17: answer saves p95 ≤ 150 ms, no lost answers).

What it models, and what it does not:

- ``ANSWER_PEOPLE`` (default 2000) people of ``ANSWER_GROUPS`` (40) groups are called to one test of
  ``ANSWER_QUESTIONS`` (10) single-choice questions with a 60-minute time limit, each signed in already (a session
  of their own; signing in is the sign-in burst's figure, not this one).
- **Arrivals**: each person opens the test at a moment drawn uniformly at random (seeded) within
  ``ANSWER_SPREAD`` seconds (default 60: everybody opens it in the same minute). Opening draws the page and starts
  the sitting (the deadline is fixed then).
- **Answering**: before each answer the person reads and thinks for a time drawn uniformly at random (seeded) from
  ``ANSWER_THINK`` seconds (default ``5-20``, a mean of 12.5 s a question), then chooses an option: the phone
  sends one htmx save (as ``templates/assessments/sitting.html`` does), answered "已保存". A person whose next
  answer would come after their deadline stops answering (never with the defaults: 10 × 20 s is far inside an
  hour). Then they hand it in (the form's post, a redirect).
- Every person is one client thread with its own connection (a new one per request, as gunicorn's sync workers
  close each): a slow answer delays only that person, as on a phone, and no client-side queue hides the server's.
  The load generator runs on the same 2 cores as gunicorn and PostgreSQL: what it spends is counted in the output.
- Not modelled: nginx, TLS, the phone's network, static files (WhiteNoise/nginx serve them), the countdown's
  page reloads.

With the defaults the saves peak at about 2,000 ÷ 12.5 s ≈ 160 a second while everybody is answering (the output
gives the rates measured: opens per second and saves per second, at the peak second and over the peak 10 s).

Served by gunicorn (``ANSWER_WORKERS`` sync workers, default 5 = 2 × 2 cores + 1: a request waits on PostgreSQL for
part of its time, and the database and the load generator share the same two cores; see
``deploy/systemd/studygroup-web.service``) on PostgreSQL at 127.0.0.1, in its own database ``ANSWER_DATABASE``,
made afresh. Printed, written to ``bench/results/latest.json`` (key ``answer_burst`` among the figures measured
once, ``bench/report.py``) and so to ``bench/results.md``: p50/p95/p99 of the answer saves, of opening and of
handing in, the errors, the rates, the load average, and the check that no answer was lost: every save answered
200 is stored with the answer sent, the rows with an answer equal the saves answered 200, and every sitting handed
in has one row per question.

A small run shows it works without the full scale: ``ANSWER_PEOPLE=100 ANSWER_SPREAD=10 ANSWER_THINK=1-2 python
bench/answer_burst.py`` (the figure it records says its size). ``tests/test_bench_answers.py`` runs the same
measuring code against the test server on four people.
"""

from __future__ import annotations

import datetime
import http.client
import json
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
TOKEN = re.compile(r'"X-CSRFToken": "([^"]+)"')
LETTERS = "ABCD"
CODE = "answers-k"  # the test's code: the check reads its sittings and answers


@dataclass(frozen=True)
class Plan:
    """The burst's size and the people's behaviour (the environment's ``ANSWER_*`` values by default)."""

    people: int = 2000
    groups: int = 40
    questions: int = 10
    spread: float = 60.0  # seconds within which everybody opens the test
    think: tuple[float, float] = (5.0, 20.0)  # seconds before each answer, uniform
    time_limit: int = 60  # minutes
    seed: int = 17

    @classmethod
    def from_environment(cls) -> Plan:
        low, _, high = os.environ.get("ANSWER_THINK", "5-20").partition("-")
        return cls(
            people=int(os.environ.get("ANSWER_PEOPLE", "2000")),
            groups=int(os.environ.get("ANSWER_GROUPS", "40")),
            questions=int(os.environ.get("ANSWER_QUESTIONS", "10")),
            spread=float(os.environ.get("ANSWER_SPREAD", "60")),
            think=(float(low), float(high or low)),
            seed=int(os.environ.get("ANSWER_SEED", "17")),
        )

    def describe(self) -> str:
        return (
            f"{self.people} people of {self.groups} groups open one test of {self.questions} questions within "
            f"{self.spread:.0f} s (arrival uniform, seeded), think {self.think[0]:g}-{self.think[1]:g} s before each "
            f"answer (uniform, seeded), then hand in"
        )


def _environment(database: str) -> None:
    """The settings the script and its gunicorn run with (not applied when the tests import this module)."""
    os.environ.update(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{database}",
        DJANGO_SETTINGS_MODULE="studygroup.settings",
        SECRET_KEY=os.environ.get("SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijklmnop"),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        STATIC_PLAIN="1",
        DEBUG="0",
    )
    sys.path.insert(0, str(ROOT))


# Data -----------------------------------------------------------------------------------------------------------


def prepare(plan: Plan) -> dict:
    """A county, its groups and people, a published test open now, everyone called; a signed-in session each."""
    groups, test, questions = _county_and_test(plan)
    return {"entries": _people(plan, groups, test), "questions": [q.pk for q in questions]}


def _county_and_test(plan: Plan):
    from django.utils import timezone

    from assessments.models import KnowledgeTest, Question, QuestionBank, QuestionVersion, TestQuestion
    from studygroup import services
    from studygroup.models import StudyGroup

    county = services.organization_create(code="answers", name="抽考压力测试县委")
    groups = []
    for index in range(plan.groups):
        town = services.organization_create(code=f"answers-{index}", name=f"第{index}镇党委", parent=county)
        groups.append(
            StudyGroup.objects.create(organization=town, code=f"answers-{index}-g", name=f"第{index}镇中心组")
        )
    bank = QuestionBank.objects.create(organization=county, name="压力测试题库")
    now = timezone.now()
    test = KnowledgeTest.objects.create(
        code=CODE,
        organization=county,
        title="压力测试",
        opens_at=now - datetime.timedelta(minutes=1),
        closes_at=now + datetime.timedelta(hours=3),
        time_limit=plan.time_limit,
        held_on=timezone.localdate(),
        max_score=plan.questions * 10,
        pass_mark=plan.questions * 6,
        status=KnowledgeTest.Status.PUBLISHED,
        seed="answers",
    )
    questions = []
    for number in range(1, plan.questions + 1):
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


def _people(plan: Plan, groups, test) -> list[dict]:
    """Everyone seated, called to the test and signed in (a session of their own)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from assessments.models import Sitting
    from studygroup.models import Membership, Person, User

    now = timezone.now()
    count = len(groups)
    users = User.objects.bulk_create([User(username=f"answers{i}", password="!") for i in range(plan.people)])  # noqa: S106
    people = Person.objects.bulk_create(
        [
            Person(code=f"answers-p{i}", name=f"成员{i}", organization=groups[i % count].organization, user=user)
            for i, user in enumerate(users)
        ]
    )
    Membership.objects.bulk_create(
        [Membership(group=groups[i % count], person=p, start_on=now.date()) for i, p in enumerate(people)]
    )
    sittings = Sitting.objects.bulk_create(
        [Sitting(test=test, person=p, group=groups[i % count], seed=f"answers:{p.pk}") for i, p in enumerate(people)]
    )
    entries = []
    for user, sitting in zip(users, sittings, strict=True):
        store = SessionStore()
        store[SESSION_KEY], store[BACKEND_SESSION_KEY] = str(user.pk), "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        entries.append({"session": store.session_key, "sitting": sitting.pk})
    return entries


# Measuring ------------------------------------------------------------------------------------------------------


@dataclass
class Timings:
    """What the clients saw: each request's time and when it ended, the errors, the answers answered 200."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    values: dict[str, list[float]] = field(default_factory=lambda: {"open": [], "answer": [], "hand in": []})
    ended: dict[str, list[float]] = field(default_factory=lambda: {"open": [], "answer": [], "hand in": []})
    errors: dict[str, int] = field(default_factory=lambda: {"open": 0, "answer": 0, "hand in": 0})
    saved: dict[tuple[int, int], str] = field(default_factory=dict)  # (sitting, question) → the letter saved
    late: list[float] = field(default_factory=list)  # how late each request left after its moment (client lag)

    def add(self, name: str, began: float, ok: bool) -> None:
        now = time.monotonic()
        with self.lock:
            self.values[name].append((now - began) * 1000)
            self.ended[name].append(now)
            if not ok:
                self.errors[name] += 1


def _request(connection: http.client.HTTPConnection, method: str, path: str, **kwargs):
    """One request; a failure to connect or read counts as an error of the request, never stops the person."""
    try:
        connection.request(method, path, **kwargs)
        response = connection.getresponse()
        return response, response.read().decode()
    except (OSError, http.client.HTTPException):
        connection.close()
        return None, ""


def sit(
    entry: dict, questions: list[int], plan: Plan, index: int, start: float, address: tuple[str, int], timings: Timings
) -> None:
    """One person: wait for their moment, open the test, think and answer every question, hand it in."""
    rng = random.Random(f"{plan.seed}:{index}")
    moment = start + rng.uniform(0, plan.spread)
    connection = http.client.HTTPConnection(*address, timeout=60)
    cookie = f"sessionid={entry['session']}"
    path = f"/assessments/sittings/{entry['sitting']}/"
    _wait(moment, timings)
    began = time.monotonic()
    response, page = _request(connection, "GET", path, headers={"Cookie": cookie})
    csrf = re.search(r"csrftoken=([^;]+)", (response and response.getheader("Set-Cookie")) or "")
    token = TOKEN.search(page)
    timings.add("open", began, response is not None and response.status == 200 and token is not None)
    if token is None or csrf is None:
        connection.close()
        return
    deadline = began + plan.time_limit * 60
    headers = {
        "Cookie": f"{cookie}; csrftoken={csrf.group(1)}",
        "X-CSRFToken": token.group(1),
        "HX-Request": "true",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    moment = time.monotonic()
    for question in questions:
        moment += rng.uniform(*plan.think)
        if moment >= deadline:
            break
        letter = rng.choice(LETTERS)
        _wait(moment, timings)
        body = urlencode({f"present-{question}": "single", f"q-{question}": letter})
        began = time.monotonic()
        response, text = _request(connection, "POST", f"{path}answer/", body=body, headers=headers)
        ok = response is not None and response.status == 200 and "已保存" in text
        timings.add("answer", began, ok)
        if ok:
            with timings.lock:
                timings.saved[(entry["sitting"], question)] = letter
    headers.pop("HX-Request")
    _wait(moment + rng.uniform(*plan.think) / 2, timings)  # a look over the page, then 交卷
    began = time.monotonic()
    response, _text = _request(connection, "POST", f"{path}submit/", body="", headers=headers)
    timings.add("hand in", began, response is not None and response.status == 302)
    connection.close()


def _wait(moment: float, timings: Timings) -> None:
    time.sleep(max(0.0, moment - time.monotonic()))
    late = time.monotonic() - moment
    with timings.lock:
        timings.late.append(late * 1000)


def burst(prepared: dict, plan: Plan, address: tuple[str, int]) -> tuple[Timings, float]:
    """Every person sits the test against the server at ``address``, one thread each; the timings and the
    seconds from the first arrival's window opening to the last hand-in."""
    threading.stack_size(512 * 1024)  # 2,000 mostly sleeping threads
    timings = Timings()
    start = time.monotonic() + 1.0
    threads = [
        threading.Thread(
            target=sit, args=(entry, prepared["questions"], plan, index, start, address, timings), daemon=True
        )
        for index, entry in enumerate(prepared["entries"])
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return timings, time.monotonic() - start


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else 0.0


def _rates(ended: list[float]) -> dict:
    """Requests a second: at the busiest second, over the busiest 10 s, and on average while there were any."""
    if not ended:
        return {"peak_1s": 0, "peak_10s": 0.0, "mean": 0.0}
    first = min(ended)
    seconds = [0] * (int(max(ended) - first) + 1)
    for moment in ended:
        seconds[int(moment - first)] += 1
    windows = [sum(seconds[i : i + 10]) / 10 for i in range(max(1, len(seconds) - 9))]
    return {"peak_1s": max(seconds), "peak_10s": round(max(windows), 1), "mean": round(len(ended) / len(seconds), 1)}


def lost_answers(prepared: dict, timings: Timings, plan: Plan) -> dict:
    """Compare what the server answered 200 with what is stored: lost answers, wrong ones, incomplete hand-ins."""
    from django.db.models import Count

    from assessments.models import Answer, Sitting

    stored = {
        (sitting, question): response
        for sitting, question, response in Answer.objects.filter(sitting__test__code=CODE).values_list(
            "sitting_id", "question_id", "response"
        )
    }
    answered = {key: value for key, value in stored.items() if value is not None}
    handed_in = Sitting.objects.filter(test__code=CODE, submitted_at__isnull=False)
    rows = set(
        Answer.objects.filter(sitting__in=handed_in)
        .values("sitting")
        .annotate(n=Count("pk"))
        .values_list("n", flat=True)
    )
    lost = [key for key in timings.saved if key not in answered]
    wrong = [key for key, letter in timings.saved.items() if key in answered and answered[key] != letter]
    return {
        "saves_answered_200": len(timings.saved),
        "answer_rows": len(stored),
        "rows_with_an_answer": len(answered),
        "lost": len(lost),
        "wrong": len(wrong),
        # Answers stored though the client saw no 200 (a timeout after the commit): not lost, reported.
        "stored_without_200": len(set(answered) - set(timings.saved)),
        "handed_in": handed_in.count(),
        "rows_per_handed_in_sitting": sorted(rows),
        "none_lost": not lost
        and not wrong
        and len(answered) >= len(timings.saved)
        and rows <= {len(prepared["questions"])},
    }


def figures(prepared: dict, plan: Plan, timings: Timings, elapsed: float, server: str, load: dict) -> dict:
    """The figure ``latest.json`` keeps: p50/p95 of the saves, errors, lost, people, rates, the load, the commit."""
    from bench import report

    answers, opens, hand_ins = (timings.values[name] for name in ("answer", "open", "hand in"))
    check = lost_answers(prepared, timings, plan)
    value = {
        "people": plan.people,
        "groups": plan.groups,
        "questions": plan.questions,
        "arrival_spread_s": plan.spread,
        "think_s": list(plan.think),
        "model": plan.describe(),
        "server": server,
        "elapsed_s": round(elapsed),
        "p50_ms": round(statistics.median(answers), 1) if answers else None,
        "p95_ms": round(percentile(answers, 0.95), 1),
        "p99_ms": round(percentile(answers, 0.99), 1),
        "max_ms": round(max(answers, default=0), 1),
        "saves": len(answers),
        "errors": sum(timings.errors.values()),
        "errors_by_request": dict(timings.errors),
        "open_p50_ms": round(statistics.median(opens), 1) if opens else None,
        "open_p95_ms": round(percentile(opens, 0.95), 1),
        "hand_in_p95_ms": round(percentile(hand_ins, 0.95), 1),
        "opens_per_s": _rates(timings.ended["open"]),
        "saves_per_s": _rates(timings.ended["answer"]),
        "client_late_p95_ms": round(percentile(timings.late, 0.95), 1),
        **check,
        **load,
        "git_commit": report.git_commit(),
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    value["text"] = (
        f"answer saves p50 {value['p50_ms']} ms, p95 {value['p95_ms']} ms, p99 {value['p99_ms']} ms "
        f"({value['saves']} saves, {value['errors']} errors); opening p95 {value['open_p95_ms']} ms; "
        f"{plan.people} people opening within {plan.spread:.0f} s, thinking {plan.think[0]:g}-{plan.think[1]:g} s "
        f"an answer; peak {value['saves_per_s']['peak_10s']} saves/s (10 s), {value['opens_per_s']['peak_10s']} "
        f"opens/s; {check['lost']} answers lost ({check['rows_with_an_answer']} stored for "
        f"{check['saves_answered_200']} answered 200, {check['handed_in']} handed in with "
        f"{'/'.join(map(str, check['rows_per_handed_in_sitting'])) or '—'} rows); {server}; load "
        f"{value['load_average_max'][0]} at most (start {value['load_average_at_start'][0]})"
    )
    return value


class LoadWatch:
    """The load average at the start, every 5 s (its highest) and at the end: the machine is shared."""

    def __init__(self) -> None:
        self.start = [round(x, 2) for x in os.getloadavg()]
        self.highest = list(self.start)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _watch(self) -> None:
        while not self.stop.wait(5):
            now = [round(x, 2) for x in os.getloadavg()]
            if now[0] > self.highest[0]:
                self.highest = now

    def result(self) -> dict:
        self.stop.set()
        return {
            "load_average_at_start": self.start,
            "load_average_max": self.highest,
            "load_average": [round(x, 2) for x in os.getloadavg()],
        }


# The run --------------------------------------------------------------------------------------------------------


def main() -> None:
    database = os.environ.get("ANSWER_DATABASE", "studygroup_answers")
    port = int(os.environ.get("ANSWER_PORT", "7303"))
    workers = int(os.environ.get("ANSWER_WORKERS", "5"))
    threads = int(os.environ.get("ANSWER_THREADS", "1"))
    plan = Plan.from_environment()
    _environment(database)
    for statement in (f"DROP DATABASE IF EXISTS {database}", f"CREATE DATABASE {database}"):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-c", statement], check=True, capture_output=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, check=True, capture_output=True)
    import django

    django.setup()
    from django.db import connection

    prepared = prepare(plan)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    connection.close()
    print(f"-- answer burst: {plan.describe()}", flush=True)
    command = [sys.executable, "-m", "gunicorn", "studygroup.wsgi", "-b", f"127.0.0.1:{port}", "-w", str(workers)]
    if threads > 1:
        command += ["--threads", str(threads)]
    kind = f"gunicorn {workers} sync workers" if threads == 1 else f"gunicorn {workers} workers × {threads} threads"
    server = subprocess.Popen([*command, "--log-level", "warning"], cwd=ROOT)
    try:
        _ready(port)
        load = LoadWatch()
        client = os.times()
        workers_before = _children_cpu(server.pid)
        timings, elapsed = burst(prepared, plan, ("127.0.0.1", port))
        client_cpu = (os.times().user - client.user) + (os.times().system - client.system)
        server_cpu = _children_cpu(server.pid) - workers_before
        load_figures = load.result()
    finally:
        server.terminate()
        server.wait()
    value = figures(prepared, plan, timings, elapsed, kind, load_figures)
    requests = sum(len(values) for values in timings.values.values())
    value["client_cpu_s"] = round(client_cpu, 1)
    value["server_cpu_s"] = round(server_cpu, 1)
    # What one request costs the gunicorn workers (PostgreSQL's own CPU not included): the machine's ceiling is
    # about cores ÷ this, whatever else runs on it.
    value["server_cpu_ms_per_request"] = round(server_cpu * 1000 / max(1, requests), 1)
    value["text"] += (
        f"; the gunicorn workers used {value['server_cpu_s']} s of CPU ({value['server_cpu_ms_per_request']} ms a "
        f"request), the load generator {value['client_cpu_s']} s, in {value['elapsed_s']} s"
    )
    print(f"- answer burst: {value['text']}")
    print(json.dumps({key: value[key] for key in value if key != "text"}, ensure_ascii=False))
    record(value)


def _children_cpu(pid: int) -> float:
    """CPU seconds (user + system) the live children of ``pid`` (gunicorn's workers) have used."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return 0.0
    for child in children:
        try:
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def _ready(port: int) -> None:
    """Wait until gunicorn answers (at most 30 s)."""
    for _attempt in range(60):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/accounts/login/")
            connection.getresponse().read()
            connection.close()
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer on port {port}")


def record(value: dict, json_path: Path | None = None, markdown_path: Path | None = None) -> None:
    """Put the figure in ``latest.json`` (``once["answer_burst"]``, the other figures kept) and redraw
    ``results.md`` from it."""
    from bench import report

    json_path = json_path or Path(os.environ.get("BENCH_JSON", ROOT / "bench" / "results" / "latest.json"))
    markdown_path = markdown_path or Path(os.environ.get("BENCH_MARKDOWN", ROOT / "bench" / "results.md"))
    try:
        results = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        results = report.header()
    results.setdefault("once", {})["answer_burst"] = value
    report.write_json(results, json_path)
    markdown_path.write_text(report.markdown(results), encoding="utf-8")


if __name__ == "__main__":
    main()
