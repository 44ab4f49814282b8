"""Pages of leave and make-up: asking for leave, deciding on it, and recording make-ups."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sessions import selectors, services
from sessions.forms import LeaveForm, MakeUpForm
from sessions.models import Attendance, LeaveRequest
from sessions.views.common import _session
from studygroup import access
from studygroup.once import run_once
from studygroup.viewutils import post_action


@login_required
@require_http_methods(["GET", "POST"])
def leave_ask_view(request, pk):
    session = _session(request, pk)
    form = LeaveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():

        def ask() -> str:
            services.leave_ask(session=session, reason=form.cleaned_data["reason"], by=request.user)
            return session.get_absolute_url()

        address = run_once(request, form, ask)
        if address:
            messages.success(request, _("Your leave request has been sent."))
            return redirect(address)
    context = {"session": session, "form": form, "makeup_days": settings.MAKEUP_DAYS}
    return render(request, "sessions/leave_form.html", context)


@login_required
@require_POST
def leave_decide_view(request, pk):
    leave = access.get_visible_or_404(
        LeaveRequest.objects.select_related("session__group", "person"), request.user, pk=pk
    )
    approve = request.POST.get("decision") == "approve"
    post_action(
        request,
        lambda: services.leave_decide(
            request=leave, approve=approve, comment=request.POST.get("comment", ""), by=request.user
        ),
        _("The leave has been approved.") if approve else _("The leave has been refused."),
    )
    return redirect(leave.session.get_absolute_url() + "#leave")


MAKEUP_PAGE_SIZE = 100


@login_required
def makeup_list_view(request):
    """Open make-ups a page at a time, oldest first; how many are open and overdue is counted in one aggregate
    query over all of them (the paginator is given the count rather than counting again)."""
    open_count, overdue_count = selectors.makeups_counted(user=request.user)
    paginator = Paginator(selectors.makeups_open(user=request.user), MAKEUP_PAGE_SIZE)
    paginator.count = open_count  # a cached property: set, it is not counted a second time
    page = paginator.get_page(request.GET.get("page"))
    rows = [
        (
            row,
            selectors.makeup_due_on(row.session),
            selectors.overdue(row),
            access.can(request.user, "change", row.session),
        )
        for row in page.object_list
    ]
    context = {
        "rows": rows,
        "page": page,
        "overdue_count": overdue_count,
        "recorded": selectors.makeups_recorded(user=request.user)[:50],
    }
    return render(request, "sessions/makeup_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def makeup_record_view(request, pk):
    """Staff record a make-up given in person (送学上门) or otherwise; the attendance becomes made up."""
    attendance = access.get_visible_or_404(
        Attendance.objects.select_related("session__group__organization", "person"), request.user, pk=pk
    )
    access.require(request.user, "change", attendance.session)
    form = MakeUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def record() -> str:
            services.makeup_record(
                attendance=attendance,
                on=data["on"],
                method=data["method"],
                given_by=data["given_by"],
                note=data["note"],
                by=request.user,
            )
            return reverse("sessions:makeup-list")

        address = run_once(request, form, record)
        if address:
            messages.success(
                request, _("The make-up of %(name)s has been recorded.") % {"name": attendance.person.name}
            )
            return redirect(address)
    context = {"attendance": attendance, "form": form, "due": selectors.makeup_due_on(attendance.session)}
    return render(request, "sessions/makeup_form.html", context)
