"""The coverage page: which groups of a subtree have been observed this year."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from audits import selectors
from audits.views.common import _nothing_to_plan
from studygroup.viewutils import chosen_organization, reach_trail, requested_year

COVERAGE_PAGE_SIZE = 100


@login_required
def coverage_view(request):
    """The subtree's coverage in all and per child organization (a drill-down), then its groups a page at a time
    with the visits to the groups of that page."""
    if (empty := _nothing_to_plan(request)) is not None:
        return empty
    organizations = list(selectors.planning_organizations(user=request.user))
    organization = chosen_organization(request, organizations, reach_below=True)
    year = requested_year(request)
    total, parts = selectors.coverage_summary(organization=organization, year=year)
    page = Paginator(selectors.coverage_groups(organization), COVERAGE_PAGE_SIZE).get_page(request.GET.get("page"))
    groups = selectors.with_visit_counts(list(page.object_list), year)
    visits = selectors.subtree_visits(organization=organization, year=year).filter(session__group__in=groups)
    context = {
        "organization": organization,
        "organizations": organizations,
        "trail": reach_trail(organization, organizations),
        "year": year,
        "total": total,
        "parts": parts if len(parts) > 1 else [],
        "groups": groups,
        "page": page,
        "query": urlencode({"org": organization.pk, "year": year}),
        "ratio": total.ratio,
        "unobserved": total.groups - total.observed,
        "planned": total.planned,
        "visits": list(visits),
    }
    return render(request, "audits/coverage.html", context)
