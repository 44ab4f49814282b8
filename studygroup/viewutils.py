"""Small pieces every app's views share: the year asked for, and calling a service from a form or a button."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.utils import timezone

# The largest value a database integer key holds (PostgreSQL bigint); larger ids cannot exist.
LARGEST_ID = 2**63 - 1
YEAR_RANGE = (2000, 2100)


def parse_int(value, *, minimum: int = 1, maximum: int = LARGEST_ID) -> int | None:
    """Return ``value`` as an int within ``minimum``..``maximum``, or ``None`` for anything else.

    Only ASCII digits count (``"²"`` and ``"١"`` are refused), and the length is
    checked before converting, so a very long number never reaches the database.
    """
    text = str(value or "").strip()
    if not text or len(text) > len(str(maximum)) or not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if minimum <= number <= maximum else None


def query_id(request, name: str) -> int | None:
    """The id named ``name`` in the query string (or the posted form), or ``None`` if it is not a usable id."""
    return parse_int(request.GET.get(name) or request.POST.get(name))


def requested_year(request) -> int:
    """The ``year`` of the query string, or this year."""
    year = parse_int(request.GET.get("year"), minimum=YEAR_RANGE[0], maximum=YEAR_RANGE[1])
    return year or timezone.localdate().year


def active_filters(request, labels: dict[str, str]) -> list[tuple[str, str]]:
    """The query's filters as (label, address without that filter), shown as chips a user can remove.

    ``labels`` maps a query parameter to what the user reads; an empty label is no filter.
    """
    chips = []
    for name, label in labels.items():
        if label and request.GET.get(name):
            rest = request.GET.copy()
            rest.pop(name)
            chips.append((label, f"{request.path}?{rest.urlencode()}"))
    return chips


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


def error_code(exc: ValidationError) -> str | None:
    """The code of a refusal that is one message, or ``None`` (field errors, a list, no code).

    A service refuses with field errors (``ValidationError({"field": ...})``) as well as with one coded message; a
    ``ValidationError`` of field errors has no ``code`` attribute, so a view reads the code through this.
    """
    return None if hasattr(exc, "error_dict") else getattr(exc, "code", None)


def is_repeat(exc: ValidationError) -> bool:
    """Answer whether ``exc`` only says the thing asked for was already done (``services.ALREADY_DONE``)."""
    from studygroup import services as core_services

    return not hasattr(exc, "error_dict") and all(
        error.code in (core_services.ALREADY_DONE, "already_raised") for error in exc.error_list
    )


def post_action(request, call: Callable[[], object], success: str) -> None:
    """Run a button's service call and report the outcome as a message (a repeat's as a calm one)."""
    try:
        call()
    except ValidationError as exc:
        report = messages.info if is_repeat(exc) else messages.error
        for message in exc.messages:
            report(request, message)
    else:
        messages.success(request, success)


def chosen_organization(request, held, reach_below: bool = False, strict: bool = False):
    """The organization a page works on: ``?org=`` among those the user holds a role at (else the first).

    With ``reach_below``, ``?org=`` may also name any organization the user reads (a drill-down). With
    ``strict`` (downloads), an ``?org=`` that names no organization answers 404 rather than another file.
    """
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from studygroup import access
    from studygroup.models import Organization

    held = list(held)
    if not held:
        raise PermissionDenied
    wanted = query_id(request, "org")
    if strict and wanted is None and request.GET.get("org"):
        raise Http404
    match = next((o for o in held if o.pk == wanted), None)
    if match is None and reach_below and wanted is not None:
        match = access.get_visible_or_404(Organization.objects.all(), request.user, pk=wanted)
    return match or held[0]


def reach_trail(organization, held) -> list:
    """The breadcrumbs of a drill-down: ``organization``'s ancestors that the user reads, top first, then itself.

    The trail starts at the highest organization of ``held`` (where the user holds a reading role) that contains
    ``organization``, so an up-link never leads above the user's reach. One query.
    """
    from studygroup.models import Organization

    tops = [o.path for o in held if organization.is_within(o)]
    if not tops:
        return [organization]
    top = min(tops, key=len)
    paths = [path for path in Organization.ancestor_paths(organization.path) if Organization.is_path_within(path, top)]
    return [*Organization.objects.filter(path__in=paths).order_by("path"), organization]


def is_safe_target(request, url: str) -> bool:
    """Answer whether ``url`` stays on this site (no ``//host``, no other scheme, no backslash tricks)."""
    from django.utils.http import url_has_allowed_host_and_scheme

    return bool(url) and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def next_url(request, fallback):
    """Where to go after a form: the posted (or asked) ``next`` if it stays on this site, else ``fallback``.

    ``fallback`` is anything ``redirect`` takes: a URL, a URL name or a model.
    Every use of ``next`` goes through here.
    """
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    return wanted if is_safe_target(request, wanted) else fallback
