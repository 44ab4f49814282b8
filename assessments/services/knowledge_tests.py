"""Setting a knowledge test: its settings, its parts (fixed questions or rules), publishing (the paper is drawn
then) and closing the window early."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import paper
from assessments.models import KnowledgeTest, Question, QuestionBank, QuestionKind, Sitting, Tag, TestPart, TestQuestion
from assessments.services.common import lock, new_code
from audits.models import ObserverVisit
from studygroup import access, audit
from studygroup.models import AuditEntry, Organization, Person, User

SETTINGS = (
    "title",
    "instructions",
    "opens_at",
    "closes_at",
    "time_limit",
    "pass_mark",
    "max_score",
    "delivery",
    "is_blind",
    "shuffle",
    "visit",
)


def _check_settings(organization: Organization, values: dict) -> None:
    errors = {}
    if values["pass_mark"] > values["max_score"]:
        errors["pass_mark"] = _("The pass mark cannot be above the maximum score.")
    opens, closes = values.get("opens_at"), values.get("closes_at")
    if values["delivery"] == KnowledgeTest.Delivery.ONLINE and (opens is None or closes is None):
        errors["opens_at"] = _("A test sat online needs the time it opens and the time it closes.")
    if opens is not None and closes is not None and closes <= opens:
        errors["closes_at"] = _("The test must close after it opens.")
    visit = values.get("visit")
    if visit is not None and visit.organization_id != organization.pk:
        errors["visit"] = _("Attach the test to a visit your organization arranged.")
    if errors:
        raise ValidationError(errors)


def _held_on(values: dict) -> datetime.date:
    opens = values.get("opens_at")
    return timezone.localtime(opens).date() if opens else values.get("held_on") or timezone.localdate()


@transaction.atomic
def test_create(*, organization: Organization, by: User, markers: Sequence[Person] = (), **values) -> KnowledgeTest:
    """A draft test of ``organization`` with the settings of ``SETTINGS`` (and ``held_on`` for a paper test)."""
    access.require(by, "assessments.test_set", organization)
    _check_settings(organization, values)
    test = KnowledgeTest.objects.create(
        code=new_code("k"),
        organization=organization,
        held_on=_held_on(values),
        seed=secrets.token_hex(8),
        created_by=by,
        **{name: values[name] for name in SETTINGS if name in values},
    )
    test.markers.set(markers)
    audit.record(AuditEntry.Action.CREATE, test, by=by)
    return test


@transaction.atomic
def test_update(*, test: KnowledgeTest, by: User, markers: list[Person] | None = None, **values) -> KnowledgeTest:
    """Change a draft's settings; once published, only the markers and whether marking is blind."""
    access.require(by, "assessments.test_manage", test)
    test = lock(KnowledgeTest, test.pk)
    if not test.is_draft:
        changing = {name for name in SETTINGS if name in values and getattr(test, name) != values[name]}
        if changing - {"is_blind"}:
            raise ValidationError(_("A published test keeps its settings; only the markers and blind marking change."))
    _check_settings(test.organization, {**{name: getattr(test, name) for name in SETTINGS}, **values})
    before = audit.stored(test)
    for name in SETTINGS:
        if name in values:
            setattr(test, name, values[name])
    if test.is_draft:
        test.held_on = _held_on({"opens_at": test.opens_at, "held_on": values.get("held_on") or test.held_on})
    test.save()
    audit.record(AuditEntry.Action.UPDATE, test, by=by, before=before)
    if markers is not None:
        test.markers.set(markers)
    return test


def _require_draft(test: KnowledgeTest) -> None:
    if not test.is_draft:
        raise ValidationError(_("The test has been published: its questions no longer change."))


def _check_bank(test: KnowledgeTest, bank: QuestionBank, by: User) -> None:
    if not test.organization.path.startswith(bank.organization.path) or not access.can(
        by, "assessments.bank_use", bank
    ):
        raise ValidationError(_("A test draws only from the banks of its organization and of those above it."))


@transaction.atomic
def part_add(
    *,
    test: KnowledgeTest,
    points: int,
    by: User,
    question: Question | None = None,
    bank: QuestionBank | None = None,
    kind: str = "",
    tag: Tag | None = None,
    difficulty: int | None = None,
    count: int = 1,
) -> TestPart:
    """Add a fixed question, or a rule drawing ``count`` questions of ``bank`` (of a type, tag, difficulty)."""
    access.require(by, "assessments.test_manage", test)
    test = lock(KnowledgeTest, test.pk)
    _require_draft(test)
    if (question is None) == (bank is None):
        raise ValidationError(_("Choose a question, or a bank to draw from."))
    _check_bank(test, question.bank if question else bank, by)  # type: ignore[arg-type]
    if question is not None and (question.is_archived or test.parts.filter(question=question).exists()):
        raise ValidationError({"question": _("This question is already on the test or archived.")})
    if tag is not None and bank is not None and tag.organization_id != bank.organization_id:
        raise ValidationError({"tag": _("Choose a tag of the bank's organization.")})
    order = test.parts.count() + 1
    if question is not None:
        part = TestPart.objects.create(test=test, order=order, question=question, points=points, count=1)
    else:
        part = TestPart.objects.create(
            test=test, order=order, bank=bank, kind=kind, tag=tag, difficulty=difficulty, count=count, points=points
        )
    audit.record(AuditEntry.Action.CREATE, part, by=by)
    return part


@transaction.atomic
def part_delete(*, part: TestPart, by: User) -> None:
    access.require(by, "assessments.test_manage", part.test)
    test = lock(KnowledgeTest, part.test_id)
    _require_draft(test)
    audit.delete(part, by=by)


def candidates(part: TestPart) -> list[int]:
    """The current versions of the questions a rule may draw."""
    questions = Question.objects.filter(bank=part.bank, is_archived=False, current__isnull=False)
    if part.kind:
        questions = questions.filter(current__kind=part.kind)
    if part.tag_id:
        questions = questions.filter(tags=part.tag_id)
    if part.difficulty:
        questions = questions.filter(current__difficulty=part.difficulty)
    return sorted(questions.values_list("current_id", flat=True).distinct())


def paper_inputs(test: KnowledgeTest) -> dict:
    parts = list(test.parts.select_related("question").order_by("order", "id"))
    return {
        "parts": [
            {
                "part": part.pk,
                "points": part.points,
                "count": part.count,
                "fixed": part.question.current_id if part.question_id else None,  # type: ignore[union-attr]
                "candidates": [] if part.question_id else candidates(part),
            }
            for part in parts
        ]
    }


def describe_part(part: TestPart) -> str:
    """A rule in words: ``10 道单选题(标签“党史”,难度中)``."""
    kind = QuestionKind(part.kind).label if part.kind else _("questions of any type")
    conditions = []
    if part.tag_id:
        conditions.append(_("tag “%(tag)s”") % {"tag": part.tag.name})  # type: ignore[union-attr]
    if part.difficulty:
        conditions.append(_("difficulty %(level)s") % {"level": part.get_difficulty_display()})
    described = _("%(count)d × %(kind)s") % {"count": part.count, "kind": kind}
    return f"{described}({','.join(conditions)})" if conditions else described


@transaction.atomic
def test_publish(*, test: KnowledgeTest, by: User) -> KnowledgeTest:
    """Draw the paper from the parts and publish the test: its questions are fixed from now on."""
    access.require(by, "assessments.test_manage", test)
    test = lock(KnowledgeTest, test.pk)
    if not test.is_draft:
        raise ValidationError(_("The test has already been published."))
    parts = list(test.parts.select_related("bank", "tag").order_by("order", "id"))
    if not parts:
        raise ValidationError(_("Add questions or rules before publishing."))
    total = sum(part.total for part in parts)
    if total != test.max_score:
        raise ValidationError(
            _("The questions add up to %(total)d points, not the maximum score of %(max)d.")
            % {"total": total, "max": test.max_score}
        )
    if test.delivery == KnowledgeTest.Delivery.ONLINE and test.closes_at <= timezone.now():  # type: ignore[operator]
        raise ValidationError(_("The test's window has already closed."))
    inputs = paper_inputs(test)
    try:
        drawn = paper.run(test.seed, inputs)
    except paper.Shortage as short:
        raise ValidationError(
            _("Rule %(number)d (%(rule)s) asks for %(wanted)d questions; the bank has %(available)d that fit.")
            % {
                "number": short.index + 1,
                "rule": describe_part(parts[short.index]),
                "wanted": short.wanted,
                "available": short.available,
            }
        ) from short
    questions = TestQuestion.objects.bulk_create(
        TestQuestion(test=test, part_id=part_id, version_id=version_id, number=number, points=points)
        for number, (part_id, version_id, points) in enumerate(drawn, start=1)
    )
    path = test.organization.path
    audit.write_many(
        action=AuditEntry.Action.CREATE, instances=questions, user=by, organization_path_for=lambda _q: path
    )
    before = audit.stored(test)
    test.paper_inputs = inputs
    test.status = KnowledgeTest.Status.PUBLISHED
    test.published_at = timezone.now()
    test.save(update_fields=["paper_inputs", "status", "published_at", "updated_at"])
    audit.record(AuditEntry.Action.UPDATE, test, by=by, before=before)
    return test


def paper_matches(test: KnowledgeTest) -> bool:
    """Whether drawing the paper again from the stored seed and inputs gives the stored paper."""
    if not test.paper_inputs:
        return False
    stored = [[q.part_id, q.version_id, q.points] for q in test.questions.order_by("number")]
    try:
        return paper.run(test.seed, test.paper_inputs) == stored
    except paper.Shortage:
        return False


@transaction.atomic
def test_close(*, test: KnowledgeTest, by: User) -> KnowledgeTest:
    """Close an open window now (a session ended early): nobody answers after this moment."""
    access.require(by, "assessments.test_manage", test)
    test = lock(KnowledgeTest, test.pk)
    now = timezone.now()
    if not test.is_open(now):
        raise ValidationError(_("Only a test that is open now can be closed early."))
    before = audit.stored(test)
    test.closes_at = now
    test.save(update_fields=["closes_at", "updated_at"])
    audit.record(AuditEntry.Action.UPDATE, test, by=by, before=before)
    # Nobody's deadline runs past the window.
    cut = list(test.sittings.filter(deadline__gt=now))
    Sitting.objects.filter(pk__in=[s.pk for s in cut]).update(deadline=now)
    audit.write_many(
        action=AuditEntry.Action.UPDATE,
        instances=cut,
        changes_for=lambda s: {"deadline": [s.deadline.isoformat(), now.isoformat()]},
        user=by,
        organization_path_for=lambda _s: test.organization.path,
    )
    return test


def visits_to_attach(organization: Organization):
    """Visits the organization arranged whose session has not ended more than a week ago."""
    since = timezone.now() - datetime.timedelta(days=7)
    return (
        ObserverVisit.objects.filter(organization=organization, session__ends_at__gte=since)
        .select_related("session__group__organization", "observer")
        .order_by("session__starts_at")
    )
