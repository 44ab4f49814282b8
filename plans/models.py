"""Annual study plans, monthly topics, materials with pre-study, research topics and reports."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from studygroup import formats
from studygroup.models import TimeStampedModel

MONTHS = [(month, formats.month_zh(month)) for month in range(1, 13)]


class SessionKind(models.TextChoices):
    """The kinds of study session: a plan topic names the kind it is meant for, a session is one of them."""

    COLLECTIVE = "collective", _("Collective study and discussion")
    READING_CLASS = "reading_class", _("Reading class")
    EXPERT_LECTURE = "expert_lecture", _("Expert lecture")
    FIELD_TEACHING = "field_teaching", _("Field teaching")
    FIRST_TOPIC = "first_topic", _("First topic of a meeting")
    MICRO_LECTURE = "micro_lecture", _("Micro party lecture")
    CASE_REVIEW = "case_review", _("Case review")
    RESEARCH_EXCHANGE = "research_exchange", _("Research exchange")


class StudyPlan(TimeStampedModel):
    """A group's plan for one year: a main line and a theme for each month (全年有主线、月月有主题)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted for approval")
        APPROVED = "approved", _("Approved")

    group = models.ForeignKey(
        "studygroup.StudyGroup", verbose_name=_("study group"), on_delete=models.PROTECT, related_name="plans"
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    main_line = models.TextField(_("main line of the year"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Filed upward (向上报告) when approved: the parent organization reads it from then on.
    filed_at = models.DateTimeField(_("filed upward at"), null=True, blank=True)
    return_comment = models.TextField(_("reason for return"), blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)

    access_org_field = "group__organization"
    access_group_field = "group"

    class Meta:
        ordering = ["-year", "group__organization__path"]
        verbose_name = _("study plan")
        verbose_name_plural = _("study plans")
        constraints = [models.UniqueConstraint(fields=["group", "year"], name="plan_once_per_group_year")]

    def __str__(self) -> str:
        return _("%(group)s study plan for %(year)d") % {"group": self.group.name, "year": self.year}

    def get_absolute_url(self) -> str:
        return reverse("plans:plan-detail", args=[self.pk])

    @classmethod
    def access_restrict_q(cls, scope) -> Q | None:
        """Upper levels read a plan once it is filed; its own organization and members read it at once."""
        own = [grant.organization_id for grant in scope.grants]
        return (
            Q(status=cls.Status.APPROVED) | Q(group__organization_id__in=own) | Q(group_id__in=scope.member_group_ids)
        )


class PlanMonth(models.Model):
    plan = models.ForeignKey(StudyPlan, verbose_name=_("study plan"), on_delete=models.CASCADE, related_name="months")
    month = models.PositiveSmallIntegerField(_("month"), choices=MONTHS)
    theme = models.CharField(_("theme of the month"), max_length=200, blank=True)

    access_org_field = "plan__group__organization"
    access_group_field = "plan__group"

    class Meta:
        ordering = ["plan", "month"]
        verbose_name = _("month of a plan")
        verbose_name_plural = _("months of a plan")
        constraints = [models.UniqueConstraint(fields=["plan", "month"], name="plan_month_once")]

    def __str__(self) -> str:
        return f"{formats.month_zh(self.month)} {self.theme}"


class PlanTopic(TimeStampedModel):
    """A topic studied in a month; supplementary ones (latest speeches) are added during the month."""

    class Source(models.TextChoices):
        ASSIGNED = "assigned", _("Assigned from above (定题)")
        FROM_REPORT = "from_report", _("From the work report (找题)")
        LEADER_SET = "leader_set", _("Set by the leader (出题)")
        SOLICITED = "solicited", _("Solicited from departments (征题)")
        WORK_NEED = "work_need", _("From the needs of the work (立题)")

    plan = models.ForeignKey(StudyPlan, verbose_name=_("study plan"), on_delete=models.CASCADE, related_name="topics")
    code = models.CharField(_("code"), max_length=64, unique=True)
    month = models.PositiveSmallIntegerField(_("month"), choices=MONTHS)
    title = models.CharField(_("title"), max_length=300)
    source = models.CharField(_("how it was set"), max_length=16, choices=Source.choices, default=Source.ASSIGNED)
    lead = models.ForeignKey(
        "studygroup.Person",
        verbose_name=_("lead reader"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_topics",
    )
    session_kind = models.CharField(
        _("intended session kind"), max_length=32, choices=SessionKind.choices, default=SessionKind.COLLECTIVE
    )
    is_supplementary = models.BooleanField(_("supplementary"), default=False)
    added_on = models.DateField(_("added on"), null=True, blank=True)

    access_org_field = "plan__group__organization"
    access_group_field = "plan__group"

    class Meta:
        ordering = ["plan", "month", "is_supplementary", "id"]
        verbose_name = _("plan topic")
        verbose_name_plural = _("plan topics")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"{self.plan.get_absolute_url()}#month-{self.month}"


class PlanRevision(models.Model):
    """A change made to an approved plan: who, when, what and why."""

    plan = models.ForeignKey(
        StudyPlan, verbose_name=_("study plan"), on_delete=models.CASCADE, related_name="revisions"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("time"), auto_now_add=True)
    what = models.TextField(_("what changed"))
    why = models.TextField(_("reason"))

    access_org_field = "plan__group__organization"
    access_group_field = "plan__group"

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("plan revision")
        verbose_name_plural = _("plan revisions")

    def __str__(self) -> str:
        return self.what[:80]


class PlanComment(models.Model):
    """A remark of the upper organization on a filed plan, which the group reads."""

    plan = models.ForeignKey(StudyPlan, verbose_name=_("study plan"), on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        "studygroup.Person", verbose_name=_("author"), on_delete=models.PROTECT, related_name="plan_comments"
    )
    text = models.TextField(_("comment"))
    at = models.DateTimeField(_("time"), auto_now_add=True)

    access_org_field = "plan__group__organization"
    access_group_field = "plan__group"

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("plan comment")
        verbose_name_plural = _("plan comments")

    def __str__(self) -> str:
        return self.text[:80]


def material_upload_to(instance: Material, filename: str) -> str:
    return f"materials/{instance.group_id}/{filename}"


class Material(TimeStampedModel):
    """Reading handed out before a session so members study first (预学导学)."""

    class Kind(models.TextChoices):
        FILE = "file", _("File")
        LINK = "link", _("Link")
        TEXT = "text", _("Text")

    group = models.ForeignKey(
        "studygroup.StudyGroup", verbose_name=_("study group"), on_delete=models.PROTECT, related_name="materials"
    )
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to=material_upload_to, blank=True, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    url = models.URLField(_("link"), max_length=500, blank=True)
    text = models.TextField(_("text"), blank=True)
    topic = models.ForeignKey(
        PlanTopic,
        verbose_name=_("plan topic"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="materials",
    )
    session = models.ForeignKey(
        "study_sessions.StudySession",
        verbose_name=_("study session"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="materials",
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, db_index=True)

    access_org_field = "group__organization"
    access_group_field = "group"

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("study material")
        verbose_name_plural = _("study materials")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("plans:material-detail", args=[self.pk])

    @classmethod
    def access_restrict_q(cls, scope) -> Q | None:
        """Members read published materials only; drafts stay with the office."""
        own = [grant.organization_id for grant in scope.grants]
        return Q(published_at__isnull=False) | Q(group__organization_id__in=own)


class StudyConfirmation(models.Model):
    """A member's "已学": they studied the material before the session."""

    material = models.ForeignKey(
        Material, verbose_name=_("study material"), on_delete=models.CASCADE, related_name="confirmations"
    )
    person = models.ForeignKey(
        "studygroup.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="study_confirmations"
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), auto_now_add=True)

    access_org_field = "material__group__organization"
    access_group_field = "material__group"
    audit_exclude = True

    class Meta:
        verbose_name = _("study confirmation")
        verbose_name_plural = _("study confirmations")
        constraints = [models.UniqueConstraint(fields=["material", "person"], name="study_confirmed_once")]

    def __str__(self) -> str:
        return f"{self.person} · {self.material}"


class ResearchTopic(TimeStampedModel):
    """A research topic of the year, claimed by one member (认领) with optional co-researchers."""

    group = models.ForeignKey(
        "studygroup.StudyGroup", verbose_name=_("study group"), on_delete=models.PROTECT, related_name="research_topics"
    )
    code = models.CharField(_("code"), max_length=64, unique=True)
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    proposed_by = models.ForeignKey(
        "studygroup.Person",
        verbose_name=_("proposed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    owner = models.ForeignKey(
        "studygroup.Person",
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="research_topics",
    )
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    co_researchers = models.ManyToManyField(
        "studygroup.Person", verbose_name=_("co-researchers"), related_name="co_research_topics", blank=True
    )

    access_org_field = "group__organization"
    access_group_field = "group"

    class Meta:
        ordering = ["-year", "group__organization__path", "id"]
        verbose_name = _("research topic")
        verbose_name_plural = _("research topics")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("plans:research-detail", args=[self.pk])


def report_upload_to(instance: ResearchReport, filename: str) -> str:
    return f"research/{instance.topic_id}/{filename}"


class ResearchReport(TimeStampedModel):
    topic = models.ForeignKey(
        ResearchTopic, verbose_name=_("research topic"), on_delete=models.CASCADE, related_name="reports"
    )
    title = models.CharField(_("title"), max_length=300)
    text = models.TextField(_("text"), blank=True)
    file = models.FileField(_("file"), upload_to=report_upload_to, blank=True, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    submitted_on = models.DateField(_("submitted on"))
    submitted_by = models.ForeignKey(
        "studygroup.Person", verbose_name=_("submitted by"), on_delete=models.PROTECT, related_name="research_reports"
    )

    access_org_field = "topic__group__organization"
    access_group_field = "topic__group"

    class Meta:
        ordering = ["-submitted_on", "-id"]
        verbose_name = _("research report")
        verbose_name_plural = _("research reports")

    def __str__(self) -> str:
        return self.title
