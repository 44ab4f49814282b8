"""The append-only audit log: logins, failed logins and every change of a record.

Changes are caught by model signals rather than in each service, so that no
write escapes the log, whether it comes from a service, the admin or a
command. Who and from where come from the request being served
(``AuditContextMiddleware``); outside a request they are left empty.
"""

from __future__ import annotations

import datetime
import decimal
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models import Model
from django.db.models.fields.files import FieldFile
from django.db.models.signals import post_delete, post_save, pre_save

from studygroup.models import AuditEntry

AUDITED_APPS = {"studygroup", "plans", "study_sessions", "audits", "reports"}
# Fields whose changes say nothing a reader of the log needs.
IGNORED_FIELDS = {"created_at", "updated_at", "last_login", "path", "depth"}
SECRET_FIELDS = {"password"}

_actor: ContextVar[tuple[Any, str | None]] = ContextVar("audit_actor", default=(None, None))


@contextmanager
def acting(user: Any, ip_address: str | None):
    """Attribute the changes made inside the block to ``user`` at ``ip_address``."""
    token = _actor.set((user, ip_address))
    try:
        yield
    finally:
        _actor.reset(token)


def client_address(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def is_audited(model: type[Model]) -> bool:
    return (
        model._meta.app_label in AUDITED_APPS and not getattr(model, "audit_exclude", False) and model is not AuditEntry
    )


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

    if not hasattr(type(instance), "access_org_field"):
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
        entry.object_repr = str(instance)[:200]
        entry.organization_path = organization_path or _organization_path(instance)
    entry.save()
    return entry


def write_many(
    *,
    action: str,
    instances: list[Model],
    changes_for=None,
    user=None,
    ip_address: str | None = None,
    organization_path_for=None,
    repr_for=None,
) -> int:
    """Record one entry per instance written in bulk (``bulk_create``/``bulk_update`` skip the signals).

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
        if changes_for is not None:
            changes = changes_for(instance)
        else:
            changes = {
                name: [None, _mask(name, value)]
                for name, value in _field_values(instance).items()
                if value not in (None, "", [], {})
            }
        entries.append(
            AuditEntry(
                action=action,
                user=user if authenticated else None,
                username=user.get_username() if authenticated else "",
                ip_address=ip_address or actor_address,
                changes=changes,
                object_type=instance._meta.label_lower,
                object_id=str(instance.pk),
                object_repr=(repr_for(instance) if repr_for else str(instance))[:200],
                organization_path=(
                    organization_path_for(instance) if organization_path_for else _organization_path(instance)
                ),
            )
        )
    AuditEntry.objects.bulk_create(entries, batch_size=1000)
    return len(entries)


def _before_save(sender, instance, raw=False, **kwargs) -> None:
    if raw or not is_audited(sender) or instance._state.adding or instance.pk is None:
        return
    before = sender._default_manager.filter(pk=instance.pk).first()
    instance._audit_before = _field_values(before) if before is not None else None


def _after_save(sender, instance, created, raw=False, **kwargs) -> None:
    if raw or not is_audited(sender):
        return
    after = _field_values(instance)
    before = getattr(instance, "_audit_before", None)
    if created or before is None:
        changes = {name: [None, _mask(name, value)] for name, value in after.items() if value not in (None, "", [], {})}
        write(action=AuditEntry.Action.CREATE, instance=instance, changes=changes)
        return
    changes = {
        name: [_mask(name, before.get(name)), _mask(name, value)]
        for name, value in after.items()
        if before.get(name) != value
    }
    if changes:
        write(action=AuditEntry.Action.UPDATE, instance=instance, changes=changes)
    instance._audit_before = None


def _mask(name: str, value: Any) -> Any:
    return "******" if name in SECRET_FIELDS and value else value


def _after_delete(sender, instance, **kwargs) -> None:
    if not is_audited(sender):
        return
    changes = {
        name: [_mask(name, value), None] for name, value in _field_values(instance).items() if value not in (None, "")
    }
    write(action=AuditEntry.Action.DELETE, instance=instance, changes=changes)


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
    """Connect the audit handlers; called once from ``StudyGroupConfig.ready``."""
    for model in apps.get_models():
        if is_audited(model):
            pre_save.connect(_before_save, sender=model, dispatch_uid=f"audit-pre-{model._meta.label}")
            post_save.connect(_after_save, sender=model, dispatch_uid=f"audit-post-{model._meta.label}")
            post_delete.connect(_after_delete, sender=model, dispatch_uid=f"audit-del-{model._meta.label}")
    user_logged_in.connect(_logged_in, dispatch_uid="audit-login")
    user_logged_out.connect(_logged_out, dispatch_uid="audit-logout")
    user_login_failed.connect(_login_failed, dispatch_uid="audit-login-failed")


def retention_cutoff() -> datetime.datetime:
    from django.utils import timezone

    return timezone.now() - datetime.timedelta(days=settings.AUDIT_RETENTION_DAYS)


def _model_for(label: str) -> type[Model] | None:
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _field_and_label(model: type[Model] | None, name: str):
    if model is None:
        return None, name
    try:
        field = model._meta.get_field(name)
    except Exception:
        return None, name
    return field, str(getattr(field, "verbose_name", name))


def _shown(field, value: Any) -> Any:
    if value is None:
        return ""
    choices = dict(getattr(field, "flatchoices", None) or [])
    return str(choices.get(value, value))


def describe(entry: AuditEntry) -> AuditEntry:
    """Attach readable ``type_label`` and ``change_lines`` to an entry for display.

    Creations and deletions name the record only; a change lists each field
    with its old and new value.
    """
    model = _model_for(entry.object_type) if entry.object_type else None
    entry.type_label = str(model._meta.verbose_name) if model is not None else entry.object_type
    entry.change_lines = []
    if entry.action == AuditEntry.Action.UPDATE:
        for name, (old, new) in entry.changes.items():
            field, label = _field_and_label(model, name)
            entry.change_lines.append((label, _shown(field, old), _shown(field, new)))
    return entry
