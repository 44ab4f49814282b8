"""Results without rankings: figures per organization (participation, average, pass rate, distribution) and the
item analysis (share answering each question right, or of a short answer's points awarded; the most missed
questions and tags), each over the sittings a reader may see. Fixed numbers of queries whatever the size of the
test."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Avg, Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from assessments.models import Answer, KnowledgeTest, Question, QuestionKind, Sitting, Tag, TestQuestion

# Bands of the distribution, as shares of the maximum score: [low, high).
BANDS = [(0, 60), (60, 70), (70, 80), (80, 90), (90, 101)]
MOST_MISSED = 5


def _ratio(part: float, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass
class Figures:
    name: str
    called: int = 0
    sat: int = 0  # handed in online or entered from a paper sheet, scored or not yet
    scored: int = 0
    average: float | None = None
    passed: int = 0
    bands: list[int] = field(default_factory=list)

    @property
    def participation(self) -> float | None:
        return _ratio(self.sat, self.called)

    @property
    def waiting(self) -> int:
        """Sheets handed in whose score waits for a short answer to be marked."""
        return self.sat - self.scored

    @property
    def pass_rate(self) -> float | None:
        return _ratio(self.passed, self.scored)

    @property
    def band_shares(self) -> list[float]:
        return [round(100 * n / self.scored, 1) if self.scored else 0 for n in self.bands]

    @property
    def band_segments(self) -> list[tuple[int, float, float]]:
        """``(band, x, width)`` in percent, for a stacked bar of the distribution."""
        segments, x = [], 0.0
        for index, share in enumerate(self.band_shares):
            if share:
                segments.append((index, round(x, 1), share))
            x += share
        return segments


def _band_counts(test: KnowledgeTest) -> dict[str, Count]:
    counts = {}
    for index, (low, high) in enumerate(BANDS):
        counts[f"band{index}"] = Count(
            "pk", filter=Q(score__gte=test.max_score * low / 100, score__lt=test.max_score * high / 100)
        )
    return counts


def _figures(name: str, row: dict) -> Figures:
    return Figures(
        name=name,
        called=row["called"],
        sat=row["sat"],
        scored=row["scored"],
        average=round(row["average"], 1) if row["average"] is not None else None,
        passed=row["passed"],
        bands=[row[f"band{index}"] for index in range(len(BANDS))],
    )


def by_organization(test: KnowledgeTest, sittings: QuerySet[Sitting]) -> tuple[list[Figures], Figures]:
    """Figures of each organization whose group sat the test (in tree order), and of them all; two queries."""
    aggregates = {
        "called": Count("pk"),
        "sat": Count("pk", filter=Q(submitted_at__isnull=False) | Q(score__isnull=False)),
        "scored": Count("pk", filter=Q(score__isnull=False)),
        "average": Avg("score"),
        "passed": Count("pk", filter=Q(score__gte=test.pass_mark)),
        **_band_counts(test),
    }
    rows = (
        sittings.values("group__organization__path", "group__organization__name")
        .annotate(**aggregates)
        .order_by("group__organization__path")
    )
    organizations = [_figures(row["group__organization__name"] or "—", row) for row in rows]
    return organizations, _figures("", sittings.aggregate(**aggregates))


@dataclass
class Item:
    """A question's answers over the scored sittings. Its share is the share answered right; a short answer,
    marked on a scale rather than right or wrong, counts the share of its points awarded (得分率) instead."""

    question: TestQuestion
    answered: int
    correct: int
    tags: list[Tag]
    earned: int = 0

    @property
    def is_marked(self) -> bool:
        return self.question.version.kind == QuestionKind.SHORT

    @property
    def right(self) -> float:
        """How many answers were right: for a short answer, the sum of each answer's share of the points."""
        if self.is_marked:
            return self.earned / self.question.points if self.question.points else 0
        return self.correct

    @property
    def share(self) -> float | None:
        return _ratio(self.right, self.answered)

    @property
    def average(self) -> float | None:
        """The average points of a short answer, to one decimal."""
        return round(self.earned / self.answered, 1) if self.answered else None


@dataclass
class TagItem:
    tag: Tag
    answered: int
    correct: float
    questions: int

    @property
    def share(self) -> float | None:
        return _ratio(self.correct, self.answered)


def item_analysis(test: KnowledgeTest, sittings: QuerySet[Sitting]) -> tuple[list[Item], list[TagItem]]:
    """Each question's share answered right (over scored sittings), and each tag's; four queries."""
    counts = {
        row["question_id"]: row
        for row in Answer.objects.filter(sitting__in=sittings.filter(score__isnull=False))
        .values("question_id")
        .annotate(
            answered=Count("pk"),
            correct=Count("pk", filter=Q(points=F("question__points"))),
            earned=Coalesce(Sum("points"), 0),
        )
    }
    questions = list(test.questions.select_related("version").order_by("number"))
    tag_rows = Question.tags.through.objects.filter(
        question_id__in=[q.version.question_id for q in questions]
    ).select_related("tag")
    tags_of: dict[int, list[Tag]] = {}
    for row in tag_rows.order_by("tag__name"):
        tags_of.setdefault(row.question_id, []).append(row.tag)
    items = [
        Item(
            question=q,
            answered=counts.get(q.pk, {}).get("answered", 0),
            correct=counts.get(q.pk, {}).get("correct", 0),
            earned=counts.get(q.pk, {}).get("earned", 0),
            tags=tags_of.get(q.version.question_id, []),
        )
        for q in questions
    ]
    by_tag: dict[int, TagItem] = {}
    for item in items:
        for tag in item.tags:
            entry = by_tag.setdefault(tag.pk, TagItem(tag, 0, 0, 0))
            entry.answered += item.answered
            entry.correct += item.right
            entry.questions += 1
    return items, sorted(by_tag.values(), key=lambda t: (t.share is None, t.share or 0, t.tag.name))


def most_missed(items: list[Item]) -> list[Item]:
    """The questions answered right least often (only those someone answered and someone missed, or for a short
    answer, marked below its full points)."""
    answered = [item for item in items if item.answered and item.right < item.answered]
    return sorted(answered, key=lambda item: (item.share, item.question.number))[:MOST_MISSED]
