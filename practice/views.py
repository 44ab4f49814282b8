"""Pages of the practice app: the self-study ledger, the 第一议题 follow-through, the calendar of sessions
reported upward with its spot checks."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from audits import services as audit_services
from plans.models import StudyPlan
from practice import documents as practice_documents
from practice import draw, selectors, services
from practice.forms import EntryForm, FindingActionForm, MeasureForm, SpotCheckForm, SpotDrawForm, TargetsForm
from practice.models import SelfStudyEntry, SelfStudyKind, SpotCheck, SpotCheckDraw
from sessions.models import StudySession
from sessions.once import run_once
from studygroup import access, documents
from studygroup.models import Organization, Person, StudyGroup
from studygroup.viewutils import (
    add_errors,
    chosen_organization,
    post_action,
    query_id,
    reach_trail,
    requested_year,
    run_service,
    year_choices,
)

# Self-study ledger ---------------------------------------------------------------------------


def _me(request) -> Person:
    person = Person.objects.filter(user=request.user).first()
    if person is None:
        raise PermissionDenied
    return person


@login_required
def my_selfstudy_view(request):
    """A member's progress against each target of the year, and what they recorded (phone first)."""
    person = _me(request)
    today = timezone.localdate()
    context = {
        "groups": selectors.my_progress(person=person, today=today),
        "entries": selectors.my_entries(person=person, year=today.year),
        "year": today.year,
        "can_record": access.can(request.user, "practice.selfstudy_record", person),
    }
    return render(request, "practice/my_selfstudy.html", context)


def _entry_form(request, person: Person, entry: SelfStudyEntry | None = None) -> EntryForm:
    year = entry.on.year if entry else timezone.localdate().year
    initial = {}
    if entry is not None:
        initial = {"kind": entry.kind, "on": entry.on, "title": entry.title, "note": entry.note}
        initial["research"] = entry.research
    elif request.GET.get("kind") in SelfStudyKind.values:
        initial["kind"] = request.GET["kind"]
    return EntryForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        research_topics=selectors.research_topics_of(person=person, year=year),
    )


@login_required
@require_http_methods(["GET", "POST"])
def entry_create_view(request):
    person = _me(request)
    access.require(request.user, "practice.selfstudy_record", person)
    form = _entry_form(request, person)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def create() -> str:
            services.entry_create(
                person=person,
                kind=data["kind"],
                on=data["on"],
                title=data["title"],
                note=data["note"],
                upload=data.get("upload"),
                research=data.get("research"),
                by=request.user,
            )
            return reverse("practice:my-selfstudy")

        address = run_once(request, form, create)
        if address:
            messages.success(request, _("Recorded in your self-study ledger."))
            return redirect(address)
    return render(request, "practice/entry_form.html", {"form": form})


def _own_entry(request, pk) -> SelfStudyEntry:
    entry = access.get_visible_or_404(SelfStudyEntry.objects.select_related("person", "research"), request.user, pk=pk)
    if not access.can(request.user, "practice.entry_change", entry):
        raise Http404
    return entry


@login_required
@require_http_methods(["GET", "POST"])
def entry_edit_view(request, pk):
    entry = _own_entry(request, pk)
    form = _entry_form(request, entry.person, entry)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if run_service(
            form,
            lambda: services.entry_update(
                entry=entry,
                kind=data["kind"],
                on=data["on"],
                title=data["title"],
                note=data["note"],
                upload=data.get("upload"),
                research=data.get("research"),
                by=request.user,
            ),
        ):
            messages.success(request, _("The entry has been saved."))
            return redirect("practice:my-selfstudy")
    return render(request, "practice/entry_form.html", {"form": form, "entry": entry})


@login_required
@require_POST
def entry_delete_view(request, pk):
    entry = _own_entry(request, pk)
    post_action(request, lambda: services.entry_delete(entry=entry, by=request.user), _("The entry has been removed."))
    return redirect("practice:my-selfstudy")


@login_required
def entry_download_view(request, pk):
    entry = access.get_visible_or_404(SelfStudyEntry.objects.all(), request.user, pk=pk)
    if not entry.file:
        raise Http404
    return documents.download_stored(entry.file, entry.original_name)


# Targets on the plan -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def plan_targets_view(request, pk):
    plan = access.get_visible_or_404(StudyPlan.objects.select_related("group__organization"), request.user, pk=pk)
    access.require(request.user, "practice.targets_set", plan)
    current = {target.kind: target for target in plan.selfstudy_targets.all()}
    if request.GET.get("preset") == "1112":
        initial = {f"{kind}_per": per for kind, (per, _count) in services.PRESET_1112.items()}
        initial |= {f"{kind}_count": count for kind, (_per, count) in services.PRESET_1112.items()}
    else:
        initial = {f"{kind}_per": target.per for kind, target in current.items()}
        initial |= {f"{kind}_count": target.count for kind, target in current.items()}
    form = TargetsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if run_service(form, lambda: services.targets_set(plan=plan, targets=form.targets(), by=request.user)):
            messages.success(request, _("The self-study targets have been saved."))
            return redirect(plan)
    preset = request.GET.get("preset") == "1112"
    return render(request, "practice/plan_targets.html", {"plan": plan, "form": form, "preset": preset})


# The group's table ---------------------------------------------------------------------------


@login_required
def selfstudy_groups_view(request):
    """Where staff and leaders start: their own group's table at once, else the groups they read."""
    groups = list(selectors.groups_for_table(user=request.user)[:301])
    if not groups:
        raise PermissionDenied
    if len(groups) == 1:
        return redirect("practice:group-selfstudy", pk=groups[0].pk)
    return render(request, "practice/selfstudy_groups.html", {"groups": groups[:300], "more": len(groups) > 300})


@login_required
def group_selfstudy_view(request, pk):
    group = access.get_visible_or_404(StudyGroup.objects.select_related("organization"), request.user, pk=pk)
    if not access.can(request.user, "practice.selfstudy_table", group):
        raise Http404
    year = requested_year(request)
    table = selectors.group_table(group=group, year=year, today=timezone.localdate())
    context = {
        "group": group,
        "table": table,
        "year": year,
        "years": year_choices(ahead=0),
        "can_set": table.plan is not None and access.can(request.user, "practice.targets_set", table.plan),
    }
    return render(request, "practice/group_selfstudy.html", context)


# 第一议题 follow-through ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def measure_add_view(request, pk):
    session = access.get_visible_or_404(StudySession.objects.select_related("group__organization"), request.user, pk=pk)
    access.require(request.user, "practice.measure_add", session)
    people = Person.objects.filter(organization__path__startswith=session.group.organization.path).select_related(
        "organization"
    )
    form = MeasureForm(
        request.POST or None,
        people=people.order_by("name"),
        initial={"due_on": timezone.localdate() + datetime.timedelta(days=30)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def add() -> str:
            services.measure_add(
                session=session,
                decision=data["decision"],
                measure=data["measure"],
                owner=data["owner"],
                due_on=data["due_on"],
                by=request.user,
            )
            return f"{session.get_absolute_url()}#measures"

        address = run_once(request, form, add)
        if address:
            messages.success(request, _("The measure has been recorded and its owner notified."))
            return redirect(address)
    return render(request, "practice/measure_form.html", {"form": form, "session": session})


def _ledger_context(request, *, strict: bool = False) -> dict:
    organizations = list(access.organizations_held(request.user, access.READING_ROLES))
    organization = chosen_organization(request, organizations, reach_below=True, strict=strict)
    year = requested_year(request)
    rows = selectors.first_topic_ledger(organization=organization, year=year, user=request.user)
    return {
        "organization": organization,
        "organizations": organizations,
        "trail": reach_trail(organization, organizations),
        "year": year,
        "years": year_choices(ahead=0),
        "rows": rows,
        "measures": sum(len(row.measures) for row in rows),
        "done": sum(row.done for row in rows),
        "overdue": sum(row.overdue for row in rows),
    }


@login_required
def first_topic_ledger_view(request):
    return render(request, "practice/first_topic_ledger.html", _ledger_context(request))


@login_required
def first_topic_xlsx_view(request):
    context = _ledger_context(request, strict=True)
    name = f"{context['organization'].name}{context['year']}年第一议题台账.xlsx"
    return documents.download(practice_documents.first_topic_xlsx(context["rows"]), documents.XLSX, name)


# 学习报备 and 随机抽查 --------------------------------------------------------------------


def _month(request) -> datetime.date:
    """The first day of the month asked for (``?month=2026-12``), or of this month."""
    text = request.GET.get("month", "")
    try:
        return datetime.date.fromisoformat(f"{text}-01") if len(text) == 7 else timezone.localdate().replace(day=1)
    except ValueError:
        return timezone.localdate().replace(day=1)


def _month_end(first: datetime.date) -> datetime.date:
    return (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)


def _draw_start(first: datetime.date) -> datetime.date:
    """Records checks look at held sessions: on this month's calendar the draw reaches back thirty days."""
    today = timezone.localdate()
    if first == today.replace(day=1):
        return min(first, today - datetime.timedelta(days=30))
    return first


@login_required
def calendar_view(request):
    """The sessions reported to an organization from below, by day, and the draw of spot checks from them."""
    organizations = selectors.calendar_organizations(user=request.user)
    organization = chosen_organization(request, organizations, reach_below=True)
    if not access.can(request.user, "practice.calendar", organization):
        raise Http404
    first = _month(request)
    last = _month_end(first)
    can_draw = access.can(request.user, "practice.spot_check_draw", organization)
    context = {
        "organization": organization,
        "organizations": organizations,
        "trail": reach_trail(organization, organizations),
        "month": first,
        "previous": (first - datetime.timedelta(days=1)).replace(day=1),
        "next": last + datetime.timedelta(days=1),
        "days": selectors.calendar(organization=organization, start=first, end=last, user=request.user),
        "today": timezone.localdate(),
        "report_days": settings.REPORT_DAYS,
        "draw_form": SpotDrawForm(initial={"date_from": _draw_start(first), "date_to": last}) if can_draw else None,
    }
    return render(request, "practice/calendar.html", context)


@login_required
@require_POST
def spot_draw_view(request):
    """Draw from the calendar: records checks here, random observer visits through the audits app's draw."""
    organization = access.get_visible_or_404(Organization.objects.all(), request.user, pk=query_id(request, "org"))
    if not access.can(request.user, "practice.spot_check_draw", organization):
        raise Http404
    back = f"{reverse('practice:calendar')}?org={organization.pk}"
    form = SpotDrawForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    data = form.cleaned_data
    arguments = {
        "organization": organization,
        "date_from": data["date_from"],
        "date_to": data["date_to"],
        "count": data["count"],
        "seed": data["seed"],
        "request_key": data["once"],
        "by": request.user,
    }
    try:
        if data["kind"] == SpotDrawForm.KIND_VISIT:
            record = audit_services.random_draw(**arguments)
            address = reverse("audits:draw-detail", args=[record.pk])
        else:
            address = services.spot_draw(**arguments).get_absolute_url()
    except ValidationError as exc:
        already = exc.code in (services.ALREADY_DONE, audit_services.ALREADY_RAISED)
        (messages.info if already else messages.error)(request, " ".join(exc.messages))
        return redirect(back)
    messages.success(request, _("The sessions have been drawn. The groups are not told until a result is recorded."))
    return redirect(address)


@login_required
def spot_draw_detail_view(request, pk):
    record = access.get_visible_or_404(
        SpotCheckDraw.objects.select_related("organization", "by__person"), request.user, pk=pk
    )
    checks = record.checks.select_related("session__group__organization", "inspector").order_by("session__starts_at")
    context = {
        "draw": record,
        "checks": checks,
        "same": draw.run(record.seed, record.inputs) == record.result,
        "candidates": len(record.inputs["sessions"]),
    }
    return render(request, "practice/spot_draw_detail.html", context)


def _spot_check(request, pk) -> SpotCheck:
    return access.get_visible_or_404(
        SpotCheck.objects.select_related("organization", "session__group__organization", "inspector"),
        request.user,
        pk=pk,
    )


@login_required
@require_http_methods(["GET", "POST"])
def spot_check_view(request, pk):
    check = _spot_check(request, pk)
    can_record = check.checked_on is None and access.can(request.user, "practice.spot_check_record", check)
    form = SpotCheckForm(request.POST or None)
    if request.method == "POST":
        if not can_record:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            if run_service(
                form,
                lambda: services.spot_check_record(
                    check=check,
                    verdict=data["verdict"],
                    findings=data["findings"],
                    comment=data["comment"],
                    by=request.user,
                ),
            ):
                messages.success(request, _("The result of the check has been recorded and the group told."))
                return redirect(check)
    records = selectors.spot_check_records(check=check, user=request.user)
    context = {
        "check": check,
        "session": check.session,
        "form": form,
        "can_record": can_record,
        "can_raise": check.checked_on is not None and access.can(request.user, "practice.spot_check_record", check),
        "findings": [(line, records["raised"].get(line)) for line in check.finding_lines],
        **records,
    }
    return render(request, "practice/spot_check.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def spot_check_action_view(request, pk):
    check = _spot_check(request, pk)
    if not access.can(request.user, "practice.spot_check_record", check):
        raise PermissionDenied
    group = check.session.group
    finding = (request.POST.get("finding") or request.GET.get("finding", "")).strip()
    if finding not in check.finding_lines:
        raise Http404
    people = Person.objects.filter(organization__path__startswith=group.organization.path).order_by("name")
    initial = {"problem": finding, "finding": finding, "due_on": timezone.localdate() + datetime.timedelta(days=30)}
    form = FindingActionForm(request.POST or None, people=people.select_related("organization"), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.spot_check_action(
                check=check,
                finding=finding,
                problem=data["problem"],
                measure=data["measure"],
                owner=data["owner"],
                due_on=data["due_on"],
                request_key=data["once"],
                by=request.user,
            )
        except ValidationError as exc:
            if exc.code not in (services.ALREADY_DONE, audit_services.ALREADY_RAISED):
                add_errors(form, exc)
                return render(request, "practice/finding_action.html", {"form": form, "check": check})
            messages.info(request, exc.messages[0])
        else:
            messages.success(request, _("The action has been raised and its owner notified."))
        return redirect(check)
    return render(request, "practice/finding_action.html", {"form": form, "check": check})
