"""Pages of invitations to observe: asking the organization above, and answering as it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from audits import selectors, services
from audits.forms import AcceptForm, InviteForm
from audits.models import VisitInvitation
from sessions.models import StudySession
from studygroup import access
from studygroup.models import Person
from studygroup.viewutils import chosen_organization, post_action, run_service


@login_required
def invitation_list_view(request):
    """Invitations to observe addressed to an organization where the user is staff: accept or decline them."""
    organizations = list(access.organizations_held(request.user, [access.STAFF]))
    organization = chosen_organization(request, organizations)
    waiting, answered = selectors.invitations(organization=organization)
    return render(
        request,
        "audits/invitation_list.html",
        {"organization": organization, "organizations": organizations, "waiting": waiting, "answered": answered},
    )


@login_required
@require_POST
def invitation_accept_view(request, pk):
    invitation = get_object_or_404(
        VisitInvitation.objects.select_related("organization", "session__group__organization"), pk=pk
    )
    if not access.can(request.user, "change", invitation.organization):
        raise Http404
    observers = Person.objects.filter(
        observer_pools__organization=invitation.organization, observer_pools__is_active=True
    ).select_related("organization")
    if request.POST.get("decline"):
        post_action(
            request,
            lambda: services.invitation_decline(invitation=invitation, by=request.user),
            _("The invitation has been declined."),
        )
    else:
        form = AcceptForm(request.POST, observers=observers)
        if form.is_valid():
            post_action(
                request,
                lambda: services.invitation_accept(
                    invitation=invitation, observer=form.cleaned_data["observer"], by=request.user
                ),
                _("The invitation has been accepted and the observer assigned."),
            )
        else:
            messages.error(request, _("Choose an observer."))
    return redirect(f"{reverse('audits:invitations')}?org={invitation.organization_id}")


@login_required
@require_http_methods(["GET", "POST"])
def invite_view(request, session_pk):
    session = access.get_visible_or_404(
        StudySession.objects.select_related("group__organization__parent"), request.user, pk=session_pk
    )
    access.require(request.user, "change", session)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if run_service(
            form, lambda: services.invitation_create(session=session, note=form.cleaned_data["note"], by=request.user)
        ):
            messages.success(request, _("The organization above has been invited to observe."))
            return redirect(session)
    return render(request, "audits/invite_form.html", {"session": session, "form": form})
