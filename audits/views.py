"""Pages of the audits app: planning and coverage of observer visits, the visit, actions, checklists."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from audits import checklists, draw, selectors, services
from audits.forms import (
    AcceptForm,
    ActionAcceptForm,
    ActionForm,
    ActionUpdateForm,
    AssignForm,
    CrossForm,
    DrawForm,
    InviteForm,
    ListenForm,
    PoolAddForm,
    PreReviewForm,
    ReportForm,
    RulesForm,
    VerdictForm,
)
from audits.models import Action, Checklist, ObserverPoolMember, ObserverVisit, RandomDraw, VisitInvitation
from sessions.models import StudySession
from studygroup import access, documents
from studygroup.models import Organization, Person, StudyGroup
from studygroup.viewutils import (
    active_filters,
    add_errors,
    chosen_organization,
    post_action,
    reach_trail,
    requested_year,
    run_service,
    year_choices,
)


def _planning_org(request) -> tuple[Organization, list[Organization]]:
    organizations = list(selectors.planning_organizations(user=request.user))
    return chosen_organization(request, organizations), organizations


def _nothing_to_plan(request):
    """Staff of an organization with none below it (a town) have no visit to arrange: a plain page says so."""
    is_staff = access.organizations_held(request.user, [access.STAFF]).exists()
    if request.method == "GET" and is_staff and not selectors.planning_organizations(user=request.user).exists():
        return render(request, "audits/nothing_to_plan.html")
    return None


# Planning ------------------------------------------------------------------------------------


@login_required
def coverage_view(request):
    if (empty := _nothing_to_plan(request)) is not None:
        return empty
    organization, organizations = _planning_org(request)
    year = requested_year(request)
    groups, ratio = selectors.coverage(organization=organization, year=year)
    visits = list(selectors.subtree_visits(organization=organization, year=year))
    context = {
        "organization": organization,
        "organizations": organizations,
        "year": year,
        "groups": groups,
        "ratio": ratio,
        "unobserved": sum(1 for g in groups if not g.visit_count),
        "planned": sum(g.planned_count for g in groups),
        "visits": visits,
    }
    return render(request, "audits/coverage.html", context)


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
    if request.method == "POST":
        kind = request.POST.get("form")
        form = forms.get(f"{kind}_form")
        if (
            form is not None
            and form.is_valid()
            and run_service(form, lambda: _planning_action(request, organization, kind, form.cleaned_data))
        ):
            return redirect(f"{request.path}?org={organization.pk}")
    return render(
        request, "audits/planning.html", {"organization": organization, "organizations": organizations, **forms}
    )


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


@login_required
def draw_detail_view(request, pk):
    record = access.get_visible_or_404(
        RandomDraw.objects.select_related("organization", "by__person"), request.user, pk=pk
    )
    rerun = draw.run(record.seed, record.inputs)
    left = draw.uncovered(record.inputs, record.result)
    sessions = StudySession.objects.select_related("group__organization").in_bulk([s for s, _o in record.result] + left)
    people = Person.objects.in_bulk([o for _s, o in record.result])
    rows = [(sessions.get(s), people.get(o)) for s, o in record.result]
    context = {
        "draw": record,
        "rows": rows,
        "same": rerun == record.result,
        "uncovered": [sessions[s] for s in left if s in sessions],
        "asked": min(record.count, len(record.inputs["sessions"])),
    }
    return render(request, "audits/draw_detail.html", context)


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


# The visit -----------------------------------------------------------------------------------


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
        request.POST or None, initial={"rating": visit.rating, "report": visit.report, "findings": visit.findings}
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
            if exc.code != services.ALREADY_RAISED:
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
    form = ReportForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("The draft could not be saved."))
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
    return HttpResponse(_("Draft saved automatically at %(time)s.") % {"time": f"{timezone.localtime():%H:%M:%S}"})


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
            if exc.code != services.ALREADY_RAISED:
                add_errors(form, exc)
                return render(
                    request, "audits/action_form.html", {"form": form, "group": group, "back": back, **context}
                )
            messages.info(request, exc.messages[0])
        else:
            messages.success(request, _("The action has been raised and its owner notified."))
        return redirect(back)
    return render(request, "audits/action_form.html", {"form": form, "group": group, "back": back, **context})


# Actions -------------------------------------------------------------------------------------


@login_required
def action_list_view(request):
    status = request.GET.get("status", "")
    if status not in {*Action.Status.values, "overdue"}:
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
    actions = [(a, a.is_overdue(today)) for a in rows[:500]]
    context = {
        "actions": actions,
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
        request.POST if kind == "update" else None, initial={"status": action.status, "evidence": action.evidence}
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


# Checklists ----------------------------------------------------------------------------------


def _compliance_context(request):
    organizations = list(access.organizations_held(request.user, access.READING_ROLES))
    chosen = chosen_organization(request, organizations, reach_below=True)
    checklist = Checklist.objects.filter(code=request.GET.get("checklist", "bayou")).first() or Checklist.objects.get(
        code="bayou"
    )
    items = list(checklist.items.all())
    year = requested_year(request)
    rows = selectors.compliance(organization=chosen, year=year, checklist=checklist)
    item_filter, status_filter = request.GET.get("item", ""), request.GET.get("status", "")
    if item_filter and status_filter:
        rows = [r for r in rows if r["statuses"].get(item_filter) == status_filter]
    judged = [item for item in items if item.code not in (rows[0]["statuses"] if rows else {})]
    verdicts = checklists.verdicts([r["group"].pk for r in rows], year, checklist.code) if judged else {}
    for row in rows:
        # An item without computed rules shows the inspector's verdict only (checklists are data).
        row["cells"] = [
            {"status": row["statuses"].get(item.code), "verdict": verdicts.get((row["group"].pk, item.code))}
            for item in items
        ]
        row["met"] = sum(1 for cell in row["cells"] if cell["status"] == checklists.MET)
    return {
        "organization": chosen,
        "organizations": organizations,
        "trail": reach_trail(chosen, organizations),
        "checklist": checklist,
        "items": items,
        "year": year,
        "rows": rows,
        "item_filter": item_filter,
        "status_filter": status_filter,
        "checklists": Checklist.objects.all(),
        "labels": checklists.STATUS_LABELS,
        "computed_items": len(items) - len(judged),
        "years": year_choices(ahead=0),
    }


COMPLIANCE_PAGE_SIZE = 200


@login_required
def compliance_view(request):
    from django.core.paginator import Paginator

    context = _compliance_context(request)
    page = Paginator(context["rows"], COMPLIANCE_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context.update(rows=page.object_list, page=page, query=query.urlencode())
    return render(request, "audits/compliance.html", context)


def _cell_label(cell: dict, labels: dict) -> str:
    if cell["status"] is not None:
        return labels[cell["status"]]
    return cell["verdict"] or checklists.NOT_COMPUTED_LABEL


@login_required
def compliance_xlsx_view(request):
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    context = _compliance_context(request)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(context["checklist"].name)
    documents.append_row(
        sheet, [_("Organization"), _("Study group"), *[item.name for item in context["items"]], _("Items met")]
    )
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    fills = {checklists.MET: "C6EFCE", checklists.PARTIAL: "FFEB9C", checklists.MISSING: "FFC7CE"}
    for row in context["rows"]:
        documents.append_row(
            sheet,
            [
                row["group"].organization.name,
                row["group"].name,
                *[str(_cell_label(cell, context["labels"])) for cell in row["cells"]],
                row["met"],
            ],
        )
        for index, cell in enumerate(row["cells"], start=3):
            if cell["status"] is not None:
                sheet.cell(row=sheet.max_row, column=index).fill = PatternFill("solid", fgColor=fills[cell["status"]])
    sheet.column_dimensions["A"].width = 36
    sheet.column_dimensions["B"].width = 40
    buffer = io.BytesIO()
    workbook.save(buffer)
    name = f"{context['organization'].name}{context['year']}年{context['checklist'].name}情况.xlsx"
    return documents.download(buffer.getvalue(), documents.XLSX, name)


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


@login_required
@require_http_methods(["GET", "POST"])
def research_action_view(request, pk):
    from plans.models import ResearchTopic

    topic = access.get_visible_or_404(ResearchTopic.objects.select_related("group__organization"), request.user, pk=pk)
    if not access.can(request.user, "audits.raise_for_group", topic.group):
        raise PermissionDenied
    return _raise_action(request, topic.group, topic.get_absolute_url(), {"research": topic}, research=topic)


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
