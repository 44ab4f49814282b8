"""Pages of the 第一议题 follow-through: a study's measures and the year's ledger."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
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


def _ledger_context(request, *, strict: bool = False) -> dict:
    organizations = list(access.organizations_held(request.user, access.READING_ROLES))
    organization = chosen_organization(request, organizations, reach_below=True, strict=strict)
    year = requested_year(request)
    rows = selectors.first_topic_ledger(organization=organization, year=year, user=request.user)
    return {
        "organization": organization,
        "organizations": organizations,
        "trail": reach_trail(organization, organizations),
        "year": year,
        "years": year_choices(ahead=0),
        "rows": rows,
        "measures": sum(len(row.measures) for row in rows),
        "done": sum(row.done for row in rows),
        "overdue": sum(row.overdue for row in rows),
    }


@login_required
def first_topic_ledger_view(request):
    return render(request, "practice/first_topic_ledger.html", _ledger_context(request))


@login_required
def first_topic_xlsx_view(request):
    context = _ledger_context(request, strict=True)
    name = f"{context['organization'].name}{context['year']}年第一议题台账.xlsx"
    return documents.download(practice_documents.first_topic_xlsx(context["rows"]), documents.XLSX, name)
