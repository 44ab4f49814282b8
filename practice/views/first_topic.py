"""Pages of the 第一议题 follow-through: a study's measures and the year's ledger."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from practice import documents as practice_documents
from practice import selectors, services
from practice.forms import MeasureForm
from sessions.models import StudySession
from studygroup import access, documents
from studygroup.models import Person
from studygroup.once import run_once
from studygroup.viewutils import (
    chosen_organization,
    reach_trail,
    requested_year,
    year_choices,
)

# 第一议题 follow-through ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def measure_add_view(request, pk):
    session = access.get_visible_or_404(StudySession.objects.select_related("group__organization"), request.user, pk=pk)
    access.require(request.user, "practice.measure_add", session)
    people = Person.objects.filter(organization__path__startswith=session.group.organization.path).select_related(
        "organization"
    )
    form = MeasureForm(
        request.POST or None,
        people=people.order_by("name"),
        initial={"due_on": timezone.localdate() + datetime.timedelta(days=30)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def add() -> str:
            services.measure_add(
                session=session,
                decision=data["decision"],
                measure=data["measure"],
                owner=data["owner"],
                due_on=data["due_on"],
                by=request.user,
            )
            return f"{session.get_absolute_url()}#measures"

        address = run_once(request, form, add)
        if address:
            messages.success(request, _("The measure has been recorded and its owner notified."))
            return redirect(address)
    return render(request, "practice/measure_form.html", {"form": form, "session": session})


LEDGER_PAGE_SIZE = 50


def _ledger_place(request, *, strict: bool = False):
    organizations = list(access.organizations_held(request.user, access.READING_ROLES))
    organization = chosen_organization(request, organizations, reach_below=True, strict=strict)
    return organization, organizations, requested_year(request)


@login_required
def first_topic_ledger_view(request):
    """The year's figures in all and per child organization (a drill-down), counted in SQL, then the studies a
    page at a time with the measures of that page only."""
    organization, organizations, year = _ledger_place(request)
    total, parts = selectors.first_topic_summary(organization=organization, year=year, user=request.user)
    sessions = selectors.first_topic_sessions(organization=organization, year=year, user=request.user)
    paginator = Paginator(sessions, LEDGER_PAGE_SIZE)
    paginator.count = total.studies  # the summary counted them: a cached property, set, it is not counted again
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "organization": organization,
        "organizations": organizations,
        "trail": reach_trail(organization, organizations),
        "year": year,
        "years": year_choices(ahead=0),
        "total": total,
        "parts": parts if len(parts) > 1 else [],
        "rows": selectors.ledger_rows(list(page.object_list), year=year, user=request.user),
        "page": page,
        "query": urlencode({"org": organization.pk, "year": year}),
    }
    return render(request, "practice/first_topic_ledger.html", context)


@login_required
def first_topic_xlsx_view(request):
    organization, _organizations, year = _ledger_place(request, strict=True)
    rows = selectors.first_topic_ledger(organization=organization, year=year, user=request.user)
    name = f"{organization.name}{year}年第一议题台账.xlsx"
    return documents.download(practice_documents.first_topic_xlsx(rows), documents.XLSX, name)
