"""Small pieces every app's views share: the year asked for, and calling a service from a form or a button."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.utils import timezone


def requested_year(request) -> int:
    """The ``year`` of the query string, or this year."""
    value = request.GET.get("year", "")
    is_year = len(value) == 4 and value.isascii() and value.isdigit() and 2000 <= int(value) <= 2100
    return int(value) if is_year else timezone.localdate().year


def year_choices(ahead: int = 1, back: int = 5) -> range:
    this = timezone.localdate().year
    return range(this + ahead, this - back, -1)


def add_errors(form, exc: ValidationError) -> None:
    """Show a service's refusal beside the fields it names (or above the form)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def run_service(form, call: Callable[[], object]) -> bool:
    """Run ``call``; put a refusal beside the form's fields and answer whether it succeeded."""
    try:
        call()
    except ValidationError as exc:
        add_errors(form, exc)
        return False
    return True


def post_action(request, call: Callable[[], object], success: str) -> None:
    """Run a button's service call and report the outcome as a message."""
    try:
        call()
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, success)


def chosen_organization(request, held, reach_below: bool = False):
    """The organization a page works on: ``?org=`` among those the user holds a role at (else the first).

    With ``reach_below``, ``?org=`` may also name any organization the user reads (a drill-down).
    """
    from django.core.exceptions import PermissionDenied

    from studygroup import access
    from studygroup.models import Organization

    held = list(held)
    if not held:
        raise PermissionDenied
    wanted = request.GET.get("org") or request.POST.get("org") or ""
    match = next((o for o in held if str(o.pk) == wanted), None)
    if match is None and reach_below and wanted.isdigit():
        match = access.get_visible_or_404(Organization.objects.all(), request.user, pk=int(wanted))
    return match or held[0]
