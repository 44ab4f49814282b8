"""Records of the reports app. The year summary comes first (the 八有 item 有总结 reads it);
digests, dashboards and exports are added by the reports issue."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from studygroup.models import TimeStampedModel


class YearSummary(TimeStampedModel):
    """A group's year-end summary (年终总结) as staff saved it."""

    group = models.ForeignKey(
        "studygroup.StudyGroup", verbose_name=_("study group"), on_delete=models.PROTECT, related_name="year_summaries"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    text = models.TextField(_("text"))

    access_org_field = "group__organization"
    access_group_field = "group"

    class Meta:
        ordering = ["-year", "group__organization__path"]
        verbose_name = _("year summary")
        verbose_name_plural = _("year summaries")
        constraints = [models.UniqueConstraint(fields=["group", "year"], name="summary_once_per_group_year")]

    def __str__(self) -> str:
        return f"{self.group} · {self.year}"
