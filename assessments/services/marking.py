"""Marking short answers (by the setter's staff or the test's markers, blind to the name if the setter chose it)
and publishing the results once marking is done."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import Answer, KnowledgeTest, QuestionKind, Sitting
from assessments.services.common import lock
from assessments.services.sittings import finish_expired
from studygroup import access, audit, notifications
from studygroup.models import AuditEntry, User


def _check_mark(answer: Answer, points: int, comment: str) -> None:
    if not 0 <= points <= answer.question.points:
        raise ValidationError(
            _("Question %(number)d is marked from 0 to %(max)d points.")
            % {"number": answer.question.number, "max": answer.question.points}
        )
    if len(comment) > 2000:
        raise ValidationError(_("A comment is at most 2000 characters."))


def rescore(sitting_ids: set[int], by: User) -> None:
    """Give each sitting whose answers are all marked its score (the sum of its answers' points)."""
    unmarked = set(
        Answer.objects.filter(sitting_id__in=sitting_ids, points__isnull=True).values_list("sitting_id", flat=True)
    )
    totals = dict(
        Answer.objects.filter(sitting_id__in=sitting_ids - unmarked)
        .values("sitting_id")
        .annotate(total=Sum("points"))
        .values_list("sitting_id", "total")
    )
    changed = []
    for sitting in Sitting.objects.filter(pk__in=list(totals)).select_related("person", "test"):
        total = totals[sitting.pk] or 0
        if sitting.score != total:
            sitting.before, sitting.score = sitting.score, total  # type: ignore[attr-defined]
            changed.append(sitting)
    Sitting.objects.bulk_update(changed, ["score"])
    audit.write_many(
        action=AuditEntry.Action.UPDATE,
        instances=changed,
        changes_for=lambda s: {"score": [s.before, s.score]},
        user=by,
    )


@transaction.atomic
def answers_mark(*, test: KnowledgeTest, marks: dict[int, tuple[int, str]], by: User) -> int:
    """Mark short answers of ``test``: answer id → (points, comment). Return how many were marked."""
    access.require(by, "assessments.mark", test)
    test = lock(KnowledgeTest, test.pk)
    if test.status == KnowledgeTest.Status.RESULTS:
        raise ValidationError(_("The results have been published: the marks no longer change."))
    answers = list(
        Answer.objects.select_related("question__version", "sitting")
        .filter(pk__in=list(marks), sitting__test=test, sitting__submitted_at__isnull=False)
        .filter(question__version__kind=QuestionKind.SHORT)
    )
    if len(answers) != len(marks):
        raise ValidationError(_("Only short answers of handed-in sheets of this test are marked here."))
    now = timezone.now()
    for answer in answers:
        points, comment = marks[answer.pk]
        _check_mark(answer, points, comment)
        answer.points, answer.comment, answer.marked_by, answer.marked_at = points, comment, by, now
    Answer.objects.bulk_update(answers, ["points", "comment", "marked_by", "marked_at"])
    rescore({answer.sitting_id for answer in answers}, by)
    return len(answers)


@transaction.atomic
def results_publish(*, test: KnowledgeTest, by: User) -> KnowledgeTest:
    """Publish the results once the window has closed and every answer is marked; tell each person who sat it."""
    access.require(by, "assessments.test_manage", test)
    test = lock(KnowledgeTest, test.pk)
    if test.status != KnowledgeTest.Status.PUBLISHED:
        raise ValidationError(_("Only the results of a published test are published, once."))
    if test.delivery == KnowledgeTest.Delivery.ONLINE and not test.has_closed():
        raise ValidationError(_("The results are published after the test has closed."))
    finish_expired(test=test, by=by)
    waiting = Answer.objects.filter(
        sitting__test=test, sitting__submitted_at__isnull=False, points__isnull=True
    ).count()
    if waiting:
        raise ValidationError(_("%(count)d short answers are still to be marked.") % {"count": waiting})
    # Every handed-in sheet whose answers are all marked has its score before the results go out.
    rescore(set(test.sittings.filter(submitted_at__isnull=False, score__isnull=True).values_list("pk", flat=True)), by)
    before = audit.stored(test)
    test.status = KnowledgeTest.Status.RESULTS
    test.results_published_at = timezone.now()
    test.save(update_fields=["status", "results_published_at", "updated_at"])
    audit.record(AuditEntry.Action.UPDATE, test, by=by, before=before)
    notifications.send(
        to=User.objects.filter(person__test_sittings__test=test, person__test_sittings__score__isnull=False),
        verb="test_results",
        title=_("The results of “%(title)s” are out") % {"title": test.title},
        body=_("Open the test to see your score and the explanations."),
        url=test.get_absolute_url(),
    )
    return test
