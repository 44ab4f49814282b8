"""Edits made stale by someone else's change are refused, never saved over it (a version check).

An edit form of a record several people may change derives from ``VersionedForm`` and is given the record
(``record=``). It carries the record's stored ``updated_at`` in a hidden ``version`` field, drawn with the form;
when the form is sent, ``check`` reads (and, inside a transaction, locks) the stored row: if it changed since
the page was drawn (another person, or the same person in another tab), the form is shown again with its text
and a message saying who changed the record and when, and nothing is saved. A post without a version (a client
that predates it) is not checked.

A form that edits several rows together with no record of their own (a plan's self-study targets, one row per
kind, added and removed by the form) is given them instead (``rows=``): their version is which rows there are and
their newest change, so adding, changing or removing any of them makes the form stale.

A page that saves the record as one types (htmx autosave) answers the new version with its status
(``oob_input``), so the page's own later saves are not refused.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.html import format_html
from django.utils.translation import gettext as _

from studygroup import audit, formats
from studygroup.models import AuditEntry

FIELD = "version"
CONFLICT = "conflict"


def token(record) -> str:
    """The version of ``record`` as stored: its ``updated_at``, to the microsecond."""
    stamp = getattr(record, "updated_at", None)
    return stamp.isoformat() if stamp else ""


def check(record, posted: str | None) -> None:
    """Refuse (``ValidationError`` with code ``conflict``) when ``record`` changed since version ``posted``."""
    if not posted or record is None or record.pk is None:
        return
    rows = type(record)._default_manager.filter(pk=record.pk)
    if transaction.get_connection().in_atomic_block:
        rows = rows.select_for_update(of=("self",))
    stored = rows.values_list("updated_at", flat=True).first()
    if stored is None or stored.isoformat() == posted:
        return
    raise ValidationError(conflict_message(record), code=CONFLICT)


def rows_token(rows: QuerySet) -> str:
    """The version of ``rows`` edited together: their ids and their newest ``updated_at`` (``"3.7@2026-…"``)."""
    found = list(rows.order_by("pk").values_list("pk", "updated_at"))
    newest = max((stamp for _pk, stamp in found), default=None)
    return ".".join(str(pk) for pk, _stamp in found) + "@" + (newest.isoformat() if newest else "")


def check_rows(rows: QuerySet, posted: str | None) -> None:
    """Refuse (``ValidationError`` with code ``conflict``) when a row of ``rows`` was added, changed or removed
    since version ``posted``."""
    if not posted:
        return
    current = rows_token(rows)
    if current == posted:
        return
    ids = {part for token in (current, posted) for part in token.partition("@")[0].split(".") if part.isdigit()}
    raise ValidationError(_conflict_message(rows.model._meta.label_lower, ids), code=CONFLICT)


def conflict_message(record) -> str:
    """What a person reads when their edit is refused: who changed the record and when, if the log says."""
    return _conflict_message(record._meta.label_lower, {str(record.pk)})


def _conflict_message(object_type: str, object_ids: set[str]) -> str:
    entry = (
        AuditEntry.objects.filter(object_type=object_type, object_id__in=object_ids)
        .select_related("user__person")
        .order_by("-at", "-pk")
        .first()
    )
    if entry is None:
        return _("This record was changed by someone else after you opened this page. Reload the page and try again.")
    me = audit.actor()
    when = formats.datetime_zh(entry.at)
    if entry.user_id is not None and me is not None and entry.user_id == me.pk:
        return _(
            "You changed this record in another page or tab at %(time)s, after this page was opened. Your changes "
            "here were not saved: reload the page to see the latest version, then make your changes again."
        ) % {"time": when}
    person = getattr(entry.user, "person", None) if entry.user_id else None
    name = person.name if person is not None else (entry.username or _("someone else"))
    return _(
        "This record was changed by %(name)s at %(time)s, after you opened this page. Your changes were not saved, "
        "so as not to overwrite theirs: reload the page to see the latest version, then make your changes again."
    ) % {"name": name, "time": when}


def oob_input(record) -> str:
    """The form's hidden version, for an htmx answer to swap in (``hx-swap-oob``) after an autosave."""
    return format_html(
        '<input type="hidden" name="{}" value="{}" id="id_{}" hx-swap-oob="true">', FIELD, token(record), FIELD
    )


class VersionedForm(forms.Form):
    """An edit form that refuses to save over a change made since it was drawn (give it ``record=``, or the
    ``rows=`` it edits together)."""

    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, record=None, rows: QuerySet | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.record, self.record_rows = record, rows
        if rows is not None:
            self.initial[FIELD] = rows_token(rows)
        elif record is not None and record.pk is not None:
            self.initial[FIELD] = token(record)

    def clean(self):
        data = super().clean() or {}
        if self.record_rows is not None:
            check_rows(self.record_rows, data.get(FIELD))
        else:
            check(self.record, data.get(FIELD))
        return data
