"""Knowledge tests (知识测试, 随机抽考, seed 002): question banks, tests, who sits them, sittings and answers.

A question's content lives in numbered versions: a version a test has used is never changed, so a result always
reads the question as it was sat (editing such a question makes a new version). A test's paper is drawn once,
when it is published, from its parts (fixed questions or rules) and kept as ``TestQuestion`` rows; each person
sees it in their own order (``assessments.paper``). Who sits it comes from draws (``SittingDraw``), each a pure
function of its stored seed and candidate list (``assessments.draw``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from studygroup import access
from studygroup.models import TimeStampedModel

OPTION_LETTERS = "ABCDEF"


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    TRUE_FALSE = "true_false", _("True or false")
    FILL = "fill", _("Fill in the blank")
    SHORT = "short", _("Short answer")


# Scored the moment the sitting is handed in; short answers wait for a marker.
OBJECTIVE_KINDS = frozenset({QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.TRUE_FALSE, QuestionKind.FILL})
CHOICE_KINDS = frozenset({QuestionKind.SINGLE, QuestionKind.MULTIPLE})


class Difficulty(models.IntegerChoices):
    EASY = 1, _("Easy")
    MEDIUM = 2, _("Medium")
    HARD = 3, _("Hard")


def _staff_ancestor_paths(scope: access.Scope) -> list[str]:
    """Paths of the organizations at or above those where the scope holds a staff grant."""
    paths = set()
    for grant in scope.grants:
        if grant.role == access.STAFF:
            paths.update(grant.path[:end] for end in range(5, len(grant.path) + 1, 5))
    return sorted(paths)


class QuestionBank(TimeStampedModel):
    """An organization's bank of questions (题库), which the staff of its whole subtree may use in tests."""

    organization = models.ForeignKey(
        "studygroup.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="question_banks",
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    access_org_field = "organization"

    class Meta:
        ordering = ["organization__path", "name"]
        verbose_name = _("question bank")
        verbose_name_plural = _("question banks")
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="bank_name_once")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("assessments:bank-detail", args=[self.pk])

    @classmethod
    def access_extra_q(cls, scope) -> Q | None:
        """Staff read the banks of their organization's upper levels too: a bank serves its whole subtree."""
        paths = _staff_ancestor_paths(scope)
        return Q(organization__path__in=paths) if paths else None


class Tag(models.Model):
    """A label of questions (标签), optionally linked to a plan topic or a month's theme it tests."""

    organization = models.ForeignKey(
        "studygroup.Organization", verbose_name=_("organization"), on_delete=models.CASCADE, related_name="tags"
    )
    name = models.CharField(_("name"), max_length=50)
    topic = models.ForeignKey(
        "plans.PlanTopic",
        verbose_name=_("plan topic"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="question_tags",
    )
    theme = models.ForeignKey(
        "plans.PlanMonth",
        verbose_name=_("theme of the month"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="question_tags",
    )
    # The version an edit form carries (``studygroup.versions``).
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    access_org_field = "organization"

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="tag_name_once")]

    def __str__(self) -> str:
        return self.name


class Question(TimeStampedModel):
    """A question of a bank; what it says is its ``current`` version."""

    bank = models.ForeignKey(
        QuestionBank, verbose_name=_("question bank"), on_delete=models.CASCADE, related_name="questions"
    )
    current = models.ForeignKey(
        "QuestionVersion",
        verbose_name=_("current version"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="questions")
    # A question a test has used is archived rather than deleted: its versions stay under the results.
    is_archived = models.BooleanField(_("archived"), default=False)

    access_org_field = "bank__organization"

    class Meta:
        ordering = ["bank", "id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return str(self.current) if self.current_id else f"#{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("assessments:question-edit", args=[self.pk])


class QuestionVersion(models.Model):
    """What a question says, as of one version: kind, stem, options, answer, explanation and difficulty.

    ``answer`` by kind: single ``"B"``; multiple ``["A", "C"]``; true or false ``true``; fill-in-the-blank the
    accepted answers ``["答案一", "答案二"]``; short answer the reference answer as text (may be empty).
    """

    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveSmallIntegerField(_("version"))
    kind = models.CharField(_("question type"), max_length=16, choices=QuestionKind.choices)
    text = models.TextField(_("question"))
    options = models.JSONField(_("options"), default=list, blank=True)
    answer = models.JSONField(_("answer"))
    explanation = models.TextField(_("explanation"), blank=True)
    difficulty = models.PositiveSmallIntegerField(
        _("difficulty"), choices=Difficulty.choices, default=Difficulty.MEDIUM
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    access_org_field = "question__bank__organization"

    class Meta:
        ordering = ["question", "number"]
        verbose_name = _("question version")
        verbose_name_plural = _("question versions")
        constraints = [models.UniqueConstraint(fields=["question", "number"], name="question_version_once")]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def is_objective(self) -> bool:
        return self.kind in OBJECTIVE_KINDS

    @property
    def lettered_options(self) -> list[tuple[str, str]]:
        return list(zip(OPTION_LETTERS, self.options, strict=False))

    @property
    def answer_text(self) -> str:
        """The answer as a person reads it: ``AC``, ``对``, ``答案一 / 答案二`` or the reference text."""
        from assessments.scoring import answer_text

        return answer_text(self.kind, self.answer)


class KnowledgeTest(TimeStampedModel):
    """A knowledge test set by an organization for people of its subtree."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", pgettext_lazy("test status", "Published")
        RESULTS = "results", _("Results published")

    class Delivery(models.TextChoices):
        ONLINE = "online", _("On a phone or computer")
        PAPER = "paper", _("On paper")

    code = models.CharField(_("code"), max_length=64, unique=True)
    organization = models.ForeignKey(
        "studygroup.Organization",
        verbose_name=_("set by"),
        on_delete=models.PROTECT,
        related_name="knowledge_tests",
    )
    title = models.CharField(_("title"), max_length=200)
    instructions = models.TextField(_("instructions"), blank=True)
    opens_at = models.DateTimeField(_("opens at"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    time_limit = models.PositiveSmallIntegerField(
        _("time limit (minutes)"), null=True, blank=True, help_text=_("Leave empty for the whole window.")
    )
    # The date that places the test in a year (records-format.md ``held_on``): the day it opens.
    held_on = models.DateField(_("held on"))
    pass_mark = models.PositiveIntegerField(_("pass mark"), default=60)
    max_score = models.PositiveIntegerField(_("maximum score"), default=100)
    delivery = models.CharField(_("how it is sat"), max_length=8, choices=Delivery.choices, default=Delivery.ONLINE)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    is_blind = models.BooleanField(
        _("blind marking"), default=False, help_text=_("Markers see an answer sheet number instead of the name.")
    )
    shuffle = models.BooleanField(_("shuffle questions and options for each person"), default=True)
    seed = models.CharField(_("seed"), max_length=64, blank=True)
    # The candidates of each rule when the paper was drawn, so the page can re-run the draw (``paper.draw``).
    paper_inputs = models.JSONField(_("paper draw inputs"), default=dict, blank=True)
    visit = models.ForeignKey(
        "audits.ObserverVisit",
        verbose_name=_("observer visit"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="knowledge_tests",
    )
    markers = models.ManyToManyField(
        "studygroup.Person", verbose_name=_("markers"), blank=True, related_name="tests_to_mark"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    results_published_at = models.DateTimeField(_("results published at"), null=True, blank=True)

    access_org_field = "organization"

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("knowledge test")
        verbose_name_plural = _("knowledge tests")
        constraints = [
            models.CheckConstraint(condition=Q(pass_mark__lte=models.F("max_score")), name="test_pass_mark_in_range"),
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True) | Q(closes_at__isnull=True) | Q(closes_at__gt=models.F("opens_at")),
                name="test_closes_after_opening",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("assessments:test-detail", args=[self.pk])

    @classmethod
    def access_extra_q(cls, scope) -> Q | None:
        """People read the tests they sit; group staff and leaders those their people sit; markers and the
        observer of an attached visit theirs."""
        sittings = Sitting.objects.filter(Sitting.kept_by_q(scope))
        condition = Q(Exists(sittings.filter(test_id=OuterRef("pk"))))
        if scope.person_id is not None:
            condition |= Q(
                Exists(cls.markers.through.objects.filter(knowledgetest_id=OuterRef("pk"), person_id=scope.person_id))
            )
            condition |= Q(visit__observer_id=scope.person_id)
        return condition

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return (
            self.status == self.Status.PUBLISHED
            and self.delivery == self.Delivery.ONLINE
            and self.opens_at is not None
            and self.opens_at <= now < self.closes_at
        )

    def has_closed(self, now=None) -> bool:
        now = now or timezone.now()
        return self.closes_at is None or self.closes_at <= now


class TestPart(models.Model):
    """One line of how a test is made: a fixed question, or a rule that draws ``count`` questions of a bank
    (of a type, a tag and a difficulty where named) when the test is published."""

    test = models.ForeignKey(
        KnowledgeTest, verbose_name=_("knowledge test"), on_delete=models.CASCADE, related_name="parts"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    bank = models.ForeignKey(
        QuestionBank, verbose_name=_("question bank"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("question type"), max_length=16, choices=QuestionKind.choices, blank=True)
    tag = models.ForeignKey(
        Tag, verbose_name=_("tag"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    difficulty = models.PositiveSmallIntegerField(_("difficulty"), choices=Difficulty.choices, null=True, blank=True)
    count = models.PositiveSmallIntegerField(_("number of questions"), default=1)
    points = models.PositiveSmallIntegerField(_("points per question"), default=1)

    access_org_field = "test__organization"

    class Meta:
        ordering = ["test", "order", "id"]
        verbose_name = _("part of a test")
        verbose_name_plural = _("parts of a test")
        constraints = [
            models.CheckConstraint(
                condition=(Q(question__isnull=False) & Q(bank__isnull=True))
                | (Q(question__isnull=True) & Q(bank__isnull=False)),
                name="test_part_fixed_or_rule",
            ),
            models.CheckConstraint(condition=Q(count__gte=1) & Q(points__gte=1), name="test_part_counts"),
        ]

    def __str__(self) -> str:
        return str(self.question) if self.question_id else f"{self.bank} × {self.count}"

    @property
    def is_rule(self) -> bool:
        return self.question_id is None

    @property
    def total(self) -> int:
        return self.count * self.points


class TestQuestion(models.Model):
    """A question of a test's paper, as drawn when the test was published (``number``: its place on paper)."""

    test = models.ForeignKey(
        KnowledgeTest, verbose_name=_("knowledge test"), on_delete=models.CASCADE, related_name="questions"
    )
    version = models.ForeignKey(
        QuestionVersion, verbose_name=_("question version"), on_delete=models.PROTECT, related_name="used_in"
    )
    part = models.ForeignKey(TestPart, verbose_name=_("part"), on_delete=models.SET_NULL, null=True, blank=True)
    number = models.PositiveSmallIntegerField(_("number"))
    points = models.PositiveSmallIntegerField(_("points"))

    access_org_field = "test__organization"

    class Meta:
        ordering = ["test", "number"]
        verbose_name = _("question of a test")
        verbose_name_plural = _("questions of a test")
        constraints = [
            models.UniqueConstraint(fields=["test", "number"], name="test_question_number_once"),
            models.UniqueConstraint(fields=["test", "version"], name="test_question_once"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.version}"


class SittingDraw(models.Model):
    """Who was called to sit a test: everyone of the chosen groups, or a random draw (随机抽考).

    ``inputs`` holds the sorted candidate list ``[[person_id, group_id], ...]``, the mode and the amount; the
    result is a pure function of them and ``seed`` (``assessments.draw.run``).
    """

    class Mode(models.TextChoices):
        ALL = "all", _("Everyone of the chosen groups")
        COUNT = "count", _("A random draw of a number of people")
        PERCENT = "percent", _("A random draw of a share of people")

    test = models.ForeignKey(
        KnowledgeTest, verbose_name=_("knowledge test"), on_delete=models.CASCADE, related_name="draws"
    )
    mode = models.CharField(_("who sits it"), max_length=8, choices=Mode.choices)
    amount = models.PositiveSmallIntegerField(_("how many"), null=True, blank=True)
    seed = models.CharField(_("seed"), max_length=64)
    inputs = models.JSONField(_("inputs"))
    result = models.JSONField(_("result"))
    visit = models.ForeignKey(
        "audits.ObserverVisit",
        verbose_name=_("observer visit"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("time"), auto_now_add=True)
    # The key of the form that asked for the draw: a second click on the same form draws nothing.
    request_key = models.UUIDField(_("request key"), null=True, blank=True, unique=True, editable=False)

    access_org_field = "test__organization"

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("draw of who sits a test")
        verbose_name_plural = _("draws of who sits a test")

    def __str__(self) -> str:
        return f"{self.test} · {self.at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("assessments:draw-detail", args=[self.pk])

    @classmethod
    def access_extra_q(cls, scope) -> Q | None:
        """Whoever made a draw (the observer on a visit) reads it."""
        return Q(by_id=scope.user_id) if scope.user_id is not None else None


class Sitting(TimeStampedModel):
    """One person called to sit a test, and how they sat it.

    ``score`` stays empty until every answer is marked (drawn but not sat: never). The deadline is fixed when
    the person opens the test: the time limit from then, and never after the window closes.
    """

    class Mode(models.TextChoices):
        ONLINE = "online", _("Online")
        PAPER = "paper", _("On paper")

    test = models.ForeignKey(
        KnowledgeTest, verbose_name=_("knowledge test"), on_delete=models.CASCADE, related_name="sittings"
    )
    person = models.ForeignKey(
        "studygroup.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="test_sittings"
    )
    group = models.ForeignKey(
        "studygroup.StudyGroup",
        verbose_name=_("study group"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="test_sittings",
    )
    draw = models.ForeignKey(
        SittingDraw, verbose_name=_("draw"), on_delete=models.SET_NULL, null=True, blank=True, related_name="sittings"
    )
    seed = models.CharField(_("seed"), max_length=64, blank=True)
    mode = models.CharField(_("how it was sat"), max_length=8, choices=Mode.choices, default=Mode.ONLINE)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("handed in at"), null=True, blank=True)
    score = models.PositiveIntegerField(_("score"), null=True, blank=True)

    access_org_field = "test__organization"

    class Meta:
        ordering = ["test", "group__organization__path", "person__name"]
        verbose_name = _("sitting")
        verbose_name_plural = _("sittings")
        constraints = [models.UniqueConstraint(fields=["test", "person"], name="sitting_once_per_person")]
        indexes = [models.Index(fields=["person", "test"], name="sitting_person")]

    def __str__(self) -> str:
        return f"{self.person} · {self.test}"

    def get_absolute_url(self) -> str:
        return reverse("assessments:sitting", args=[self.pk])

    @staticmethod
    def kept_by_q(scope) -> Q:
        """Sittings the scope keeps as a person's own, or as staff or leader of the sitter's group."""
        organizations = [g.organization_id for g in scope.grants if g.role in (access.STAFF, access.LEADER)]
        condition = Q(group__organization_id__in=organizations) | Q(group_id__in=scope.leader_group_ids)
        if scope.person_id is not None:
            condition |= Q(person_id=scope.person_id)
        return condition

    @classmethod
    def access_extra_q(cls, scope) -> Q | None:
        """The person, their group's staff and leaders, and the test's markers, wherever they sit."""
        condition = cls.kept_by_q(scope)
        if scope.person_id is not None:
            markers = KnowledgeTest.markers.through.objects.filter(
                knowledgetest_id=OuterRef("test_id"), person_id=scope.person_id
            )
            condition |= Q(Exists(markers))
        return condition

    @classmethod
    def access_restrict_q(cls, scope) -> Q | None:
        """No ranking lists upward: the setter's staff and markers, the person, and the staff and leaders of the
        person's group read a sitting; upper levels read figures, never a person's result."""
        setters = [g.organization_id for g in scope.grants if g.role == access.STAFF]
        return cls.access_extra_q(scope) | Q(test__organization_id__in=setters)

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    def state(self, now=None) -> str:
        """Where the person stands: ``result``, ``handed_in``, ``paper``, ``open``, ``not_yet`` or ``closed``."""
        now = now or timezone.now()
        test = self.test
        if test.status == KnowledgeTest.Status.RESULTS and self.score is not None:
            return "result"
        if self.submitted_at is not None:
            return "handed_in"
        if test.delivery == KnowledgeTest.Delivery.PAPER:
            return "paper"
        if test.is_open(now) and (self.deadline is None or now < self.deadline):
            return "open"
        if test.opens_at is not None and now < test.opens_at:
            return "not_yet"
        return "closed"

    def is_over(self, now=None) -> bool:
        """Whether the person may no longer answer: handed in, or past the deadline."""
        now = now or timezone.now()
        return self.submitted_at is not None or (self.deadline is not None and now >= self.deadline)


class Answer(models.Model):
    """A person's answer to one question of their paper, saved as it is chosen; points once marked."""

    sitting = models.ForeignKey(Sitting, verbose_name=_("sitting"), on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(
        TestQuestion, verbose_name=_("question"), on_delete=models.PROTECT, related_name="answers"
    )
    response = models.JSONField(_("answer"), null=True, blank=True)
    saved_at = models.DateTimeField(_("saved at"), default=timezone.now)
    points = models.PositiveSmallIntegerField(_("points"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("marked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    marked_at = models.DateTimeField(_("marked at"), null=True, blank=True)

    access_org_field = "sitting__test__organization"
    # Saved at every choice (thousands a minute at a large test): the sitting's hand-in and marks are logged.
    audit_exclude = True

    class Meta:
        ordering = ["sitting", "question__number"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [models.UniqueConstraint(fields=["sitting", "question"], name="answer_once_per_question")]

    def __str__(self) -> str:
        return f"{self.sitting} · {self.question.number}"

    @property
    def is_correct(self) -> bool:
        return self.points is not None and self.points == self.question.points
