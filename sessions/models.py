"""Study sessions. The session itself comes first (plans attach materials to it); attendance,
minutes and submissions are added by the sessions issue."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from studygroup.models import TimeStampedModel


class SessionKind(models.TextChoices):
    COLLECTIVE = "collective", _("Collective study and discussion")
    READING_CLASS = "reading_class", _("Reading class")
    EXPERT_LECTURE = "expert_lecture", _("Expert lecture")
    FIELD_TEACHING = "field_teaching", _("Field teaching")
    FIRST_TOPIC = "first_topic", _("First topic of a meeting")
    MICRO_LECTURE = "micro_lecture", _("Micro party lecture")
    CASE_REVIEW = "case_review", _("Case review")
    RESEARCH_EXCHANGE = "research_exchange", _("Research exchange")


class StudySession(TimeStampedModel):
    """One sitting of a study group (a reading class may span days)."""

    group = models.ForeignKey(
        "studygroup.StudyGroup", verbose_name=_("study group"), on_delete=models.PROTECT, related_name="sessions"
    )
    code = models.CharField(_("code"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=SessionKind.choices, default=SessionKind.COLLECTIVE)
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"))
    location = models.CharField(_("place"), max_length=200, blank=True)
    is_online = models.BooleanField(_("online"), default=False)
    is_expanded = models.BooleanField(_("expanded session"), default=False)
    topics = models.ManyToManyField(
        "plans.PlanTopic", verbose_name=_("plan topics"), related_name="sessions", blank=True
    )

    access_org_field = "group__organization"
    access_group_field = "group"

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("study session")
        verbose_name_plural = _("study sessions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gte=models.F("starts_at")), name="session_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.starts_at):%Y-%m-%d} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("plans:session-prestudy", args=[self.pk])
