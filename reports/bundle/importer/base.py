"""The state of an import and the checked, audited writes every step of it makes."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from audits.models import Inspection, ObserverVisit
from plans.models import PlanTopic, ResearchTopic
from reports.bundle.importer.document import _label
from reports.bundle.schema import problem_at
from sessions.models import Attendance, StudySession, Submission
from studygroup import access, audit
from studygroup.models import AuditEntry, Organization, Person, StudyGroup


@dataclass
class _Written:
    """One record the import created or changed, with the organization that owns it."""

    instance: Model
    owner: Organization
    changes: dict = field(default_factory=dict)


class WriterBase:
    """What every step of an import uses: the records matched so far, the checks of what the page may write,
    and the writes that remember what changed for the audit log."""

    def __init__(self, document: dict, *, root: Organization | None, by) -> None:
        self.doc, self.root, self.by = document, root, by
        self.by_person_id = access.scope_for(by).person_id if by is not None else None
        self.errors: list[str] = []
        self.written: dict[tuple[str, int], _Written] = {}
        self.orgs: dict[str, Organization] = {}
        self.people: dict[str, Person] = {}
        self.groups: dict[str, StudyGroup] = {}
        self.topics: dict[str, PlanTopic] = {}
        self.sessions: dict[str, StudySession] = {}
        self.research: dict[str, ResearchTopic] = {}
        self.visits: dict[str, ObserverVisit] = {}
        self.inspections: dict[tuple[str, int], Inspection] = {}
        self.nearest_groups: dict[int, StudyGroup | None] = {}
        self.names: dict[tuple[str, int], str] = {}

    def list(self, name: str) -> list[dict]:
        return self.doc.get(name) or []

    # What the page may write ------------------------------------------------------------------

    def _inside(self, organization: Organization) -> bool:
        return self.root is None or organization.is_within(self.root)

    def _refuse(self, place: str, problem: str) -> None:
        self.errors.append(problem_at(place, problem))

    def _owned(self, place: str, record: str, *owners: Organization) -> bool:
        """Refuse a write to a record owned outside the page's subtree (before or after the write)."""
        for owner in owners:
            if not self._inside(owner):
                self._refuse(
                    place,
                    _(
                        "%(record)s belongs to %(owner)s, outside %(root)s and the organizations below it; "
                        "this page cannot change it."
                    )
                    % {"record": record, "owner": owner.name, "root": self.root.name},
                )
                return False
        return True

    def _person_inside(self, place: str, person: Person | None) -> bool:
        """Refuse records about a person of an organization outside the page's subtree."""
        if person is None or self._inside(person.organization):
            return True
        self._refuse(
            place,
            _(
                "%(person)s is a person of %(owner)s, outside %(root)s and the organizations below it; "
                "this page does not record this for them."
            )
            % {
                "person": _label(person, f"{person.code} {person.name}"),
                "owner": person.organization.name,
                "root": self.root.name,
            },
        )
        return False

    # Writing and remembering what was written --------------------------------------------------

    def _plain(self, value):
        """A value as the audit log keeps it; a record by its name (named once per import: many rows share one)."""
        if isinstance(value, Model):
            key = (value._meta.label_lower, value.pk)
            if key not in self.names:
                self.names[key] = str(value)
            return self.names[key]
        if isinstance(value, datetime.date):
            return value.isoformat()
        return value

    def _note(self, instance: Model, owner: Organization, changes: dict) -> None:
        key = (instance._meta.label_lower, instance.pk)
        entry = self.written.setdefault(key, _Written(instance, owner))
        entry.owner = owner
        entry.changes.update(changes)

    def _noted_new(self, instance: Model, owner: Organization) -> None:
        changes = {
            f.name: [None, self._plain(getattr(instance, f.name))]
            for f in instance._meta.concrete_fields
            if f.name not in audit.IGNORED_FIELDS
            and not f.primary_key
            and getattr(instance, f.attname) not in (None, "", [], {})
        }
        self._note(instance, owner, changes)

    def _create(self, place: str, instance: Model, owner: Organization, record: str) -> Model:
        # The import files one audit entry per record it writes (``write_audit``).
        instance = type(instance).objects.bulk_create([instance])[0]
        self._owned(place, record, owner)
        self._noted_new(instance, owner)
        return instance

    def _set(self, place: str, obj: Model, values: dict, owner: Callable[[Model], Organization], record: str) -> dict:
        """Change the fields of ``obj`` that differ from ``values``; return ``{name: (old, new)}``."""
        changed = {name: (getattr(obj, name), value) for name, value in values.items() if getattr(obj, name) != value}
        if not changed:
            return changed
        before = owner(obj)
        for name, (_old, new) in changed.items():
            setattr(obj, name, new)
        self._owned(place, record, before, owner(obj))
        update = {name: new for name, (_old, new) in changed.items()}
        if any(f.name == "updated_at" for f in obj._meta.concrete_fields):
            update["updated_at"] = timezone.now()
        type(obj).objects.filter(pk=obj.pk).update(**update)
        self._note(
            obj, owner(obj), {name: [self._plain(old), self._plain(new)] for name, (old, new) in changed.items()}
        )
        return changed

    def write_audit(self, *, by, ip_address: str | None) -> int:
        """One ``import`` entry per record written, filed under the organization that owns it."""
        entries = list(self.written.values())
        by_instance = {id(e.instance): e for e in entries}

        def changes_for(instance):
            changes = dict(by_instance[id(instance)].changes)
            if isinstance(instance, Submission) and instance.status == Submission.Status.DRAFT:
                # A draft is its author's only: its text stays out of the staff's log.
                changes.pop("text", None)
            return changes

        statuses = {value: str(label) for value, label in Attendance.Status.choices}

        def repr_for(instance):
            # ``Attendance.__str__`` translates its status label each time: slow over thousands of rows.
            if isinstance(instance, Attendance):
                return f"{instance.person} · {statuses.get(instance.status, instance.status)}"
            return str(instance)

        return audit.write_many(
            action=AuditEntry.Action.IMPORT,
            instances=[e.instance for e in entries],
            changes_for=changes_for,
            user=by,
            ip_address=ip_address,
            organization_path_for=lambda instance: by_instance[id(instance)].owner.path,
            repr_for=repr_for,
        )
