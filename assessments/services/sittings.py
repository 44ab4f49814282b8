"""Sitting a test: opening it (the deadline is fixed then), answers saved as they are chosen, handing it in once.

Only the person called opens their sitting (``assessments.sit``). The server keeps the time: an answer after
the deadline is refused, and a sitting left open past it is handed in with the answers saved by then (the
person's page, the marking page and publishing the results all do it), so no saved answer is lost.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import scoring
from assessments.models import Answer, KnowledgeTest, QuestionKind, Sitting, TestQuestion
from studygroup import access, audit
from studygroup.models import AuditEntry, User

ALREADY_DONE = "already_done"
TIME_UP = "time_up"
NOT_ON_PAPER = "not_on_paper"


def _deadline(test: KnowledgeTest, started: datetime.datetime) -> datetime.datetime:
    if test.time_limit:
        return min(test.closes_at, started + datetime.timedelta(minutes=test.time_limit))  # type: ignore[return-value, type-var]
    return test.closes_at  # type: ignore[return-value]


def sitting_start(*, sitting: Sitting, by: User) -> Sitting:
    """Open the sitting: the deadline runs from the first time the person opens it (opening again resumes)."""
    access.require(by, "assessments.sit", sitting)
    if sitting.started_at is not None:
        return sitting
    test = sitting.test
    now = timezone.now()
    if not test.is_open(now):
        raise ValidationError(_("The test is not open now."))
    # One statement: a second tab opening at the same moment does not move the deadline.
    deadline = _deadline(test, now)
    if Sitting.objects.filter(pk=sitting.pk, started_at__isnull=True).update(
        started_at=now, deadline=deadline, updated_at=now
    ):
        changes = {"started_at": [None, now.isoformat()], "deadline": [None, deadline.isoformat()]}
        sitting.started_at, sitting.deadline, sitting.updated_at = now, deadline, now
        audit.record(AuditEntry.Action.UPDATE, sitting, by=by, changes=changes)
    else:  # another tab opened it first: its deadline stands
        sitting.refresh_from_db(fields=["started_at", "deadline", "updated_at"])
    return sitting


def _open_for_answers(pk: int, by: User, now: datetime.datetime) -> Sitting:
    """The sitting, if it is ``by``'s own and they may still answer, locked against a hand-in for the rest of the
    transaction (one query); else a refusal.

    The lock (``FOR NO KEY UPDATE``, the weakest that a hand-in's ``FOR UPDATE`` waits for) is what keeps an answer
    from being stored after the hand-in has scored the sitting: a save and a hand-in of the same sitting take turns.
    Two saves need no lock of their own (each answer is one upsert on the unique (sitting, question) pair).
    """
    current = Sitting.objects.select_for_update(no_key=True).get(pk=pk)
    access.require(by, "assessments.sit", current)
    if current.submitted_at is not None:
        raise ValidationError(_("You have already handed in this test."), code=ALREADY_DONE)
    if current.started_at is None or current.deadline is None or now >= current.deadline:
        raise ValidationError(_("Time is up: answers are no longer accepted."), code=TIME_UP)
    return current


def _questions(sitting: Sitting, question_ids: list[int]) -> dict[int, TestQuestion]:
    found = (
        # ``order_by()``: the model's ordering would join the test to sort rows looked up by id.
        TestQuestion.objects.filter(test_id=sitting.test_id, pk__in=question_ids)
        .select_related("version")
        .order_by()
        .in_bulk()
    )
    if len(found) != len(set(question_ids)):
        raise ValidationError(_("This question is not on your paper."), code=NOT_ON_PAPER)
    return found


def _store(sitting: Sitting, questions: dict[int, TestQuestion], responses: dict[int, object], now) -> None:
    cleaned = {}
    for question_id, value in responses.items():
        version = questions[question_id].version
        valid, stored = scoring.clean_response(version.kind, version.options, value)
        if not valid:
            raise ValidationError(_("This answer cannot be read; choose again."))
        cleaned[question_id] = stored
    # One statement whatever is already stored: insert, or change the answer of the (sitting, question) pair.
    Answer.objects.bulk_create(
        [Answer(sitting=sitting, question_id=q, response=stored, saved_at=now) for q, stored in cleaned.items()],
        update_conflicts=True,
        unique_fields=["sitting", "question"],
        update_fields=["response", "saved_at"],
    )


@transaction.atomic
def answers_save(*, sitting: Sitting | int, responses: dict[int, object], by: User) -> datetime.datetime:
    """Save the person's answers to questions of their paper (question id → response); return the time saved.

    ``sitting`` may be the sitting or its id: it is read again, locked, in one query (the phone's answer view passes
    the id from the address, so the save reads the sitting once). ``Sitting.DoesNotExist`` when there is none,
    ``PermissionDenied`` when it is not ``by``'s own. Refused, with nothing saved, after the deadline or hand-in,
    or for a question not on the person's paper. Queries: the sitting, the questions answered, one upsert.
    """
    now = timezone.now()
    current = _open_for_answers(sitting if isinstance(sitting, int) else sitting.pk, by, now)
    questions = _questions(current, list(responses))
    _store(current, questions, responses, now)
    return now


def _score(sitting: Sitting) -> int | None:
    """Score the objective answers at once; the sitting's score waits while a short answer is unmarked."""
    questions = list(TestQuestion.objects.filter(test_id=sitting.test_id).select_related("version"))
    answers = {a.question_id: a for a in Answer.objects.filter(sitting=sitting)}
    changed = []
    for question in questions:
        answer = answers.get(question.pk)
        version = question.version
        if answer is None:
            # Unanswered: a row with no response, scored 0 (a short answer left blank needs no marker either).
            answer = Answer.objects.create(sitting=sitting, question=question, response=None, points=0)
            answers[question.pk] = answer
            continue
        if version.kind == QuestionKind.SHORT:
            if answer.response is None:
                answer.points = 0
                changed.append(answer)
            continue
        answer.points = scoring.objective_points(version.kind, version.answer, answer.response, question.points)
        changed.append(answer)
    Answer.objects.bulk_update(changed, ["points"])
    if any(a.points is None for a in answers.values()):
        return None
    return sum(a.points for a in answers.values())  # type: ignore[misc]


def _hand_in(sitting: Sitting, at: datetime.datetime, by: User | None) -> Sitting:
    """Mark the sitting handed in (once: a statement that only the first caller changes) and score it."""
    if not Sitting.objects.filter(pk=sitting.pk, submitted_at__isnull=True).update(submitted_at=at, updated_at=at):
        raise ValidationError(_("You have already handed in this test."), code=ALREADY_DONE)
    sitting.submitted_at = at
    sitting.score = _score(sitting)
    changes = {"submitted_at": [None, at.isoformat()]}
    if sitting.score is not None:
        Sitting.objects.filter(pk=sitting.pk).update(score=sitting.score)
        changes["score"] = [None, sitting.score]  # type: ignore[list-item]
    audit.record(AuditEntry.Action.UPDATE, sitting, by=by, changes=changes)
    return sitting


@transaction.atomic
def sitting_submit(*, sitting: Sitting, by: User, responses: dict[int, object] | None = None) -> Sitting:
    """Hand the test in, with the answers on the page saved first; twice at once, one hand-in is stored.

    After the deadline, the answers sent are refused and the sitting is handed in as it stood at the deadline.
    """
    access.require(by, "assessments.sit", sitting)
    now = timezone.now()
    current = Sitting.objects.select_for_update(of=("self",)).select_related("test", "person").get(pk=sitting.pk)
    if current.submitted_at is not None:
        raise ValidationError(_("You have already handed in this test."), code=ALREADY_DONE)
    if current.started_at is None:
        raise ValidationError(_("The test has not been opened."))
    if now >= current.deadline:  # type: ignore[operator]
        return _hand_in(current, current.deadline, by)  # type: ignore[arg-type]
    if responses:
        _store(current, _questions(current, list(responses)), responses, now)
    return _hand_in(current, now, by)


@transaction.atomic
def finish_expired(*, test: KnowledgeTest, by: User | None = None) -> int:
    """Hand in, as they stood at their deadline, the sittings of ``test`` opened and left past it (``by``: who
    opened the page that did it; the log names them)."""
    now = timezone.now()
    expired = list(
        Sitting.objects.select_for_update(of=("self",))
        .filter(test=test, submitted_at__isnull=True, started_at__isnull=False)
        .filter(Q(deadline__lte=now))
        .select_related("test")
    )
    for sitting in expired:
        _hand_in(sitting, sitting.deadline, by)  # type: ignore[arg-type]
    return len(expired)


def finish_if_expired(*, sitting: Sitting, by: User) -> Sitting:
    """The person's own sitting left open past its deadline is handed in as it stood then."""
    if not access.can(by, "assessments.sit", sitting):
        raise PermissionDenied
    if sitting.submitted_at is None and sitting.deadline is not None and timezone.now() >= sitting.deadline:
        with transaction.atomic():
            current = Sitting.objects.select_for_update(of=("self",)).select_related("test").get(pk=sitting.pk)
            if current.submitted_at is None:
                _hand_in(current, current.deadline, by)  # type: ignore[arg-type]
        sitting.refresh_from_db()
    return sitting
