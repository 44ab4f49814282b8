"""Results of a test sat on paper: points per question entered in a grid or imported from the grid's XLSX."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import Answer, KnowledgeTest, Sitting
from assessments.services.common import lock
from studygroup import access, audit
from studygroup.models import AuditEntry, User


def entry_sittings(test: KnowledgeTest):
    """The sheets a paper grid holds: everyone called to a paper test; on an online test, those who did not sit it
    online (a session held without phones)."""
    sittings = test.sittings.select_related("person", "group__organization").order_by(
        "group__organization__path", "person__name", "pk"
    )
    if test.delivery == KnowledgeTest.Delivery.ONLINE:
        sittings = sittings.exclude(mode=Sitting.Mode.ONLINE, started_at__isnull=False)
    return sittings


def handed_in_at(test: KnowledgeTest) -> datetime.datetime:
    """When a paper sheet counts as handed in: the end of the window, or noon of the day the test was held."""
    if test.closes_at is not None:
        return test.closes_at
    return timezone.make_aware(datetime.datetime.combine(test.held_on, datetime.time(12)))


@transaction.atomic
def paper_results_enter(*, test: KnowledgeTest, rows: dict[int, dict[int, int] | None], by: User) -> int:
    """Store paper results: sitting id → question id → points (``None``: absent). All rows or none."""
    access.require(by, "assessments.test_manage", test)
    test = lock(KnowledgeTest, test.pk)
    if test.status != KnowledgeTest.Status.PUBLISHED:
        raise ValidationError(_("Paper results are entered for a published test whose results are not out yet."))
    sittings = {s.pk: s for s in entry_sittings(test).filter(pk__in=list(rows))}
    if len(sittings) != len(rows):
        raise ValidationError(
            _("Only the sheets of people called to this test who did not sit it online are entered here.")
        )
    questions = {q.pk: q for q in test.questions.all()}
    for points in rows.values():
        for question_id, value in (points or {}).items():
            question = questions.get(question_id)
            if question is None or not 0 <= value <= question.points:
                raise ValidationError(
                    _("Question %(number)s is marked from 0 to %(max)s points.")
                    % {"number": question.number if question else "?", "max": question.points if question else 0}
                )
    now, at = timezone.now(), handed_in_at(test)
    for sitting_id, points in rows.items():
        sitting = sittings[sitting_id]
        Answer.objects.filter(sitting=sitting).delete()
        before = audit.stored(sitting)
        sitting.mode = Sitting.Mode.PAPER
        if points is None:
            sitting.submitted_at = sitting.score = None
            sitting.save(update_fields=["submitted_at", "score", "mode", "updated_at"])
            audit.record(AuditEntry.Action.UPDATE, sitting, by=by, before=before)
            continue
        Answer.objects.bulk_create(
            Answer(
                sitting=sitting,
                question_id=question_id,
                response=None,
                points=points.get(question_id, 0),
                marked_by=by,
                marked_at=now,
                saved_at=now,
            )
            for question_id in questions
        )
        sitting.submitted_at, sitting.score = at, sum(points.get(q, 0) for q in questions)
        sitting.save(update_fields=["submitted_at", "score", "mode", "updated_at"])
        audit.record(AuditEntry.Action.UPDATE, sitting, by=by, before=before)
    return len(rows)
