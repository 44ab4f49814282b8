"""The coverage page: which groups of a subtree have been observed this year."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from audits import selectors
from audits.views.common import _nothing_to_plan, _planning_org
from studygroup.viewutils import requested_year


@login_required
def coverage_view(request):
    if (empty := _nothing_to_plan(request)) is not None:
        return empty
    organization, organizations = _planning_org(request)
    year = requested_year(request)
    groups, ratio = selectors.coverage(organization=organization, year=year)
    visits = list(selectors.subtree_visits(organization=organization, year=year))
    context = {
        "organization": organization,
        "organizations": organizations,
        "year": year,
        "groups": groups,
        "ratio": ratio,
        "unobserved": sum(1 for g in groups if not g.visit_count),
        "planned": sum(g.planned_count for g in groups),
        "visits": visits,
    }
    return render(request, "audits/coverage.html", context)
