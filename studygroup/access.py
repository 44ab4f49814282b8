"""Who sees what: the one place that scopes querysets and checks permissions.

The rule (DESIGN.md, "Who sees what"):

* a role grant (``staff``, ``leader``, ``inspector``, ``viewer``) held at an
  organization lets its holder read the records of that organization and of
  everything below it;
* an ``observer`` reads a lower group's session, its plan and materials only
  through the visits assigned to them;
* a member reads the records of the study groups they sit in;
* only the staff of the organization that owns a record change it: upper
  levels read, lower levels own;
* superusers see and change everything.

A model takes part by naming, as class attributes, the lookup from the model
to its owning organization (``access_org_field``; ``""`` for ``Organization``
itself) and, where members should see it, the lookup to its study group
(``access_group_field``). A model may narrow what the rule lets through with a
classmethod ``access_restrict_q(scope)`` (e.g. an upper level reads a plan only
once it is filed), and widen it with ``access_extra_q(scope)`` (people invited to
a session read it). A higher app widens a lower app's model through the hook
``@access.extra_q(Model)`` (audits: an observer reads the sessions they observe).
Objects outside a user's reach answer 404 in views.

The rule book. Every other check, read or write, is a named rule:

* ``access.visible(queryset, user)`` scopes what a page or selector lists;
* ``access.can(user, "name", obj)`` answers a question (show a button),
  ``access.require(user, "name", obj)`` refuses with ``PermissionDenied``;
  views and services call the same rule, never ``scope_for(...).holds_at``;
* the core's generic rules (``view``, ``change``, ``approve``, ``study``, ...)
  are below; each app registers its own in ``<app>/access_rules.py``, named
  ``"<app>.<what>"`` (``"audits.action_update"``), loaded by its
  ``AppConfig.ready``. A rule is a function ``(scope, obj) -> bool`` whose
  docstring's first line says who may do what;
* ``manage.py access_rules`` prints the table of every rule (``rule_table()``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils import timezone

if TYPE_CHECKING:
    from studygroup.models import Organization, Person, User

M = TypeVar("M", bound=Model)

STAFF = "staff"
LEADER = "leader"
OBSERVER = "observer"
INSPECTOR = "inspector"
VIEWER = "viewer"
MEMBER = "member"
SCOPE_CACHE_ATTRIBUTE = "_studygroup_scope"
# Grants of these roles let their holder read the whole subtree.
READING_ROLES = frozenset({STAFF, LEADER, INSPECTOR, VIEWER})


@dataclass(frozen=True)
class Grant:
    role: str
    organization_id: int
    path: str
    has_organizations_below: bool = False
    # Organizations two levels below (a city's towns): the subtree is wide, see ``Scope.reaches_narrowly``.
    has_organizations_two_below: bool = False


@dataclass
class Scope:
    """What one user holds: grants with their paths and the groups they sit in."""

    is_superuser: bool = False
    user_id: int | None = None
    person_id: int | None = None
    grants: list[Grant] = field(default_factory=list)
    member_group_ids: frozenset[int] = frozenset()
    leader_group_ids: frozenset[int] = frozenset()

    @property
    def roles(self) -> set[str]:
        roles = {grant.role for grant in self.grants}
        if self.member_group_ids:
            roles.add(MEMBER)
        return roles

    def paths(self, roles: Iterable[str] | None = None) -> list[str]:
        """Return the smallest set of path prefixes the given roles reach (by default the reading roles).

        An observer's grant does not open the subtree: observers read a lower
        group's session, its plan and materials only through their visits.
        """
        from studygroup.models import Organization

        wanted = set(roles) if roles is not None else READING_ROLES
        paths = sorted({g.path for g in self.grants if g.role in wanted})
        collapsed: list[str] = []
        for path in paths:
            if not collapsed or not Organization.is_path_within(path, collapsed[-1]):
                collapsed.append(path)
        return collapsed

    def reaches(self, path: str, roles: Iterable[str] | None = None) -> bool:
        from studygroup.models import Organization

        return any(Organization.is_path_within(path, prefix) for prefix in self.paths(roles))

    def reaches_narrowly(self) -> bool:
        """Whether every subtree the reading grants open ends one level below its organization (a county and its
        towns, a town): few records, so ``visible`` may list the ids of what each of its conditions selects."""
        return not any(g.has_organizations_two_below for g in self.grants if g.role in READING_ROLES)

    def organization_ids(self, roles: Iterable[str]) -> list[int]:
        """The organizations where the user holds one of ``roles`` (not those below them)."""
        wanted = set(roles)
        return [g.organization_id for g in self.grants if g.role in wanted]

    def holds_above_others(self, role: str) -> bool:
        """Whether the user holds ``role`` at an organization with organizations below it (superusers do)."""
        return self.is_superuser or any(g.role == role and g.has_organizations_below for g in self.grants)

    def holds_at(self, role: str, organization_id: int) -> bool:
        return any(g.role == role and g.organization_id == organization_id for g in self.grants)


def scope_for(user: User) -> Scope:
    """Return the user's scope, computed with one query once per user object."""
    cached = getattr(user, SCOPE_CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached
    scope = _load_scope(user)
    setattr(user, SCOPE_CACHE_ATTRIBUTE, scope)
    return scope


def person_of(user: User) -> Person | None:
    """Return the person behind ``user``'s login, or None (anonymous, or a login without a person).

    The scope knows the person's id; the record is read once per user object, when first asked for.
    """
    if scope_for(user).person_id is None:
        return None
    return user.person  # Django keeps the related record on the user object after the first read.


def _load_scope(user: User) -> Scope:
    """The user's grants, the groups they sit in today and their person, in one query.

    Every request of a signed-in user asks for it (the base template, every rule), so it is written as SQL: the
    ORM's compilation of the same two queries with their ``Exists`` annotations cost about 4 ms of Python a request,
    more than the database took to answer them. The rows, in order: a grant each (by organization path and role),
    a seat each, then the person (``None`` when the login has no person).
    """
    if not user.is_authenticated or not user.is_active:
        return Scope()
    if user.is_superuser:
        # Rules about who someone is (the author, the observer) still ask superusers for their person.
        return Scope(is_superuser=True, user_id=user.pk, person_id=getattr(getattr(user, "person", None), "pk", None))
    from django.db import connections, router

    from studygroup.models import Membership, Organization, Person, RoleGrant

    person, grant, organization, seat = (
        model._meta.db_table for model in (Person, RoleGrant, Organization, Membership)
    )
    today = timezone.localdate().isoformat()
    sql = f"""
        SELECT 0 AS kind, g.role, g.organization_id, o.path,
               EXISTS (SELECT 1 FROM {organization} c WHERE c.parent_id = g.organization_id),
               EXISTS (SELECT 1 FROM {organization} c JOIN {organization} b ON c.parent_id = b.id
                       WHERE b.parent_id = g.organization_id),
               p.id
          FROM {person} p
          JOIN {grant} g ON g.person_id = p.id
          JOIN {organization} o ON o.id = g.organization_id
         WHERE p.user_id = %s
        UNION ALL
        SELECT 1, m.role, m.group_id, NULL, NULL, NULL, p.id
          FROM {person} p
          JOIN {seat} m ON m.person_id = p.id
         WHERE p.user_id = %s AND m.start_on <= %s AND (m.end_on IS NULL OR m.end_on >= %s)
        UNION ALL
        SELECT 2, NULL, NULL, NULL, NULL, NULL, p.id FROM {person} p WHERE p.user_id = %s
        ORDER BY 1, 4, 2, 3
    """  # noqa: S608 - the table names are the models' own; every value is a parameter
    with connections[router.db_for_read(Person)].cursor() as cursor:
        cursor.execute(sql, [user.pk, user.pk, today, today, user.pk])
        rows = cursor.fetchall()
    grants = [
        Grant(role, org_id, path, bool(below), bool(two_below))
        for kind, role, org_id, path, below, two_below, _p in rows
        if kind == 0
    ]
    seats = [(group_id, role) for kind, role, group_id, _path, _b, _t, _p in rows if kind == 1]
    person_id = next((person_id for kind, *_rest, person_id in rows if kind == 2), None)
    return Scope(
        user_id=user.pk,
        person_id=person_id,
        grants=grants,
        member_group_ids=frozenset(group_id for group_id, _role in seats),
        leader_group_ids=frozenset(group_id for group_id, role in seats if role == "leader"),
    )


def _org_lookup(model: type[Model]) -> str:
    prefix = model.access_org_field  # type: ignore[attr-defined]
    return f"{prefix}__path" if prefix else "path"


ExtraQ = Callable[[Scope], Q | None]
EXTRA_Q: dict[type[Model], list[ExtraQ]] = {}


def extra_q(model: type[Model]) -> Callable[[ExtraQ], ExtraQ]:
    """Register the decorated ``(scope) -> Q | None`` as more records of ``model`` the scope reads.

    The hook through which an app above ``model``'s own widens who reads it (its docstring's first line says
    who); ``visible`` adds it to the model's own ``access_extra_q``. Registered from the app's ``AppConfig.ready``.
    """

    def register(function: ExtraQ) -> ExtraQ:
        functions = EXTRA_Q.setdefault(model, [])
        if function not in functions:
            functions.append(function)
        return function

    return register


def _extra_conditions(model: type[Model], scope: Scope) -> list[Q]:
    own = getattr(model, "access_extra_q", None)
    functions = ([own] if own is not None else []) + EXTRA_Q.get(model, [])
    return [condition for function in functions if (condition := function(scope)) is not None]


def visible(queryset: QuerySet[M], user: User | _ScopedUser) -> QuerySet[M]:
    """Return the part of ``queryset`` the user may read."""
    scope = scope_for(user)  # type: ignore[arg-type]
    if scope.is_superuser:
        return queryset
    from studygroup.models import Organization

    model = queryset.model
    paths = scope.paths()
    conditions = [Organization.subtree_q(paths, _org_lookup(model))] if paths else []
    group_field = getattr(model, "access_group_field", None)
    if group_field is not None and scope.member_group_ids:
        lookup = f"{group_field}__in" if group_field else "pk__in"
        members_see = model._default_manager.filter(**{lookup: scope.member_group_ids}).values("pk")
        conditions.append(Q(pk__in=members_see))
    conditions += _extra_conditions(model, scope)
    if not conditions:
        return queryset.none()
    queryset = queryset.filter(_any_of(model, conditions, narrow=not paths or scope.reaches_narrowly()))
    restrict = getattr(model, "access_restrict_q", None)
    if restrict is not None:
        restriction = restrict(scope)
        if restriction is not None:
            queryset = queryset.filter(restriction)
    return queryset


def _any_of(model: type[Model], conditions: list[Q], *, narrow: bool) -> Q:
    """The records that meet any of ``conditions``.

    PostgreSQL cannot estimate an OR of a path prefix (on a joined table) and subqueries: it takes the OR for
    most rows and, for a county's reader, walks the whole index of a list's order to find a page. Where the
    reach is narrow (``Scope.reaches_narrowly``, or no subtree at all: a member's groups), the condition is the
    union of the ids each condition selects, which it plans from the organizations' path index and a constant
    (``pk = 1``) reaches inside. A wide reach keeps the OR: most rows pass it, and a union would read them all.
    """
    if len(conditions) == 1:
        return conditions[0]
    if not narrow:
        return reduce(or_, conditions)
    ids = [model._default_manager.filter(condition).order_by().values("pk") for condition in conditions]
    return Q(pk__in=ids[0].union(*ids[1:]))


def organizations_reached(user: User, roles: Iterable[str] | None = None) -> QuerySet[Organization]:
    """Return the organizations the user's grants (of the given roles) reach."""
    from studygroup.models import Organization

    scope = scope_for(user)
    if scope.is_superuser:
        return Organization.objects.all()
    paths = scope.paths(roles)
    if not paths:
        return Organization.objects.none()
    return Organization.objects.filter(Organization.subtree_q(paths))


def organizations_held(user: User, roles: Iterable[str]) -> QuerySet[Organization]:
    """The organizations where the user holds one of ``roles``, in tree order (superusers: the roots)."""
    from studygroup.models import Organization

    scope = scope_for(user)
    if scope.is_superuser:
        return Organization.objects.filter(parent__isnull=True).order_by("path")
    return Organization.objects.filter(pk__in=scope.organization_ids(roles)).order_by("path")


def get_visible_or_404(queryset: QuerySet[M], user: Any, **lookup: Any) -> M:
    """Fetch one object the user may read, or answer 404 whether it exists or not."""
    try:
        return visible(queryset, user).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:  # type: ignore[attr-defined]
        raise Http404 from exc


def owning_organization(obj: Model) -> Organization:
    """Follow ``access_org_field`` from ``obj`` to the organization that owns it."""
    current: Any = obj
    lookup = type(obj).access_org_field  # type: ignore[attr-defined]  # every owned model declares it
    for attribute in lookup.split("__") if lookup else []:
        current = getattr(current, attribute)
    return current


class _ScopedUser:
    """Stand-in user carrying a known scope, for re-running ``visible`` inside a rule."""

    is_authenticated = True

    def __init__(self, scope: Scope) -> None:
        setattr(self, SCOPE_CACHE_ATTRIBUTE, scope)


# The rule book ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One named check: ``check(scope, obj)`` answers whether the scope's holder may do it to ``obj``.

    ``superuser`` says whether superusers pass without asking ``check``; it is
    false only where the check is about who someone is (the author, the raiser,
    the observer of a visit), not about reach.
    """

    name: str
    app: str
    doc: str
    check: Callable[[Scope, Any], bool]
    superuser: bool = True


RULES: dict[str, Rule] = {}


def rule(
    name: str, *, superuser: bool = True
) -> Callable[[Callable[[Scope, Any], bool]], Callable[[Scope, Any], bool]]:
    """Register ``check`` as the rule ``name``; its app is the module's package, its doc the docstring's first line."""

    def register(check: Callable[[Scope, Any], bool]) -> Callable[[Scope, Any], bool]:
        known = RULES.get(name)
        if known is not None and known.check.__qualname__ != check.__qualname__:
            raise ImproperlyConfigured(f"The access rule {name!r} is registered twice.")
        doc = (inspect.getdoc(check) or "").split("\n", 1)[0]
        RULES[name] = Rule(name, check.__module__.split(".")[0], doc, check, superuser)
        return check

    return register


def rule_table() -> list[tuple[str, str, str]]:
    """Return (name, app, one-line description) of every registered rule, by app then name."""
    return sorted(((r.name, r.app, r.doc) for r in RULES.values()), key=lambda row: (row[1], row[0]))


def allows(scope: Scope, name: str, obj: Any) -> bool:
    """Answer the rule ``name`` for an already loaded scope (rules that build on other rules use this)."""
    entry = RULES[name]
    if scope.is_superuser and entry.superuser:
        return True
    return entry.check(scope, obj)


# The core's rules: generic verbs every app uses on its records.


@rule("view")
def _can_view(scope: Scope, obj: Model) -> bool:
    """Read a record: grants reach its organization, members read their group's, models narrow it further."""
    if scope.reaches(owning_organization(obj).path) and getattr(type(obj), "access_restrict_q", None) is None:
        return True
    restricted = getattr(type(obj), "access_restrict_q", None) is not None
    widened = getattr(type(obj), "access_extra_q", None) is not None
    if (
        not restricted
        and not widened
        and (getattr(type(obj), "access_group_field", None) is None or not scope.member_group_ids)
    ):
        return False
    user_scope_only = _ScopedUser(scope)
    return visible(type(obj)._default_manager.filter(pk=obj.pk), user_scope_only).exists()


@rule("change")
def _can_change(scope: Scope, obj: Model) -> bool:
    """Change a record: only the staff of the organization that owns it (upper levels read, lower levels own)."""
    return scope.holds_at(STAFF, owning_organization(obj).pk)


@rule("manage_members")
def _can_manage_members(scope: Scope, obj: Model) -> bool:
    """Seat and unseat a group's members: the staff of the group's organization."""
    return scope.holds_at(STAFF, owning_organization(obj).pk)


@rule("manage_accounts")
def _can_manage_accounts(scope: Scope, obj: Model) -> bool:
    """Staff give logins and grant roles at their organization and everything below it, never above."""
    return scope.reaches(owning_organization(obj).path, roles=[STAFF])


@rule("read_audit")
def _can_read_audit(scope: Scope, obj: Model) -> bool:
    """Read the audit log of an organization: staff whose grant reaches it."""
    return scope.reaches(owning_organization(obj).path, roles=[STAFF])


@rule("download_archive")
def _can_download_archive(scope: Scope, obj: Model) -> bool:
    """Download a group's year archive (学习档案): readers whose grants reach the group, and its leader.

    The staff, leaders, inspectors and viewers whose grants reach the group's
    organization, and the group's leader (组长) seated in it. Members and
    observers do not get it: it holds colleagues' submissions and observers'
    reports. Whatever the reader gets is still filtered record by record
    through ``visible``, so the ZIP never holds what the reader cannot open
    as a page.
    """
    return scope.reaches(owning_organization(obj).path) or _group_id(obj) in scope.leader_group_ids


def _group_id(obj: Model) -> int | None:
    """Follow ``access_group_field`` from ``obj`` to its study group's id."""
    lookup = getattr(type(obj), "access_group_field", None)
    if lookup is None:
        return None
    if lookup == "":
        return obj.pk
    current: Any = obj
    for attribute in lookup.split("__"):
        current = getattr(current, attribute)
    return current.pk


def _holds_above(scope: Scope, organization: Organization, roles: Iterable[str]) -> bool:
    from studygroup.models import Organization

    wanted = set(roles)
    return any(
        g.role in wanted and Organization.is_path_within(organization.path, g.path, strictly=True) for g in scope.grants
    )


@rule("approve")
def _can_approve(scope: Scope, obj: Model) -> bool:
    """The group leader (组长) approves: a leader's seat in the group or a leader grant at its organization."""
    return _group_id(obj) in scope.leader_group_ids or scope.holds_at(LEADER, owning_organization(obj).pk)


@rule("comment_upward")
def _can_comment_upward(scope: Scope, obj: Model) -> bool:
    """Staff, leaders and viewers of an organization above read a filed record and remark on it."""
    return _holds_above(scope, owning_organization(obj), [STAFF, LEADER, VIEWER])


@rule("study")
def _can_study(scope: Scope, obj: Model) -> bool:
    """Members of the group study its materials and claim its research topics."""
    return _group_id(obj) in scope.member_group_ids


def _second_reviewer_id(obj: Model) -> int | None:
    from studygroup.models import StudyGroup

    group_id = _group_id(obj)
    return StudyGroup.objects.filter(pk=group_id).values_list("second_reviewer_id", flat=True).first()  # type: ignore[misc]


@rule("review_first")
def _can_review_first(scope: Scope, obj: Model) -> bool:
    """The office (staff of the owning organization) does the first review."""
    return scope.holds_at(STAFF, owning_organization(obj).pk)


@rule("review_second")
def _can_review_second(scope: Scope, obj: Model) -> bool:
    """The reviewer the group names (宣传委员) does the second review."""
    return scope.person_id is not None and scope.person_id == _second_reviewer_id(obj)


def grant_reach_q(scope: Scope, lookup: str) -> Q:
    """A condition matching records whose organization path (at ``lookup``) a grant of the scope reaches."""
    from studygroup.models import Organization

    paths = scope.paths()
    if not paths:
        return Q(pk__in=[])
    return Organization.subtree_q(paths, lookup)


def can(user: User, action: str, obj: Any) -> bool:
    """Answer whether ``user`` may do ``action`` (a rule's name) to ``obj``."""
    scope = scope_for(user)
    if not user.is_authenticated:
        return False
    return allows(scope, action, obj)


def require(user: User, action: str, obj: Any) -> None:
    """Raise ``PermissionDenied`` unless ``user`` may do ``action`` to ``obj``."""
    if not can(user, action, obj):
        raise PermissionDenied


def audit_entries_visible(queryset: QuerySet, user: User) -> QuerySet:
    """Return the audit entries a user may read: staff read their subtree's."""
    from studygroup.models import Organization

    scope = scope_for(user)
    if scope.is_superuser:
        return queryset
    paths = scope.paths([STAFF])
    if not paths:
        return queryset.none()
    return queryset.filter(Organization.subtree_q(paths, "organization_path"))
