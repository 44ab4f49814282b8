"""Navigation entries and home panels of the core, one per role."""

from django.utils.translation import gettext_lazy as _

from studygroup import access, selectors
from studygroup.navigation import home_panel, nav_item

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
    groups = list(selectors.groups_staffed(user=user))
    pending = []
    for group in groups:
        if not group.leader_count:
            pending.append((group, _("No group leader is on record.")))
        if not group.secretary_count:
            pending.append((group, _("No study secretary is on record.")))
    return {"groups": groups, "pending": pending}


@home_panel(
    key="member-groups",
    title=_("My study groups"),
    template="studygroup/panels/member_groups.html",
    roles={access.MEMBER},
    order=20,
)
def member_groups(user, scope):
    return {"memberships": list(selectors.groups_of_member(user=user))}


def _subtree(user, roles, intro):
    figures = selectors.subtree_figures(user=user, roles=roles)
    if figures is None:
        return None
    return {"figures": figures, "intro": intro}


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
        _("Open an organization to read its groups and members; the dashboard of figures comes with the reports."),
    )


@home_panel(
    key="inspector-scope",
    title=_("Where I inspect"),
    template="studygroup/panels/subtree.html",
    roles={access.INSPECTOR},
    order=50,
)
def inspector_scope(user, scope):
    return _subtree(user, [access.INSPECTOR], _("The yearly check covers the study groups of these organizations."))
