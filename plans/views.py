"""Pages of the plans app: the year's plan and its workflow, materials and pre-study, research topics."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from plans import docx, hooks, selectors, services
from plans.forms import (
    CommentForm,
    CoResearchersForm,
    MaterialForm,
    PlanCreateForm,
    PlanEditForm,
    PlanReviseForm,
    ResearchReportForm,
    ResearchTopicForm,
    ReturnForm,
    TopicForm,
)
from plans.models import Material, PlanTopic, ResearchTopic, StudyPlan
from studygroup import access, documents
from studygroup import selectors as core_selectors
from studygroup.models import StudyGroup
from studygroup.once import run_once
from studygroup.viewutils import (
    chosen_organization,
    next_url,
    post_action,
    reach_trail,
    requested_year,
    run_service,
    year_choices,
)


def _plan(request, pk) -> StudyPlan:
    return access.get_visible_or_404(StudyPlan.objects.select_related("group__organization"), request.user, pk=pk)


# Plans ---------------------------------------------------------------------------------------


PLAN_PAGE_SIZE = 100


@login_required
def plan_list_view(request):
    """The year's plans of an organization's subtree: counted in all and per child organization (a drill-down),
    then its groups in tree order a page at a time, each with its plan. A user without a reading role sees the
    groups they sit in."""
    year = requested_year(request)
    organizations = list(access.organizations_held(request.user, access.READING_ROLES))
    context = {
        "year": year,
        "years": year_choices(),
        "missing": selectors.groups_without_plan(user=request.user, year=year),
    }
    if not organizations:
        context["rows"] = selectors.plan_rows(user=request.user, year=year)
        return render(request, "plans/plan_list.html", context)
    organization = chosen_organization(request, organizations, reach_below=True)
    total, parts = selectors.plan_summary(organization=organization, year=year, user=request.user)
    paginator = Paginator(selectors.groups_within(organization=organization, user=request.user), PLAN_PAGE_SIZE)
    paginator.count = total.groups  # the summary counted them: a cached property, set, it is not counted again
    page = paginator.get_page(request.GET.get("page"))
    context |= {
        "organization": organization,
        "organizations": organizations,
        "trail": reach_trail(organization, organizations),
        "total": total,
        "parts": parts if len(parts) > 1 else [],
        "rows": selectors.plan_page_rows(list(page.object_list), user=request.user, year=year),
        "page": page,
        "query": urlencode({"org": organization.pk, "year": year}),
    }
    return render(request, "plans/plan_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def plan_create_view(request):
    groups = core_selectors.groups_staffed(user=request.user)
    if not groups.exists():
        raise PermissionDenied
    initial = {"year": requested_year(request), "group": request.GET.get("group")}
    form = PlanCreateForm(request.POST or None, groups=groups, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        result = {}

        def create():
            result["plan"] = services.plan_create(group=data["group"], year=data["year"], by=request.user)

        if run_service(form, create):
            messages.success(request, _("The plan has been created. Write the main line and the monthly themes."))
            return redirect("plans:plan-edit", pk=result["plan"].pk)
    return render(request, "plans/plan_create.html", {"form": form})


@login_required
def plan_detail_view(request, pk):
    plan = _plan(request, pk)
    rows = selectors.plan_year(plan=plan)
    context = {
        "plan": plan,
        "rows": rows,
        "figures": selectors.plan_figures(rows),
        "can_change": access.can(request.user, "change", plan),
        "can_approve": access.can(request.user, "approve", plan),
        "can_comment": access.can(request.user, "comment_upward", plan) and plan.status == StudyPlan.Status.APPROVED,
        "comments": plan.comments.select_related("author__organization"),
        "revisions": plan.revisions.select_related("by__person"),
        "comment_form": CommentForm(),
    }
    return render(request, "plans/plan_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit_view(request, pk):
    plan = _plan(request, pk)
    access.require(request.user, "change", plan)
    approved = plan.status == StudyPlan.Status.APPROVED
    form_class = PlanReviseForm if approved else PlanEditForm
    form = form_class(request.POST or None, plan=plan)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if approved:
            call = lambda: services.plan_revise(  # noqa: E731
                plan=plan, main_line=data["main_line"], themes=form.themes(), why=data["why"], by=request.user
            )
        else:
            call = lambda: services.plan_update(  # noqa: E731
                plan=plan, main_line=data["main_line"], themes=form.themes(), by=request.user
            )
        if run_service(form, call):
            messages.success(request, _("The plan has been saved."))
            return redirect(plan)
    return render(request, "plans/plan_edit.html", {"plan": plan, "form": form, "revising": approved})


@login_required
@require_POST
def plan_submit_view(request, pk):
    plan = _plan(request, pk)
    post_action(
        request,
        lambda: services.plan_submit(plan=plan, by=request.user),
        _("The plan has been submitted to the group leader for approval."),
    )
    return redirect(plan)


@login_required
@require_POST
def plan_approve_view(request, pk):
    plan = _plan(request, pk)
    post_action(
        request,
        lambda: services.plan_approve(plan=plan, by=request.user),
        _("The plan has been approved and filed with the organization above."),
    )
    return redirect(plan)


@login_required
@require_http_methods(["GET", "POST"])
def plan_return_view(request, pk):
    plan = _plan(request, pk)
    access.require(request.user, "approve", plan)
    form = ReturnForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if run_service(
            form, lambda: services.plan_return(plan=plan, comment=form.cleaned_data["comment"], by=request.user)
        ):
            messages.success(request, _("The plan has been returned to the office with your comment."))
            return redirect(plan)
    return render(request, "plans/plan_return.html", {"plan": plan, "form": form})


@login_required
@require_POST
def plan_comment_view(request, pk):
    plan = _plan(request, pk)
    access.require(request.user, "comment_upward", plan)
    form = CommentForm(request.POST)
    if form.is_valid() and run_service(
        form, lambda: services.plan_comment(plan=plan, text=form.cleaned_data["text"], by=request.user)
    ):
        messages.success(request, _("Your comment has been sent to the group."))
    else:
        messages.error(
            request,
            _("The comment could not be saved: %(errors)s")
            % {"errors": " ".join(str(e) for errors in form.errors.values() for e in errors)},
        )
    return redirect(plan)


@login_required
def plan_print_view(request, pk):
    plan = _plan(request, pk)
    return render(request, "plans/plan_print.html", {"plan": plan, "rows": selectors.plan_year(plan=plan)})


@login_required
def plan_docx_view(request, pk):
    plan = _plan(request, pk)
    content = docx.plan_document(plan=plan, rows=selectors.plan_year(plan=plan))
    filename = f"{plan.group.organization.name}{plan.year}年度理论学习中心组学习计划.docx"
    return documents.download(content, documents.DOCX, filename)


# Topics --------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def topic_add_view(request, pk):
    plan = _plan(request, pk)
    access.require(request.user, "change", plan)
    supplementary = plan.status == StudyPlan.Status.APPROVED
    initial = {"month": request.GET.get("month") or timezone.localdate().month}
    form = TopicForm(request.POST or None, people=selectors.lead_readers(plan=plan), initial=initial)
    if request.method == "POST" and form.is_valid():
        if run_service(form, lambda: services.topic_add(plan=plan, by=request.user, **form.topic_fields())):
            messages.success(
                request,
                _("The supplementary topic has been added to the month.")
                if supplementary
                else _("The topic has been added."),
            )
            return redirect(f"{plan.get_absolute_url()}#month-{form.cleaned_data['month']}")
    return render(request, "plans/topic_form.html", {"plan": plan, "form": form, "supplementary": supplementary})


@login_required
@require_http_methods(["GET", "POST"])
def topic_edit_view(request, pk):
    topic = access.get_visible_or_404(
        PlanTopic.objects.select_related("plan__group__organization"), request.user, pk=pk
    )
    plan = topic.plan
    access.require(request.user, "change", plan)
    revising = plan.status == StudyPlan.Status.APPROVED
    initial = {name: getattr(topic, name) for name in ["month", "title", "source", "lead", "session_kind"]}
    form = TopicForm(
        request.POST or None,
        people=selectors.lead_readers(plan=plan),
        initial=initial,
        require_why=revising,
        record=topic,
    )
    if request.method == "POST" and form.is_valid():
        why = form.cleaned_data.get("why", "")
        if run_service(
            form, lambda: services.topic_update(topic=topic, by=request.user, why=why, **form.topic_fields())
        ):
            messages.success(request, _("The topic has been saved."))
            return redirect(f"{plan.get_absolute_url()}#month-{topic.month}")
    return render(request, "plans/topic_form.html", {"plan": plan, "form": form, "topic": topic, "revising": revising})


@login_required
@require_http_methods(["GET", "POST"])
def topic_delete_view(request, pk):
    topic = access.get_visible_or_404(
        PlanTopic.objects.select_related("plan__group__organization"), request.user, pk=pk
    )
    access.require(request.user, "change", topic.plan)
    if request.method == "POST":
        try:
            services.topic_delete(topic=topic, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The topic has been deleted."))
        return redirect(topic.plan)
    return render(request, "plans/topic_delete.html", {"topic": topic})


# Materials -----------------------------------------------------------------------------------


@login_required
def material_list_view(request):
    session_id = request.GET.get("session")
    session = None
    if session_id:
        session = access.get_visible_or_404(hooks.sessions().select_related("group"), request.user, pk=session_id)
    scope = access.scope_for(request.user)
    context = {
        "session": session,
        "upcoming": selectors.my_upcoming_materials(user=request.user) if not session else None,
        "materials": selectors.material_list(user=request.user, session_id=session.pk if session else None)[:200],
        "staffed_groups": core_selectors.groups_staffed(user=request.user) if scope.paths([access.STAFF]) else [],
        "lead_days": selectors.lead_time().days,
    }
    return render(request, "plans/material_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def material_add_view(request, group_pk):
    group = access.get_visible_or_404(StudyGroup.objects.select_related("organization"), request.user, pk=group_pk)
    access.require(request.user, "change", group)
    topics = PlanTopic.objects.filter(plan__group=group).select_related("plan").order_by("-plan__year", "month")
    initial = {"session": request.GET.get("session"), "topic": request.GET.get("topic")}
    form = MaterialForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        sessions=selectors.sessions_for_materials(group=group),
        topics=topics,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        result = {}

        def create():
            result["material"] = services.material_create(
                group=group,
                title=data["title"],
                kind=data["kind"],
                upload=data.get("upload"),
                url=data["url"],
                text=data["text"],
                topic=data["topic"],
                session=data["session"],
                by=request.user,
            )

        if run_service(form, create):
            messages.success(
                request, _("The material has been saved as a draft. Publish it when members should study it.")
            )
            return redirect(result["material"])
    context = {"group": group, "form": form, "lead_days": selectors.lead_time().days}
    return render(request, "plans/material_form.html", context)


def _material(request, pk) -> Material:
    return access.get_visible_or_404(
        Material.objects.select_related("group__organization", "session", "topic__plan"), request.user, pk=pk
    )


@login_required
def material_detail_view(request, pk):
    material = _material(request, pk)
    person = access.person_of(request.user)
    context = {
        "material": material,
        "can_change": access.can(request.user, "change", material),
        "can_study": access.can(request.user, "study", material) and material.published_at is not None,
        "confirmed": person is not None and material.confirmations.filter(person=person).exists(),
        "is_late": selectors.is_published_late(material),
        "lead_days": selectors.lead_time().days,
    }
    return render(request, "plans/material_detail.html", context)


@login_required
def material_download_view(request, pk):
    material = _material(request, pk)
    if not material.file:
        raise Http404
    return documents.download_stored(material.file, material.original_name or "file")


@login_required
@require_POST
def material_publish_view(request, pk):
    material = _material(request, pk)
    post_action(
        request,
        lambda: services.material_publish(material=material, by=request.user),
        _("The material has been published and the members notified."),
    )
    return redirect(material)


@login_required
@require_http_methods(["GET", "POST"])
def material_delete_view(request, pk):
    material = _material(request, pk)
    access.require(request.user, "change", material)
    if request.method == "POST":
        try:
            services.material_delete(material=material, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect(material)
        messages.success(request, _("The draft material has been deleted."))
        return redirect("plans:material-list")
    return render(request, "plans/material_delete.html", {"material": material})


@login_required
@require_POST
def material_confirm_view(request, pk):
    material = _material(request, pk)
    post_action(
        request,
        lambda: services.study_confirm(material=material, by=request.user),
        _("Recorded: you have studied this material."),
    )
    return redirect(next_url(request, material))


@login_required
def session_prestudy_view(request, pk):
    session = access.get_visible_or_404(hooks.sessions().select_related("group__organization"), request.user, pk=pk)
    context = {
        "session": session,
        "status": selectors.prestudy_status(session=session),
        "can_change": access.can(request.user, "change", session),
        "lead_days": selectors.lead_time().days,
    }
    return render(request, "plans/session_prestudy.html", context)


@login_required
@require_POST
def session_remind_view(request, pk):
    session = access.get_visible_or_404(hooks.sessions().select_related("group"), request.user, pk=pk)
    try:
        count = services.prestudy_remind(session=session, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("A reminder has been sent to %(count)d members.") % {"count": count})
    return redirect("plans:session-prestudy", pk=session.pk)


# Research ------------------------------------------------------------------------------------


@login_required
def research_list_view(request):
    year = requested_year(request)
    group_id = request.GET.get("group", "")
    group_id = int(group_id) if group_id.isdigit() else None
    context = {
        "year": year,
        "years": year_choices(),
        "group_id": group_id,
        "groups": selectors.research_groups(user=request.user, year=year),
        "topics": selectors.research_list(user=request.user, year=year, group_id=group_id),
        "can_propose": access.can(request.user, "plans.research_propose_any", None),
    }
    return render(request, "plans/research_list.html", context)


def _proposal_groups(user):
    scope = access.scope_for(user)
    staffed = [group.pk for group in core_selectors.groups_staffed(user=user)]
    return StudyGroup.objects.filter(pk__in=[*staffed, *scope.member_group_ids]).select_related("organization")


@login_required
@require_http_methods(["GET", "POST"])
def research_add_view(request):
    groups = _proposal_groups(request.user)
    if not groups.exists():
        raise PermissionDenied
    form = ResearchTopicForm(request.POST or None, groups=groups, initial={"group": groups.first()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        result = {}

        def create():
            result["topic"] = services.research_topic_create(
                group=data["group"],
                year=data["year"],
                title=data["title"],
                description=data["description"],
                by=request.user,
            )

        if run_service(form, create):
            messages.success(request, _("The research topic has been proposed."))
            return redirect(result["topic"])
    return render(request, "plans/research_form.html", {"form": form})


def _research(request, pk) -> ResearchTopic:
    return access.get_visible_or_404(
        ResearchTopic.objects.select_related("group__organization", "owner", "proposed_by"), request.user, pk=pk
    )


@login_required
def research_detail_view(request, pk):
    topic = _research(request, pk)
    co_researchers = list(topic.co_researchers.all())
    context = {
        "topic": topic,
        "co_researchers": co_researchers,
        "reports": topic.reports.select_related("submitted_by"),
        "can_claim": topic.owner_id is None and access.can(request.user, "study", topic),
        "can_report": topic.owner_id is not None and access.can(request.user, "plans.research_report", topic),
        "can_set_team": topic.owner_id is not None and access.can(request.user, "plans.research_team", topic),
        "can_raise_action": access.can(request.user, "audits.raise_for_group", topic.group),
    }
    return render(request, "plans/research_detail.html", context)


@login_required
@require_POST
def research_claim_view(request, pk):
    topic = _research(request, pk)
    post_action(
        request,
        lambda: services.research_claim(topic=topic, by=request.user),
        _("You have claimed the research topic."),
    )
    return redirect(topic)


@login_required
@require_http_methods(["GET", "POST"])
def research_team_view(request, pk):
    topic = _research(request, pk)
    people = core_selectors.roster(group=topic.group, on=timezone.localdate()).exclude(pk=topic.owner_id)
    form = CoResearchersForm(request.POST or None, people=people, initial={"people": topic.co_researchers.all()})
    if request.method == "POST" and form.is_valid():
        if run_service(
            form,
            lambda: services.research_set_co_researchers(
                topic=topic, people=list(form.cleaned_data["people"]), by=request.user
            ),
        ):
            messages.success(request, _("The co-researchers have been saved."))
            return redirect(topic)
    return render(request, "plans/research_team.html", {"topic": topic, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def research_report_view(request, pk):
    topic = _research(request, pk)
    form = ResearchReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def submit() -> str:
            services.research_report_submit(
                topic=topic,
                title=data["title"],
                submitted_on=data["submitted_on"],
                text=data["text"],
                upload=data.get("upload"),
                by=request.user,
            )
            return topic.get_absolute_url()

        address = run_once(request, form, submit)
        if address:
            messages.success(request, _("The research report has been submitted."))
            return redirect(address)
    return render(request, "plans/research_report_form.html", {"topic": topic, "form": form})


@login_required
def research_report_download_view(request, pk):
    from plans.models import ResearchReport

    report = access.get_visible_or_404(ResearchReport.objects.all(), request.user, pk=pk)
    if not report.file:
        raise Http404
    return documents.download_stored(report.file, report.original_name or "file")
