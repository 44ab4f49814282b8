"""Import a records bundle: all or nothing, matched by codes, idempotent, with bulk writes.

Every problem of the document is collected first, with its place in it; only
a bundle without any problem is written, in one transaction.

An import through an organization's page (``root``) may only write records
that belong to that organization's subtree, or new ones inside it; records of
other organizations may be listed (an export lists its ancestors and outside
observers) but only unchanged. It never writes what only someone else may
establish: an approval, the upper level's visits and inspections, other
organizations' people, seats and lectures of people from outside. Every write
is checked against the organization that owns the record it matches; the
checks run as the records are written and any refusal rolls everything back.
Those records come in only through ``manage.py import_records``.

Each record written gets an ``import`` audit entry filed under the
organization that owns it, so the owner reads it in its log.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import DataError, IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from audits.models import Action, Checklist, Inspection, InspectionVerdict, ObserverVisit, RulesDocument
from plans.models import PlanMonth, PlanTopic, ResearchReport, ResearchTopic, StudyPlan
from reports import extensions
from reports.bundle import schema
from reports.bundle.schema import items_of, parse_date, parse_datetime, problem_at
from reports.models import YearSummary
from sessions.models import Attendance, Lecture, SessionGuest, StudySession, Submission
from studygroup import audit, services
from studygroup.models import AuditEntry, Membership, Organization, Person, StudyGroup


class BundleError(Exception):
    """The bundle cannot be imported; ``errors`` lists every problem with its place."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


def load(raw: bytes | str) -> dict:
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        problem = _("not valid JSON (line %(line)d, column %(column)d).") % {"line": exc.lineno, "column": exc.colno}
    except UnicodeDecodeError:
        problem = _("not UTF-8 text.")
    except RecursionError:
        problem = _("nested too deeply to be a records bundle.")
    except ValueError:
        problem = _("not valid JSON.")
    raise BundleError([problem_at("$", problem)])


def _known() -> dict[str, set[str]]:
    return {
        "organizations": set(Organization.objects.values_list("code", flat=True)),
        "people": set(Person.objects.values_list("code", flat=True)),
        "groups": set(StudyGroup.objects.values_list("code", flat=True)),
        "topics": set(PlanTopic.objects.values_list("code", flat=True)),
        "sessions": set(StudySession.objects.values_list("code", flat=True)),
        "research": set(ResearchTopic.objects.values_list("code", flat=True)),
        "visits": set(ObserverVisit.objects.values_list("code", flat=True)),
    }


def _checklist_items() -> dict[str, set[str]]:
    items: dict[str, set[str]] = {}
    for checklist, code in Checklist.objects.values_list("code", "items__code"):
        items.setdefault(checklist, set()).add(code)
    return items


def _group_conflicts(document: dict) -> list[str]:
    """A group placed at an organization that already has another group (an organization has one)."""
    groups = [g for g in items_of(document.get("groups")) if isinstance(g, dict)]
    held = dict(
        StudyGroup.objects.filter(organization__code__in=[g["org"] for g in groups]).values_list(
            "organization__code", "code"
        )
    )
    # An organization whose group the same bundle moves elsewhere is free for another group.
    moved_away = {g["code"] for g in groups} - {held.get(g["org"]) for g in groups if held.get(g["org"]) == g["code"]}
    held = {org: code for org, code in held.items() if code not in moved_away}
    return [
        problem_at(
            f"groups[{index}].org",
            _("organization %(org)s already has the study group %(other)s; an organization has one.")
            % {"org": schema.shown(group["org"]), "other": schema.shown(held[group["org"]])},
        )
        for index, group in enumerate(groups)
        if held.get(group["org"]) not in (None, group["code"])
    ]


@dataclass
class Imported:
    """What an import read (records per list of the file) and how many records it created or changed."""

    counts: dict[str, int]
    written: int


def import_bundle(
    raw: bytes | str | dict,
    *,
    root: Organization | None = None,
    by=None,
    ip_address: str | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> Imported:
    """Validate and import. Raise ``BundleError`` and write nothing on any problem.

    ``root``: the organization whose page imports; ``None`` for a system administrator's command.
    """
    document = raw if isinstance(raw, dict) else load(raw)
    report = schema.validate(document, _known(), _checklist_items())
    errors = report.errors or _group_conflicts(document)
    if errors:
        raise BundleError(errors)
    progress = progress or (lambda section, count: None)
    with transaction.atomic(), audit.acting(by, ip_address):
        writer = _Writer(document, root=root, by=by)
        try:
            counts = writer.run(progress)
        except (IntegrityError, DataError) as exc:
            raise BundleError(
                [*writer.errors, problem_at("$", _("the records could not be written; nothing was imported."))]
            ) from exc
        if writer.errors:
            raise BundleError(writer.errors)
        written = writer.write_audit(by=by, ip_address=ip_address)
    return Imported(counts=counts, written=written)


def _earliest_year(document: dict) -> int:
    years = [p.get("year") for p in items_of(document.get("plans"))]
    years += [parse_datetime(s["starts_at"]).year for s in items_of(document.get("sessions"))]
    return min([y for y in years if isinstance(y, int)] or [timezone.localdate().year])


def _label(instance: Model, name: str) -> str:
    return _("%(kind)s “%(name)s”") % {"kind": instance._meta.verbose_name, "name": name}


@dataclass
class _Written:
    """One record the import created or changed, with the organization that owns it."""

    instance: Model
    owner: Organization
    changes: dict = field(default_factory=dict)


class _Writer:
    def __init__(self, document: dict, *, root: Organization | None, by) -> None:
        self.doc, self.root, self.by = document, root, by
        self.by_person_id = getattr(getattr(by, "person", None), "pk", None)
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

    def run(self, progress) -> dict[str, int]:
        steps = [
            ("organizations", self.organizations),
            ("people", self.persons),
            ("groups", self.group_list),
            ("plans", self.plans),
            ("sessions", self.session_list),
            ("research", self.research_list),
            ("lectures", self.lectures),
            ("visits", self.visit_list),
            ("inspections", self.inspection_list),
            ("actions", self.actions),
            ("summaries", self.summaries),
            *extensions.import_steps(self),  # the parts apps above register, written through this writer
        ]
        counts = {}
        for name, step in steps:
            step()
            counts[name] = len(self.list(name))
            progress(name, counts[name])
        return counts

    # What the page may write ------------------------------------------------------------------

    def _inside(self, organization: Organization) -> bool:
        return self.root is None or organization.path.startswith(self.root.path)

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
        # Bulk writes send no signals: the import files its own audit entries (``write_audit``).
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

    # Steps, one per list of the format -----------------------------------------------------------

    def organizations(self) -> None:
        items = list(enumerate(self.list("organizations")))
        self.orgs = {o.code: o for o in Organization.objects.filter(code__in=[i["code"] for _n, i in items])}
        pending = items
        while pending:
            placed = []
            for index, item in pending:
                parent_code = item.get("parent")
                if parent_code and parent_code not in self.orgs:
                    parent = Organization.objects.filter(code=parent_code).first()
                    if parent is None:
                        continue
                    self.orgs[parent_code] = parent
                parent = self.orgs.get(parent_code) if parent_code else None
                self._organization(f"organizations[{index}]", item, parent)
                placed.append(index)
            if not placed:
                raise BundleError([*self.errors, problem_at("organizations", _("the parents form a loop."))])
            pending = [(index, item) for index, item in pending if index not in placed]

    def _organization(self, place: str, item: dict, parent: Organization | None) -> None:
        record = _label(Organization(), f"{item['code']} {item['name']}")
        current = self.orgs.get(item["code"])
        if current is None:
            if self.root is not None and (parent is None or not self._inside(parent)):
                self._refuse(
                    place,
                    _("%(record)s would be created outside %(root)s and the organizations below it.")
                    % {"record": record, "root": self.root.name},
                )
            organization = services.organization_create(code=item["code"], name=item["name"], parent=parent)
            self.orgs[item["code"]] = organization
            self._noted_new(organization, organization)
            return
        if current.parent_id != (parent.pk if parent else None):
            raise BundleError([*self.errors, problem_at(place, _("cannot be moved to another parent organization."))])
        self._set(place, current, {"name": item["name"]}, lambda o: o, record)

    def _org(self, code: str) -> Organization:
        if code not in self.orgs:
            self.orgs[code] = Organization.objects.get(code=code)
        return self.orgs[code]

    def persons(self) -> None:
        items = self.list("people")
        self.people = {
            p.code: p for p in Person.objects.filter(code__in=[i["code"] for i in items]).select_related("organization")
        }
        new, places = [], []
        for index, item in enumerate(items):
            values = {"name": item["name"], "organization": self._org(item["org"]), "post": item.get("post") or ""}
            current = self.people.get(item["code"])
            if current is None:
                new.append(Person(code=item["code"], **values))
                places.append(f"people[{index}]")
            else:
                record = _label(current, f"{current.code} {current.name}")
                self._set(f"people[{index}]", current, values, lambda p: p.organization, record)
        for person, place in zip(Person.objects.bulk_create(new, batch_size=1000), places, strict=True):
            self.people[person.code] = person
            self._owned(place, _label(person, f"{person.code} {person.name}"), person.organization)
            self._noted_new(person, person.organization)

    def _person(self, code: str | None) -> Person | None:
        if code is None:
            return None
        if code not in self.people:
            self.people[code] = Person.objects.select_related("organization").get(code=code)
        return self.people[code]

    def group_list(self) -> None:
        items = self.list("groups")
        self.groups = {
            g.code: g
            for g in StudyGroup.objects.filter(code__in=[i["code"] for i in items]).select_related("organization")
        }
        since = datetime.date(_earliest_year(self.doc), 1, 1)
        for index, item in enumerate(items):
            place, organization = f"groups[{index}]", self._org(item["org"])
            group = self.groups.get(item["code"])
            record = _label(StudyGroup(), f"{item['code']} {item['name']}")
            if group is None:
                group = self._create(
                    place,
                    StudyGroup(code=item["code"], organization=organization, name=item["name"]),
                    organization,
                    record,
                )
                self.groups[item["code"]] = group
            else:
                self._set(
                    place, group, {"name": item["name"], "organization": organization}, lambda g: g.organization, record
                )
            self._seats(place, group, since, item.get("members") or [])
            rules = set(RulesDocument.objects.filter(organization=organization).values_list("title", flat=True))
            for number, title in enumerate(item.get("rules") or []):
                if title not in rules:
                    rules.add(title)
                    self._create(
                        f"{place}.rules[{number}]",
                        RulesDocument(organization=organization, title=title),
                        organization,
                        _label(RulesDocument(), title),
                    )

    def _seats(self, place: str, group: StudyGroup, since: datetime.date, members: list[dict]) -> None:
        seats = {m.person_id: m for m in group.memberships.all()}
        for number, member in enumerate(members):
            where, person = f"{place}.members[{number}]", self._person(member["person"])
            role = member.get("role") or Membership.Role.MEMBER
            record = _label(Membership(), f"{person.code} {person.name}")
            seat = seats.get(person.pk)
            if seat is None:
                seats[person.pk] = self._create(
                    where,
                    Membership(group=group, person=person, role=role, start_on=since),
                    group.organization,
                    record,
                )
                written = True
            elif seat.end_on is None:
                written = bool(self._set(where, seat, {"role": role}, lambda m: group.organization, record))
            else:
                written = False
            if (
                written
                and self.root is not None
                and self._person_inside(where, person)
                and (person.pk == self.by_person_id)
            ):
                self._refuse(where, _("you cannot give yourself a seat or change your own role."))

    def _group(self, code: str) -> StudyGroup:
        if code not in self.groups:
            self.groups[code] = StudyGroup.objects.select_related("organization").get(code=code)
        return self.groups[code]

    def plans(self) -> None:
        for index, item in enumerate(self.list("plans")):
            place, group = f"plans[{index}]", self._group(item["group"])
            record = _label(StudyPlan(), f"{group.code} {item['year']}")
            values = {"main_line": item.get("main_line") or "", "status": item["status"]}
            plan = StudyPlan.objects.filter(group=group, year=item["year"]).first()
            if plan is None:
                plan = self._create(
                    place, StudyPlan(group=group, year=item["year"], **values), group.organization, record
                )
                PlanMonth.objects.bulk_create(PlanMonth(plan=plan, month=m) for m in range(1, 13))
                approval = plan.status == StudyPlan.Status.APPROVED
            else:
                changed = self._set(place, plan, values, lambda _plan, owner=group.organization: owner, record)
                approval = StudyPlan.Status.APPROVED in changed.get("status", ())
            if approval and self.root is not None:
                self._refuse(
                    f"{place}.status",
                    _("only the group leader approves a plan; this page does not import an approval."),
                )
            self._topics(place, plan, items_of(item.get("topics")))
            extensions.write_plan_fields(self, place, plan, item)

    def _topics(self, place: str, plan: StudyPlan, topics: list[dict]) -> None:
        existing = {
            t.code: t
            for t in PlanTopic.objects.filter(code__in=[t["code"] for t in topics]).select_related(
                "plan__group__organization"
            )
        }
        for number, topic in enumerate(topics):
            where = f"{place}.topics[{number}]"
            values = {
                "plan": plan,
                "month": topic["month"],
                "title": topic["title"],
                "source": topic["source"],
                "lead": self._person(topic.get("lead")),
                "is_supplementary": bool(topic.get("supplementary")),
            }
            record = _label(PlanTopic(), f"{topic['code']} {topic['title']}")
            current = existing.get(topic["code"])
            if current is None:
                current = self._create(where, PlanTopic(code=topic["code"], **values), plan.group.organization, record)
            else:
                self._set(where, current, values, lambda t: t.plan.group.organization, record)
            self.topics[topic["code"]] = current

    def _topic(self, code: str) -> PlanTopic:
        if code not in self.topics:
            self.topics[code] = PlanTopic.objects.select_related("plan__group__organization").get(code=code)
        return self.topics[code]

    def session_list(self) -> None:
        items = self.list("sessions")
        self.sessions = {
            s.code: s
            for s in StudySession.objects.filter(code__in=[i["code"] for i in items]).select_related(
                "group__organization"
            )
        }
        new, places = [], []
        for index, item in enumerate(items):
            values = {
                "group": self._group(item["group"]),
                "kind": item["kind"],
                "title": item["title"],
                "starts_at": parse_datetime(item["starts_at"]),
                "ends_at": schema.session_end(item),
                "is_expanded": bool(item.get("expanded")),
                "location": item.get("location") or "",
                "is_online": bool(item.get("online")),
                "minutes": item.get("minutes") or "",
            }
            current = self.sessions.get(item["code"])
            if current is None:
                new.append(StudySession(code=item["code"], **values))
                places.append(f"sessions[{index}]")
            else:
                self._set(
                    f"sessions[{index}]", current, values, lambda s: s.group.organization, _session_label(current)
                )
        for session, place in zip(StudySession.objects.bulk_create(new, batch_size=1000), places, strict=True):
            self.sessions[session.code] = session
            self._owned(place, _session_label(session), session.group.organization)
            self._noted_new(session, session.group.organization)
        _SessionParts(self, items).write()

    def research_list(self) -> None:
        items = self.list("research")
        self.research = {
            r.code: r
            for r in ResearchTopic.objects.filter(code__in=[i["code"] for i in items]).select_related(
                "group__organization", "owner__organization"
            )
        }
        for index, item in enumerate(items):
            place = f"research[{index}]"
            values = {
                "group": self._group(item["group"]),
                "year": item["year"],
                "title": item["title"],
                "owner": self._person(item.get("owner")),
            }
            record = _label(ResearchTopic(), f"{item['code']} {item['title']}")
            current = self.research.get(item["code"])
            if current is None:
                current = self._create(
                    place, ResearchTopic(code=item["code"], **values), values["group"].organization, record
                )
                self.research[item["code"]] = current
                owner_written = current.owner is not None
            else:
                owner_written = "owner" in self._set(place, current, values, lambda r: r.group.organization, record)
            if owner_written and self.root is not None:
                self._person_inside(f"{place}.owner", current.owner)
            self._reports(place, current, items_of(item.get("reports")))

    def _reports(self, place: str, topic: ResearchTopic, reports: list[dict]) -> None:
        existing = set(topic.reports.values_list("title", "submitted_on"))
        for number, report in enumerate(reports):
            # A report without a date counts in its topic's year.
            submitted_on = parse_date(report.get("submitted_on")) or datetime.date(topic.year, 12, 31)
            if (report["title"], submitted_on) in existing:
                continue
            existing.add((report["title"], submitted_on))
            self._create(
                f"{place}.reports[{number}]",
                ResearchReport(
                    topic=topic,
                    title=report["title"],
                    submitted_on=submitted_on,
                    submitted_by=topic.owner or self._any_member(topic.group),
                ),
                topic.group.organization,
                _label(ResearchReport(), report["title"]),
            )

    @staticmethod
    def _any_member(group: StudyGroup) -> Person:
        seat = group.memberships.order_by("id").first()
        return seat.person if seat else Person.objects.filter(organization=group.organization).first()

    def lectures(self) -> None:
        for index, item in enumerate(self.list("lectures")):
            place, person = f"lectures[{index}]", self._person(item["person"])
            group = self._nearest_group(person.organization)
            if group is None:
                raise BundleError(
                    [
                        *self.errors,
                        problem_at(f"{place}.person", _("no study group at or above this person's organization.")),
                    ]
                )
            on = parse_date(item["on"])
            values = {"group": group, "audience": item.get("audience") or 0, "place": item.get("place") or ""}
            record = _label(Lecture(), item["title"])
            current = (
                Lecture.objects.filter(person=person, on=on, title=item["title"])
                .select_related("group__organization")
                .first()
            )
            if current is None:
                self._create(
                    place, Lecture(person=person, on=on, title=item["title"], **values), group.organization, record
                )
                written = True
            else:
                written = bool(self._set(place, current, values, lambda x: x.group.organization, record))
            if written and self.root is not None:
                self._person_inside(f"{place}.person", person)

    def _nearest_group(self, organization: Organization) -> StudyGroup | None:
        """The group of the organization or of its nearest ancestor that has one (looked up once per organization)."""
        cache = self.nearest_groups
        if organization.pk not in cache:
            paths = [organization.path[:end] for end in range(5, len(organization.path) + 1, 5)]
            cache[organization.pk] = (
                StudyGroup.objects.filter(organization__path__in=paths)
                .select_related("organization")
                .order_by("-organization__depth")
                .first()
            )
        return cache[organization.pk]

    def _session(self, code: str) -> StudySession:
        if code not in self.sessions:
            self.sessions[code] = StudySession.objects.select_related("group__organization").get(code=code)
        return self.sessions[code]

    def visit_list(self) -> None:
        items = self.list("visits")
        self.visits = {
            v.code: v
            for v in ObserverVisit.objects.filter(code__in=[i["code"] for i in items]).select_related(
                "organization", "observer__organization", "session__group__organization"
            )
        }
        for index, item in enumerate(items):
            place, session = f"visits[{index}]", self._session(item["session"])
            values = {
                "session": session,
                "observer": self._person(item["observer"]),
                "mode": item.get("mode") or "",
                "is_online": bool(item.get("online")),
                "pre_review_on": parse_date(item.get("pre_review_on")),
                "discussion_focused": item.get("discussion_focused"),
                "summary_deep": item.get("summary_deep"),
                "report": item.get("report") or "",
                "reported_on": parse_date(item.get("reported_on")),
                "rating": item.get("rating") or "",
            }
            record = _label(ObserverVisit(), item["code"])
            current = self.visits.get(item["code"])
            if current is None:
                self._one_visit_per_observer(place, session, values["observer"])
                planner = session.group.organization.parent or session.group.organization
                current = self._create(
                    place,
                    ObserverVisit(code=item["code"], organization=planner, **values),
                    session.group.organization,
                    record,
                )
                self.visits[item["code"]] = current
                written = True
            else:
                written = bool(self._set(place, current, values, lambda v: v.session.group.organization, record))
            if written and self.root is not None and self._inside(session.group.organization):
                self._upper_level_visit(place, current)

    def _one_visit_per_observer(self, place: str, session: StudySession, observer: Person) -> None:
        other = ObserverVisit.objects.filter(session=session, observer=observer).values_list("code", flat=True).first()
        if other is not None:
            raise BundleError(
                [
                    *self.errors,
                    problem_at(
                        place,
                        _("the observer already has the visit %(code)s to this session; an observer visits it once.")
                        % {"code": schema.shown(other)},
                    ),
                ]
            )

    def _upper_level_visit(self, place: str, visit: ObserverVisit) -> None:
        """A visit is the fact of the organization that planned it, made by its observer."""
        if not self._inside(visit.organization) or not self._inside(visit.observer.organization):
            self._refuse(
                place,
                _(
                    "observer visits are recorded by the upper level that planned them (%(owner)s); "
                    "this page does not import them."
                )
                % {"owner": visit.organization.name},
            )

    def inspection_list(self) -> None:
        checklists = {c.code: c for c in Checklist.objects.prefetch_related("items")}
        for index, item in enumerate(self.list("inspections")):
            place, group = f"inspections[{index}]", self._group(item["group"])
            checklist = checklists[item.get("checklist") or schema.DEFAULT_CHECKLIST]
            values = {
                "inspector": self._person(item["inspector"]),
                "on": parse_date(item["on"]),
                "comment": item.get("comment") or "",
            }
            record = _label(Inspection(), f"{group.code} {item['year']} {checklist.code}")
            inspection = (
                Inspection.objects.filter(group=group, year=item["year"], checklist=checklist)
                .select_related("inspector__organization")
                .first()
            )
            if inspection is None:
                inspection = self._create(
                    place,
                    Inspection(group=group, year=item["year"], checklist=checklist, **values),
                    group.organization,
                    record,
                )
                written = True
            else:
                written = bool(
                    self._set(place, inspection, values, lambda _inspection, owner=group.organization: owner, record)
                )
            self.inspections[(item["group"], item["year"])] = inspection
            written = self._verdicts(place, inspection, checklist, item.get("verdicts") or {}, record) or written
            if written and self.root is not None and self._inside(group.organization):
                self._upper_level_inspection(place, inspection)

    def _verdicts(self, place, inspection: Inspection, checklist: Checklist, verdicts: dict, record: str) -> bool:
        items = {i.code: i for i in checklist.items.all()}
        rows = {v.item_id: v for v in InspectionVerdict.objects.filter(inspection=inspection)}
        written = False
        for code, verdict in verdicts.items():
            row = rows.get(items[code].pk)
            owner = inspection.group.organization
            if row is None:
                self._create(
                    f"{place}.verdicts.{code}",
                    InspectionVerdict(inspection=inspection, item=items[code], verdict=verdict),
                    owner,
                    record,
                )
                written = True
            else:
                written = (
                    bool(
                        self._set(
                            f"{place}.verdicts.{code}",
                            row,
                            {"verdict": verdict},
                            lambda _verdict, owner=owner: owner,
                            record,
                        )
                    )
                    or written
                )
        return written

    def _upper_level_inspection(self, place: str, inspection: Inspection) -> None:
        """Inspections are made by an upper level: the inspector's organization is above the group's."""
        inspector = inspection.inspector.organization
        group = inspection.group.organization
        if not self._inside(inspector) or not (group.path.startswith(inspector.path) and group.path != inspector.path):
            self._refuse(
                place,
                _("inspections and their verdicts are recorded by the upper level; this page does not import them."),
            )

    def actions(self) -> None:
        items = self.list("actions")
        existing = {
            a.code: a
            for a in Action.objects.filter(code__in=[i["code"] for i in items]).select_related(
                "group__organization", "owner__organization"
            )
        }
        for index, item in enumerate(items):
            place = f"actions[{index}]"
            values = self._action_values(place, item)
            record = _label(Action(), item["code"])
            current = existing.get(item["code"])
            if current is None:
                current = self._create(place, Action(code=item["code"], **values), values["group"].organization, record)
                written = True
            else:
                written = bool(self._set(place, current, values, lambda a: a.group.organization, record))
            if written and self.root is not None:
                self._person_inside(f"{place}.owner", current.owner)
                self._raised_here(place, current)

    def _action_values(self, place: str, item: dict) -> dict:
        source = item.get("source") or {}
        visit = research = inspection = session = None
        if "visit" in source:
            visit = self.visits.get(source["visit"]) or ObserverVisit.objects.select_related(
                "organization", "session__group__organization"
            ).get(code=source["visit"])
            group = visit.session.group
        elif "research" in source:
            research = self.research.get(source["research"]) or ResearchTopic.objects.select_related(
                "group__organization"
            ).get(code=source["research"])
            group = research.group
        elif "session" in source:
            session = self._session(source["session"])
            group = session.group
        elif "inspection" in source:
            target = source["inspection"]
            group = self._group(target["group"])
            inspection = (
                self.inspections.get((target["group"], target["year"]))
                or Inspection.objects.filter(group=group, year=target["year"]).first()
            )
            if inspection is None:
                raise BundleError(
                    [*self.errors, problem_at(f"{place}.source.inspection", _("no inspection of that group and year."))]
                )
        else:
            group = self._nearest_group(self._person(item["owner"]).organization)
            if group is None:
                raise BundleError(
                    [
                        *self.errors,
                        problem_at(f"{place}.owner", _("no study group at or above this person's organization.")),
                    ]
                )
        raised_on = parse_date(item["raised_on"])
        return {
            "group": group,
            "visit": visit,
            "research": research,
            "inspection": inspection,
            "session": session,
            "problem": item["problem"],
            "measure": item.get("measure") or "",
            "raised_on": raised_on,
            "owner": self._person(item["owner"]),
            # An action without a deadline is due by the end of the year it was raised in.
            "due_on": parse_date(item.get("due_on")) or datetime.date(raised_on.year, 12, 31),
            "status": item["status"],
            "done_on": parse_date(item.get("done_on")),
        }

    def _raised_here(self, place: str, action: Action) -> None:
        """An action raised by an upper level's visit or inspection is that level's, not the page's."""
        upper = (action.visit is not None and not self._inside(action.visit.organization)) or (
            action.inspection is not None and not self._inside(action.inspection.inspector.organization)
        )
        if upper:
            self._refuse(
                place,
                _("this action was raised by an upper level's visit or inspection; this page does not import it."),
            )

    def summaries(self) -> None:
        for index, item in enumerate(self.list("summaries")):
            place, group = f"summaries[{index}]", self._group(item["group"])
            record = _label(YearSummary(), f"{group.code} {item['year']}")
            current = YearSummary.objects.filter(group=group, year=item["year"]).first()
            if current is None:
                self._create(
                    place,
                    YearSummary(group=group, year=item["year"], text=item["text"], is_final=True),
                    group.organization,
                    record,
                )
            else:
                self._set(
                    place,
                    current,
                    {"text": item["text"], "is_final": True},
                    lambda _summary, owner=group.organization: owner,
                    record,
                )


def _session_label(session: StudySession) -> str:
    return _label(session, f"{session.code} {session.title}")


class _SessionParts:
    """Write what each session lists (topics, speakers, attendance, guests, submissions) in bulk."""

    def __init__(self, writer: _Writer, items: list[dict]) -> None:
        self.writer, self.items = writer, items
        ids = [writer.sessions[i["code"]].pk for i in items]
        self.attendance = {
            (a.session_id, a.person_id): a
            for a in Attendance.objects.filter(session_id__in=ids).only("id", "session_id", "person_id", "status")
        }
        self.submissions = {
            (s.session_id, s.person_id, s.kind, s.title): s for s in Submission.objects.filter(session_id__in=ids)
        }
        self.guests = set(
            SessionGuest.objects.filter(session_id__in=ids).values_list("session_id", "name", "organization_name")
        )
        self.topic_links = set(
            StudySession.topics.through.objects.filter(studysession_id__in=ids).values_list(
                "studysession_id", "plantopic_id"
            )
        )
        self.speaker_links = set(
            StudySession.speakers.through.objects.filter(studysession_id__in=ids).values_list(
                "studysession_id", "person_id"
            )
        )
        self.new: dict[type[Model], list[tuple[str, Model]]] = {Attendance: [], Submission: [], SessionGuest: []}
        self.changed_attendance: list[Attendance] = []
        self.links: dict[str, list] = {"topics": [], "speakers": []}

    def write(self) -> None:
        w = self.writer
        for index, item in enumerate(self.items):
            place, session = f"sessions[{index}]", w.sessions[item["code"]]
            self._links(place, session, item)
            self._attendance(place, session, items_of(item.get("attendance")))
            self._guests(place, session, items_of(item.get("guests")))
            self._submissions(place, session, items_of(item.get("submissions")))
        for model, rows in self.new.items():
            created = model.objects.bulk_create([row for _place, row in rows], batch_size=2000)
            for (place, _row), instance in zip(rows, created, strict=True):
                session = instance.session
                w._owned(place, _session_label(session), session.group.organization)
                w._noted_new(instance, session.group.organization)
        Attendance.objects.bulk_update(self.changed_attendance, ["status", "updated_at"], batch_size=2000)
        StudySession.topics.through.objects.bulk_create(self.links["topics"], batch_size=2000)
        StudySession.speakers.through.objects.bulk_create(self.links["speakers"], batch_size=2000)

    def _links(self, place: str, session: StudySession, item: dict) -> None:
        w, owner = self.writer, session.group.organization
        added_topics = []
        for number, code in enumerate(item.get("topics") or []):
            topic = w._topic(code)
            if (session.pk, topic.pk) not in self.topic_links:
                self.links["topics"].append(
                    StudySession.topics.through(studysession_id=session.pk, plantopic_id=topic.pk)
                )
                added_topics.append(code)
                w._owned(
                    f"{place}.topics[{number}]",
                    _label(topic, f"{topic.code} {topic.title}"),
                    topic.plan.group.organization,
                )
        added_speakers = []
        for code in item.get("speakers") or []:
            person = w._person(code)
            if (session.pk, person.pk) not in self.speaker_links:
                self.links["speakers"].append(
                    StudySession.speakers.through(studysession_id=session.pk, person_id=person.pk)
                )
                added_speakers.append(code)
        changes = {}
        if added_topics:
            changes["topics"] = [None, added_topics]
        if added_speakers:
            changes["speakers"] = [None, added_speakers]
        if changes:
            w._owned(place, _session_label(session), owner)
            w._note(session, owner, changes)

    def _attendance(self, place: str, session: StudySession, rows: list[dict]) -> None:
        w = self.writer
        for number, row in enumerate(rows):
            person = w._person(row["person"])
            current = self.attendance.get((session.pk, person.pk))
            if current is None:
                self.new[Attendance].append(
                    (
                        f"{place}.attendance[{number}]",
                        Attendance(
                            session=session, person=person, status=row["status"], method=Attendance.Method.IMPORT
                        ),
                    )
                )
            elif current.status != row["status"]:
                current.session, current.person = session, person  # named in the audit entry, no query
                w._owned(f"{place}.attendance[{number}]", _session_label(session), session.group.organization)
                w._note(current, session.group.organization, {"status": [current.status, row["status"]]})
                current.status, current.updated_at = row["status"], timezone.now()
                self.changed_attendance.append(current)

    def _guests(self, place: str, session: StudySession, guests: list[dict]) -> None:
        for number, guest in enumerate(guests):
            key = (session.pk, guest["name"], guest.get("org") or "")
            if key not in self.guests:
                self.guests.add(key)
                self.new[SessionGuest].append(
                    (
                        f"{place}.guests[{number}]",
                        SessionGuest(session=session, name=guest["name"], organization_name=guest.get("org") or ""),
                    )
                )

    def _submissions(self, place: str, session: StudySession, rows: list[dict]) -> None:
        w = self.writer
        for number, row in enumerate(rows):
            where, person = f"{place}.submissions[{number}]", w._person(row["person"])
            values = {
                "text": row.get("text") or "",
                "status": row["status"],
                "submitted_on": parse_date(row.get("submitted_on")),
            }
            current = self.submissions.get((session.pk, person.pk, row["kind"], row["title"]))
            if current is None:
                submission = Submission(
                    session=session, group=session.group, person=person, kind=row["kind"], title=row["title"], **values
                )
                self.new[Submission].append((where, submission))
                status_written = True
            else:
                changed = w._set(
                    where, current, values, lambda s: session.group.organization, _label(current, current.title)
                )
                status_written = "status" in changed
                if not changed:
                    continue
            if w.root is not None:
                w._person_inside(f"{where}.person", person)
                if status_written:
                    self._review_decision(f"{where}.status", row)

    def _review_decision(self, place: str, row: dict) -> None:
        """The second review and the leader's approval of discussion materials are someone else's decisions."""
        decided = (Submission.Status.SECOND_REVIEW, Submission.Status.APPROVED)
        if row["kind"] == Submission.Kind.DISCUSSION and row["status"] in decided:
            self.writer._refuse(
                place,
                _(
                    "the second review and the approval of discussion materials are made by the second reviewer "
                    "and the group leader; this page does not import them."
                ),
            )
