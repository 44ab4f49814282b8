"""Pages of 荐读领学: a group's reading list of the year, recommending a reading, picking it for a session."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from practice import selectors, services
from practice.forms import PickForm, RecommendationForm
from practice.models import Recommendation
from studygroup import access, documents
from studygroup import selectors as core_selectors
from studygroup.models import StudyGroup
from studygroup.once import run_once
from studygroup.viewutils import requested_year, run_service, year_choices


@login_required
def readings_view(request):
    """Where members and staff start: their group's reading list at once, else the groups to choose from."""
    groups = list(selectors.reading_groups(user=request.user)[:301])
    if not groups:
        raise PermissionDenied
    if len(groups) == 1:
        return redirect("practice:reading-list", pk=groups[0].pk)
    return render(request, "practice/reading_groups.html", {"groups": groups[:300], "more": len(groups) > 300})


@login_required
def reading_list_view(request, pk):
    group = access.get_visible_or_404(StudyGroup.objects.select_related("organization"), request.user, pk=pk)
    year = requested_year(request)
    picked, waiting = selectors.reading_list(group=group, year=year, user=request.user)
    context = {
        "group": group,
        "year": year,
        "years": year_choices(ahead=0),
        "picked": picked,
        "waiting": waiting,
        "can_recommend": access.can(request.user, "practice.recommend", group),
        "can_pick": access.can(request.user, "change", group),
    }
    return render(request, "practice/reading_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def recommend_view(request, pk):
    group = access.get_visible_or_404(StudyGroup.objects.select_related("organization"), request.user, pk=pk)
    access.require(request.user, "practice.recommend", group)
    form = RecommendationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def create() -> str:
            recommendation = services.recommendation_create(
                group=group,
                title=data["title"],
                source=data["source"],
                url=data["url"],
                upload=data.get("upload"),
                why=data["why"],
                by=request.user,
            )
            return recommendation.get_absolute_url()

        address = run_once(request, form, create)
        if address:
            messages.success(request, _("Thank you: the reading has been recommended to the group."))
            return redirect(address)
    return render(request, "practice/recommend_form.html", {"form": form, "group": group})


def _recommendation(request, pk) -> Recommendation:
    return access.get_visible_or_404(
        Recommendation.objects.select_related("group__organization", "recommended_by", "lead", "session", "material"),
        request.user,
        pk=pk,
    )


@login_required
@require_http_methods(["GET", "POST"])
def recommendation_view(request, pk):
    """The recommendation; the group's staff pick it for a coming session and name the lead reader."""
    recommendation = _recommendation(request, pk)
    group = recommendation.group
    can_pick = recommendation.picked_at is None and access.can(
        request.user, "practice.recommendation_pick", recommendation
    )
    form = None
    if can_pick:
        form = PickForm(
            request.POST or None,
            sessions=selectors.coming_sessions(group=group),
            members=core_selectors.roster(group=group, on=timezone.localdate()).select_related("organization"),
        )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            if run_service(
                form,
                lambda: services.recommendation_pick(
                    recommendation=recommendation,
                    session=data["session"],
                    lead=data["lead"],
                    publish=data["publish"],
                    by=request.user,
                ),
            ):
                if recommendation.file_missing:
                    messages.warning(
                        request,
                        _(
                            "The recommended file is no longer in the file storage, so the reading went into the "
                            "session's materials without it, by its link or its text, and was not published. Upload "
                            "the file to the session's materials, then publish."
                        ),
                    )
                else:
                    messages.success(
                        request, _("The reading is in the session's materials and the lead reader is named.")
                    )
                return redirect(recommendation)
    return render(request, "practice/recommendation.html", {"recommendation": recommendation, "form": form})


@login_required
def recommendation_download_view(request, pk):
    recommendation = _recommendation(request, pk)
    if not recommendation.file:
        raise Http404
    return documents.download_stored(recommendation.file, recommendation.original_name)
