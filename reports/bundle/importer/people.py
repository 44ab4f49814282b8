"""Import steps of organizations, people and study groups with their seats and rules documents."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from audits.models import RulesDocument
from reports.bundle.importer.document import BundleError, _earliest_year, _label
from reports.bundle.schema import problem_at
from studygroup import services
from studygroup.models import Membership, Organization, Person, StudyGroup


class PeopleSteps:
    """Organizations (parents first), people, and study groups with their seats and rules documents."""

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
            # Logged once, as imported (``write_audit``), like every record the import writes.
            organization = services.organization_create(
                code=item["code"], name=item["name"], parent=parent, by=self.by, audited=False
            )
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
