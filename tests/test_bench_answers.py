"""The answer burst's measuring code (``bench/answer_burst.py``) on four people against the test server: every
person opens the test, saves an answer to each question through the real middleware (sign-in, CSRF) and hands
it in; the check finds every answer stored, and finds an answer that goes missing. (The timings are not asserted:
speed is measured in ``make bench``, not tested.)"""

import json

import pytest

from assessments.models import Answer, Sitting
from bench import answer_burst, report

PLAN = answer_burst.Plan(people=4, groups=2, questions=3, spread=0.3, think=(0.0, 0.05), seed=5)


@pytest.fixture
def sat(live_server):
    prepared = answer_burst.prepare(PLAN)
    timings, elapsed = answer_burst.burst(prepared, PLAN, (live_server.thread.host, live_server.thread.port))
    return prepared, timings, elapsed


@pytest.mark.django_db(transaction=True)
def test_every_person_opens_answers_and_hands_in_and_no_answer_is_lost(sat, tmp_path):
    prepared, timings, elapsed = sat
    assert timings.errors == {"open": 0, "answer": 0, "hand in": 0}
    assert [len(timings.values[name]) for name in ("open", "answer", "hand in")] == [4, 12, 4]
    assert Sitting.objects.filter(submitted_at__isnull=False, score__isnull=False).count() == 4
    # What each person chose (seeded) is what is stored, and each hand-in scored it (B is right, 10 points).
    for (sitting, question), letter in timings.saved.items():
        answer = Answer.objects.get(sitting_id=sitting, question_id=question)
        assert answer.response == letter and answer.points == (10 if letter == "B" else 0)
    value = answer_burst.figures(prepared, PLAN, timings, elapsed, "test server", {"load_average_max": [1.0]} | LOAD)
    assert value["people"] == 4 and value["saves"] == 12 and value["errors"] == 0
    assert value["saves_answered_200"] == value["rows_with_an_answer"] == 12
    assert value["lost"] == value["wrong"] == 0 and value["none_lost"]
    assert value["handed_in"] == 4 and value["rows_per_handed_in_sitting"] == [3]
    assert value["saves_per_s"]["peak_1s"] >= 1 and value["p95_ms"] > 0 and value["git_commit"]
    assert "4 people opening within 0 s" in value["text"]

    # Written where the benchmark keeps its figures, beside those already there, and shown in results.md.
    path, markdown = tmp_path / "latest.json", tmp_path / "results.md"
    earlier = report.header(postgres="test")
    earlier["once"] = {"signin_burst": {"text": "p95 90 ms"}}
    report.write_json(earlier, path)
    answer_burst.record(value, path, markdown)
    written = json.loads(path.read_text(encoding="utf-8"))
    assert written["once"]["signin_burst"] == {"text": "p95 90 ms"}
    assert written["once"]["answer_burst"]["p95_ms"] == value["p95_ms"]
    text = markdown.read_text(encoding="utf-8")
    assert "| answer saves, 2,000 drawn people opening a test within a minute" in text
    assert "## Answer burst (issue 17)" in text and "0 lost" in text and "no answer lost" in text


@pytest.mark.django_db(transaction=True)
def test_an_answer_missing_or_changed_after_its_200_counts_as_lost(sat):
    prepared, timings, _elapsed = sat
    first, second = list(timings.saved)[:2]
    Answer.objects.filter(sitting_id=first[0], question_id=first[1]).delete()
    letter = timings.saved[second]
    Answer.objects.filter(sitting_id=second[0], question_id=second[1]).update(response="D" if letter != "D" else "A")
    check = answer_burst.lost_answers(prepared, timings, PLAN)
    assert check["lost"] == 1 and check["wrong"] == 1 and not check["none_lost"]
    assert check["rows_per_handed_in_sitting"] == [2, 3]


LOAD = {"load_average_at_start": [1.0, 1.0, 1.0], "load_average": [1.0, 1.0, 1.0]}
