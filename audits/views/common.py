"""What the planning pages share: the organizations a user plans for, and the page for those with none."""

from __future__ import annotations

from django.shortcuts import render

from audits import selectors
from studygroup import access
from studygroup.models import Organization
from studygroup.viewutils import chosen_organization


def _planning_org(request) -> tuple[Organization, list[Organization]]:
    organizations = list(selectors.planning_organizations(user=request.user))
    return chosen_organization(request, organizations), organizations


def _nothing_to_plan(request):
    """Staff of an organization with none below it (a town) have no visit to arrange: a plain page says so."""
    is_staff = access.organizations_held(request.user, [access.STAFF]).exists()
    if request.method == "GET" and is_staff and not selectors.planning_organizations(user=request.user).exists():
        return render(request, "audits/nothing_to_plan.html")
    return None
