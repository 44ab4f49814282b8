"""Navigation entries and home panels of the audits app."""

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from audits import selectors, services
from audits.models import VisitInvitation
from studygroup import access
from studygroup.home_panels import TodoItem, todo_source
from studygroup.navigation import home_panel, nav_item

OBSERVATION = _("Observation")


def _arranges_visits(user) -> bool:
    """Staff of an organization with others below it arrange visits and receive invitations; a town's do not."""
    return access.scope_for(user).holds_above_others(access.STAFF)


nav_item(label=_("My visits"), url_name="audits:my-visits", icon="eye", roles={access.OBSERVER}, order=6)
nav_item(
    label=_("Coverage"),
    url_name="audits:coverage",
    visible=_arranges_visits,
    icon="grid-3x3-gap",
    roles={access.STAFF},
    order=50,
    menu=OBSERVATION,
)
nav_item(
    label=_("Plan visits"),
    url_name="audits:planning",
    visible=_arranges_visits,
    icon="calendar2-check",
    roles={access.STAFF},
    order=51,
    menu=OBSERVATION,
)
nav_item(
    label=_("Invitations to observe"),
    url_name="audits:invitations",
    visible=_arranges_visits,
    icon="envelope-open",
    roles={access.STAFF},
    order=51,
    menu=OBSERVATION,
)
nav_item(
    label=_("八有 and 七有"),
    url_name="audits:compliance",
    icon="clipboard-check",
    roles={access.STAFF, access.LEADER, access.INSPECTOR, access.VIEWER},
    order=52,
    menu=OBSERVATION,
)
nav_item(
    label=pgettext_lazy("problem list", "Actions"),
    url_name="audits:action-list",
    icon="list-task",
    roles={access.STAFF, access.LEADER, access.INSPECTOR, access.VIEWER, access.MEMBER, access.OBSERVER},
    order=53,
    menu=OBSERVATION,
)
nav_item(
    label=_("Rules documents"),
    url_name="audits:rules",
    icon="file-earmark-ruled",
    roles={access.STAFF},
    order=54,
    menu=OBSERVATION,
)


@home_panel(
    key="observer-visits",
    title=_("My observer visits"),
    template="audits/panels/my_visits.html",
    roles={access.OBSERVER},
    order=8,
)
def observer_visits(user, scope):
    now = timezone.now()
    visits = [
        (v, services.is_pre_review_late(v), services.is_report_late(v))
        for v in selectors.my_visits(user=user).filter(session__ends_at__gte=now - timezone.timedelta(days=30))[:8]
    ]
    return {"visits": visits}


@home_panel(
    key="my-actions",
    title=_("My actions"),
    template="audits/panels/my_actions.html",
    roles={access.MEMBER, access.STAFF, access.LEADER, access.OBSERVER},
    order=60,
)
def my_actions(user, scope):
    """Actions waiting for the user (``selectors.waiting_q``): owned and not done, or raised and to accept."""
    today = timezone.localdate()
    actions = [(a, a.is_overdue(today)) for a in selectors.action_list(user=user, waiting=True)[:8]]
    return {"actions": actions} if actions else None


@todo_source(roles={access.OBSERVER}, order=60)
def visits_waiting(user, scope) -> list[TodoItem]:
    """Visits whose review before the session or whose report is still to be done."""
    items = []
    for visit in selectors.my_visits(user=user).filter(reported_on__isnull=True):
        name = {"organization": visit.session.group.organization.name, "title": visit.session.title}
        if visit.session.has_started:
            text = _("Write the visit report: %(organization)s · %(title)s.") % name
            items.append(TodoItem(text, visit.get_absolute_url(), is_urgent=services.is_report_late(visit)))
        elif not visit.pre_review_on:
            text = _("Review before the session: %(organization)s · %(title)s.") % name
            items.append(TodoItem(text, visit.get_absolute_url(), is_urgent=services.is_pre_review_late(visit)))
    return items


@todo_source(roles={access.STAFF}, order=65)
def invitations_waiting(user, scope) -> list[TodoItem]:
    """Invitations to observe addressed to the user's organizations that wait for an answer (one query)."""
    rows = (
        VisitInvitation.objects.filter(
            organization_id__in=scope.organization_ids([access.STAFF]),
            status=VisitInvitation.Status.PENDING,
            session__starts_at__gt=timezone.now(),
        )
        .values("organization_id", "organization__name")
        .annotate(n=Count("pk"))
        .order_by("organization__path")
    )
    url = reverse("audits:invitations")
    return [
        TodoItem(
            ngettext(
                "%(organization)s: %(count)d invitation to observe waits for your answer.",
                "%(organization)s: %(count)d invitations to observe wait for your answer.",
                row["n"],
            )
            % {"organization": row["organization__name"], "count": row["n"]},
            f"{url}?org={row['organization_id']}",
        )
        for row in rows
    ]


@todo_source(roles={access.MEMBER, access.STAFF, access.LEADER}, order=70)
def my_actions_overdue(user, scope) -> list[TodoItem]:
    """The overdue ones among the actions of the "My actions" card, counted in one query."""
    count = selectors.action_list(user=user, waiting=True, status="overdue").count()
    if not count:
        return []
    text = ngettext("%(count)d of your actions is overdue.", "%(count)d of your actions are overdue.", count) % {
        "count": count
    }
    return [TodoItem(text, reverse("audits:action-list") + "?waiting=1&status=overdue", is_urgent=True)]


@todo_source(roles={access.MEMBER, access.STAFF, access.LEADER, access.OBSERVER}, order=71)
def my_actions_to_accept(user, scope) -> list[TodoItem]:
    """Actions the user raised that are reported done and wait for their acceptance, counted in one query."""
    count = selectors.action_list(user=user, waiting=True, status="done").count()
    if not count:
        return []
    text = ngettext(
        "%(count)d action you raised is reported done and waits for your acceptance.",
        "%(count)d actions you raised are reported done and wait for your acceptance.",
        count,
    ) % {"count": count}
    return [TodoItem(text, reverse("audits:action-list") + "?waiting=1&status=done")]
