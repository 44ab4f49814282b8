"""Navigation entries and home panels of the plans app."""

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from plans import selectors
from plans.models import StudyPlan
from studygroup import access
from studygroup import selectors as core_selectors
from studygroup.home_panels import TodoItem, todo_source
from studygroup.navigation import home_panel, nav_item

EVERYONE = {access.STAFF, access.LEADER, access.OBSERVER, access.INSPECTOR, access.VIEWER, access.MEMBER}

PLANNING = _("Planning")
nav_item(label=_("Study plans"), url_name="plans:plan-list", icon="calendar3", roles=EVERYONE, order=20, menu=PLANNING)
nav_item(
    label=_("Study materials"),
    url_name="plans:material-list",
    icon="journal-bookmark",
    roles={access.STAFF, access.MEMBER},
    order=21,
    menu=PLANNING,
)
nav_item(
    label=_("Research topics"), url_name="plans:research-list", icon="search", roles=EVERYONE, order=22, menu=PLANNING
)


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


@todo_source(roles={access.MEMBER}, order=50)
def materials_to_study(user, scope) -> list[TodoItem]:
    count = selectors.my_upcoming_materials(user=user).filter(is_confirmed=False).count()
    if not count:
        return []
    text = ngettext(
        "%(count)d material to study before your next sessions.",
        "%(count)d materials to study before your next sessions.",
        count,
    ) % {"count": count}
    return [TodoItem(text, selectors.materials_url())]


@todo_source(roles={access.LEADER, access.MEMBER}, order=5)
def plans_to_approve(user, scope) -> list[TodoItem]:
    leader_orgs = scope.organization_ids([access.LEADER])
    if not leader_orgs and not scope.leader_group_ids:
        return []
    plans = (
        StudyPlan.objects.filter(status=StudyPlan.Status.SUBMITTED)
        .filter(Q(group__organization_id__in=leader_orgs) | Q(group_id__in=scope.leader_group_ids))
        .select_related("group__organization")
    )
    return [
        TodoItem(_("Approve the plan: %(plan)s.") % {"plan": plan}, plan.get_absolute_url(), is_urgent=True)
        for plan in plans
    ]


@todo_source(roles={access.STAFF}, order=15)
def plans_to_draft(user, scope) -> list[TodoItem]:
    year = timezone.localdate().year
    return [
        TodoItem(
            _("%(organization)s has no study plan for %(year)d yet.")
            % {"organization": group.organization.name, "year": year},
            reverse("plans:plan-create") + f"?group={group.pk}&year={year}",
        )
        for group in selectors.groups_without_plan(user=user, year=year).select_related("organization")
    ]


@todo_source(roles={access.STAFF}, order=16)
def plans_to_submit(user, scope) -> list[TodoItem]:
    """This year's plans still in draft: a plan is for the whole year, so an unsubmitted one is always urgent."""
    year = timezone.localdate().year
    plans = StudyPlan.objects.filter(
        group__in=core_selectors.groups_staffed(user=user), year=year, status=StudyPlan.Status.DRAFT
    ).select_related("group__organization")
    return [
        TodoItem(
            _("The %(year)d study plan of %(organization)s is still a draft: submit it for approval.")
            % {"organization": plan.group.organization.name, "year": year},
            plan.get_absolute_url(),
            is_urgent=True,
        )
        for plan in plans
    ]


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
