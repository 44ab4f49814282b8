"""The planning page: the observer pool, fixed assignments, random draws and cross observation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from audits import draw, selectors, services
from audits import forms as audits_forms
from audits.forms import AssignForm, CrossForm, DrawForm, PoolAddForm
from audits.models import ObserverPoolMember, ObserverVisit, RandomDraw, VisitInvitation
from audits.views.common import _nothing_to_plan, _planning_org
from studygroup import access
from studygroup.models import Organization, Person
from studygroup.viewutils import post_action, query_id, run_service


def _within(request, organization: Organization) -> Organization:
    """The organization of ``organization``'s subtree the lists are narrowed to (``?within=``), else itself."""
    wanted = query_id(request, "within")
    if wanted is None or wanted == organization.pk:
        return organization
    return Organization.objects.filter(pk=wanted, path__startswith=organization.path).first() or organization


def _narrow(forms: dict, within: Organization) -> dict:
    """List in each form only the sessions and people of ``within``'s subtree, the first ``CHOICES_SHOWN`` of
    each (the forms still accept any of the organization's); say whether a list was cut. Two queries."""
    under = {"group__organization__path__startswith": within.path}
    people_under = {"organization__path__startswith": within.path}
    for name in ("session",):
        field = forms["assign_form"].fields[name]
        field.shown = field.queryset.filter(**under)
    for name in ("first", "second"):
        field = forms["cross_form"].fields[name]
        field.shown = field.queryset.filter(**under)
    for form, name in (
        ("cross_form", "observer_of_first"),
        ("cross_form", "observer_of_second"),
        ("pool_form", "person"),
    ):
        field = forms[form].fields[name]
        field.shown = field.queryset.filter(**people_under)
    sessions = forms["assign_form"].fields["session"].shown
    people = forms["pool_form"].fields["person"].shown
    return {
        "lists_cut": sessions[audits_forms.CHOICES_SHOWN : audits_forms.CHOICES_SHOWN + 1].exists()
        or people[audits_forms.CHOICES_SHOWN : audits_forms.CHOICES_SHOWN + 1].exists(),
        "choices_shown": audits_forms.CHOICES_SHOWN,
    }


def _scopes(organization: Organization, within: Organization) -> list[Organization]:
    """The ranges offered to narrow the lists: the organization, the one above ``within``, it and its children."""
    wanted = Q(pk=organization.pk) | Q(pk=within.pk) | Q(parent=within)
    if within.pk != organization.pk:
        wanted |= Q(pk=within.parent_id)
    return list(Organization.objects.filter(wanted).order_by("path"))


def _planning_forms(request, organization, data=None):
    year = timezone.localdate().year
    observers = Person.objects.filter(
        observer_pools__organization=organization, observer_pools__is_active=True
    ).select_related("organization")
    sessions = selectors.candidate_sessions(organization=organization)
    below = (
        Person.objects.filter(organization__path__startswith=organization.path)
        .exclude(organization=organization)
        .select_related("organization")
        .order_by("organization__path", "name")
    )
    candidates = (
        Person.objects.filter(organization__path__startswith=organization.path)
        .select_related("organization")
        .order_by("organization__path", "name")
    )
    kind = data.get("form") if data else None
    return {
        "pool_form": PoolAddForm(data if kind == "pool" else None, people=candidates),
        "assign_form": AssignForm(data if kind == "assign" else None, sessions=sessions, observers=observers),
        "draw_form": DrawForm(data if kind == "draw" else None),
        "cross_form": CrossForm(data if kind == "cross" else None, sessions=sessions, people=below),
        "pool": selectors.pool(organization=organization, year=year),
        "invitations_waiting": VisitInvitation.objects.filter(
            organization=organization, status=VisitInvitation.Status.PENDING
        ).count(),
        "draws": RandomDraw.objects.filter(organization=organization)[:10],
    }


@login_required
@require_http_methods(["GET", "POST"])
def planning_view(request):
    if (empty := _nothing_to_plan(request)) is not None:
        return empty
    organization, organizations = _planning_org(request)
    forms = _planning_forms(request, organization, request.POST if request.method == "POST" else None)
    within = _within(request, organization)
    if request.method == "POST":
        kind = request.POST.get("form")
        form = forms.get(f"{kind}_form")
        if (
            form is not None
            and form.is_valid()
            and run_service(form, lambda: _planning_action(request, organization, kind, form.cleaned_data))
        ):
            narrowed = f"&within={within.pk}" if within.pk != organization.pk else ""
            return redirect(f"{request.path}?org={organization.pk}{narrowed}")
    context = {"organization": organization, "organizations": organizations, "within": within, **forms}
    context.update(_narrow(forms, within), scopes=_scopes(organization, within))
    return render(request, "audits/planning.html", context)


def _planning_action(request, organization, kind, data) -> None:
    if kind == "pool":
        services.pool_add(organization=organization, person=data["person"], by=request.user)
        messages.success(request, _("%(name)s has joined the observer pool.") % {"name": data["person"].name})
    elif kind == "assign":
        services.visit_assign(
            organization=organization,
            session=data["session"],
            observer=data["observer"],
            mode=ObserverVisit.Mode.FIXED,
            is_online=data["is_online"],
            by=request.user,
        )
        messages.success(request, _("The observer has been assigned and notified."))
    elif kind == "draw":
        record = services.random_draw(
            organization=organization,
            date_from=data["date_from"],
            date_to=data["date_to"],
            count=data["count"],
            seed=data["seed"],
            request_key=data["request_key"],
            by=request.user,
        )
        if record.result:
            messages.success(
                request,
                _("%(count)d sessions drawn with seed %(seed)s.") % {"count": len(record.result), "seed": record.seed},
            )
        left = draw.uncovered(record.inputs, record.result)
        if left:
            messages.warning(
                request,
                _(
                    "The observer pool is too small to cover every session asked for: %(count)d sessions have no "
                    "observer. They are listed on the draw's page."
                )
                % {"count": len(left)},
            )
    elif kind == "cross":
        services.cross_pair(
            organization=organization,
            first=data["first"],
            second=data["second"],
            observer_of_first=data["observer_of_first"],
            observer_of_second=data["observer_of_second"],
            by=request.user,
        )
        messages.success(request, _("The cross observation has been arranged."))


@login_required
@require_POST
def pool_toggle_view(request, pk):
    member = get_object_or_404(ObserverPoolMember.objects.select_related("organization", "person"), pk=pk)
    if not access.can(request.user, "change", member):
        raise Http404
    post_action(
        request,
        # The state asked for, not a flip: a double click pauses once.
        lambda: services.pool_set_active(
            member=member, is_active=request.POST.get("is_active") == "1", by=request.user
        ),
        _("The observer pool has been updated."),
    )
    return redirect(f"/audits/planning/?org={member.organization_id}")
