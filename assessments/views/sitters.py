"""Who sits a test: the draw page and a draw's page, which runs it again and shows that it matches."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from assessments import draw, services
from assessments.forms import DrawForm
from assessments.models import KnowledgeTest, SittingDraw
from assessments.services import sitters
from studygroup import access
from studygroup.models import Person, StudyGroup
from studygroup.viewutils import add_errors, error_code


@login_required
@require_http_methods(["GET", "POST"])
def test_draw_view(request, pk):
    test = access.get_visible_or_404(
        KnowledgeTest.objects.select_related("organization", "visit__session__group__organization"), request.user, pk=pk
    )
    manages = access.can(request.user, "assessments.test_manage", test)
    if not manages and not access.can(request.user, "assessments.draw_on_visit", test):
        raise PermissionDenied
    if manages:
        groups = StudyGroup.objects.filter(organization__path__startswith=test.organization.path, is_active=True)
    else:
        groups = StudyGroup.objects.filter(pk=test.visit.session.group_id)
    groups = groups.select_related("organization").order_by("organization__path")
    # The visited group, or the only group there is, comes ticked.
    initial = {"groups": list(groups)} if not manages or len(groups) == 1 else None
    form = DrawForm(request.POST or None, groups=groups, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            record = services.sitting_draw(
                test=test,
                groups=list(data["groups"]),
                mode=data["mode"],
                amount=data["amount"],
                roles=data["roles"],
                seed=data["seed"],
                request_key=data["request_key"],
                by=request.user,
            )
        except ValidationError as exc:
            if error_code(exc) == sitters.ALREADY_DONE:
                messages.info(request, exc.messages[0])
                return redirect(test)
            add_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "%(count)d people have been called and notified; the record of the draw is kept so it can be checked."
                )
                % {"count": len(record.result)},
            )
            return redirect(record)
    context = {"test": test, "form": form, "on_visit": not manages, "window": sitters.window_text(test)}
    return render(request, "assessments/test_draw.html", context)


@login_required
def draw_detail_view(request, pk):
    record = access.get_visible_or_404(
        SittingDraw.objects.select_related("test__organization", "by__person", "visit__session__group__organization"),
        request.user,
        pk=pk,
    )
    people = Person.objects.in_bulk([person for person, _group in record.result])
    groups = StudyGroup.objects.select_related("organization").in_bulk([group for _person, group in record.result])
    context = {
        "draw": record,
        "rows": [(people.get(person), groups.get(group)) for person, group in record.result],
        "same": sitters.draw_matches(record),
        "candidates": len(record.inputs["candidates"]),
        "wanted": draw.wanted(record.inputs),
    }
    return render(request, "assessments/draw_detail.html", context)
