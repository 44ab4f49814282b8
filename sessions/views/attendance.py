"""The attendance page: the roster of a session and each member's status."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sessions import selectors, services
from sessions.models import Attendance
from sessions.views.common import _session
from studygroup import access


@login_required
@require_http_methods(["GET", "POST"])
def attendance_view(request, pk):
    session = _session(request, pk)
    can_change = access.can(request.user, "change", session)
    rows = selectors.attendance_grid(session=session)
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        marks = {}
        for row in rows:
            value = request.POST.get(f"status-{row.person.pk}", "")
            if value:
                marks[row.person.pk] = value
        try:
            count = services.attendance_mark(session=session, marks=marks, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Attendance saved: %(count)d changes.") % {"count": count})
            return redirect("sessions:attendance", pk=session.pk)
    context = {
        "session": session,
        "rows": rows,
        "statuses": Attendance.Status.choices,
        "can_change": can_change,
        "rate": selectors.session_rate(session=session, rows=[r.attendance for r in rows if r.attendance]),
        "default_status": Attendance.Status.ABSENT if session.has_started else "",
        # Before the session starts only leave is recorded (see services.attendance_mark).
        "only_leave": not session.has_started,
    }
    return render(request, "sessions/attendance.html", context)
