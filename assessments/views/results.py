"""Results without rankings: a person's own score, a group's people for its staff and leaders, figures per
organization and the item analysis for the levels above, and one step from a weak tag to next month's topic."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments import results, services
from assessments.models import KnowledgeTest, Sitting, Tag
from assessments.services.topics import next_month
from studygroup import access, formats
from studygroup.models import Organization
from studygroup.viewutils import query_id


def _test(request, pk) -> KnowledgeTest:
    return access.get_visible_or_404(KnowledgeTest.objects.select_related("organization"), request.user, pk=pk)


def _topic_organizations(user) -> list[Organization]:
    """Where the reader may add a topic to a plan: organizations they keep as staff that have a study group."""
    return [
        o
        for o in access.organizations_held(user, [access.STAFF]).select_related("study_group")
        if hasattr(o, "study_group")
    ]


def _organizations_named(people: list[Sitting]) -> str:
    """The organizations whose people are listed, in tree order: three named, the rest counted."""
    names = list(dict.fromkeys(s.group.organization.name for s in people if s.group_id))
    if len(names) <= 3:
        return "、".join(names)
    return _("%(names)s and %(count)d more organizations") % {"names": "、".join(names[:3]), "count": len(names) - 3}


@login_required
def results_view(request, pk):
    test = _test(request, pk)
    if test.is_draft:
        raise PermissionDenied
    reads_figures = access.can(request.user, "assessments.figures", test)
    # Upper levels read every sitting's figures; group staff and leaders those of their people.
    sittings = Sitting.objects.filter(test=test)
    people = access.visible(sittings, request.user).exclude(person__user=request.user)
    counted = sittings if reads_figures else people
    organizations, total = results.by_organization(test, counted)
    items, tags = results.item_analysis(test, counted) if reads_figures else ([], [])
    people = list(
        people.select_related("person", "group__organization").order_by("group__organization__path", "person__name")
    )
    context = {
        "test": test,
        "reads_figures": reads_figures,
        "people": people,
        "people_of": _organizations_named(people),
        "organizations": organizations,
        "total": total,
        "bands": [f"{low}–{min(high, 100)}%" if high <= 100 else f"≥{low}%" for low, high in results.BANDS],
        "items": items,
        "missed": results.most_missed(items),
        "tags": tags,
        "topic_organizations": _topic_organizations(request.user) if reads_figures else [],
        "next_month": formats.month_zh(next_month()[1]),
        "own": Sitting.objects.filter(test=test, person__user=request.user).first(),
    }
    return render(request, "assessments/results.html", context)


@login_required
@require_POST
def topic_from_tag_view(request, pk):
    test = _test(request, pk)
    organizations = _topic_organizations(request.user)
    organization = next((o for o in organizations if o.pk == query_id(request, "org")), None)
    tag = Tag.objects.filter(pk=query_id(request, "tag"), questions__versions__used_in__test=test).distinct().first()
    if organization is None or tag is None:
        messages.error(request, _("Choose a tag of this test and a plan you keep."))
        return redirect("assessments:results", pk=test.pk)
    try:
        topic = services.topic_from_tag(test=test, tag=tag, organization=organization, by=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [_("You may not change this plan.")])))
        return redirect("assessments:results", pk=test.pk)
    messages.success(
        request,
        _("“%(title)s” has been added to %(month)s of the study plan.")
        % {"title": topic.title, "month": formats.month_zh(topic.month)},
    )
    return redirect(topic.get_absolute_url())
