"""Every read of the core records, starting from the visibility rule."""

from __future__ import annotations

import datetime

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from studygroup import access
from studygroup.models import AuditEntry, Membership, Organization, Person, RoleGrant, StudyGroup, User


def _active_on(day: datetime.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}start_on__lte": day}) & (
        Q(**{f"{prefix}end_on__isnull": True}) | Q(**{f"{prefix}end_on__gte": day})
    )


def counts_by_child(queryset: QuerySet, path_lookup: str, organization: Organization, **aggregates) -> dict[str, dict]:
    """Aggregate ``queryset`` (records of ``organization``'s subtree) per child organization: one grouped query,
    keyed by the path of the child whose subtree holds the record (``organization``'s own path for its own).

    ``path_lookup`` leads from the record to its organization's path; the ordering is cleared so that
    ``Meta.ordering`` adds no join and no column to the grouping.
    """
    length = Organization.path_length(organization.depth + 1)
    rows = (
        queryset.order_by()
        .annotate(child_path=Substr(path_lookup, 1, length))
        .values("child_path")
        .annotate(**aggregates)
    )
    return {row.pop("child_path"): row for row in rows}


def organization_tree(*, user: User, search: str = "") -> QuerySet[Organization]:
    """Return the organizations the user reads, in tree order, with their group (a page of them takes its member
    counts from ``with_member_counts``)."""
    queryset = access.visible(Organization.objects.all(), user)
    if search:
        queryset = queryset.filter(Q(name__icontains=search) | Q(code__icontains=search))
    return queryset.select_related("study_group").order_by("path")


def with_member_counts(organizations: list[Organization]) -> list[Organization]:
    """Set ``member_count`` (members seated today in its group) on each of ``organizations`` (a page of them), in
    one grouped query over those organizations' groups only."""
    counts = dict(
        Membership.objects.filter(
            _active_on(timezone.localdate()), group__organization__in=[o.pk for o in organizations]
        )
        .order_by()
        .values("group__organization_id")
        .annotate(n=Count("pk"))
        .values_list("group__organization_id", "n")
    )
    for organization in organizations:
        organization.member_count = counts.get(organization.pk, 0)  # type: ignore[attr-defined]
    return organizations


def organization_children(*, organization: Organization, user: User) -> list[Organization]:
    return with_member_counts(list(organization_tree(user=user).filter(parent=organization)))


def group_memberships(*, group: StudyGroup, current: bool = True) -> QuerySet[Membership]:
    today = timezone.localdate()
    queryset = group.memberships.select_related("person", "person__user")
    queryset = queryset.filter(_active_on(today)) if current else queryset.exclude(_active_on(today))
    return queryset.order_by("role", "person__name")


ROLE_ORDER = [Membership.Role.LEADER, Membership.Role.DEPUTY, Membership.Role.MEMBER, Membership.Role.SECRETARY]


def sorted_by_role(memberships) -> list[Membership]:
    return sorted(memberships, key=lambda m: (ROLE_ORDER.index(m.role), m.start_on, m.person.name))  # type: ignore[arg-type]


def people_for_seat(*, group: StudyGroup, user: User | None = None) -> QuerySet[Person]:
    """Return the people who may be seated in ``group``: its organization and below, not seated yet, not ``user``."""
    seated = Membership.objects.filter(group=group, person=OuterRef("pk"), end_on__isnull=True)
    queryset = Person.objects.filter(organization__path__startswith=group.organization.path)
    if user is not None:
        queryset = queryset.exclude(user=user.pk)
    return queryset.exclude(Exists(seated)).select_related("organization").order_by("organization__path", "name")


def groups_staffed(*, user: User) -> QuerySet[StudyGroup]:
    """Return the groups whose organization the user keeps as staff, with their seat figures."""
    scope = access.scope_for(user)
    today = timezone.localdate()
    active = _active_on(today, "memberships__")
    queryset = StudyGroup.objects.select_related("organization")
    if not scope.is_superuser:
        org_ids = scope.organization_ids([access.STAFF])
        queryset = queryset.filter(organization_id__in=org_ids)
    return queryset.annotate(
        member_count=Count("memberships", filter=active),
        leader_count=Count("memberships", filter=active & Q(memberships__role=Membership.Role.LEADER)),
        secretary_count=Count("memberships", filter=active & Q(memberships__role=Membership.Role.SECRETARY)),
    ).order_by("organization__path")


def groups_of_member(*, user: User) -> QuerySet[Membership]:
    today = timezone.localdate()
    return (
        Membership.objects.filter(person__user=user)
        .filter(_active_on(today))
        .select_related("group__organization")
        .order_by("group__organization__path")
    )


def subtree_figures(*, user: User, roles) -> dict | None:
    """Return counts of organizations, groups and seated members the roles reach."""
    organizations = access.organizations_reached(user, roles)
    # Each count on its own table: one join fanning out to every seat with DISTINCT counts grows with the tree.
    figures = organizations.aggregate(organizations=Count("pk"), groups=Count("study_group"))
    if not figures["organizations"]:
        return None
    figures["members"] = (
        Membership.objects.filter(_active_on(timezone.localdate()), group__organization__in=organizations)
        .order_by()
        .count()
    )
    tops = access.scope_for(user).paths(roles)
    figures["tops"] = list(Organization.objects.filter(path__in=tops).order_by("path"))
    return figures


def audit_entries(
    *,
    user: User,
    action: str = "",
    username: str = "",
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> QuerySet[AuditEntry]:
    queryset = access.audit_entries_visible(AuditEntry.objects.all(), user)
    if action:
        queryset = queryset.filter(action=action)
    if username:
        queryset = queryset.filter(username__icontains=username)
    if since:
        queryset = queryset.filter(at__date__gte=since)
    if until:
        queryset = queryset.filter(at__date__lte=until)
    return queryset.order_by("-at", "-id")


def users_holding(*, organization: Organization, roles) -> QuerySet[User]:
    """Return the active logins holding one of ``roles`` exactly at ``organization``."""
    return User.objects.filter(
        is_active=True, person__grants__organization=organization, person__grants__role__in=list(roles)
    ).distinct()


def users_holding_above(*, organization: Organization, roles) -> QuerySet[User]:
    """Return the logins holding one of ``roles`` at the parent organization (one level up)."""
    if organization.parent_id is None:
        return User.objects.none()
    return User.objects.filter(
        is_active=True, person__grants__organization_id=organization.parent_id, person__grants__role__in=list(roles)
    ).distinct()


def group_leaders(*, group: StudyGroup) -> QuerySet[User]:
    """Return the logins that approve for ``group``: its seated leader and leader grants at its organization."""
    today = timezone.localdate()
    seated = Membership.objects.filter(group=group, role=Membership.Role.LEADER).filter(_active_on(today))
    return User.objects.filter(
        Q(is_active=True)
        & (
            Q(person__memberships__in=seated)
            | Q(person__grants__organization=group.organization_id, person__grants__role=access.LEADER)
        )
    ).distinct()


def group_member_users(*, group: StudyGroup, on: datetime.date | None = None) -> QuerySet[User]:
    on = on or timezone.localdate()
    seats = Membership.objects.filter(group=group).filter(_active_on(on))
    return User.objects.filter(is_active=True, person__memberships__in=seats).distinct()


def roster(*, group: StudyGroup, on: datetime.date) -> QuerySet[Person]:
    """Return the people seated in ``group`` on ``on``."""
    seats = Membership.objects.filter(group=group).filter(_active_on(on))
    return Person.objects.filter(memberships__in=seats).distinct().order_by("name")


def organization_people(*, organization: Organization) -> QuerySet[Person]:
    """Return the people of ``organization`` with their login and every role they hold (three queries)."""
    grants = RoleGrant.objects.select_related("organization").order_by("organization__path", "role")
    return (
        Person.objects.filter(organization=organization)
        .select_related("user")
        .prefetch_related(Prefetch("grants", queryset=grants))
        .order_by("name")
    )


def organization_grants(*, organization: Organization) -> QuerySet[RoleGrant]:
    """Return the roles held at ``organization``, by people of it or of anywhere else."""
    return (
        RoleGrant.objects.filter(organization=organization)
        .select_related("person__organization", "person__user")
        .order_by("role", "person__name")
    )


def people_for_grant(*, organization: Organization, user: User) -> QuerySet[Person]:
    """Return the people a role at ``organization`` may go to: its subtree, never the granting user."""
    return (
        Person.objects.filter(organization__path__startswith=organization.path)
        .exclude(user=user.pk)
        .select_related("organization")
        .order_by("organization__path", "name")
    )


def people_without_login(*, organization: Organization) -> QuerySet[Person]:
    return Person.objects.filter(organization=organization, user__isnull=True).select_related("organization")
