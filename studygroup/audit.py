"""The append-only audit log: logins, failed logins and every change of a record.

The code that writes says so: each service records what it creates, changes
or deletes (``record`` after a save, with ``stored`` read before an update;
``delete``; ``write_many`` for rows written in bulk), and so do the admin
(``studygroup.admin.AuditedAdminMixin``), the importer and the commands. No
model signal is involved: bulk writes skip signals, and a log kept as a side
effect of saving is easily lost. The models logged are those of
``audited_models()``. Where from comes from the request being served
(``AuditContextMiddleware``), and who too where the writer does not say;
outside a request they are left empty.
"""

from __future__ import annotations

import datetime
import decimal
import json
from collections import defaultdict
from collections.abc import Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from urllib.parse import unquote

from django.apps import apps
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import FieldDoesNotExist
from django.db import models, router
from django.db.models import Model, QuerySet
from django.db.models.deletion import Collector
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from studygroup import formats
from studygroup.models import AuditEntry

AUDITED_APPS = {"studygroup", "plans", "study_sessions", "audits", "reports", "assessments", "practice"}
# Fields whose changes say nothing a reader of the log needs.
IGNORED_FIELDS = {"created_at", "updated_at", "last_login", "path", "depth"}
SECRET_FIELDS = {"password"}
MASK = "******"
# A model naming ``audit_private_fields`` keeps those fields out of the log while the record is in one of
# these statuses: its author is still writing it, and nobody else may read it yet (a member's draft notes).
PRIVATE_STATUSES = {"draft", "returned"}

_actor: ContextVar[tuple[Any, str | None]] = ContextVar("audit_actor", default=(None, None))


@contextmanager
def acting(user: Any, ip_address: str | None):
    """Attribute the changes made inside the block to ``user`` at ``ip_address``."""
    token = _actor.set((user, ip_address))
    try:
        yield
    finally:
        _actor.reset(token)


def actor():
    """The user the changes being made are attributed to (the request's, inside ``acting``), or ``None``."""
    return _actor.get()[0]


def client_address(request) -> str | None:
    from studygroup.network import client_address as address_behind_proxies

    return address_behind_proxies(request)


def is_audited(model: type[Model]) -> bool:
    """Answer whether writes to ``model`` are logged: every model of our apps but the log itself and those that
    set ``audit_exclude`` (notifications, form receipts, rollups, task runs, ...)."""
    return (
        model._meta.app_label in AUDITED_APPS and not getattr(model, "audit_exclude", False) and model is not AuditEntry
    )


def audited_models() -> list[type[Model]]:
    return [model for model in apps.get_models() if is_audited(model)]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, str | int | float | bool | list | dict) or value is None:
        return value
    return str(value)


def _field_values(instance: Model) -> dict[str, Any]:
    values = {}
    for field in instance._meta.concrete_fields:
        if field.name in IGNORED_FIELDS:
            continue
        values[field.name] = _plain(getattr(instance, field.attname))
    return values


def _organization_path(instance: Model) -> str:
    from studygroup.access import owning_organization

    if not hasattr(instance._meta.model, "access_org_field"):
        person = getattr(instance, "person", None) if instance._meta.model_name == "user" else None
        return person.organization.path if person is not None else ""
    try:
        return owning_organization(instance).path
    except Exception:
        return ""


def write(
    *,
    action: str,
    instance: Model | None = None,
    changes: dict | None = None,
    user=None,
    username: str = "",
    ip_address: str | None = None,
    organization_path: str = "",
) -> AuditEntry:
    actor, actor_address = _actor.get()
    user = user if user is not None else actor
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    entry = AuditEntry(
        action=action,
        user=user if authenticated else None,
        username=username or (user.get_username() if authenticated else ""),
        ip_address=ip_address or actor_address,
        changes=changes or {},
        organization_path=organization_path,
    )
    if instance is not None:
        entry.object_type = instance._meta.label_lower
        entry.object_id = str(instance.pk)
        entry.object_repr = _shown_repr(instance, _field_values(instance))
        entry.organization_path = organization_path or _organization_path(instance)
    entry.save()
    return entry


def write_many(
    *,
    action: str,
    instances: Sequence[Model],
    changes_for=None,
    user=None,
    ip_address: str | None = None,
    organization_path_for=None,
    repr_for=None,
) -> int:
    """Record one entry per instance written in bulk (``bulk_create``, ``bulk_update``, a queryset's ``update``).

    ``changes_for(instance)`` returns the entry's changes; by default a creation
    lists the instance's non-empty fields. Each entry is filed under the
    organization that owns its instance, so the owner reads it in its log;
    pass ``organization_path_for(instance)`` to avoid a query per instance,
    and ``repr_for(instance)`` where ``str`` is slow over many rows.
    Returns the number of entries written.
    """
    actor, actor_address = _actor.get()
    user = user if user is not None else actor
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    entries = []
    for instance in instances:
        values = _field_values(instance)
        changes = changes_for(instance) if changes_for is not None else _created_changes(instance._meta.model, values)
        entries.append(
            AuditEntry(
                action=action,
                user=user if authenticated else None,
                username=user.get_username() if authenticated else "",
                ip_address=ip_address or actor_address,
                changes=changes,
                object_type=instance._meta.label_lower,
                object_id=str(instance.pk),
                object_repr=(
                    MASK
                    if _is_private(instance._meta.model, values)
                    else (repr_for(instance) if repr_for else str(instance))[:200]
                ),
                organization_path=(
                    organization_path_for(instance) if organization_path_for else _organization_path(instance)
                ),
            )
        )
    AuditEntry.objects.bulk_create(entries, batch_size=1000)
    return len(entries)


def stored(instance: Model | None) -> dict | None:
    """Return the field values of ``instance`` as stored (``None`` if it is not), to give ``record`` as ``before``.

    Read from the database, not from the instance: a bound form may already
    have changed the instance in memory before the service sees it.
    """
    if instance is None or instance.pk is None:
        return None
    row = instance._meta.model._default_manager.filter(pk=instance.pk).first()
    return _field_values(row) if row is not None else None


def record(action: str, instance: Model, *, by, before: dict | None = None, changes: dict | None = None):
    """Write the entry of one record that ``by`` created, changed or is about to delete; return it.

    ``by`` ``None`` means the user of the request being served (or nobody
    outside a request); the address is always the request's. The changes are
    worked out unless given: a creation lists the record's non-empty fields;
    an update compares with ``before`` (``stored(instance)`` read before the
    change) and writes nothing when no field differs; a deletion, recorded
    before the record is deleted, lists the fields it held. Secrets, and the
    private fields of a draft, are masked.
    """
    model, after = instance._meta.model, _field_values(instance)
    if changes is None and action == AuditEntry.Action.UPDATE:
        if before is None:
            raise TypeError("An update is recorded with the values stored before it (audit.stored).")
        changes = update_changes(instance, before)
        if not changes:
            return None
    elif changes is None:
        changes = (_deleted_changes if action == AuditEntry.Action.DELETE else _created_changes)(model, after)
    return write(action=action, instance=instance, changes=changes, user=by)


def update_changes(instance: Model, before: dict) -> dict:
    """The changes of an update of ``instance`` from ``before`` (``stored`` or ``values`` read before it), as
    ``record`` writes them (masked); empty when no field differs. For ``write_many``'s ``changes_for``."""
    model, after = instance._meta.model, _field_values(instance)
    shown_before, shown_after = _masked(model, before), _masked(model, after)
    return {name: [shown_before.get(name), shown_after[name]] for name in after if before.get(name) != after[name]}


def values(instance: Model) -> dict:
    """The field values of ``instance`` as ``stored`` gives them, from the instance itself (read just now)."""
    return _field_values(instance)


def delete(target: Model | QuerySet, *, by) -> None:
    """Delete a record (or a queryset's records) and log each audited record deleted with it, cascades included."""
    records = [target] if isinstance(target, Model) else list(target)
    if not records:
        return
    collector = Collector(using=router.db_for_write(records[0]._meta.model))
    collector.collect(records)
    doomed = [row for model, found in collector.data.items() if is_audited(model) for row in found]
    doomed += [row for queryset in collector.fast_deletes if is_audited(queryset.model) for row in queryset]
    write_many(
        action=AuditEntry.Action.DELETE,
        instances=doomed,
        changes_for=lambda row: _deleted_changes(row._meta.model, _field_values(row)),
        user=by,
    )
    target.delete()


def _is_private(model: type[Model], values: dict | None) -> bool:
    return bool(getattr(model, "audit_private_fields", ())) and (values or {}).get("status") in PRIVATE_STATUSES


def _masked(model: type[Model], values: dict | None) -> dict:
    """Return ``values`` with secrets and, while the record is private, its private fields replaced by a mask."""
    hidden = set(SECRET_FIELDS)
    if _is_private(model, values):
        hidden |= set(model.audit_private_fields)  # type: ignore[attr-defined]
    return {
        name: MASK if name in hidden and value not in (None, "") else value for name, value in (values or {}).items()
    }


def _created_changes(model: type[Model], values: dict) -> dict:
    return {name: [None, value] for name, value in _masked(model, values).items() if value not in (None, "", [], {})}


def _shown_repr(instance: Model, values: dict) -> str:
    return MASK if _is_private(instance._meta.model, values) else str(instance)[:200]


def _deleted_changes(model: type[Model], values: dict) -> dict:
    return {name: [value, None] for name, value in _masked(model, values).items() if value not in (None, "")}


def _person_path(user) -> str:
    person = getattr(user, "person", None) if user is not None else None
    return person.organization.path if person is not None else ""


def _logged_in(sender, request, user, **kwargs) -> None:
    write(
        action=AuditEntry.Action.LOGIN,
        user=user,
        ip_address=client_address(request),
        organization_path=_person_path(user),
    )


def _logged_out(sender, request, user, **kwargs) -> None:
    if user is None:
        return
    write(
        action=AuditEntry.Action.LOGOUT,
        user=user,
        ip_address=client_address(request),
        organization_path=_person_path(user),
    )


def _login_failed(sender, credentials, request=None, **kwargs) -> None:
    from studygroup.models import User

    username = str(credentials.get("username", ""))[:150]
    known = User.objects.filter(username=username).select_related("person__organization").first()
    write(
        action=AuditEntry.Action.LOGIN_FAILED,
        username=username,
        ip_address=client_address(request) if request is not None else None,
        organization_path=_person_path(known),
        user=None,
    )


def connect() -> None:
    """Log sign-ins, sign-outs and failed sign-ins (Django's own signals); called once from ``StudyGroupConfig.ready``."""
    user_logged_in.connect(_logged_in, dispatch_uid="audit-login")
    user_logged_out.connect(_logged_out, dispatch_uid="audit-logout")
    user_login_failed.connect(_login_failed, dispatch_uid="audit-login-failed")


def retention_cutoff() -> datetime.datetime:
    from django.utils import timezone

    return timezone.now() - datetime.timedelta(days=settings.AUDIT_RETENTION_DAYS)


def prune(*, batch_size: int = 5000) -> int:
    """Delete the entries older than ``AUDIT_RETENTION_DAYS`` (never fewer than 180 days) and log the pruning.

    Returns the number of entries deleted. The PostgreSQL trigger refuses to
    delete younger entries, so the setting can never shorten the 180 days.
    """
    cutoff = retention_cutoff()
    deleted = 0
    while True:
        ids = list(AuditEntry.objects.filter(at__lt=cutoff).order_by("at").values_list("pk", flat=True)[:batch_size])
        if not ids:
            break
        # A queryset delete: the model's own ``delete`` refuses single entries on purpose.
        deleted += AuditEntry.objects.filter(pk__in=ids).delete()[0]
    if deleted:
        write(
            action=AuditEntry.Action.DELETE,
            changes={"retention_days": settings.AUDIT_RETENTION_DAYS, "deleted": deleted},
            username="system",
        )
    return deleted


def attachment_name(response) -> str | None:
    """The file name of a response sent as an attachment (a download), or ``None`` for a page."""
    disposition = response.get("Content-Disposition", "")
    if not disposition.lower().startswith("attachment"):
        return None
    for part in disposition.split(";"):
        key, _sep, value = part.strip().partition("=")
        if key.lower() == "filename*":
            return unquote(value.split("''", 1)[-1])
    for part in disposition.split(";"):
        key, _sep, value = part.strip().partition("=")
        if key.lower() == "filename":
            return value.strip('"')
    return ""


def log_export(request_or_user, what: str, organization=None) -> AuditEntry | None:
    """Record that a user downloaded ``what`` (a file name or a title), filed under ``organization``.

    ``request_or_user`` is the request being served, a user, or ``None`` for
    the user of the request being served. Without an organization the entry is
    filed under the user's own organization.
    """
    user, address = request_or_user, None
    if hasattr(request_or_user, "META"):
        user, address = request_or_user.user, client_address(request_or_user)
    if user is None:
        user = _actor.get()[0]
    if user is None or not user.is_authenticated:
        return None
    path = organization.path if organization is not None else _person_path(user)
    return write(
        action=AuditEntry.Action.EXPORT,
        user=user,
        ip_address=address,
        changes={"file": str(what)[:200]},
        organization_path=path,
    )


# Reading the log ------------------------------------------------------------------------------------------

# A changed value is cut to this many characters on the page.
SHOWN_LENGTH = 120


def _model_for(label: str) -> type[Model] | None:
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _field(model: type[Model] | None, name: str):
    if model is None or not isinstance(name, str):
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _label(field, name: Any) -> str:
    return str(getattr(field, "verbose_name", None) or name)


def _pair(value: Any) -> tuple[Any, Any]:
    """An update's change is ``[old, new]``; anything else written by hand is shown as a new value."""
    if isinstance(value, list | tuple) and len(value) == 2:
        return value[0], value[1]
    return None, value


def _record_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 19:
        return int(value)
    return None


def _is_reference(field) -> bool:
    return field is not None and field.is_relation and (field.many_to_one or field.one_to_one) and field.concrete


def _names_of_references(described: list[tuple[AuditEntry, type[Model] | None]]) -> dict:
    """Return ``{model: {pk: name}}`` for every record the changes point to, with one query per model."""
    wanted: dict[type[Model], set[int]] = defaultdict(set)
    for entry, model in described:
        if entry.action != AuditEntry.Action.UPDATE or not isinstance(entry.changes, dict):
            continue
        for name, change in entry.changes.items():
            field = _field(model, name)
            if _is_reference(field):
                for value in _pair(change):
                    record_id = _record_id(value)
                    if record_id is not None:
                        wanted[field.related_model].add(record_id)
    names = {}
    for model, ids in wanted.items():
        queryset = model._default_manager.filter(pk__in=ids)
        if model is apps.get_model(settings.AUTH_USER_MODEL):
            queryset = queryset.select_related("person")
            names[model] = {user.pk: _user_name(user) for user in queryset}
        else:
            names[model] = {record.pk: str(record) for record in queryset.select_related()}
    return names


def _user_name(user) -> str:
    person = getattr(user, "person", None)
    return person.name if person is not None else user.get_username()


def _cut(text: str) -> str:
    return text if len(text) <= SHOWN_LENGTH else text[: SHOWN_LENGTH - 1] + "…"


def _shown(field, value: Any, names: dict) -> str:
    """Return ``value`` as a reader of the log understands it: names, local times, translated choices."""
    if value is None or value == "":
        return ""
    if value == MASK:
        return str(_("(withheld)"))
    if _is_reference(field):
        record_id = _record_id(value)
        found = names.get(field.related_model, {}).get(record_id)
        return found if found is not None else f"#{value}"
    if isinstance(value, dict | list):
        return _cut(json.dumps(value, ensure_ascii=False, sort_keys=True))
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    choices = dict(getattr(field, "flatchoices", None) or []) if field is not None else {}
    if isinstance(value, str | int) and value in choices:
        return str(choices[value])
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        moment = parse_datetime(value)
        if moment is not None:
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment, datetime.UTC)
            return formats.datetime_zh(moment)
    if isinstance(field, models.DateField) and isinstance(value, str):
        day = parse_date(value)
        if day is not None:
            return formats.date_zh(day)
    return _cut(str(value))


def describe_entries(entries) -> list[AuditEntry]:
    """Attach readable ``type_label`` and ``change_lines`` to entries for display.

    Creations and deletions name the record only; a change lists each field
    with its old and new value. Records the changes point to are named with
    one query per kind of record, whatever the number of entries. Any JSON the
    ``changes`` hold is shown without failing.
    """
    described = [(entry, _model_for(entry.object_type) if entry.object_type else None) for entry in entries]
    names = _names_of_references(described)
    for entry, model in described:
        entry.type_label = str(model._meta.verbose_name) if model is not None else entry.object_type
        entry.record_label = str(_("(withheld)")) if entry.object_repr == MASK else entry.object_repr
        entry.change_lines = []
        if entry.action != AuditEntry.Action.UPDATE or not isinstance(entry.changes, dict):
            continue
        for name, change in entry.changes.items():
            field = _field(model, name)
            old, new = _pair(change)
            entry.change_lines.append((_label(field, name), _shown(field, old, names), _shown(field, new, names)))
    return [entry for entry, _model in described]


def describe(entry: AuditEntry) -> AuditEntry:
    """Describe one entry (see ``describe_entries``)."""
    return describe_entries([entry])[0]
