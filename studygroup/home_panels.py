"""Navigation entries and home panels of the core, one per role, and the one list of things to do.

Whatever waits for the user (a plan to approve, submissions to review, overdue make-ups, a visit report due…)
appears in the "To do" panel and only there: each app registers a ``todo_source`` for it, so no panel can say
"nothing is waiting" while another shows work waiting. Other panels list records; they do not count work.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from studygroup import access, selectors
from studygroup.navigation import home_panel, nav_item

EVERYONE = {access.STAFF, access.LEADER, access.OBSERVER, access.INSPECTOR, access.VIEWER, access.MEMBER}


@dataclass(frozen=True)
class TodoItem:
    """One kind of work waiting for the user: what it is (a sentence with its count) and where to do it;
    ``details``: the first few records it counts, each a line with its own link (never all of them)."""

    text: str
    url: str
    is_urgent: bool = False
    details: tuple[tuple[str, str], ...] = ()
    total: int = 0


@dataclass(frozen=True)
class TodoSource:
    roles: frozenset[str]
    order: int
    items: Callable[..., list[TodoItem]]


TODO_SOURCES: list[TodoSource] = []


def todo_source(*, roles, order: int = 100):
    """Register the decorated ``(user, scope) -> list[TodoItem]`` as a source of the "To do" panel."""

    def register(function):
        if not any(source.items.__qualname__ == function.__qualname__ for source in TODO_SOURCES):
            TODO_SOURCES.append(TodoSource(frozenset(roles), order, function))
            TODO_SOURCES.sort(key=lambda source: source.order)
        return function

    return register


def _roles(scope: access.Scope) -> set[str]:
    roles = set(scope.roles)
    if scope.is_superuser:
        roles |= {access.STAFF, access.VIEWER}
    return roles


@home_panel(key="to-do", title=_("To do"), template="studygroup/panels/to_do.html", roles=EVERYONE, order=1)
def to_do(user, scope):
    """Every task waiting for the user; roles with nothing to do (viewers, inspectors) get no panel."""
    roles = _roles(scope)
    sources = [source for source in TODO_SOURCES if source.roles & roles]
    if not sources:
        return None
    return {"items": [item for source in sources for item in source.items(user, scope)]}


READERS = {access.STAFF, access.LEADER, access.INSPECTOR, access.VIEWER}

nav_item(label=_("Home"), url_name="home", icon="house", order=0)
nav_item(
    label=_("Organizations"), url_name="core:org-tree", icon="diagram-3", roles=READERS | {access.MEMBER}, order=10
)
OFFICE = _("Accounts and log")
nav_item(
    label=_("Accounts and roles"),
    url_name="core:people",
    icon="person-badge",
    roles={access.STAFF},
    order=89,
    menu=OFFICE,
)
nav_item(
    label=_("Audit log"), url_name="core:audit-log", icon="journal-text", roles={access.STAFF}, order=90, menu=OFFICE
)


@home_panel(
    key="staff-groups",
    title=_("Study groups I keep"),
    template="studygroup/panels/staff_groups.html",
    roles={access.STAFF},
    order=10,
)
def staff_groups(user, scope):
    return {"groups": list(selectors.groups_staffed(user=user))}


@todo_source(roles={access.STAFF}, order=10)
def groups_incomplete(user, scope) -> list[TodoItem]:
    items = []
    for group in selectors.groups_staffed(user=user):
        if not group.leader_count:  # type: ignore[attr-defined]
            items.append(
                TodoItem(
                    _("%(organization)s: no group leader is on record.") % {"organization": group.organization.name},
                    group.get_absolute_url(),
                )
            )
        if not group.secretary_count:  # type: ignore[attr-defined]
            items.append(
                TodoItem(
                    _("%(organization)s: no study secretary is on record.") % {"organization": group.organization.name},
                    group.get_absolute_url(),
                )
            )
    return items


@home_panel(
    key="member-groups",
    title=_("My study groups"),
    template="studygroup/panels/member_groups.html",
    roles={access.MEMBER},
    order=20,
)
def member_groups(user, scope):
    return {"memberships": list(selectors.groups_of_member(user=user))}


def _subtree(user, roles, intro, *, dashboard: bool = False, compliance: bool = False):
    figures = selectors.subtree_figures(user=user, roles=roles)
    if figures is None:
        return None
    return {"figures": figures, "intro": intro, "dashboard": dashboard, "compliance": compliance}


@home_panel(
    key="viewer-subtree",
    title=_("Organizations under my view"),
    template="studygroup/panels/subtree.html",
    roles={access.VIEWER, access.LEADER},
    order=30,
)
def viewer_subtree(user, scope):
    return _subtree(
        user,
        [access.VIEWER, access.LEADER],
        _("Open an organization to read its groups and members; the figures of the year are on the dashboard."),
        dashboard=True,
    )


@home_panel(
    key="inspector-scope",
    title=_("Where I inspect"),
    template="studygroup/panels/subtree.html",
    roles={access.INSPECTOR},
    order=50,
)
def inspector_scope(user, scope):
    return _subtree(
        user,
        [access.INSPECTOR],
        _("The yearly check covers the study groups of these organizations."),
        compliance=True,
    )
