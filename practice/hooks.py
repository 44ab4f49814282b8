"""What the practice app adds to pages of the apps below it (registered by ``PracticeConfig.ready``)."""

from __future__ import annotations

from django.urls import reverse

from practice import ledger
from studygroup import access
from studygroup.page_panels import page_panel


@page_panel(place="plans.plan_detail", key="selfstudy-targets", template="practice/panels/plan_targets.html")
def plan_targets(request, plan):
    """The plan's self-study targets, with the way to set them and to the group's table."""
    targets = ledger.sorted_targets(plan.selfstudy_targets.all())
    can_set = access.can(request.user, "practice.targets_set", plan)
    if not targets and not can_set:
        return None
    return {
        "plan": plan,
        "targets": targets,
        "can_set": can_set,
        "table_url": (
            f"{reverse('practice:group-selfstudy', args=[plan.group_id])}?year={plan.year}"
            if access.can(request.user, "practice.selfstudy_table", plan.group)
            else ""
        ),
    }
