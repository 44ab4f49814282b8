"""Pages of an observer visit: the observer's list, the visit, pre-review, listening and the report."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from audits import selectors, services
from audits.forms import ListenForm, PreReviewForm, ReportForm
from audits.models import ObserverVisit
from audits.views.actions import _raise_action
from studygroup import access, versions
from studygroup.viewutils import add_errors, is_repeat, post_action


@login_required
def my_visits_view(request):
    visits = [
        (v, services.is_pre_review_late(v), services.is_report_late(v)) for v in selectors.my_visits(user=request.user)
    ]
    return render(request, "audits/my_visits.html", {"visits": visits})


def _visit(request, pk) -> ObserverVisit:
    return access.get_visible_or_404(
        ObserverVisit.objects.select_related("session__group__organization", "observer__organization", "organization"),
        request.user,
        pk=pk,
    )


@login_required
def visit_detail_view(request, pk):
    visit = _visit(request, pk)
    person = access.person_of(request.user)
    is_observer = person is not None and person.pk == visit.observer_id
    session = visit.session
    yes_no = {True: "yes", False: "no", None: None}
    actions = list(visit.actions.select_related("owner"))
    raised = {action.finding: action for action in actions if action.finding}
    context = {
        "visit": visit,
        "session": session,
        "is_observer": is_observer,
        "findings": [(line, raised.get(line)) for line in visit.finding_lines],
        "materials": session.materials.filter(published_at__isnull=False),
        "topics": session.topics.all(),
        "pre_review_deadline": services.pre_review_deadline(visit),
        "report_deadline": services.report_deadline(visit),
        "pre_review_late": services.is_pre_review_late(visit),
        "report_late": services.is_report_late(visit),
        "pre_review_form": PreReviewForm(initial={"decision": visit.pre_review, "comment": visit.pre_review_comment}),
        "listen_form": ListenForm(
            initial={
                "discussion_focused": yes_no[visit.discussion_focused],
                "summary_deep": yes_no[visit.summary_deep],
                "notes": visit.listening_notes,
                "gave_talk": visit.gave_talk,
            }
        ),
        "actions": actions,
        "can_raise": access.can(request.user, "audits.raise_from_visit", visit),
    }
    return render(request, "audits/visit_detail.html", context)


@login_required
@require_POST
def visit_pre_review_view(request, pk):
    visit = _visit(request, pk)
    form = PreReviewForm(request.POST)
    if form.is_valid():
        post_action(
            request,
            lambda: services.visit_pre_review(
                visit=visit,
                decision=form.cleaned_data["decision"],
                comment=form.cleaned_data["comment"],
                by=request.user,
            ),
            _("Your review has been sent to the group."),
        )
    else:
        messages.error(request, _("Choose whether you approve or ask for changes."))
    return redirect(visit)


@login_required
@require_POST
def visit_listen_view(request, pk):
    visit = _visit(request, pk)
    form = ListenForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        post_action(
            request,
            lambda: services.visit_listen(
                visit=visit,
                discussion_focused=data["discussion_focused"] == "yes",
                summary_deep=data["summary_deep"] == "yes",
                notes=data["notes"],
                gave_talk=data["gave_talk"],
                by=request.user,
            ),
            _("Saved."),
        )
    else:
        messages.error(request, _("Answer both questions."))
    return redirect(visit)


@login_required
@require_http_methods(["GET", "POST"])
def visit_report_view(request, pk):
    visit = _visit(request, pk)
    access.require(request.user, "audits.visit_observe", visit)
    form = ReportForm(
        request.POST or None,
        initial={"rating": visit.rating, "report": visit.report, "findings": visit.findings},
        record=visit,
    )
    if request.method == "POST" and form.is_valid():
        filing = bool(request.POST.get("file"))
        data = form.cleaned_data
        try:
            services.visit_report(
                visit=visit,
                rating=data["rating"],
                report=data["report"],
                findings=data["findings"],
                file=filing,
                by=request.user,
            )
        except ValidationError as exc:
            if not is_repeat(exc):
                add_errors(form, exc)
            else:  # a second click after the report was filed: nothing changes
                messages.info(request, exc.messages[0])
                return redirect(visit)
        else:
            messages.success(request, _("The visit report has been filed.") if filing else _("Draft saved."))
            return redirect(visit if filing else request.path)
    return render(
        request,
        "audits/visit_report.html",
        {
            "visit": visit,
            "form": form,
            "deadline": services.report_deadline(visit),
            "late": services.is_report_late(visit),
        },
    )


@login_required
@require_POST
def visit_report_draft_view(request, pk):
    """Save the report as a draft while the observer types (htmx); answer a one-line status."""
    visit = _visit(request, pk)
    form = ReportForm(request.POST, record=visit)
    if not form.is_valid():
        return HttpResponse(" ".join(form.non_field_errors()) or _("The draft could not be saved."))
    data = form.cleaned_data
    try:
        services.visit_report(
            visit=visit,
            rating=data["rating"],
            report=data["report"],
            findings=data["findings"],
            file=False,
            by=request.user,
        )
    except ValidationError as exc:
        return HttpResponse(" ".join(exc.messages))
    # The page's own next save (or filing) carries the version this save made.
    saved = _("Draft saved automatically at %(time)s.") % {"time": f"{timezone.localtime():%H:%M:%S}"}
    return HttpResponse(format_html("{}{}", saved, versions.oob_input(visit)))


@login_required
@require_http_methods(["GET", "POST"])
def visit_action_view(request, pk):
    visit = _visit(request, pk)
    if not access.can(request.user, "audits.raise_from_visit", visit):
        raise PermissionDenied
    finding = request.GET.get("finding", "").strip()
    if request.method == "GET" and finding and visit.actions.filter(finding=finding).exists():
        messages.info(request, _("This finding has already been raised as an action."))
        return redirect(visit)
    return _raise_action(
        request, visit.session.group, visit.get_absolute_url(), {"visit": visit}, problem=finding, visit=visit
    )
