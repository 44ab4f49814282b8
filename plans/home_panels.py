"""Navigation entries and home panels of the plans app."""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from plans import selectors
from plans.models import StudyPlan
from studygroup import access
from studygroup import selectors as core_selectors
from studygroup.navigation import home_panel, nav_item

EVERYONE = {access.STAFF, access.LEADER, access.OBSERVER, access.INSPECTOR, access.VIEWER, access.MEMBER}

PLANNING = _("Planning")
nav_item(label=_("Study plans"), url_name="plans:plan-list", icon="calendar3", roles=EVERYONE, order=20, menu=PLANNING)
nav_item(
    label=_("Materials"),
    url_name="plans:material-list",
    icon="journal-bookmark",
    roles={access.STAFF, access.MEMBER},
    order=21,
    menu=PLANNING,
)
nav_item(label=_("Research"), url_name="plans:research-list", icon="search", roles=EVERYONE, order=22, menu=PLANNING)


@home_panel(
    key="to-study",
    title=_("To study before my next sessions"),
    template="plans/panels/to_study.html",
    roles={access.MEMBER},
    order=15,
)
def to_study(user, scope):
    materials = list(selectors.my_upcoming_materials(user=user)[:8])
    return {"materials": materials, "pending": sum(1 for m in materials if not m.is_confirmed)}


@home_panel(
    key="plans-to-approve",
    title=_("Plans awaiting my approval"),
    template="plans/panels/to_approve.html",
    roles={access.LEADER, access.MEMBER},
    order=5,
)
def plans_to_approve(user, scope):
    leader_orgs = scope.organization_ids([access.LEADER])
    if not leader_orgs and not scope.leader_group_ids:
        return None
    plans = list(
        StudyPlan.objects.filter(status=StudyPlan.Status.SUBMITTED)
        .filter(Q(group__organization_id__in=leader_orgs) | Q(group_id__in=scope.leader_group_ids))
        .select_related("group__organization")
    )
    return {"plans": plans}


@home_panel(
    key="staff-plans",
    title=_("This year's plans"),
    template="plans/panels/staff_plans.html",
    roles={access.STAFF},
    order=12,
)
def staff_plans(user, scope):
    year = timezone.localdate().year
    groups = list(core_selectors.groups_staffed(user=user))
    plans = {plan.group_id: plan for plan in StudyPlan.objects.filter(group__in=groups, year=year)}
    return {"year": year, "rows": [(group, plans.get(group.pk)) for group in groups]}
