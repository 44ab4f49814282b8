"""Forms that create a record act once, however often they are posted (a double click, a resent page).

Each such form carries a hidden key made when the page is drawn (``OnceForm``).
The first post stores the key with the address its result leads to, in the
same transaction as the record; a second post with the same key waits on the
unique index until the first commits, then leads to the same address and
creates nothing. Pages also disable their buttons on submit (``static/js/busy.js``, loaded by the base template).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django import forms
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from studygroup.models import FormReceipt
from studygroup.viewutils import add_errors


class OnceForm(forms.Form):
    """A form with the hidden key that makes its post act once."""

    once = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("once", uuid.uuid4())


def run_once(request, form, call: Callable[[], str]) -> str | None:
    """Run ``call`` (which returns the address to go to) once per form key.

    Returns the address, the first post's address for a repeated post, or
    ``None`` when the service refused (its errors are put on the form).
    """
    key = form.cleaned_data.get("once")
    try:
        with transaction.atomic():
            receipt = None
            if key is not None:
                try:
                    with transaction.atomic():
                        receipt = FormReceipt.objects.create(key=key, user=request.user)
                except IntegrityError:
                    return _earlier_address(request, form, key)
            address = call()
            if receipt is not None:
                receipt.url = address
                receipt.save(update_fields=["url"])
            return address
    except ValidationError as exc:
        add_errors(form, exc)
        return None


def _earlier_address(request, form, key) -> str | None:
    earlier = FormReceipt.objects.filter(key=key, user=request.user).first()
    if earlier is not None and earlier.url:
        return earlier.url
    form.add_error(None, _("This form has already been sent."))
    return None
