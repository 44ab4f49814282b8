"""Core records: organizations, study groups, people, memberships, role grants, audit log, notifications, form receipts."""

from __future__ import annotations

from collections.abc import Iterable
from functools import reduce
from operator import or_

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# One level of the materialized path: four base-36 digits and a dot.
PATH_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
PATH_SEGMENT_DIGITS = 4
PATH_STEP = PATH_SEGMENT_DIGITS + 1
PATH_MAX_CHILDREN = len(PATH_DIGITS) ** PATH_SEGMENT_DIGITS - 1


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class User(AbstractUser):
    """A login. What the user may see and do comes from their ``Person``."""

    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True)
    # Set when the office creates the account or resets the password: the holder chooses their own first.
    must_change_password = models.BooleanField(_("must change password"), default=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()


class Organization(TimeStampedModel):
    """A party committee or unit; the tree is a materialized path (see ``path``)."""

    class Kind(models.TextChoices):
        REGION = "region", _("Region")
        CITY = "city", _("City")
        COUNTY = "county", _("County or district")
        DEPARTMENT = "department", _("Department")
        TOWN = "town", _("Town or street")
        OTHER = "other", _("Other unit")

    code = models.CharField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.OTHER)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organization"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    # "0001.0003.0012.": every ancestor's path is a prefix, so a subtree is a
    # single indexed ``path__startswith`` at any depth.
    path = models.CharField(_("path"), max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("depth"), editable=False, default=1)

    access_org_field = ""
    access_group_field = "study_group"

    class Meta:
        ordering = ["path"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("core:org-detail", kwargs={"pk": self.pk})

    # The arithmetic of paths lives here and nowhere else: callers hold a path string as often as an
    # organization (values_list rows, audit entries, grants of a scope), so these take paths.

    @staticmethod
    def path_segment(number: int) -> str:
        """Return the path segment of the ``number``-th child (1-based): four base-36 digits and a dot."""
        digits = []
        for _position in range(PATH_SEGMENT_DIGITS):
            number, remainder = divmod(number, len(PATH_DIGITS))
            digits.append(PATH_DIGITS[remainder])
        return "".join(reversed(digits)) + "."

    @staticmethod
    def child_number(path: str) -> int:
        """Return the number the last segment of ``path`` encodes: the inverse of ``path_segment``."""
        return int(path[-PATH_STEP:].rstrip("."), len(PATH_DIGITS))

    @staticmethod
    def path_depth(path: str) -> int:
        """Return the depth of the organization at ``path`` (a root is 1)."""
        return len(path) // PATH_STEP

    @staticmethod
    def path_length(depth: int) -> int:
        """Return the length of a path at ``depth``: the prefix that names an ancestor at that depth."""
        return depth * PATH_STEP

    @staticmethod
    def ancestor_paths(path: str, *, include_self: bool = False) -> list[str]:
        """Return the paths of every ancestor of ``path``, root first; with ``include_self``, ``path`` last."""
        end = len(path) + 1 if include_self else len(path)
        return [path[:length] for length in range(PATH_STEP, end, PATH_STEP)]

    @staticmethod
    def is_path_within(path: str, prefix: str, *, strictly: bool = False) -> bool:
        """Answer whether ``path`` is in the subtree at ``prefix`` (``strictly``: below it, not ``prefix`` itself)."""
        return path.startswith(prefix) and not (strictly and path == prefix)

    @staticmethod
    def subtree_q(prefixes: Iterable[str], lookup: str = "path") -> Q:
        """Return the condition "``lookup`` lies in one of the subtrees at ``prefixes``" (at least one prefix)."""
        return reduce(or_, (Q(**{f"{lookup}__startswith": prefix}) for prefix in prefixes))

    def subtree(self, *, include_self: bool = True) -> models.QuerySet[Organization]:
        queryset = Organization.objects.filter(path__startswith=self.path)
        return queryset if include_self else queryset.exclude(pk=self.pk)

    def ancestors(self) -> models.QuerySet[Organization]:
        return Organization.objects.filter(path__in=self.ancestor_paths(self.path))

    def is_within(self, other: Organization, *, strictly: bool = False) -> bool:
        """Answer whether this organization is ``other`` or below it (``strictly``: below it only)."""
        return self.is_path_within(self.path, other.path, strictly=strictly)


class StudyGroup(TimeStampedModel):
    """The theoretical study central group of one organization."""

    organization = models.OneToOneField(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="study_group",
    )
    code = models.CharField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)
    # The second reviewer of discussion materials (宣传委员) in "两审一把关".
    second_reviewer = models.ForeignKey(
        "Person",
        verbose_name=_("second reviewer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="groups_reviewed",
    )

    access_org_field = "organization"
    access_group_field = ""

    class Meta:
        ordering = ["organization__path"]
        verbose_name = _("study group")
        verbose_name_plural = _("study groups")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("core:group-detail", kwargs={"pk": self.pk})

    def active_memberships(self, on=None) -> models.QuerySet[Membership]:
        on = on or timezone.localdate()
        return self.memberships.filter(Q(start_on__lte=on), Q(end_on__isnull=True) | Q(end_on__gte=on))


class Person(TimeStampedModel):
    """Someone the records name: a member, an observer, an office worker."""

    user = models.OneToOneField(
        User,
        verbose_name=_("login"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
    )
    code = models.CharField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=100)
    post = models.CharField(_("post"), max_length=200, blank=True)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="people",
    )

    access_org_field = "organization"
    access_group_field = "memberships__group"

    class Meta:
        ordering = ["organization__path", "name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.name


class Membership(TimeStampedModel):
    """A person's seat in a study group for a span of dates."""

    class Role(models.TextChoices):
        LEADER = "leader", _("Group leader")
        DEPUTY = "deputy", _("Deputy group leader")
        MEMBER = "member", _("Member")
        SECRETARY = "secretary", _("Study secretary")

    group = models.ForeignKey(
        StudyGroup,
        verbose_name=_("study group"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    start_on = models.DateField(_("start date"), default=timezone.localdate)
    end_on = models.DateField(_("end date"), null=True, blank=True)

    access_org_field = "group__organization"
    access_group_field = "group"

    class Meta:
        ordering = ["group", "role", "person__name"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_on__isnull=True) | Q(end_on__gte=models.F("start_on")),
                name="membership_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["group", "person"],
                condition=Q(end_on__isnull=True),
                name="membership_one_open_seat",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_role_display()}"

    def is_active_on(self, day) -> bool:
        return self.start_on <= day and (self.end_on is None or self.end_on >= day)


class RoleGrant(TimeStampedModel):
    """A role a person holds at an organization, reaching its whole subtree."""

    class Role(models.TextChoices):
        STAFF = "staff", _("Office staff")
        LEADER = "leader", _("Leader")
        OBSERVER = "observer", _("Observer")
        INSPECTOR = "inspector", _("Inspector")
        VIEWER = "viewer", _("Viewer")

    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="grants",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="grants",
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)

    access_org_field = "organization"

    class Meta:
        ordering = ["organization__path", "role"]
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [
            models.UniqueConstraint(fields=["person", "organization", "role"], name="grant_once"),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_role_display()} · {self.organization}"


class AuditEntry(models.Model):
    """One line of the append-only audit log; never changed, kept at least 180 days."""

    class Action(models.TextChoices):
        LOGIN = "login", _("Logged in")
        LOGIN_FAILED = "login_failed", _("Failed login")
        LOGOUT = "logout", _("Logged out")
        CREATE = "create", _("Created")
        UPDATE = "update", _("Changed")
        DELETE = "delete", _("Deleted")
        IMPORT = "import", _("Imported")
        EXPORT = "export", _("Exported")

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        User,
        verbose_name=_("user"),
        # The log outlives users: no cascade, no constraint, the username is kept as text.
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    username = models.CharField(_("username"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    object_type = models.CharField(_("record type"), max_length=100, blank=True)
    object_id = models.CharField(_("record id"), max_length=64, blank=True)
    object_repr = models.CharField(_("record"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    # Path of the organization the record belongs to; staff read the entries of their subtree.
    organization_path = models.CharField(_("organization path"), max_length=255, blank=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [models.Index(fields=["organization_path", "at"], name="audit_org_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.get_action_display()} {self.object_repr}"

    def save(self, *args, **kwargs) -> None:
        # Append-only: an entry is written once. The database trigger (migration 0002) enforces it too.
        if self.pk is not None:
            raise ValueError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit entries cannot be deleted one by one.")


class Notification(models.Model):
    """A message to one user, listed in the app and, where they have an address, e-mailed."""

    recipient = models.ForeignKey(
        User, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    verb = models.CharField(_("kind"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    audit_exclude = True

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.title


class FormReceipt(models.Model):
    """One post of a form that creates a record: its key and where it led, so a double click leads there too."""

    key = models.UUIDField(_("key"), unique=True)
    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+")
    url = models.CharField(_("address"), max_length=300, blank=True)
    # What was sent (address and fields, the key left out): the same form sent again from a page drawn anew (the
    # browser's Back, a reload) carries a new key but the same content.
    content = models.CharField(_("content"), max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    audit_exclude = True

    class Meta:
        # Kept in the table of the sessions app, where receipts were first stored.
        db_table = "study_sessions_formreceipt"
        verbose_name = _("form receipt")
        verbose_name_plural = _("form receipts")

    def __str__(self) -> str:
        return str(self.key)


class DirtyRollup(models.Model):
    """A (group, year, month) whose dashboard figures changed since the last rollup run (``reports.rollups``).
    Marked by the services that write figures, in their transaction; the incremental run consumes the marks it read
    (a mark written again meanwhile has a later ``marked_at`` and stays)."""

    group = models.ForeignKey(StudyGroup, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    marked_at = models.DateTimeField(default=timezone.now)

    audit_exclude = True  # bookkeeping of the rollup job, not a record anyone writes

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "year", "month"], name="dirty_rollup_once")]

    def __str__(self) -> str:
        return f"{self.group_id} {self.year}-{self.month:02d}"


class OutboxMessage(models.Model):
    """A job or e-mail to hand to Celery, written in the same transaction as the change that asks for it
    (``studygroup.outbox``). Published at once after the commit when the broker answers, else by the relay
    (``manage.py relay_outbox``); ``delivered_at`` is set by a consumer that must not act twice (the e-mail task)."""

    task_name = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict, blank=True)
    key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    audit_exclude = True  # bookkeeping of the job queue, not a record anyone writes

    class Meta:
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=models.Q(sent_at__isnull=True), name="outbox_pending_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.task_name} #{self.pk}"


class Tick(models.Model):
    """The last time a periodic heartbeat ran, by name: ``beat`` is written by the ``studygroup.beat_tick`` task,
    which beat sends every minute and a worker runs, so its age says that beat, the broker and a worker all work
    (``/healthz``)."""

    name = models.CharField(max_length=50, unique=True)
    at = models.DateTimeField()

    audit_exclude = True  # bookkeeping of the health check

    def __str__(self) -> str:
        return f"{self.name} {self.at:%Y-%m-%d %H:%M:%S}"


class JobClaim(models.Model):
    """A periodic job's key for its day or month (``reminders:2026-12-07``), taken by one delivery: a second beat
    inserting the same key fails on the unique index and does nothing (``studygroup.jobs.claim``)."""

    key = models.CharField(max_length=200, unique=True)
    holder = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(default=timezone.now)

    audit_exclude = True  # bookkeeping of the jobs, not a record anyone writes

    class Meta:
        verbose_name = _("job claim")
        verbose_name_plural = _("job claims")

    def __str__(self) -> str:
        return self.key


class JobLease(models.Model):
    """A lock held only while its holder is alive: the holder renews ``expires_at`` with its heartbeat, and after
    a couple of minutes of silence anyone may take it over (``studygroup.jobs.lease_take``)."""

    name = models.CharField(max_length=200, unique=True)
    holder = models.CharField(max_length=64)
    expires_at = models.DateTimeField()

    audit_exclude = True

    class Meta:
        verbose_name = _("job lease")
        verbose_name_plural = _("job leases")

    def __str__(self) -> str:
        return f"{self.name} {self.holder}"
