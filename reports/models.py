"""Records of the reports app. The year summary comes first (the 八有 item 有总结 reads it);
digests, dashboards and exports are added by the reports issue."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from studygroup.models import TimeStampedModel


class YearSummaryQuerySet(models.QuerySet):
    def final(self) -> YearSummaryQuerySet:
        """The summaries staff saved as the summary: what 有总结 reads (a compiled draft is not one yet)."""
        return self.filter(is_final=True)


class YearSummary(TimeStampedModel):
    """A group's year-end summary (年终总结) as staff saved it."""

    group = models.ForeignKey(
        "studygroup.StudyGroup", verbose_name=_("study group"), on_delete=models.PROTECT, related_name="year_summaries"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    text = models.TextField(_("text"))
    # A draft compiled on 20 December is not yet the summary; staff saving it makes 有总结 met.
    is_final = models.BooleanField(_("saved as the summary"), default=True)

    objects = YearSummaryQuerySet.as_manager()

    access_org_field = "group__organization"
    access_group_field = "group"

    class Meta:
        ordering = ["-year", "group__organization__path"]
        verbose_name = _("year summary")
        verbose_name_plural = _("year summaries")
        constraints = [models.UniqueConstraint(fields=["group", "year"], name="summary_once_per_group_year")]

    def __str__(self) -> str:
        return f"{self.group} · {self.year}"


class MonthlyDigest(TimeStampedModel):
    """The monthly digest (学习专刊) of an organization's subtree: one per organization and month."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", pgettext_lazy("digest status", "Published")

    organization = models.ForeignKey(
        "studygroup.Organization", verbose_name=_("organization"), on_delete=models.PROTECT, related_name="digests"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    number = models.PositiveSmallIntegerField(_("issue number"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    foreword = models.TextField(_("foreword"), blank=True)
    content = models.JSONField(_("content"), default=dict)
    excluded = models.JSONField(_("items left out"), default=list, blank=True)
    compiled_at = models.DateTimeField(_("compiled at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    access_org_field = "organization"

    class Meta:
        ordering = ["-year", "-month", "organization__path"]
        verbose_name = _("monthly digest")
        verbose_name_plural = _("monthly digests")
        constraints = [models.UniqueConstraint(fields=["organization", "year", "month"], name="digest_once_a_month")]

    def __str__(self) -> str:
        return _("%(organization)s study digest, %(year)d no. %(number)d") % {
            "organization": self.organization.name,
            "year": self.year,
            "number": self.number,
        }

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("reports:digest-detail", args=[self.pk])

    @classmethod
    def access_extra_q(cls, scope):
        """The subtree reads an upper level's published issues: publishing notifies every member below it.

        The staff, leaders, inspectors and viewers of an organization, and the members of its group, read the
        published digests of that organization and of every organization above it; a draft stays with the
        organization that compiles it and the levels above (the general rule: grants read their subtree).
        """
        from django.db.models import Q

        from studygroup import access
        from studygroup.models import Organization, StudyGroup

        paths = [grant.path for grant in scope.grants if grant.role in access.READING_ROLES]
        if scope.member_group_ids:
            paths += StudyGroup.objects.filter(pk__in=scope.member_group_ids).values_list(
                "organization__path", flat=True
            )
        if not paths:
            return None
        ancestors = {above for path in paths for above in Organization.ancestor_paths(path, include_self=True)}
        return Q(status=cls.Status.PUBLISHED, organization__path__in=sorted(ancestors))


JOB_LABELS = {
    "compile_digests": _("Compiling the monthly digests"),
    "year_summary_drafts": _("Drafting the year summaries"),
    "rebuild_rollups": _("Rebuilding the dashboard figures"),
    "daily_reminders": _("Daily reminders"),
    "import_records": _("Importing a records bundle"),
}


class TaskRun(models.Model):
    """The run of a background job, as staff see it: state, times, progress, errors. One record per job key
    (``digests:2026-11:all``): a redelivered task carries on the same record, and running the job again later
    starts it afresh (``reports.runs``). Its workers renew ``heartbeat_at``; a running job whose heartbeat
    stopped longer than the lease ago shows as interrupted."""

    class State(models.TextChoices):
        PENDING = "pending", pgettext_lazy("job state", "Waiting")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")

    name = models.CharField(_("job"), max_length=64)
    key = models.CharField(_("key"), max_length=200, db_index=True)
    organization = models.ForeignKey(
        "studygroup.Organization",
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="task_runs",
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    message = models.TextField(_("message"), blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    # The delivery that runs it (its task id): the holder of the job's lease and of the claims of its items.
    holder = models.CharField(_("holder"), max_length=64, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    failures = models.PositiveIntegerField(_("failures"), default=0)
    failed = models.JSONField(_("failed items"), default=list, blank=True)
    triggered_by = models.ForeignKey(
        "studygroup.User",
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    access_org_field = "organization"
    audit_exclude = True
    # Set by ``services.digest_compile_start``: whether that call started the run (False: it was going already).
    started_now: bool = False

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        constraints = [models.UniqueConstraint(fields=["key"], name="taskrun_once_per_key")]

    def __str__(self) -> str:
        return f"{self.name} {self.key}"

    @property
    def stopped_at(self):
        """When a running job last showed a sign of life, if that is longer ago than its lease (else None)."""
        import datetime

        from django.conf import settings
        from django.utils import timezone

        if self.state != self.State.RUNNING:
            return None
        last = self.heartbeat_at or self.started_at or self.created_at
        silent = datetime.timedelta(seconds=settings.JOB_LEASE_SECONDS)
        return last if last is not None and timezone.now() - last > silent else None

    @property
    def is_interrupted(self) -> bool:
        return self.stopped_at is not None

    @property
    def label(self) -> str:
        """The job in words, with the month or year it is for (the key stays for the admin)."""
        job = str(JOB_LABELS.get(self.name, self.name))
        year, month = self.params.get("year"), self.params.get("month")
        if year and month:
            return _("%(job)s, %(year)s-%(month)d") % {"job": job, "year": year, "month": month}
        return _("%(job)s, %(year)s") % {"job": job, "year": year} if year else job

    @property
    def bar_class(self) -> str:
        """The Bootstrap classes of its progress bar: green once it succeeded, red when it failed, amber when
        interrupted, grey when skipped, animated blue while it waits or runs."""
        if self.is_interrupted:
            return "bg-warning"
        return {
            self.State.SUCCEEDED: "bg-success",
            self.State.FAILED: "bg-danger",
            self.State.SKIPPED: "bg-secondary",
        }.get(self.state, "bg-primary progress-bar-striped progress-bar-animated")

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else (100 if self.state == self.State.SUCCEEDED else 0)


class Rollup(models.Model):
    """Figures of an organization's whole subtree for a month (``month`` 1–12) or the year (``month`` 0).

    Kept current by Celery so dashboards of large subtrees read a few rows instead of joining millions.
    """

    organization = models.ForeignKey(
        "studygroup.Organization", verbose_name=_("organization"), on_delete=models.CASCADE, related_name="rollups"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    groups = models.PositiveIntegerField(default=0)
    sessions = models.PositiveIntegerField(default=0)
    expanded_sessions = models.PositiveIntegerField(default=0)
    attendance_rows = models.PositiveIntegerField(default=0)
    attended = models.PositiveIntegerField(default=0)
    leave = models.PositiveIntegerField(default=0)
    absent = models.PositiveIntegerField(default=0)
    made_up = models.PositiveIntegerField(default=0)
    notes = models.PositiveIntegerField(default=0)
    reflections = models.PositiveIntegerField(default=0)
    discussion_materials = models.PositiveIntegerField(default=0)
    observer_visits = models.PositiveIntegerField(default=0)
    groups_observed = models.PositiveIntegerField(default=0)
    topics_planned = models.PositiveIntegerField(default=0)
    topics_held = models.PositiveIntegerField(default=0)
    bayou_all_met = models.PositiveIntegerField(default=0)
    # Held sessions without a single attendance row: left out of the attendance rate, so shown beside it.
    unregistered_sessions = models.PositiveIntegerField(default=0)
    # Figures as of: every session held (started) by this moment is counted (``reports.rollups``).
    built_at = models.DateTimeField(_("built at"), default=timezone.now)

    access_org_field = "organization"
    audit_exclude = True

    class Meta:
        verbose_name = _("rollup")
        verbose_name_plural = _("rollups")
        constraints = [models.UniqueConstraint(fields=["organization", "year", "month"], name="rollup_once")]
        indexes = [
            models.Index(fields=["year", "month", "organization"], name="rollup_period"),
            models.Index(fields=["year", "built_at"], name="rollup_as_of"),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.year}-{self.month}"


class RecordsImport(models.Model):
    """A records bundle uploaded on the staff page and imported by a job: the stored file, its run and result.

    The file lives in ``default_storage`` (shared by every web node and worker) under ``STORED_UNDER``, a folder
    no URL serves; only the job reads it, and it is deleted once the import has finished. The page and its
    result are read only by the staff of the organization that uploaded it (``reports.records_import``).
    """

    STORED_UNDER = "records-imports"

    organization = models.ForeignKey(
        "studygroup.Organization",
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="records_imports",
    )
    uploaded_by = models.ForeignKey(
        "studygroup.User", verbose_name=_("uploaded by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    file_name = models.CharField(_("file name"), max_length=255)
    stored_name = models.CharField(_("stored as"), max_length=300, blank=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    run = models.OneToOneField(
        TaskRun, verbose_name=_("job run"), on_delete=models.SET_NULL, null=True, related_name="records_import"
    )
    errors = models.JSONField(_("problems"), default=list, blank=True)
    counts = models.JSONField(_("records checked"), default=dict, blank=True)
    written = models.PositiveIntegerField(_("records created or changed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    access_org_field = "organization"
    # A job's record, like ``TaskRun``: what the import writes is logged record by record.
    audit_exclude = True

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("records import")
        verbose_name_plural = _("records imports")

    def __str__(self) -> str:
        return self.file_name

    def get_absolute_url(self) -> str:
        return reverse("reports:records-import", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.finished_at is not None
