"""Observer pool and visits (列席旁听), rules documents, checklists (八有, 七有) with inspections, and actions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from studygroup.models import TimeStampedModel


class ObserverPoolMember(TimeStampedModel):
    """A person an upper organization designates as observer (巡听旁听人员库)."""

    organization = models.ForeignKey(
        "studygroup.Organization",
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="observer_pool",
    )
    person = models.ForeignKey(
        "studygroup.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="observer_pools"
    )
    is_active = models.BooleanField(_("active"), default=True)

    access_org_field = "organization"

    class Meta:
        ordering = ["organization__path", "person__name"]
        verbose_name = _("observer in the pool")
        verbose_name_plural = _("observer pool")
        constraints = [models.UniqueConstraint(fields=["organization", "person"], name="pool_once")]

    def __str__(self) -> str:
        return f"{self.person} · {self.organization}"


class RandomDraw(models.Model):
    """A random draw of sessions to observe; seed and inputs are kept so anyone can re-run it."""

    organization = models.ForeignKey(
        "studygroup.Organization", verbose_name=_("organization"), on_delete=models.CASCADE, related_name="draws"
    )
    seed = models.CharField(_("seed"), max_length=64)
    date_from = models.DateField(_("from"))
    date_to = models.DateField(_("to"))
    count = models.PositiveIntegerField(_("sessions to draw"))
    inputs = models.JSONField(_("inputs"))
    result = models.JSONField(_("result"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("time"), auto_now_add=True)
    # The key of the form that asked for the draw: a second click on the same form draws nothing.
    request_key = models.UUIDField(_("request key"), null=True, blank=True, unique=True, editable=False)

    access_org_field = "organization"

    class Meta:
        ordering = ["-at"]
        verbose_name = _("random draw")
        verbose_name_plural = _("random draws")

    def __str__(self) -> str:
        return f"{self.organization} · {self.at:%Y-%m-%d}"


class ObserverVisit(TimeStampedModel):
    class Mode(models.TextChoices):
        FIXED = "fixed", _("Fixed")
        RANDOM = "random", _("Random")
        INVITED = "invited", pgettext_lazy("observation mode", "Invited")
        CROSS = "cross", _("Cross")

    class Review(models.TextChoices):
        APPROVED = "approved", _("Agreed")
        CHANGES = "changes", _("Changes asked")

    class Rating(models.TextChoices):
        EXCELLENT = "excellent", _("Excellent")
        GOOD = "good", _("Good")
        FAIR = "fair", _("Fair")
        POOR = "poor", _("Poor")

    code = models.CharField(_("code"), max_length=64, unique=True)
    organization = models.ForeignKey(
        "studygroup.Organization", verbose_name=_("planned by"), on_delete=models.PROTECT, related_name="visits_planned"
    )
    session = models.ForeignKey(
        "study_sessions.StudySession", verbose_name=_("study session"), on_delete=models.PROTECT, related_name="visits"
    )
    observer = models.ForeignKey(
        "studygroup.Person", verbose_name=_("observer"), on_delete=models.PROTECT, related_name="visits"
    )
    mode = models.CharField(_("mode"), max_length=8, choices=Mode.choices)
    is_online = models.BooleanField(_("online"), default=False)
    draw = models.ForeignKey(
        RandomDraw,
        verbose_name=_("random draw"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="visits",
    )
    # 学前两审
    pre_review_on = models.DateField(_("reviewed before the session on"), null=True, blank=True)
    pre_review = models.CharField(_("review before the session"), max_length=8, choices=Review.choices, blank=True)
    pre_review_comment = models.TextField(_("review comment"), blank=True)
    # 学中两听
    discussion_focused = models.BooleanField(_("discussion focused"), null=True, blank=True)
    summary_deep = models.BooleanField(_("concluding speech deep"), null=True, blank=True)
    listening_notes = models.TextField(_("notes taken during the session"), blank=True)
    gave_talk = models.BooleanField(_("the observer also gave a talk"), default=False)
    # 学后一写
    rating = models.CharField(_("rating"), max_length=12, choices=Rating.choices, blank=True)
    report = models.TextField(_("visit report"), blank=True)
    findings = models.TextField(_("findings"), blank=True, help_text=_("One finding per line."))
    reported_on = models.DateField(_("reported on"), null=True, blank=True)

    access_org_field = "session__group__organization"

    class Meta:
        ordering = ["-session__starts_at", "id"]
        verbose_name = _("observer visit")
        verbose_name_plural = _("observer visits")
        constraints = [models.UniqueConstraint(fields=["session", "observer"], name="visit_once_per_observer")]

    def __str__(self) -> str:
        return f"{self.observer} → {self.session}"

    def get_absolute_url(self) -> str:
        return reverse("audits:visit-detail", args=[self.pk])

    @classmethod
    def access_extra_q(cls, scope) -> Q | None:
        """The observer reads their own visits; the planning organization's staff read the visits they planned."""
        condition = Q(organization__path__in=scope.paths())
        if scope.person_id is not None:
            condition |= Q(observer_id=scope.person_id)
        return condition

    @property
    def finding_lines(self) -> list[str]:
        return [line.strip() for line in self.findings.splitlines() if line.strip()]


class VisitInvitation(TimeStampedModel):
    """A lower group invites the organization above to observe one of its sessions (应邀式)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        ACCEPTED = "accepted", _("Invitation accepted")
        DECLINED = "declined", _("Declined")

    session = models.ForeignKey(
        "study_sessions.StudySession",
        verbose_name=_("study session"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    organization = models.ForeignKey(
        "studygroup.Organization",
        verbose_name=_("invited organization"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    visit = models.OneToOneField(
        ObserverVisit,
        verbose_name=_("visit"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitation",
    )

    access_org_field = "session__group__organization"

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation to observe")
        verbose_name_plural = _("invitations to observe")
        constraints = [models.UniqueConstraint(fields=["session", "organization"], name="invite_once")]

    def __str__(self) -> str:
        return f"{self.session} → {self.organization}"

    @classmethod
    def access_extra_q(cls, scope) -> Q | None:
        return Q(organization__path__in=scope.paths())


class RulesDocument(TimeStampedModel):
    """A rules document of an organization's study group (有制度), e.g. 理论学习中心组学习制度."""

    organization = models.ForeignKey(
        "studygroup.Organization",
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="rules_documents",
    )
    title = models.CharField(_("title"), max_length=200)
    adopted_on = models.DateField(_("adopted on"), null=True, blank=True)

    access_org_field = "organization"

    class Meta:
        ordering = ["organization__path", "title"]
        verbose_name = _("rules document")
        verbose_name_plural = _("rules documents")
        constraints = [models.UniqueConstraint(fields=["organization", "title"], name="rules_once")]

    def __str__(self) -> str:
        return self.title


class Checklist(models.Model):
    """A yearly standard (八有, 七有); items are data, so another one can be added."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name = _("checklist")
        verbose_name_plural = _("checklists")

    def __str__(self) -> str:
        return self.name


class ChecklistItem(models.Model):
    checklist = models.ForeignKey(
        Checklist, verbose_name=_("checklist"), on_delete=models.CASCADE, related_name="items"
    )
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["checklist", "order"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        constraints = [models.UniqueConstraint(fields=["checklist", "code"], name="item_once")]

    def __str__(self) -> str:
        return self.name


class Inspection(TimeStampedModel):
    """An inspector's yearly check of a group against a checklist; verdicts sit beside the computed status."""

    class Verdict(models.TextChoices):
        PASS = "pass", _("Pass")
        NEEDS_WORK = "needs_work", _("Needs work")
        FAIL = "fail", _("Fail")

    group = models.ForeignKey(
        "studygroup.StudyGroup", verbose_name=_("study group"), on_delete=models.PROTECT, related_name="inspections"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    checklist = models.ForeignKey(
        Checklist, verbose_name=_("checklist"), on_delete=models.PROTECT, related_name="inspections"
    )
    inspector = models.ForeignKey(
        "studygroup.Person", verbose_name=_("inspector"), on_delete=models.PROTECT, related_name="inspections"
    )
    on = models.DateField(_("date"))
    comment = models.TextField(_("comment"), blank=True)

    access_org_field = "group__organization"
    access_group_field = "group"

    class Meta:
        ordering = ["-year", "group__organization__path"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        constraints = [models.UniqueConstraint(fields=["group", "year", "checklist"], name="inspection_once")]

    def __str__(self) -> str:
        return f"{self.group} · {self.year} · {self.checklist}"


class InspectionVerdict(models.Model):
    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="verdicts"
    )
    item = models.ForeignKey(ChecklistItem, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    verdict = models.CharField(_("verdict"), max_length=12, choices=Inspection.Verdict.choices)
    comment = models.TextField(_("comment"), blank=True)

    access_org_field = "inspection__group__organization"
    access_group_field = "inspection__group"

    class Meta:
        ordering = ["inspection", "item__order"]
        verbose_name = _("verdict")
        verbose_name_plural = _("verdicts")
        constraints = [models.UniqueConstraint(fields=["inspection", "item"], name="verdict_once")]

    def __str__(self) -> str:
        return f"{self.item} · {self.get_verdict_display()}"


class Action(TimeStampedModel):
    """A problem with a measure, an owner and a deadline (问题清单/整改)."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("action status", "Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", pgettext_lazy("action status", "Done")

    code = models.CharField(_("code"), max_length=64, unique=True)
    group = models.ForeignKey(
        "studygroup.StudyGroup", verbose_name=_("study group"), on_delete=models.PROTECT, related_name="actions"
    )
    visit = models.ForeignKey(
        ObserverVisit,
        verbose_name=_("from the visit"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actions",
    )
    research = models.ForeignKey(
        "plans.ResearchTopic",
        verbose_name=_("from the research topic"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actions",
    )
    inspection = models.ForeignKey(
        Inspection,
        verbose_name=_("from the inspection"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actions",
    )
    # A measure decided at a session (第一议题: what the study is to be put into practice by).
    session = models.ForeignKey(
        "study_sessions.StudySession",
        verbose_name=_("decided at the session"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actions",
    )
    problem = models.TextField(_("problem"))
    # The visit report's finding line the action was raised from: each finding becomes one action at most.
    finding = models.TextField(_("finding"), blank=True)
    measure = models.TextField(_("measure"), blank=True)
    owner = models.ForeignKey(
        "studygroup.Person",
        verbose_name=pgettext_lazy("problem list", "owner"),
        on_delete=models.PROTECT,
        related_name="actions",
    )
    raised_on = models.DateField(_("raised on"))
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("raised by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The key of the form that raised the action: a second click on the same form raises nothing.
    request_key = models.UUIDField(_("request key"), null=True, blank=True, unique=True, editable=False)

    access_org_field = "group__organization"
    access_group_field = "group"

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = pgettext_lazy("problem list", "action")
        verbose_name_plural = pgettext_lazy("problem list", "actions")
        constraints = [
            models.UniqueConstraint(
                fields=["visit", "finding"], condition=~Q(finding=""), name="action_once_per_finding"
            )
        ]

    def __str__(self) -> str:
        return self.problem[:60]

    def get_absolute_url(self) -> str:
        return reverse("audits:action-detail", args=[self.pk])

    @classmethod
    def access_extra_q(cls, scope) -> Q | None:
        """The owner reads the actions they answer for; whoever raised one reads it, and so does the observer of
        the visit it came from."""
        if scope.person_id is None:
            return None
        return (
            Q(owner_id=scope.person_id)
            | Q(raised_by__person__id=scope.person_id)
            | Q(visit__observer_id=scope.person_id)
        )

    def is_overdue(self, today) -> bool:
        return self.status != self.Status.DONE and self.due_on < today


class ActionChange(models.Model):
    action = models.ForeignKey(
        Action, verbose_name=Action._meta.verbose_name, on_delete=models.CASCADE, related_name="changes"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("time"), auto_now_add=True)
    from_status = models.CharField(_("from"), max_length=12, choices=Action.Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=Action.Status.choices)
    note = models.TextField(_("note"), blank=True)

    access_org_field = "action__group__organization"
    access_group_field = "action__group"

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self) -> str:
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


class ChecklistStatus(models.Model):
    """A group's computed 八有/七有 statuses for a year, kept by the rollup job for large subtrees' tables."""

    group = models.ForeignKey(
        "studygroup.StudyGroup",
        verbose_name=_("study group"),
        on_delete=models.CASCADE,
        related_name="checklist_statuses",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    checklist = models.CharField(_("checklist"), max_length=16)
    statuses = models.JSONField(_("statuses"))
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)

    access_org_field = "group__organization"
    audit_exclude = True

    class Meta:
        verbose_name = _("computed checklist")
        verbose_name_plural = _("computed checklists")
        constraints = [models.UniqueConstraint(fields=["group", "year", "checklist"], name="checklist_status_once")]

    def __str__(self) -> str:
        return f"{self.group_id} {self.year} {self.checklist}"
