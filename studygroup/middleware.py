"""Request-wide rules: session limits, forced password change, audit context, no caching of private pages."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from studygroup import audit

LAST_SEEN_KEY = "studygroup_last_seen"
LOGIN_AT_KEY = "studygroup_login_at"
LAST_SEEN_EVERY = 60  # seconds between two writes of the time last seen by htmx requests


class SessionLimitsMiddleware:
    """End a session after ``SESSION_IDLE_TIMEOUT`` idle or ``SESSION_ABSOLUTE_TIMEOUT`` in all."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = timezone.now().timestamp()
            login_at = request.session.setdefault(LOGIN_AT_KEY, now)
            last_seen = request.session.get(LAST_SEEN_KEY, now)
            idle = now - last_seen > settings.SESSION_IDLE_TIMEOUT.total_seconds()
            too_long = now - login_at > settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds()
            if idle or too_long:
                logout(request)
                if idle:
                    message = _("You were signed out after 30 minutes without activity. Please sign in again.")
                else:
                    message = _("Your session reached its 12-hour limit. Please sign in again.")
                messages.info(request, message)
                return redirect(f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': request.get_full_path()})}")
        response = self.get_response(request)
        if request.user.is_authenticated:
            # Also reached right after signing in, so the 12 hours count from the login itself.
            now = timezone.now().timestamp()
            request.session.setdefault(LOGIN_AT_KEY, now)
            # An htmx request (an answer saved as it is chosen, an autosave) writes the time seen at most once a
            # minute: a phone saving each answer of a test would otherwise cost a session write per answer. The
            # idle limit then counts from up to a minute before the last such request: it may end a session up to
            # a minute early, never late. A page drawn writes it every time.
            stale = now - request.session.get(LAST_SEEN_KEY, 0) >= LAST_SEEN_EVERY
            if stale or not request.headers.get("HX-Request"):
                request.session[LAST_SEEN_KEY] = now
        return response


class PasswordAgeMiddleware:
    """Send users to change their password: after a reset by the office, or when older than ``PASSWORD_MAX_AGE_DAYS``."""

    allowed_names = {"password_change", "password_change_done", "logout", "login"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not self._exempt(request):
            if user.must_change_password:
                messages.warning(request, _("Your password was set by the office. Please choose your own now."))
                return redirect("password_change")
            max_age = settings.PASSWORD_MAX_AGE_DAYS
            if max_age and self._expired(user, max_age):
                messages.warning(request, _("Your password has expired. Please choose a new one."))
                return redirect("password_change")
        return self.get_response(request)

    def _exempt(self, request) -> bool:
        path = request.path_info
        return path.startswith(settings.STATIC_URL) or path in {reverse(name) for name in self.allowed_names}

    @staticmethod
    def _expired(user, max_age: int) -> bool:
        changed = user.password_changed_at or user.date_joined
        return changed < timezone.now() - timedelta(days=max_age)


class AuditContextMiddleware:
    """Attribute record changes made while serving a request to its user and address; log every download.

    Every file a user downloads (an export, an archive, an uploaded file) is
    logged as an export. It is filed under ``response.audit_organization`` when
    the view sets it, else under the user's own organization.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with audit.acting(request.user, audit.client_address(request)):
            response = self.get_response(request)
            name = audit.attachment_name(response) if response.status_code == 200 else None
            # A view that logged the download itself, with more detail, sets ``audit_logged``.
            if name is not None and request.user.is_authenticated and not getattr(response, "audit_logged", False):
                audit.log_export(request, name, getattr(response, "audit_organization", None))
            return response


class NoStoreMiddleware:
    """Forbid browsers and proxies to keep a copy of what a signed-in user was shown or downloaded.

    A shared office computer's cache, or a proxy's, must not hand one person's
    pages and files to the next.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # max-age=0, no-cache, no-store, must-revalidate, private
            add_never_cache_headers(response)
        return response
