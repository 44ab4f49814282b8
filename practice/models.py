"""From study to practice: the self-study ledger (自学台账) and its targets ("1112"), sessions reported upward
(学习报备) and the records checks drawn from them (随机抽查)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from studygroup.models import TimeStampedModel


class SelfStudyKind(models.TextChoices):
    BOOK = "book", _("Book read")
    FIELD_STAY = "field_stay", _("Stay in a village for research")
    REPORT = "report", _("Research report")
    OTHER = "other", _("Other self-study")


# The order kinds are shown in: the "1112" practice reads book, field stay, report.
KIND_ORDER = [SelfStudyKind.BOOK, SelfStudyKind.FIELD_STAY, SelfStudyKind.REPORT, SelfStudyKind.OTHER]


# What one entry of each kind is counted as ("at least 1 book a quarter").
KIND_UNITS = {
    SelfStudyKind.BOOK: _("books"),
    SelfStudyKind.FIELD_STAY: _("stays"),
    SelfStudyKind.REPORT: _("reports"),
    SelfStudyKind.OTHER: _("entries"),
}


class Per(models.TextChoices):
    MONTH = "month", _("per month")
    QUARTER = "quarter", _("per quarter")
    YEAR = "year", _("per year")


class SelfStudyTarget(TimeStampedModel):
    """How many entries of one kind each member records per period in the plan's year (no time-on-app figure)."""

    plan = models.ForeignKey(
        "plans.StudyPlan", verbose_name=_("study plan"), on_delete=models.CASCADE, related_name="selfstudy_targets"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=SelfStudyKind.choices)
    per = models.CharField(_("period"), max_length=8, choices=Per.choices)
    count = models.PositiveSmallIntegerField(
        _("at least"), validators=[MinValueValidator(1), MaxValueValidator(99)], default=1
    )

    access_org_field = "plan__group__organization"
    access_group_field = "plan__group"

    class Meta:
        ordering = ["plan", "kind"]
        verbose_name = _("self-study target")
        verbose_name_plural = _("self-study targets")
        constraints = [
            models.UniqueConstraint(fields=["plan", "kind"], name="selfstudy_target_once_per_kind"),
            models.CheckConstraint(condition=Q(count__gte=1), name="selfstudy_target_count_positive"),
        ]

    def __str__(self) -> str:
        return _("%(kind)s: %(per)s at least %(count)d %(unit)s") % {
            "kind": self.get_kind_display(),
            "per": self.get_per_display(),
            "count": self.count,
            "unit": KIND_UNITS[self.kind],
        }


def entry_file_to(instance: SelfStudyEntry, filename: str) -> str:
    return f"selfstudy/{instance.person_id}/{filename}"


class SelfStudyEntry(TimeStampedModel):
    """One thing a member studied on their own: a book read, a stay in a village, a research report."""

    person = models.ForeignKey(
        "studygroup.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="selfstudy_entries"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=SelfStudyKind.choices)
    on = models.DateField(_("date"), db_index=True)
    title = models.CharField(_("title"), max_length=300)
    note = models.TextField(_("short note"), blank=True)
    file = models.FileField(_("file"), upload_to=entry_file_to, blank=True, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    research = models.ForeignKey(
        "plans.ResearchTopic",
        verbose_name=_("research topic"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="selfstudy_entries",
    )

    access_org_field = "person__organization"

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name = _("self-study entry")
        verbose_name_plural = _("self-study entries")
        indexes = [models.Index(fields=["person", "on"], name="selfstudy_person_on")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("practice:entry-edit", args=[self.pk])

    @classmethod
    def access_extra_q(cls, scope) -> Q | None:
        """The author reads their own entries; the leader of a group they sit in and grants reaching that group
        read them too. Colleagues do not: a ledger is not a ranking."""
        from studygroup import access
        from studygroup.models import Membership

        seats = Q(group_id__in=scope.leader_group_ids) | access.grant_reach_q(scope, "group__organization__path")
        condition = Q(person_id__in=Membership.objects.filter(seats).values("person_id"))
        if scope.person_id is not None:
            condition |= Q(person_id=scope.person_id)
        return condition


class SelfStudyReminder(models.Model):
    """One reminder sent to a member behind on a target near the end of a period: never a second one."""

    person = models.ForeignKey(
        "studygroup.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    group = models.ForeignKey(
        "studygroup.StudyGroup", verbose_name=_("study group"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=SelfStudyKind.choices)
    period_start = models.DateField(_("period starts on"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    audit_exclude = True

    class Meta:
        verbose_name = _("self-study reminder")
        verbose_name_plural = _("self-study reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "group", "kind", "period_start"], name="selfstudy_reminder_once_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind} {self.period_start}"


class SessionReport(TimeStampedModel):
    """A session reported upward when it is scheduled (学习报备): the upper levels see it on their calendar.

    What, where and whether the session plan is ready are read from the session itself; the report keeps when
    the session was reported for the start it had then, and whether that was later than the rule
    (``REPORT_DAYS`` before the start).
    """

    session = models.OneToOneField(
        "study_sessions.StudySession",
        verbose_name=_("study session"),
        on_delete=models.CASCADE,
        related_name="upward_report",
    )
    reported_at = models.DateTimeField(_("reported at"))
    starts_at = models.DateTimeField(_("start reported"))
    is_late = models.BooleanField(_("reported late"), default=False)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    access_org_field = "session__group__organization"
    access_group_field = "session__group"

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("session reported upward")
        verbose_name_plural = _("sessions reported upward")

    def __str__(self) -> str:
        return str(self.session)

    @property
    def days_ahead(self) -> int:
        """Whole days between the report and the start reported (negative once the session had started)."""
        return (self.starts_at - self.reported_at).days


class SpotCheckDraw(models.Model):
    """A random draw of reported sessions for unannounced records checks; seed and inputs are kept so anyone can
    re-run it (``practice.draw``)."""

    organization = models.ForeignKey(
        "studygroup.Organization", verbose_name=_("organization"), on_delete=models.CASCADE, related_name="+"
    )
    seed = models.CharField(_("seed"), max_length=64)
    date_from = models.DateField(_("from"))
    date_to = models.DateField(_("to"))
    count = models.PositiveIntegerField(_("sessions to draw"))
    inputs = models.JSONField(_("inputs"))
    result = models.JSONField(_("result"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("time"), auto_now_add=True)
    request_key = models.UUIDField(_("request key"), null=True, blank=True, unique=True, editable=False)

    access_org_field = "organization"

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("spot-check draw")
        verbose_name_plural = _("spot-check draws")

    def __str__(self) -> str:
        return f"{self.organization} · {self.at:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("practice:spot-draw-detail", args=[self.pk])


class SpotCheck(TimeStampedModel):
    """An unannounced records check (随机抽查) of one session: attendance, minutes and submissions reviewed by the
    upper level, with a verdict and findings. The group learns of it once the result is recorded."""

    class Verdict(models.TextChoices):
        PASS = "pass", pgettext_lazy("spot check verdict", "Pass")
        NEEDS_WORK = "needs_work", pgettext_lazy("spot check verdict", "Needs work")
        FAIL = "fail", pgettext_lazy("spot check verdict", "Fail")

    organization = models.ForeignKey(
        "studygroup.Organization", verbose_name=_("checked by"), on_delete=models.PROTECT, related_name="+"
    )
    session = models.ForeignKey(
        "study_sessions.StudySession",
        verbose_name=_("study session"),
        on_delete=models.PROTECT,
        related_name="spot_checks",
    )
    draw = models.ForeignKey(
        SpotCheckDraw,
        verbose_name=_("random draw"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="checks",
    )
    inspector = models.ForeignKey(
        "studygroup.Person",
        verbose_name=_("inspector"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    checked_on = models.DateField(_("checked on"), null=True, blank=True)
    verdict = models.CharField(_("verdict"), max_length=12, choices=Verdict.choices, blank=True)
    findings = models.TextField(_("findings"), blank=True, help_text=_("One finding per line."))
    comment = models.TextField(_("comment"), blank=True)

    access_org_field = "organization"

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("spot check")
        verbose_name_plural = _("spot checks")
        constraints = [models.UniqueConstraint(fields=["organization", "session"], name="spot_check_once_per_session")]

    def __str__(self) -> str:
        return f"{self.organization} → {self.session}"

    def get_absolute_url(self) -> str:
        return reverse("practice:spot-check", args=[self.pk])

    @classmethod
    def access_extra_q(cls, scope) -> Q | None:
        """Once its result is recorded, the checked group's readers and leader read the check; not before."""
        from studygroup import access

        checked = access.grant_reach_q(scope, "session__group__organization__path") | Q(
            session__group_id__in=scope.leader_group_ids
        )
        return Q(checked_on__isnull=False) & checked

    @property
    def finding_lines(self) -> list[str]:
        return [line.strip() for line in self.findings.splitlines() if line.strip()]


class SpotCheckAction(models.Model):
    """A finding of a records check raised as an action: each finding becomes one action at most."""

    spot_check = models.ForeignKey(
        SpotCheck, verbose_name=_("spot check"), on_delete=models.CASCADE, related_name="raised"
    )
    finding = models.TextField(_("finding"))
    action = models.OneToOneField(
        "audits.Action", verbose_name=_("action"), on_delete=models.CASCADE, related_name="spot_check_finding"
    )

    access_org_field = "spot_check__organization"

    class Meta:
        verbose_name = _("action from a spot check")
        verbose_name_plural = _("actions from spot checks")
        constraints = [models.UniqueConstraint(fields=["spot_check", "finding"], name="spot_check_finding_once")]

    def __str__(self) -> str:
        return self.finding[:60]


def recommendation_file_to(instance: Recommendation, filename: str) -> str:
    return f"recommendations/{instance.group_id}/{filename}"


class Recommendation(TimeStampedModel):
    """A reading a member recommends to the group (荐读); staff pick it into a session's materials and name the
    lead reader who guides the group through it (领学)."""

    group = models.ForeignKey(
        "studygroup.StudyGroup", verbose_name=_("study group"), on_delete=models.PROTECT, related_name="recommendations"
    )
    recommended_by = models.ForeignKey(
        "studygroup.Person", verbose_name=_("recommended by"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=300)
    source = models.CharField(_("source"), max_length=300, blank=True)
    url = models.URLField(_("link"), max_length=500, blank=True)
    file = models.FileField(_("file"), upload_to=recommendation_file_to, blank=True, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    why = models.TextField(_("why it is worth reading"))
    session = models.ForeignKey(
        "study_sessions.StudySession",
        verbose_name=_("picked for the session"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recommendations",
    )
    material = models.OneToOneField(
        "plans.Material",
        verbose_name=_("study material"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recommendation",
    )
    lead = models.ForeignKey(
        "studygroup.Person",
        verbose_name=_("lead reader"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    picked_at = models.DateTimeField(_("picked at"), null=True, blank=True)
    picked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("picked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    access_org_field = "group__organization"
    access_group_field = "group"
    # Set by ``recommendation_pick`` when the storage no longer held the file: the page tells staff.
    file_missing: bool = False

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("recommended reading")
        verbose_name_plural = _("recommended readings")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("practice:recommendation", args=[self.pk])
