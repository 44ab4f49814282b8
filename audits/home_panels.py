"""Navigation entries and home panels of the audits app."""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audits import selectors, services
from audits.models import Action
from studygroup import access
from studygroup.navigation import home_panel, nav_item

OBSERVATION = _("Observation")
nav_item(label=_("My visits"), url_name="audits:my-visits", icon="eye", roles={access.OBSERVER}, order=6)
nav_item(
    label=_("Coverage"),
    url_name="audits:coverage",
    icon="grid-3x3-gap",
    roles={access.STAFF},
    order=50,
    menu=OBSERVATION,
)
nav_item(
    label=_("Plan visits"),
    url_name="audits:planning",
    icon="calendar2-check",
    roles={access.STAFF},
    order=51,
    menu=OBSERVATION,
)
nav_item(
    label=_("Invitations to observe"),
    url_name="audits:invitations",
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
    label=_("Actions"),
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
    """Actions the user owns that are not done, and those they raised that wait for their acceptance."""
    today = timezone.localdate()
    to_do = Q(owner__user=user) & ~Q(status=Action.Status.DONE) | Q(
        raised_by=user, status=Action.Status.DONE, accepted_on__isnull=True
    )
    actions = [(a, a.is_overdue(today)) for a in selectors.action_list(user=user, mine=True).filter(to_do)[:8]]
    return {"actions": actions} if actions else None
