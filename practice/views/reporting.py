"""Pages of 学习报备 and 随机抽查: the calendar of sessions reported upward, draws and records checks."""

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
from practice import draw, selectors, services
from practice.forms import FindingActionForm, SpotCheckForm, SpotDrawForm
from practice.models import SpotCheck, SpotCheckDraw
from studygroup import access, once
from studygroup.models import Organization, Person
from studygroup.viewutils import (
    add_errors,
    chosen_organization,
    is_repeat,
    query_id,
    reach_trail,
    run_service,
)

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
    """On this month's calendar the draw reaches back thirty days too: sessions held lately are checked most."""
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
        "request_key": once.posted_key(request),
        "by": request.user,
    }
    try:
        if data["kind"] == SpotDrawForm.KIND_VISIT:
            record = audit_services.random_draw(**arguments)
            address = reverse("audits:draw-detail", args=[record.pk])
        else:
            address = services.spot_draw(**arguments).get_absolute_url()
    except ValidationError as exc:
        already = is_repeat(exc)
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
    can_record = (
        check.checked_on is None
        and check.session.has_started
        and access.can(request.user, "practice.spot_check_record", check)
    )
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
                request_key=once.posted_key(request),
                by=request.user,
            )
        except ValidationError as exc:
            if not is_repeat(exc):
                add_errors(form, exc)
                return render(request, "practice/finding_action.html", {"form": form, "check": check})
            messages.info(request, exc.messages[0])
        else:
            messages.success(request, _("The action has been raised and its owner notified."))
        return redirect(check)
    return render(request, "practice/finding_action.html", {"form": form, "check": check})
