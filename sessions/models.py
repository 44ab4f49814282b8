"""Study sessions, attendance and sign-in, leave and make-up, minutes, submissions and their review, lectures."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from plans.models import SessionKind
from studygroup.models import TimeStampedModel


def session_file_to(instance, filename: str) -> str:
    session_id = getattr(instance, "session_id", None) or instance.pk
    return f"sessions/{session_id}/{filename}"


def held_q(prefix: str = "", *, at: datetime.datetime | None = None) -> Q:
    """Sessions held by ``at`` (now): a session is held once it has started, and only then.

    The one definition every count of sessions uses (figures, dashboards, rollups, planned vs held,
    八有/七有 evidence, coverage); ``prefix`` reaches the session through a relation, e.g. ``"session__"``.
    """
    return Q(**{f"{prefix}starts_at__lte": at or timezone.now()})


class StudySessionQuerySet(models.QuerySet):
    def held(self, *, at: datetime.datetime | None = None) -> StudySessionQuerySet:
        """Sessions that have started by ``at`` (now); see ``held_q``."""
        return self.filter(held_q(at=at))

    def held_in(self, year: int, *, at: datetime.datetime | None = None) -> StudySessionQuerySet:
        """Sessions of ``year`` held by ``at`` (now): what the year figures count as held."""
        return self.filter(held_q(at=at), starts_at__year=year)


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
    lead = models.ForeignKey(
        "studygroup.Person",
        verbose_name=_("lead reader"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sessions_led",
    )
    speakers = models.ManyToManyField(
        "studygroup.Person", verbose_name=_("key speakers"), related_name="sessions_spoken", blank=True
    )
    invited = models.ManyToManyField(
        "studygroup.Person", verbose_name=_("invited attendees"), related_name="sessions_invited", blank=True
    )
    plan_text = models.TextField(_("session plan"), blank=True)
    plan_file = models.FileField(_("session plan file"), upload_to=session_file_to, blank=True, max_length=300)
    plan_file_name = models.CharField(_("file name"), max_length=255, blank=True)
    agenda = models.TextField(_("agenda"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    circular_text = models.TextField(_("circular"), blank=True)
    circular_sent_at = models.DateTimeField(_("circular sent at"), null=True, blank=True)

    objects = StudySessionQuerySet.as_manager()

    access_org_field = "group__organization"
    access_group_field = "group"

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("study session")
        verbose_name_plural = _("study sessions")
        # Serves the session list's sort and its keyset cut ("-starts_at", "-pk"): sessions of many groups share
        # a start time, so an index on the time alone still sorts every tie.
        # The ends serve the longest overdue make-ups (staff home): walked in the order sessions ended, stopping at
        # the first few.
        # The 第一议题 ledger (practice) reads a year's first_topic studies only, a page in ("starts_at", "pk")
        # order and counted per child organization: the group rides along so the count need not read the rows.
        indexes = [
            models.Index(fields=["starts_at", "id"], name="session_starts_at_id"),
            models.Index(fields=["ends_at"], name="session_ends_at"),
            models.Index(
                fields=["starts_at", "id"],
                include=["group"],
                condition=Q(kind="first_topic"),
                name="session_first_topic_starts",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gte=models.F("starts_at")), name="session_ends_after_start")
        ]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.starts_at):%Y-%m-%d} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("sessions:session-detail", args=[self.pk])

    @classmethod
    def access_extra_q(cls, scope) -> Q | None:
        """People invited to an expanded session read it (observers too: ``audits.access_rules``)."""
        if scope.person_id is None:
            return None
        invited = cls.invited.through.objects.filter(person_id=scope.person_id).values("studysession_id")
        return Q(pk__in=invited)

    @property
    def has_plan(self) -> bool:
        return bool(self.plan_text.strip() or self.plan_file)

    @property
    def is_plan_missing(self) -> bool:
        """Flag a session without its plan (会前方案) when it starts within the configured days."""
        days = datetime.timedelta(days=settings.SESSION_PLAN_DAYS)
        now = timezone.now()
        return not self.has_plan and self.starts_at - days <= now < self.ends_at

    @property
    def has_started(self) -> bool:
        """Held, in the sense of ``held_q``."""
        return self.starts_at <= timezone.now()


class SessionGuest(models.Model):
    """A named guest of an expanded session who is not on file (e.g. a village party secretary)."""

    session = models.ForeignKey(
        StudySession, verbose_name=_("study session"), on_delete=models.CASCADE, related_name="guests"
    )
    name = models.CharField(_("name"), max_length=100)
    organization_name = models.CharField(_("organization"), max_length=200, blank=True)

    access_org_field = "session__group__organization"
    access_group_field = "session__group"

    class Meta:
        ordering = ["id"]
        verbose_name = _("guest")
        verbose_name_plural = _("guests")

    def __str__(self) -> str:
        return self.name


class Speech(models.Model):
    """One entry of the minutes: who spoke and what was said."""

    session = models.ForeignKey(
        StudySession, verbose_name=_("study session"), on_delete=models.CASCADE, related_name="speeches"
    )
    person = models.ForeignKey(
        "studygroup.Person",
        verbose_name=_("speaker"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="speeches",
    )
    speaker_name = models.CharField(_("speaker"), max_length=100, blank=True)
    summary = models.TextField(_("what was said"))

    access_org_field = "session__group__organization"
    access_group_field = "session__group"

    class Meta:
        ordering = ["id"]
        verbose_name = _("speech")
        verbose_name_plural = _("speeches")

    def __str__(self) -> str:
        return self.speaker

    @property
    def speaker(self) -> str:
        return self.person.name if self.person_id else self.speaker_name


class MinutesAttachment(models.Model):
    session = models.ForeignKey(
        StudySession, verbose_name=_("study session"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=session_file_to, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    access_org_field = "session__group__organization"
    access_group_field = "session__group"

    class Meta:
        ordering = ["id"]
        verbose_name = _("minutes attachment")
        verbose_name_plural = _("minutes attachments")

    def __str__(self) -> str:
        return self.original_name


class Attendance(TimeStampedModel):
    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        LATE = "late", _("Late")
        LEAVE = "leave", _("On leave")
        ABSENT = "absent", _("Absent")
        MADE_UP = "made_up", _("Made up")

    class Method(models.TextChoices):
        QR = "qr", _("QR code")
        LINK = "link", _("Sign-in link")
        BY_STAFF = "staff", _("Signed in by staff")
        GRID = "grid", _("Marked by staff")
        LEAVE = "leave", _("Approved leave")
        IMPORT = "import", _("Imported")

    session = models.ForeignKey(
        StudySession, verbose_name=_("study session"), on_delete=models.CASCADE, related_name="attendances"
    )
    person = models.ForeignKey(
        "studygroup.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="attendances"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    method = models.CharField(_("recorded by way of"), max_length=8, choices=Method.choices, default=Method.GRID)
    signed_at = models.DateTimeField(_("signed in at"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    access_org_field = "session__group__organization"
    access_group_field = "session__group"

    class Meta:
        ordering = ["session", "person__name"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [models.UniqueConstraint(fields=["session", "person"], name="attendance_once_per_session")]
        # The open and overdue make-ups (staff home, make-up list, reminders) read leave and absence rows only:
        # a tenth of the table.
        indexes = [
            models.Index(
                fields=["session", "person"], condition=Q(status__in=["leave", "absent"]), name="attendance_missed"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_status_display()}"

    @property
    def counts_as_attended(self) -> bool:
        return self.status in ATTENDED


ATTENDED = (Attendance.Status.PRESENT, Attendance.Status.LATE, Attendance.Status.MADE_UP)
MISSED = (Attendance.Status.LEAVE, Attendance.Status.ABSENT)


def unregistered_q() -> Q:
    """Sessions without a single attendance row. Held (``held_q``), they are left out of every attendance rate
    (a rate divides the rows there are), so pages show how many beside it; a session still to come is never
    "unregistered"."""
    return Q(~models.Exists(Attendance.objects.filter(session_id=models.OuterRef("pk"))))


class LeaveRequest(TimeStampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    session = models.ForeignKey(
        StudySession, verbose_name=_("study session"), on_delete=models.CASCADE, related_name="leave_requests"
    )
    person = models.ForeignKey(
        "studygroup.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="leave_requests"
    )
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    access_org_field = "session__group__organization"
    access_group_field = "session__group"

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("leave request")
        verbose_name_plural = _("leave requests")
        constraints = [models.UniqueConstraint(fields=["session", "person"], name="leave_once_per_session")]

    def __str__(self) -> str:
        return f"{self.person} · {self.session}"


def submission_file_to(instance, filename: str) -> str:
    return f"submissions/{instance.person_id}/{filename}"


class Submission(TimeStampedModel):
    """Notes, a reflection or discussion material of one member, for a session or the year."""

    class Kind(models.TextChoices):
        NOTES = "notes", _("Study notes")
        REFLECTION = "reflection", _("Reflection")
        DISCUSSION = "discussion", _("Discussion material")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        FIRST_REVIEW = "first_review", _("Passed first review")
        SECOND_REVIEW = "second_review", _("Passed second review")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned for revision")

    session = models.ForeignKey(
        StudySession,
        verbose_name=_("study session"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="submissions",
    )
    group = models.ForeignKey(
        "studygroup.StudyGroup", verbose_name=_("study group"), on_delete=models.PROTECT, related_name="submissions"
    )
    person = models.ForeignKey(
        "studygroup.Person", verbose_name=_("author"), on_delete=models.PROTECT, related_name="submissions"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    text = models.TextField(_("text"), blank=True)
    file = models.FileField(_("file"), upload_to=submission_file_to, blank=True, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    is_makeup = models.BooleanField(_("make-up study"), default=False)
    is_recommended = models.BooleanField(_("recommended for the digest"), default=False)

    access_org_field = "group__organization"
    access_group_field = "group"
    audit_private_fields = ("title", "text", "file", "original_name")  # kept out of the audit log while a draft

    class Meta:
        ordering = ["-submitted_on", "-id"]
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        # Accepted make-up notes, which close an open make-up (``selectors.makeups_open``).
        indexes = [
            models.Index(
                fields=["session", "person"],
                condition=Q(is_makeup=True, status="approved"),
                name="submission_makeup_accepted",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("sessions:submission-detail", args=[self.pk])

    @classmethod
    def access_restrict_q(cls, scope) -> Q | None:
        """A member reads their own and approved submissions; reviewers, leaders and grants read the rest."""
        from studygroup import access

        # A draft is the author's alone; once submitted, reviewers, leaders and grants above read it.
        submitted = ~Q(status=cls.Status.DRAFT)
        condition = Q(status=cls.Status.APPROVED) | (
            submitted
            & (Q(group_id__in=scope.leader_group_ids) | access.grant_reach_q(scope, "group__organization__path"))
        )
        if scope.person_id is not None:
            in_second_review = [cls.Status.FIRST_REVIEW, cls.Status.SECOND_REVIEW]
            condition |= Q(person_id=scope.person_id) | Q(
                group__second_reviewer_id=scope.person_id, status__in=in_second_review
            )
        return condition


class ReviewStep(models.Model):
    """One transition of a submission: who, when, what, and the comment."""

    class Action(models.TextChoices):
        SUBMIT = "submit", _("Submitted")
        PASS_FIRST = "pass_first", _("Passed first review")
        PASS_SECOND = "pass_second", _("Passed second review")
        APPROVE = "approve", _("Approved")
        ACCEPT = "accept", _("Accepted")
        RETURN = "return", _("Returned")

    submission = models.ForeignKey(
        Submission, verbose_name=_("submission"), on_delete=models.CASCADE, related_name="steps"
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("time"), auto_now_add=True)
    comment = models.TextField(_("comment"), blank=True)

    access_org_field = "submission__group__organization"
    access_group_field = "submission__group"

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("review step")
        verbose_name_plural = _("review steps")

    def __str__(self) -> str:
        return self.get_action_display()


class Lecture(TimeStampedModel):
    """A talk given by a member to an audience (宣讲)."""

    group = models.ForeignKey(
        "studygroup.StudyGroup", verbose_name=_("study group"), on_delete=models.PROTECT, related_name="lectures"
    )
    person = models.ForeignKey(
        "studygroup.Person", verbose_name=_("speaker"), on_delete=models.PROTECT, related_name="lectures"
    )
    on = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=300)
    place = models.CharField(_("place"), max_length=200, blank=True)
    audience = models.PositiveIntegerField(_("audience"), default=0)

    access_org_field = "group__organization"
    access_group_field = "group"

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name = _("lecture")
        verbose_name_plural = _("lectures")

    def __str__(self) -> str:
        return self.title


class MakeUp(TimeStampedModel):
    """How a missed session was made up when it was not by written notes, e.g. delivered in person (送学上门)."""

    class Method(models.TextChoices):
        DELIVERED = "delivered", _("Delivered in person (送学上门)")
        COLLECTIVE = "collective", _("Collective make-up session (集中补学)")
        SELF_STUDY = "self_study", _("Self-study with the materials (自学补学)")
        ONLINE = "online", _("Online study (线上补学)")
        LISTENED = "listened", _("Listened to the recording (听录音录像)")

    attendance = models.OneToOneField(
        Attendance, verbose_name=_("attendance"), on_delete=models.CASCADE, related_name="makeup"
    )
    on = models.DateField(_("date of the make-up"))
    method = models.CharField(_("how"), max_length=16, choices=Method.choices)
    given_by = models.CharField(_("given by"), max_length=100)
    note = models.TextField(_("note"), blank=True)
    status_before = models.CharField(_("status before"), max_length=16, choices=Attendance.Status.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    access_org_field = "attendance__session__group__organization"
    access_group_field = "attendance__session__group"

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name = _("make-up record")
        verbose_name_plural = _("make-up records")

    def __str__(self) -> str:
        return f"{self.attendance.person} · {self.get_method_display()}"
