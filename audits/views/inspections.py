"""The checklist of one group and year: computed statuses, evidence and the inspector's verdicts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from audits import checklists, selectors, services
from audits.forms import VerdictForm
from audits.models import Checklist
from audits.views.actions import _raise_action
from studygroup import access
from studygroup.models import StudyGroup


def _require_year(year: int) -> None:
    """Years in addresses are those a page can show; others (``/99999/``) are not found."""
    if not 2000 <= year <= 2100:
        raise Http404


@login_required
@require_http_methods(["GET", "POST"])
def group_checklist_view(request, pk, year, code):
    _require_year(year)
    group = access.get_visible_or_404(StudyGroup.objects.select_related("organization"), request.user, pk=pk)
    checklist = get_object_or_404(Checklist, code=code)
    statuses = checklists.compute([group], year, code)[group.pk]
    inspection = group.inspections.filter(year=year, checklist=checklist).first()
    verdicts = {v.item_id: v for v in inspection.verdicts.all()} if inspection else {}
    can_inspect = access.can(request.user, "audits.inspect", group)
    if request.method == "POST":
        if not can_inspect:
            raise PermissionDenied
        form = VerdictForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a verdict."))
            return redirect(request.path)
        item = get_object_or_404(checklist.items, pk=form.cleaned_data["item"])
        services.verdict_set(
            group=group,
            year=year,
            checklist=checklist,
            item=item,
            verdict=form.cleaned_data["verdict"],
            comment=form.cleaned_data["comment"],
            by=request.user,
        )
        messages.success(request, _("The verdict has been recorded beside the computed status."))
        return redirect(request.path + f"#item-{item.code}")
    items = [
        {
            "item": item,
            "status": statuses.get(item.code),
            "label": checklists.STATUS_LABELS.get(statuses.get(item.code), checklists.NOT_COMPUTED_LABEL),
            "evidence": selectors.evidence(group=group, year=year, item=item.code),
            "verdict": verdicts.get(item.pk),
        }
        for item in checklist.items.all()
    ]
    return render(
        request,
        "audits/group_checklist.html",
        {
            "group": group,
            "year": year,
            "checklist": checklist,
            "items": items,
            "can_inspect": can_inspect,
            "verdict_form": VerdictForm(),
            "inspection": inspection,
            "checklists": Checklist.objects.all(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def inspection_action_view(request, pk, year, code):
    _require_year(year)
    group = access.get_visible_or_404(StudyGroup.objects.select_related("organization"), request.user, pk=pk)
    if not access.can(request.user, "audits.inspect", group):
        raise PermissionDenied
    checklist = get_object_or_404(Checklist, code=code)
    inspection = group.inspections.filter(year=year, checklist=checklist).first()
    back = reverse("audits:group-checklist", kwargs={"pk": group.pk, "year": year, "code": code})
    return _raise_action(request, group, back, {}, problem=request.GET.get("problem", ""), inspection=inspection)
