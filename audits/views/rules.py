"""The page of an organization's rules documents."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from audits import services
from audits.forms import RulesForm
from studygroup import access
from studygroup.viewutils import chosen_organization, run_service


@login_required
@require_http_methods(["GET", "POST"])
def rules_view(request):
    organizations = list(access.organizations_held(request.user, [access.STAFF]))
    organization = chosen_organization(request, organizations)
    form = RulesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if run_service(
            form,
            lambda: services.rules_add(
                organization=organization,
                title=form.cleaned_data["title"],
                adopted_on=form.cleaned_data["adopted_on"],
                by=request.user,
            ),
        ):
            messages.success(request, _("The rules document has been recorded."))
            return redirect(f"{request.path}?org={organization.pk}")
    return render(
        request,
        "audits/rules.html",
        {
            "organization": organization,
            "organizations": organizations,
            "form": form,
            "documents": organization.rules_documents.all(),
        },
    )
