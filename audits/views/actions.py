"""Pages of corrective actions: raising one (from a visit, an inspection or research), the list, the action."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from audits import selectors, services
from audits.forms import ActionAcceptForm, ActionForm, ActionUpdateForm
from audits.models import Action
from studygroup import access
from studygroup.models import Organization, Person, StudyGroup
from studygroup.viewutils import active_filters, add_errors, is_repeat, requested_year, run_service


def _raise_action(request, group: StudyGroup, back: str, context: dict, problem: str = "", **source):
    """The one form that raises an action from a visit, an inspection or a research topic.

    A second click on the same form (or a finding already raised) raises nothing and says so.
    """
    people = Person.objects.filter(organization__path__startswith=group.organization.path).order_by("name")
    initial = {"problem": problem, "finding": problem, "due_on": timezone.localdate() + timezone.timedelta(days=30)}
    form = ActionForm(request.POST or None, people=people, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.action_create(
                group=group,
                problem=data["problem"],
                measure=data["measure"],
                owner=data["owner"],
                due_on=data["due_on"],
                finding=data["finding"],
                request_key=data["request_key"],
                by=request.user,
                **source,
            )
        except ValidationError as exc:
            if not is_repeat(exc):
                add_errors(form, exc)
                return render(
                    request, "audits/action_form.html", {"form": form, "group": group, "back": back, **context}
                )
            messages.info(request, exc.messages[0])
        else:
            messages.success(request, _("The action has been raised and its owner notified."))
        return redirect(back)
    return render(request, "audits/action_form.html", {"form": form, "group": group, "back": back, **context})


ACTION_PAGE_SIZE = 50


@login_required
def action_list_view(request):
    """The actions the user reads, filtered, a page at a time (counted and cut in SQL)."""
    status = request.GET.get("status", "")
    if status not in {*Action.Status.values, "overdue", selectors.AWAITING}:
        status = ""
    mine = request.GET.get("mine") == "1"
    # The records behind a dashboard figure: the actions raised in a subtree and year.
    organization = None
    if request.GET.get("org", "").isdigit():
        organization = access.get_visible_or_404(Organization.objects.all(), request.user, pk=request.GET["org"])
    year = requested_year(request) if request.GET.get("year") else None
    waiting = request.GET.get("waiting") == "1"
    today = timezone.localdate()
    rows = selectors.action_list(
        user=request.user, status=status, mine=mine, waiting=waiting, organization=organization, year=year
    )
    page = Paginator(rows, ACTION_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "actions": [(a, a.is_overdue(today)) for a in page.object_list],
        "page": page,
        "query": query.urlencode(),
        "status": status,
        "mine": mine,
        "waiting": waiting,
        "statuses": Action.Status.choices,
        "kept": {name: request.GET[name] for name in ("org", "year", "waiting") if request.GET.get(name)},
        "filters": active_filters(
            request,
            {
                "org": organization.name if organization else "",
                "year": _("%(y)s (year)") % {"y": year} if year else "",
            },
        ),
    }
    return render(request, "audits/action_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def action_detail_view(request, pk):
    """The owner updates and closes the action; whoever raised it accepts it or sends it back; others read."""
    action = access.get_visible_or_404(
        Action.objects.select_related("group__organization", "owner", "visit", "accepted_by__person"),
        request.user,
        pk=pk,
    )
    is_open = action.accepted_on is None
    can_update = is_open and access.can(request.user, "audits.action_update", action)
    can_accept = (
        is_open and action.status == Action.Status.DONE and access.can(request.user, "audits.action_accept", action)
    )
    kind = request.POST.get("form") if request.method == "POST" else None
    form = ActionUpdateForm(
        request.POST if kind == "update" else None,
        initial={"status": action.status, "evidence": action.evidence},
        record=action,
    )
    accept_form = ActionAcceptForm(request.POST if kind == "accept" else None)
    if request.method == "POST":
        if kind == "update" and form.is_valid():
            data = form.cleaned_data
            if run_service(
                form,
                lambda: services.action_update(
                    action=action, status=data["status"], note=data["note"], evidence=data["evidence"], by=request.user
                ),
            ):
                messages.success(request, _("The action has been updated."))
                return redirect(action)
        elif kind == "accept" and accept_form.is_valid():
            accepting = not request.POST.get("send_back")
            if run_service(
                accept_form,
                lambda: services.action_accept(
                    action=action, accept=accepting, note=accept_form.cleaned_data["note"], by=request.user
                ),
            ):
                messages.success(
                    request,
                    _("The action has been accepted as done.") if accepting else _("The action has been sent back."),
                )
                return redirect(action)
        elif kind not in ("update", "accept"):
            raise PermissionDenied
    context = {
        "action": action,
        "form": form,
        "accept_form": accept_form,
        "can_update": can_update,
        "can_accept": can_accept,
        "is_raiser": access.can(request.user, "audits.action_accept", action),
        "changes": action.changes.select_related("by__person"),
        "overdue": action.is_overdue(timezone.localdate()),
    }
    return render(request, "audits/action_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def research_action_view(request, pk):
    from plans.models import ResearchTopic

    topic = access.get_visible_or_404(ResearchTopic.objects.select_related("group__organization"), request.user, pk=pk)
    if not access.can(request.user, "audits.raise_for_group", topic.group):
        raise PermissionDenied
    return _raise_action(request, topic.group, topic.get_absolute_url(), {"research": topic}, research=topic)
