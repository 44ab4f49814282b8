"""Navigation entries and home panels of the sessions app."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from sessions import selectors
from sessions.models import StudySession
from studygroup import access, formats
from studygroup import selectors as core_selectors
from studygroup.home_panels import TodoItem, todo_source
from studygroup.navigation import home_panel, nav_item

EVERYONE = {access.STAFF, access.LEADER, access.OBSERVER, access.INSPECTOR, access.VIEWER, access.MEMBER}
SESSIONS = pgettext_lazy("menu", "Sessions")

nav_item(label=_("My study"), url_name="sessions:my-study", icon="person-workspace", roles={access.MEMBER}, order=5)
nav_item(
    label=_("Study sessions"),
    url_name="sessions:session-list",
    icon="calendar-event",
    roles=EVERYONE,
    order=30,
    menu=SESSIONS,
)
nav_item(
    label=_("Notes and reflections"),
    url_name="sessions:submission-list",
    icon="pencil-square",
    roles={access.STAFF, access.MEMBER, access.LEADER},
    order=31,
    menu=SESSIONS,
)
nav_item(
    label=_("Make-up study"),
    url_name="sessions:makeup-list",
    icon="arrow-repeat",
    roles={access.STAFF},
    order=32,
    menu=SESSIONS,
)
nav_item(
    label=_("Lectures"), url_name="sessions:lecture-list", icon="megaphone", roles=EVERYONE, order=33, menu=SESSIONS
)


@home_panel(
    key="member-next",
    title=_("My next sessions"),
    template="sessions/panels/next_sessions.html",
    roles={access.MEMBER},
    order=14,
)
def member_next(user, scope):
    return {"sessions": list(selectors.upcoming_sessions(user=user)[:5])}


@home_panel(
    key="staff-sessions",
    title=_("Next sessions of my groups"),
    template="sessions/panels/staff_sessions.html",
    roles={access.STAFF},
    order=11,
)
def staff_sessions(user, scope):
    groups = core_selectors.groups_staffed(user=user)
    sessions = list(
        StudySession.objects.filter(group__in=groups, ends_at__gte=timezone.now())
        .select_related("group__organization")
        .order_by("starts_at")[:8]
    )
    return {"sessions": sessions}


@todo_source(roles={access.STAFF}, order=20)
def sessions_without_plan(user, scope) -> list[TodoItem]:
    groups = core_selectors.groups_staffed(user=user)
    sessions = StudySession.objects.filter(group__in=groups, ends_at__gte=timezone.now()).order_by("starts_at")
    return [
        TodoItem(
            _("%(title)s (%(organization)s) has no session plan yet.")
            % {"title": session.title, "organization": session.group.organization.name},
            session.get_absolute_url(),
            is_urgent=True,
        )
        for session in sessions.select_related("group__organization")
        if session.is_plan_missing
    ]


@todo_source(roles={access.STAFF, access.LEADER, access.MEMBER}, order=25)
def leave_requests_waiting(user, scope) -> list[TodoItem]:
    """One line per session with leave requests the user decides (批准/不批准 on the session's page)."""
    per_session: dict[int, list] = {}
    for leave in selectors.leave_requests_to_decide(user=user):
        per_session.setdefault(leave.session_id, []).append(leave)
    return [
        TodoItem(
            ngettext(
                "%(title)s: %(count)d leave request waits for your decision.",
                "%(title)s: %(count)d leave requests wait for your decision.",
                len(leaves),
            )
            % {"title": leaves[0].session.title, "count": len(leaves)},
            leaves[0].session.get_absolute_url() + "#leave",
            is_urgent=not leaves[0].session.has_started,
        )
        for leaves in per_session.values()
    ]


@todo_source(roles={access.STAFF, access.LEADER, access.MEMBER}, order=30)
def submissions_waiting(user, scope) -> list[TodoItem]:
    """Submissions to review, make-up notes counted apart (they close a member's make-up)."""
    counts = selectors.submissions_to_review(user=user).aggregate(
        notes=Count("pk", filter=Q(is_makeup=True)), others=Count("pk", filter=Q(is_makeup=False))
    )
    items = []
    if counts["others"]:
        text = ngettext(
            "%(count)d submission waits for your review.",
            "%(count)d submissions wait for your review.",
            counts["others"],
        ) % {"count": counts["others"]}
        items.append(TodoItem(text, reverse("sessions:submission-list") + "#to-review"))
    if counts["notes"]:
        text = ngettext(
            "%(count)d make-up note waits for your review.",
            "%(count)d make-up notes wait for your review.",
            counts["notes"],
        ) % {"count": counts["notes"]}
        items.append(TodoItem(text, reverse("sessions:submission-list") + "#to-review"))
    return items


# The overdue make-ups named on the home page, the longest overdue first; the make-up list pages through the rest.
MAKEUPS_NAMED = 3


@todo_source(roles={access.STAFF}, order=40)
def makeups_overdue(user, scope) -> list[TodoItem]:
    """Overdue make-ups counted in SQL, the first ``MAKEUPS_NAMED`` of them named (two queries at any size)."""
    overdue = selectors.makeups_overdue(user=user)
    count = overdue.count()
    if not count:
        return []
    text = ngettext(
        "%(count)d make-up is overdue in your groups.", "%(count)d make-ups are overdue in your groups.", count
    ) % {"count": count}
    details = tuple(
        (
            _("%(person)s · %(session)s (%(organization)s), due %(date)s")
            % {
                "person": row.person.name,
                "session": row.session.title,
                "organization": row.session.group.organization.name,
                "date": formats.date_zh(selectors.makeup_due_on(row.session)),
            },
            row.session.get_absolute_url(),
        )
        # By the session's end alone (then the row): the index on ``ends_at`` stops at the first few.
        for row in overdue.order_by("session__ends_at", "pk")[:MAKEUPS_NAMED]
    )
    return [TodoItem(text, reverse("sessions:makeup-list"), is_urgent=True, details=details, total=count)]


@todo_source(roles={access.MEMBER}, order=41)
def my_makeups_due(user, scope) -> list[TodoItem]:
    rows = [row for row in selectors.my_makeups(user=user) if not row[0].is_in_review]
    if not rows:
        return []
    text = ngettext("%(count)d make-up is due.", "%(count)d make-ups are due.", len(rows)) % {"count": len(rows)}
    return [TodoItem(text, reverse("sessions:my-study"), is_urgent=any(late for _row, _due, late in rows))]
