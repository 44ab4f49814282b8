"""Navigation entries of the practice app."""

from django.utils.translation import gettext_lazy as _

from practice.access_rules import CALENDAR_ROLES
from studygroup import access
from studygroup.navigation import nav_item

PRACTICE = _("From study to practice")
READERS = {access.STAFF, access.LEADER, access.INSPECTOR, access.VIEWER}


def _reads_a_table(user) -> bool:
    """Grants reading a subtree, or a leader's seat, open the groups' self-study tables (no query: the scope)."""
    scope = access.scope_for(user)
    return scope.is_superuser or bool(scope.paths() or scope.leader_group_ids)


nav_item(label=_("My self-study"), url_name="practice:my-selfstudy", icon="book", roles={access.MEMBER}, order=6)
nav_item(
    label=_("Self-study ledgers"),
    url_name="practice:selfstudy-groups",
    icon="journal-check",
    visible=_reads_a_table,
    order=40,
    menu=PRACTICE,
)
nav_item(
    label=_("第一议题 ledger"),
    url_name="practice:first-topic-ledger",
    icon="flag",
    roles=READERS,
    order=41,
    menu=PRACTICE,
)


def _reads_a_calendar(user) -> bool:
    """A role at an organization with others below it: sessions are reported to it (no query: the scope)."""
    scope = access.scope_for(user)
    return scope.is_superuser or any(
        grant.role in CALENDAR_ROLES and grant.has_organizations_below for grant in scope.grants
    )


nav_item(
    label=_("Calendar of reported sessions"),
    url_name="practice:calendar",
    icon="calendar-week",
    visible=_reads_a_calendar,
    order=42,
    menu=PRACTICE,
)
nav_item(
    label=_("Recommended readings"),
    url_name="practice:readings",
    icon="bookmark-star",
    roles={access.STAFF, access.MEMBER},
    order=43,
    menu=PRACTICE,
)
