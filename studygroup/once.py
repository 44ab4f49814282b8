"""Every form acts once, however often it is posted (a double click, a resent page, a second Enter).

One piece serves every form of every app; no view or form asks for it:

- **The key.** ``{% csrf_token %}`` (``studygroup/templatetags/form_keys.py``, a template builtin) writes, beside
  the CSRF token, a hidden ``once`` field holding a new random key each time a form is drawn. A page with three
  forms has three keys; a form shown again with its errors has a new one.
- **The receipt.** ``OnceMiddleware`` stores a signed-in user's posted key as a ``FormReceipt`` (unique key) and
  runs the view in the same transaction. A second post with the key waits on the unique index until the first
  has committed, then creates nothing: it is sent where the first post led, with a calm message, or shown
  a page saying the form was already sent (``studygroup/once_repeat.html``). A post that wrote nothing (a form
  shown again with its errors, a refusal: no INSERT, UPDATE or DELETE was sent) or failed (4xx, 5xx: everything
  it did is rolled back) drops its receipt, so the corrected form can be sent.
- **The content.** Pages are sent with ``Cache-Control: no-store``, so the browser's Back draws the form anew, with
  a new key, and puts back what was typed: the receipt also keeps a digest of what was sent, and the same form
  with the same content sent again by the same user within ``FORM_RESEND_SECONDS`` (10 minutes) is a repeat too.

htmx posts (autosave, answers saved as they are chosen) carry no such promise: they are repeated on purpose, and
their services are idempotent.

Pages also disable their buttons on submit (``static/js/busy.js``, loaded by the base template); the key is for
what gets through anyway (a resent page, a slow network, two quick taps on a phone).
"""

from __future__ import annotations

import datetime
import hashlib
import uuid
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from studygroup.models import FormReceipt
from studygroup.viewutils import add_errors, is_safe_target

FIELD = "once"


def new_key() -> str:
    return str(uuid.uuid4())


def posted_key(request) -> uuid.UUID | None:
    """The form key of a POST that the middleware keeps once, or ``None`` (no key, htmx, anonymous)."""
    if request.method != "POST" or request.headers.get("HX-Request"):
        return None
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    try:
        return uuid.UUID(request.POST.get(FIELD) or "")
    except (ValueError, AttributeError):
        return None


class OnceMiddleware:
    """Store each posted form key once, with where its post led; a repeat goes there and creates nothing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = posted_key(request)
        if key is None:
            return self.get_response(request)
        with transaction.atomic():
            content = content_of(request)
            resent = sent_lately(request.user, content)
            if resent is not None:
                return repeated(request, resent)
            try:
                with transaction.atomic():
                    receipt = FormReceipt.objects.create(key=key, user=request.user, content=content)
            except IntegrityError:
                return repeated(request, key)
            writes = Writes()
            with connection.execute_wrapper(writes):
                response = self.get_response(request)
            if response.status_code >= 400:
                transaction.set_rollback(True)
            elif not writes.count:
                receipt.delete()
            else:
                receipt.url = response.get("Location", "")[:300] if 300 <= response.status_code < 400 else ""
                receipt.save(update_fields=["url"])
        return response


def content_of(request) -> str:
    """A digest of what the post sent: its address, its fields (the form key and CSRF token left out) and the
    names and sizes of its files."""
    fields = sorted(
        (name, values) for name, values in request.POST.lists() if name not in (FIELD, "csrfmiddlewaretoken")
    )
    files = sorted((name, [(f.name, f.size) for f in items]) for name, items in request.FILES.lists())
    return hashlib.sha256(repr((request.path, fields, files)).encode()).hexdigest()


def sent_lately(user, content: str) -> uuid.UUID | None:
    """The key of the same form, with the same content, that this user sent in the last ``FORM_RESEND_SECONDS``
    and that wrote something: a page drawn anew (Back, a reload) and sent again is the same post."""
    since = timezone.now() - datetime.timedelta(seconds=settings.FORM_RESEND_SECONDS)
    return (
        FormReceipt.objects.filter(user=user, content=content, created_at__gte=since)
        .order_by("-created_at")
        .values_list("key", flat=True)
        .first()
    )


class Writes:
    """Count the statements that change the database (a view that wrote nothing needs no receipt)."""

    VERBS = ("INSERT", "UPDATE", "DELETE")

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        if sql.lstrip().upper().startswith(self.VERBS):
            self.count += 1
        return execute(sql, params, many, context)


def repeated(request, key):
    """The answer to a post whose key was already used: where the first post led, or a page that says so."""
    earlier = FormReceipt.objects.filter(key=key, user=request.user).values_list("url", flat=True).first()
    if earlier and is_safe_target(request, earlier):
        messages.info(request, _("This form had already been sent; it was not sent again. Here is what it did."))
        return HttpResponseRedirect(earlier)
    back = request.headers.get("Referer", "")
    context = {"back": back if is_safe_target(request, back) else "/"}
    return render(request, "studygroup/once_repeat.html", context, status=409)


def run_once(request, form, call: Callable[[], str]) -> str | None:
    """Run ``call`` (which returns the address to go to) for a valid form and answer the address, or ``None``
    when the service refused (its errors are put beside the form's fields).

    The form's key is kept by ``OnceMiddleware``: a repeated post never reaches the view.
    """
    try:
        with transaction.atomic():
            return call()
    except ValidationError as exc:
        add_errors(form, exc)
        return None
