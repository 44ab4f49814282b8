"""Every write to the core records."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from studygroup import access
from studygroup.models import (
    PATH_DIGITS,
    PATH_MAX_CHILDREN,
    Membership,
    Organization,
    Person,
    RoleGrant,
    StudyGroup,
    User,
)


def _path_segment(number: int) -> str:
    digits = []
    for _position in range(4):
        number, remainder = divmod(number, len(PATH_DIGITS))
        digits.append(PATH_DIGITS[remainder])
    return "".join(reversed(digits)) + "."


def _segment_number(segment: str) -> int:
    return int(segment.rstrip("."), len(PATH_DIGITS))


def _next_path(parent: Organization | None) -> str:
    """Return the path of a new last child of ``parent`` (or a new root)."""
    prefix = parent.path if parent else ""
    depth = len(prefix) // 5 + 1
    siblings = Organization.objects.filter(path__startswith=prefix, depth=depth)
    last = siblings.order_by("-path").values_list("path", flat=True).first()
    number = _segment_number(last[-5:]) + 1 if last else 1
    if number > PATH_MAX_CHILDREN:
        raise ValidationError(_("This organization cannot take more sub-organizations."))
    return prefix + _path_segment(number)


@transaction.atomic
def organization_create(
    *, code: str, name: str, kind: str = Organization.Kind.OTHER, parent: Organization | None = None
) -> Organization:
    if parent is not None:
        # Lock the parent so two children created at once get different paths.
        Organization.objects.select_for_update().get(pk=parent.pk)
    path = _next_path(parent)
    return Organization.objects.create(code=code, name=name, kind=kind, parent=parent, path=path, depth=len(path) // 5)


@transaction.atomic
def organization_update(*, organization: Organization, code: str, name: str, kind: str) -> Organization:
    organization.code, organization.name, organization.kind = code, name, kind
    organization.save(update_fields=["code", "name", "kind", "updated_at"])
    return organization


@transaction.atomic
def group_create(*, organization: Organization, code: str, name: str = "") -> StudyGroup:
    if not name:
        # A stored name, not interface text: always in the deployment's language.
        with translation.override(settings.LANGUAGE_CODE):
            name = _("%(organization)s theoretical study central group") % {"organization": organization.name}
    return StudyGroup.objects.create(organization=organization, code=code, name=name)


@transaction.atomic
def person_create(
    *,
    organization: Organization,
    name: str,
    post: str = "",
    code: str = "",
    user: User | None = None,
) -> Person:
    person = Person.objects.create(
        organization=organization, name=name, post=post, code=code or _new_person_code(), user=user
    )
    return person


def _new_person_code() -> str:
    import uuid

    return f"p-{uuid.uuid4().hex[:12]}"


@transaction.atomic
def role_grant(*, person: Person, organization: Organization, role: str) -> RoleGrant:
    grant, _created = RoleGrant.objects.get_or_create(person=person, organization=organization, role=role)
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
    start_on = start_on or timezone.localdate()
    _check_seat_free(group=group, person=person)
    return Membership.objects.create(group=group, person=person, role=role, start_on=start_on)


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
    _check_dates(start_on, end_on)
    membership.role, membership.start_on, membership.end_on = role, start_on, end_on
    membership.save(update_fields=["role", "start_on", "end_on", "updated_at"])
    return membership


@transaction.atomic
def membership_end(*, membership: Membership, end_on: datetime.date, by: User) -> Membership:
    access.require(by, "manage_members", membership.group)
    if membership.end_on is not None:
        raise ValidationError(_("This membership has already ended."))
    _check_dates(membership.start_on, end_on)
    membership.end_on = end_on
    membership.save(update_fields=["end_on", "updated_at"])
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
    person = person_create(organization=group.organization, name=name, post=post)
    return membership_add(group=group, person=person, role=role, start_on=start_on, by=by)
