"""Question banks: banks, questions and their versions, tags, XLSX import and export."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from assessments.models import Question, QuestionBank, QuestionVersion, Tag, TestPart, TestQuestion
from assessments.services.common import lock
from assessments.spreadsheets import ParsedQuestion, read_questions
from plans.models import PlanMonth, PlanTopic
from studygroup import access, audit
from studygroup.models import AuditEntry, Organization, User

# Banks and questions ---------------------------------------------------------------------------


@transaction.atomic
def bank_create(*, organization: Organization, name: str, description: str = "", by: User) -> QuestionBank:
    access.require(by, "change", organization)
    lock(Organization, organization.pk)
    if QuestionBank.objects.filter(organization=organization, name=name).exists():
        raise ValidationError(
            {"name": _("%(organization)s already has a bank of this name.") % {"organization": organization.name}}
        )
    bank = QuestionBank.objects.create(organization=organization, name=name, description=description)
    audit.record(AuditEntry.Action.CREATE, bank, by=by)
    return bank


def _tags(organization: Organization, names: list[str], by: User) -> list[Tag]:
    """The organization's tags of these names, created where missing (race-free on the unique constraint)."""
    existing = {t.name: t for t in Tag.objects.filter(organization=organization, name__in=names)}
    missing = [name for name in names if name not in existing]
    if missing:
        Tag.objects.bulk_create([Tag(organization=organization, name=name) for name in missing], ignore_conflicts=True)
        existing = {t.name: t for t in Tag.objects.filter(organization=organization, name__in=names)}
        audit.write_many(action=AuditEntry.Action.CREATE, instances=[existing[name] for name in missing], user=by)
    return [existing[name] for name in names]


@transaction.atomic
def question_create(*, bank: QuestionBank, parsed: ParsedQuestion, by: User) -> Question:
    access.require(by, "change", bank)
    question = Question.objects.create(bank=bank)
    version = QuestionVersion.objects.create(question=question, number=1, created_by=by, **parsed.version_fields)
    question.current = version
    question.save(update_fields=["current", "updated_at"])
    question.tags.set(_tags(bank.organization, parsed.tags, by))
    audit.record(AuditEntry.Action.CREATE, question, by=by)
    audit.record(AuditEntry.Action.CREATE, version, by=by)
    return question


def is_used(question: Question) -> bool:
    """Whether a test has used the question: drawn on a paper or named by a part of a test."""
    return (
        TestQuestion.objects.filter(version__question=question).exists()
        or TestPart.objects.filter(question=question).exists()
    )


@transaction.atomic
def question_update(*, question: Question, parsed: ParsedQuestion, by: User) -> Question:
    """Change a question; once a test has used it, the change is a new version and results keep the old one."""
    access.require(by, "change", question)
    question = lock(Question, question.pk)
    current = question.current
    fields = parsed.version_fields
    if any(getattr(current, name) != value for name, value in fields.items()):
        if TestQuestion.objects.filter(version=current).exists():
            before = audit.stored(question)
            number = (question.versions.aggregate(n=Max("number"))["n"] or 0) + 1
            current = QuestionVersion.objects.create(question=question, number=number, created_by=by, **fields)
            question.current = current
            question.save(update_fields=["current", "updated_at"])
            audit.record(AuditEntry.Action.CREATE, current, by=by)
            audit.record(AuditEntry.Action.UPDATE, question, by=by, before=before)
        else:
            before = audit.stored(current)
            for name, value in fields.items():
                setattr(current, name, value)
            current.created_by = by  # type: ignore[union-attr]
            current.save(update_fields=[*fields, "created_by"])  # type: ignore[union-attr]
            question.save(update_fields=["updated_at"])
            audit.record(AuditEntry.Action.UPDATE, current, by=by, before=before)  # type: ignore[arg-type]
    question.tags.set(_tags(question.bank.organization, parsed.tags, by))
    return question


@transaction.atomic
def question_delete(*, question: Question, by: User) -> bool:
    """Delete a question no test has used; archive a used one (results keep it). Answer whether it was deleted."""
    access.require(by, "change", question)
    question = lock(Question, question.pk)
    if is_used(question):
        before = audit.stored(question)
        question.is_archived = True
        question.save(update_fields=["is_archived", "updated_at"])
        audit.record(AuditEntry.Action.UPDATE, question, by=by, before=before)
        return False
    # The current version is protected while a question points at it: let go of it, then delete both (the log
    # names the question and each of its versions).
    question.current = None
    question.save(update_fields=["current", "updated_at"])
    audit.delete(question, by=by)
    return True


@transaction.atomic
def tag_update(*, tag: Tag, name: str, topic: PlanTopic | None, theme: PlanMonth | None, by: User) -> Tag:
    """Rename a tag and link it to a plan topic or a month's theme of its organization's own plans."""
    access.require(by, "change", tag)
    tag = lock(Tag, tag.pk)
    for item in (topic, theme):
        if item is not None and item.plan.group.organization_id != tag.organization_id:
            raise ValidationError(_("A tag is linked only to the plans of its own organization."))
    if name != tag.name and Tag.objects.filter(organization_id=tag.organization_id, name=name).exists():
        raise ValidationError({"name": _("Another tag already has this name.")})
    before = audit.stored(tag)
    tag.name, tag.topic, tag.theme = name, topic, theme
    tag.save(update_fields=["name", "topic", "theme", "updated_at"])
    audit.record(AuditEntry.Action.UPDATE, tag, by=by, before=before)
    return tag


@transaction.atomic
def bank_import(*, bank: QuestionBank, content: bytes, by: User) -> list[Question]:
    """Add every question of an XLSX file to the bank, or none: ``SheetProblems`` lists every bad row."""
    access.require(by, "change", bank)
    parsed = read_questions(content)
    lock(QuestionBank, bank.pk)
    tags = {t.name: t for t in _tags(bank.organization, list(dict.fromkeys(n for q in parsed for n in q.tags)), by)}
    questions = Question.objects.bulk_create([Question(bank=bank) for _item in parsed], batch_size=500)
    versions = QuestionVersion.objects.bulk_create(
        [
            QuestionVersion(question=question, number=1, created_by=by, **item.version_fields)
            for question, item in zip(questions, parsed, strict=True)
        ],
        batch_size=500,
    )
    for question, version in zip(questions, versions, strict=True):
        question.current = version
    Question.objects.bulk_update(questions, ["current"], batch_size=500)
    links = [
        Question.tags.through(question_id=question.pk, tag_id=tags[name].pk)
        for question, item in zip(questions, parsed, strict=True)
        for name in item.tags
    ]
    Question.tags.through.objects.bulk_create(links, batch_size=1000)
    # One entry per record written in bulk, filed under the bank's organization.
    path = bank.organization.path
    audit.write_many(
        action=AuditEntry.Action.IMPORT,
        instances=[*questions, *versions],
        user=by,
        organization_path_for=lambda _r: path,
    )
    return questions


def parsed_of(version: QuestionVersion, tag_names: list[str]) -> ParsedQuestion:
    """A stored version as the fields ``parse_question`` reads (for the form and the export)."""
    return ParsedQuestion(
        kind=version.kind,
        text=version.text,
        options=list(version.options),
        answer=version.answer,
        explanation=version.explanation,
        difficulty=version.difficulty,
        tags=tag_names,
    )
