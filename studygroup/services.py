"""Every write to the core records."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from studygroup import access, audit, rollup_marks
from studygroup.models import (
    PATH_MAX_CHILDREN,
    AuditEntry,
    Membership,
    Organization,
    Person,
    RoleGrant,
    StudyGroup,
    User,
)

# A service refusing a repeat of what is already done (a second click on submit, approve, publish...) raises its
# ValidationError with this code: nothing changed and nothing is wrong, so the page says it calmly
# (``viewutils.post_action``).
ALREADY_DONE = "already_done"


def lock(instance):
    """Lock ``instance``'s row until the transaction ends and reload it, so a status change reads the latest state.

    A double click on publish or submit then waits for the first, sees the new status and acts once.
    """
    type(instance)._default_manager.select_for_update().filter(pk=instance.pk).values_list("pk").first()
    instance.refresh_from_db()
    return instance


def _next_path(parent: Organization | None) -> str:
    """Return the path of a new last child of ``parent`` (or a new root)."""
    prefix = parent.path if parent else ""
    siblings = Organization.objects.filter(path__startswith=prefix, depth=Organization.path_depth(prefix) + 1)
    last = siblings.order_by("-path").values_list("path", flat=True).first()
    number = Organization.child_number(last) + 1 if last else 1
    if number > PATH_MAX_CHILDREN:
        raise ValidationError(_("This organization cannot take more sub-organizations."))
    return prefix + Organization.path_segment(number)


@transaction.atomic
def organization_create(
    *,
    code: str,
    name: str,
    kind: str = Organization.Kind.OTHER,
    parent: Organization | None = None,
    by: User | None = None,
    audited: bool = True,
) -> Organization:
    """Create an organization as the last child of ``parent``; ``audited=False`` for a caller that logs it itself."""
    if parent is not None:
        # Lock the parent so two children created at once get different paths.
        Organization.objects.select_for_update().get(pk=parent.pk)
    path = _next_path(parent)
    organization = Organization.objects.create(
        code=code, name=name, kind=kind, parent=parent, path=path, depth=Organization.path_depth(path)
    )
    if audited:
        audit.record(AuditEntry.Action.CREATE, organization, by=by)
    return organization


@transaction.atomic
def organization_update(
    *, organization: Organization, code: str, name: str, kind: str, by: User | None = None
) -> Organization:
    before = audit.stored(organization)
    organization.code, organization.name, organization.kind = code, name, kind
    organization.save(update_fields=["code", "name", "kind", "updated_at"])
    audit.record(AuditEntry.Action.UPDATE, organization, by=by, before=before)
    return organization


@transaction.atomic
def group_create(*, organization: Organization, code: str, name: str = "", by: User | None = None) -> StudyGroup:
    if not name:
        # A stored name, not interface text: always in the deployment's language.
        with translation.override(settings.LANGUAGE_CODE):
            name = _("%(organization)s theoretical study central group") % {"organization": organization.name}
    group = StudyGroup.objects.create(organization=organization, code=code, name=name)
    audit.record(AuditEntry.Action.CREATE, group, by=by)
    rollup_marks.mark(group.pk, timezone.localdate())  # the count of groups
    return group


@transaction.atomic
def person_create(
    *,
    organization: Organization,
    name: str,
    post: str = "",
    code: str = "",
    user: User | None = None,
    by: User | None = None,
) -> Person:
    person = Person.objects.create(
        organization=organization, name=name, post=post, code=code or _new_person_code(), user=user
    )
    audit.record(AuditEntry.Action.CREATE, person, by=by)
    return person


def _new_person_code() -> str:
    import uuid

    return f"p-{uuid.uuid4().hex[:12]}"


@transaction.atomic
def role_grant(*, person: Person, organization: Organization, role: str, by: User | None = None) -> RoleGrant:
    grant, created = RoleGrant.objects.get_or_create(person=person, organization=organization, role=role)
    if created:
        audit.record(AuditEntry.Action.CREATE, grant, by=by)
    return grant


def _check_seat_free(*, group: StudyGroup, person: Person, exclude_pk: int | None = None) -> None:
    open_seats = Membership.objects.filter(group=group, person=person, end_on__isnull=True)
    if exclude_pk is not None:
        open_seats = open_seats.exclude(pk=exclude_pk)
    if open_seats.exists():
        raise ValidationError({"person": _("This person already holds a seat in the group.")})


def _check_dates(start_on: datetime.date, end_on: datetime.date | None) -> None:
    if end_on is not None and end_on < start_on:
        raise ValidationError({"end_on": _("The end date cannot be before the start date.")})


@transaction.atomic
def membership_add(
    *,
    group: StudyGroup,
    person: Person,
    role: str,
    start_on: datetime.date | None = None,
    by: User,
) -> Membership:
    access.require(by, "manage_members", group)
    if not person.organization.is_within(group.organization):
        raise ValidationError({"person": _("The person must belong to this organization or one below it.")})
    if not access.can(by, "studygroup.seat_or_grant_to", person):
        raise ValidationError({"person": _("You cannot give yourself a seat. Ask another member of the office.")})
    start_on = start_on or timezone.localdate()
    _check_seat_free(group=group, person=person)
    membership = Membership.objects.create(group=group, person=person, role=role, start_on=start_on)
    audit.record(AuditEntry.Action.CREATE, membership, by=by)
    rollup_marks.mark_span(group.pk, start_on, None)  # 八有 notes and reflections count the seats
    return membership


@transaction.atomic
def membership_update(
    *,
    membership: Membership,
    role: str,
    start_on: datetime.date,
    end_on: datetime.date | None,
    by: User,
) -> Membership:
    access.require(by, "manage_members", membership.group)
    if not access.can(by, "studygroup.seat_or_grant_to", membership.person):
        raise ValidationError(_("You cannot change your own seat. Ask another member of the office."))
    _check_dates(start_on, end_on)
    before = audit.stored(membership)
    # Every year the seat covered before or covers now (a secretary's seat does not count in 八有).
    first = min(membership.start_on, start_on)
    last = None if membership.end_on is None or end_on is None else max(membership.end_on, end_on)
    rollup_marks.mark_span(membership.group_id, first, last)
    membership.role, membership.start_on, membership.end_on = role, start_on, end_on
    membership.save(update_fields=["role", "start_on", "end_on", "updated_at"])
    audit.record(AuditEntry.Action.UPDATE, membership, by=by, before=before)
    return membership


@transaction.atomic
def membership_end(*, membership: Membership, end_on: datetime.date, by: User) -> Membership:
    access.require(by, "manage_members", membership.group)
    if membership.end_on is not None:
        raise ValidationError(_("This membership has already ended."), code=ALREADY_DONE)
    _check_dates(membership.start_on, end_on)
    before = audit.stored(membership)
    membership.end_on = end_on
    membership.save(update_fields=["end_on", "updated_at"])
    rollup_marks.mark_span(membership.group_id, end_on, None)  # the years it no longer reaches
    audit.record(AuditEntry.Action.UPDATE, membership, by=by, before=before)
    return membership


@transaction.atomic
def member_add_new_person(
    *,
    group: StudyGroup,
    name: str,
    post: str,
    role: str,
    start_on: datetime.date | None = None,
    by: User,
) -> Membership:
    """Record a person who is not yet on file and seat them in the group."""
    access.require(by, "manage_members", group)
    person = person_create(organization=group.organization, name=name, post=post, by=by)
    return membership_add(group=group, person=person, role=role, start_on=start_on, by=by)


# Accounts and role grants ---------------------------------------------------------------------------------


def _check_new_password(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password1": exc.messages}) from exc


@transaction.atomic
def account_create(
    *,
    organization: Organization,
    username: str,
    password: str,
    email: str = "",
    person: Person | None = None,
    name: str = "",
    post: str = "",
    by: User,
) -> User:
    """Give a login to a person of ``organization`` (or to a new person typed in); they choose their own password."""
    access.require(by, "manage_accounts", organization)
    if person is None:
        person = person_create(organization=organization, name=name, post=post, by=by)
    person = Person.objects.select_for_update().select_related("organization").get(pk=person.pk)
    if not person.organization.is_within(organization):
        raise ValidationError({"person": _("The person must belong to this organization or one below it.")})
    access.require(by, "studygroup.account_manage", person)
    if person.user_id is not None:
        raise ValidationError({"person": _("This person already has a login.")})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This username is taken. Choose another one.")})
    user = User(username=username, email=email, first_name=person.name[:150], must_change_password=True)
    _check_new_password(password, user)
    user.set_password(password)
    user.save()
    audit.record(AuditEntry.Action.CREATE, user, by=by)
    before = audit.stored(person)
    person.user = user
    person.save(update_fields=["user", "updated_at"])
    audit.record(AuditEntry.Action.UPDATE, person, by=by, before=before)
    return user


@transaction.atomic
def account_password_reset(*, person: Person, password: str, by: User) -> User:
    """Set a temporary password; the holder must choose their own at the next sign-in and is told of the reset."""
    from studygroup import notifications

    access.require(by, "studygroup.account_manage", person)
    if person.user_id is None:
        raise ValidationError(_("This person has no login."))
    user = User.objects.select_for_update().get(pk=person.user_id)
    _check_new_password(password, user)
    before = audit.stored(user)
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    audit.record(AuditEntry.Action.UPDATE, user, by=by, before=before)
    notifications.send(
        to=[user],
        verb="password_reset",
        title=_("Your password was reset by the office"),
        body=_("Your password was reset by %(name)s. If you did not ask for this, tell your office at once.")
        % {"name": getattr(access.person_of(by), "name", by.get_username())},
        url="",
    )
    return user


@transaction.atomic
def password_change(*, user: User, password: str) -> User:
    """Change one's own password (already checked against the rules); a temporary password must not be kept."""
    if user.check_password(password):
        raise ValidationError({"new_password1": _("Choose a password different from the current one.")})
    before = audit.stored(user)
    user.set_password(password)
    user.must_change_password = False
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    audit.record(AuditEntry.Action.UPDATE, user, by=user, before=before)
    return user


@transaction.atomic
def email_change(*, user: User, email: str, password: str) -> User:
    """Change one's own e-mail address, confirmed with the password."""
    if not user.check_password(password):
        raise ValidationError({"password": _("The password is not correct.")})
    before = audit.stored(user)
    user.email = email
    user.save(update_fields=["email"])
    audit.record(AuditEntry.Action.UPDATE, user, by=user, before=before)
    return user


@transaction.atomic
def grant_create(*, person: Person, organization: Organization, role: str, by: User) -> RoleGrant:
    """Grant ``role`` at ``organization`` within the staff's reach, to a person of its subtree, never to oneself."""
    access.require(by, "manage_accounts", organization)
    if role not in RoleGrant.Role.values:
        raise ValidationError({"role": _("Choose a valid role.")})
    if not access.can(by, "studygroup.seat_or_grant_to", person):
        raise ValidationError({"person": _("You cannot grant a role to yourself.")})
    if not person.organization.is_within(organization):
        raise ValidationError({"person": _("The person must belong to this organization or one below it.")})
    grant, created = RoleGrant.objects.get_or_create(person=person, organization=organization, role=role)
    if not created:
        raise ValidationError({"role": _("This person already holds this role here.")})
    audit.record(AuditEntry.Action.CREATE, grant, by=by)
    return grant


@transaction.atomic
def grant_withdraw(*, grant: RoleGrant, by: User) -> None:
    """Withdraw a role granted at an organization within the staff's reach; one's own roles are withdrawn by others."""
    grant = RoleGrant.objects.select_for_update().select_related("person", "organization").get(pk=grant.pk)
    access.require(by, "manage_accounts", grant.organization)
    if not access.can(by, "studygroup.seat_or_grant_to", grant.person):
        raise ValidationError(_("You cannot withdraw your own role. Ask another member of the office."))
    audit.delete(grant, by=by)
