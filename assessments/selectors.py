"""Every read of the assessments app, starting from the one visibility rule."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from assessments.models import Answer, KnowledgeTest, Question, QuestionBank, Sitting, Tag, TestPart, TestQuestion
from plans.models import PlanMonth, PlanTopic
from studygroup import access
from studygroup.models import Organization, User


def banks(*, user: User) -> QuerySet[QuestionBank]:
    return (
        access.visible(QuestionBank.objects.all(), user)
        .select_related("organization")
        .annotate(question_count=Count("questions", filter=Q(questions__is_archived=False)))
        .order_by("organization__path", "name")
    )


def usable_banks(*, user: User, organization: Organization) -> list[QuestionBank]:
    """The banks a test of ``organization`` may draw from: its own and those of the organizations above it."""
    paths = [organization.path[:end] for end in range(5, len(organization.path) + 1, 5)]
    return list(
        access.visible(QuestionBank.objects.filter(organization__path__in=paths), user)
        .select_related("organization")
        .order_by("organization__path", "name")
    )


def bank_questions(*, bank: QuestionBank, kind: str = "", tag: int | None = None) -> QuerySet[Question]:
    used = TestQuestion.objects.filter(version__question=OuterRef("pk"))
    questions = (
        bank.questions.filter(is_archived=False)
        .select_related("current")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
        .annotate(is_used=Exists(used))
        .order_by("id")
    )
    if kind:
        questions = questions.filter(current__kind=kind)
    if tag:
        questions = questions.filter(tags=tag)
    return questions


def bank_tags(*, bank: QuestionBank) -> QuerySet[Tag]:
    return (
        Tag.objects.filter(organization=bank.organization)
        .annotate(count=Count("questions", filter=Q(questions__bank=bank, questions__is_archived=False)))
        .select_related("topic", "theme")
        .order_by("name")
    )


def tests(*, user: User) -> QuerySet[KnowledgeTest]:
    return (
        access.visible(KnowledgeTest.objects.all(), user)
        .select_related("organization")
        .annotate(
            called=Count("sittings", distinct=True),
            # Sat: handed in online, or a paper sheet's score entered.
            sat=Count(
                "sittings",
                filter=Q(sittings__submitted_at__isnull=False) | Q(sittings__score__isnull=False),
                distinct=True,
            ),
        )
        .order_by("-held_on", "-id")
    )


def my_sittings(*, user: User) -> QuerySet[Sitting]:
    return (
        Sitting.objects.filter(person__user=user)
        .exclude(test__status=KnowledgeTest.Status.DRAFT)
        .select_related("test__organization")
        .order_by("-test__held_on", "-id")
    )


def test_parts(*, test: KnowledgeTest) -> QuerySet[TestPart]:
    return test.parts.select_related("question__current", "question__bank", "bank__organization", "tag").order_by(
        "order", "id"
    )


def paper(*, test: KnowledgeTest) -> list[TestQuestion]:
    return list(test.questions.select_related("version__question__bank").order_by("number"))


def linkable_plan_items(*, organization: Organization) -> tuple[QuerySet[PlanTopic], QuerySet[PlanMonth]]:
    """The topics and monthly themes of the organization's plans of this year and the next, for linking a tag."""
    year = timezone.localdate().year
    plans = {"plan__group__organization": organization, "plan__year__in": [year, year + 1]}
    topics = PlanTopic.objects.filter(**plans).select_related("plan").order_by("plan__year", "month", "id")
    themes = PlanMonth.objects.filter(**plans).exclude(theme="").select_related("plan").order_by("plan__year", "month")
    return topics, themes


def sitting_counts(*, test: KnowledgeTest) -> dict:
    """How many were called, have opened, handed in, have a score, and answers waiting for a marker."""
    counts = test.sittings.aggregate(
        called=Count("pk"),
        started=Count("pk", filter=Q(started_at__isnull=False)),
        submitted=Count("pk", filter=Q(submitted_at__isnull=False)),
        scored=Count("pk", filter=Q(score__isnull=False)),
    )
    counts["to_mark"] = Answer.objects.filter(
        sitting__test=test, sitting__submitted_at__isnull=False, points__isnull=True
    ).count()
    return counts
