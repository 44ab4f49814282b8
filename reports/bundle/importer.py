"""Import a records bundle: all or nothing, matched by codes, idempotent, with bulk writes.

Every problem is collected first, with its place in the document; only a
bundle without any problem is written, in one transaction.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable

from django.db import transaction

from audits.models import Action, Checklist, Inspection, InspectionVerdict, ObserverVisit, RulesDocument
from plans.models import PlanMonth, PlanTopic, ResearchReport, ResearchTopic, StudyPlan
from reports.bundle import schema
from reports.bundle.schema import parse_date, parse_datetime
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
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BundleError([f"$: not valid JSON ({exc})"]) from exc


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


def _check_scope(document: dict, root: Organization | None) -> list[str]:
    """An import through an organization's page may only touch that organization's subtree."""
    if root is None:
        return []
    errors = []
    existing = {
        o.code: o
        for o in Organization.objects.filter(code__in=[o.get("code") for o in document.get("organizations") or []])
    }
    by_code = {o.get("code"): o for o in document.get("organizations") or [] if isinstance(o, dict)}

    def inside(code: str, depth: int = 0) -> bool:
        if code in existing:
            return existing[code].path.startswith(root.path)
        parent = (by_code.get(code) or {}).get("parent")
        return parent is not None and depth < 50 and inside(parent, depth + 1)

    for index, item in enumerate(document.get("organizations") or []):
        if not isinstance(item, dict):
            continue
        code = item.get("code")
        if inside(code):
            continue
        current = existing.get(code)
        unchanged = (
            current is not None
            and current.name == item.get("name")
            and ((current.parent.code if current.parent_id else None) == item.get("parent"))
        )
        if not unchanged:
            errors.append(f'organizations[{index}]: "{code}" is outside the subtree of {root.name} ({root.code})')
    inside_groups = {g["code"] for g in document.get("groups") or [] if isinstance(g, dict) and inside(g.get("org"))}
    inside_groups |= set(
        StudyGroup.objects.filter(organization__path__startswith=root.path).values_list("code", flat=True)
    )
    for name in ("groups", "plans", "sessions", "research", "inspections", "summaries"):
        key = "code" if name == "groups" else "group"
        for index, item in enumerate(document.get(name) or []):
            if isinstance(item, dict) and item.get(key) not in inside_groups:
                errors.append(
                    f'{name}[{index}].{key}: "{item.get(key)}" is outside the subtree of {root.name} ({root.code})'
                )
    inside_sessions = {
        s["code"] for s in document.get("sessions") or [] if isinstance(s, dict) and s.get("group") in inside_groups
    }
    for index, item in enumerate(document.get("visits") or []):
        if (
            isinstance(item, dict)
            and item.get("session") not in inside_sessions
            and not StudySession.objects.filter(
                code=item.get("session"), group__organization__path__startswith=root.path
            ).exists()
        ):
            errors.append(f'visits[{index}].session: "{item.get("session")}" is outside the subtree of {root.name}')
    return errors


def import_bundle(
    raw: bytes | str | dict,
    *,
    root: Organization | None = None,
    by=None,
    progress: Callable[[str, int], None] | None = None,
) -> dict[str, int]:
    """Validate and import; return counts per list. Raise ``BundleError`` and write nothing on any problem."""
    document = raw if isinstance(raw, dict) else load(raw)
    report = schema.validate(document, _known(), _checklist_items())
    errors = report.errors + (_check_scope(document, root) if not report.errors else [])
    if errors:
        raise BundleError(errors)
    progress = progress or (lambda section, count: None)
    with transaction.atomic(), audit.acting(by, None):
        writer = _Writer(document, by)
        counts = writer.run(progress)
        audit.write(
            action=AuditEntry.Action.CREATE, changes={"imported": counts}, organization_path=root.path if root else ""
        )
    return counts


def _earliest_year(document: dict) -> int:
    years = [p.get("year") for p in document.get("plans") or []]
    years += [int(s["starts_at"][:4]) for s in document.get("sessions") or []]
    return min([y for y in years if isinstance(y, int)] or [datetime.date.today().year])


class _Writer:
    def __init__(self, document: dict, by) -> None:
        self.doc, self.by = document, by
        self.orgs: dict[str, Organization] = {}
        self.people: dict[str, Person] = {}
        self.groups: dict[str, StudyGroup] = {}
        self.topics: dict[str, PlanTopic] = {}
        self.sessions: dict[str, StudySession] = {}
        self.research: dict[str, ResearchTopic] = {}
        self.visits: dict[str, ObserverVisit] = {}
        self.inspections: dict[tuple[str, int], Inspection] = {}
        self.nearest_groups: dict[int, StudyGroup | None] = {}

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
        ]
        counts = {}
        for name, step in steps:
            step()
            counts[name] = len(self.list(name))
            progress(name, counts[name])
        return counts

    @staticmethod
    def _set(obj, values: dict) -> bool:
        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        for name in changed:
            setattr(obj, name, values[name])
        if changed and obj.pk:
            obj.save(update_fields=changed + (["updated_at"] if hasattr(obj, "updated_at") else []))
        return bool(changed)

    def organizations(self) -> None:
        items = self.list("organizations")
        self.orgs = {o.code: o for o in Organization.objects.filter(code__in=[i["code"] for i in items])}
        pending = list(items)
        while pending:
            placed = []
            for item in pending:
                parent_code = item.get("parent")
                if parent_code and parent_code not in self.orgs:
                    parent = Organization.objects.filter(code=parent_code).first()
                    if parent is None:
                        continue
                    self.orgs[parent_code] = parent
                parent = self.orgs.get(parent_code) if parent_code else None
                current = self.orgs.get(item["code"])
                if current is None:
                    self.orgs[item["code"]] = services.organization_create(
                        code=item["code"], name=item["name"], parent=parent
                    )
                else:
                    if current.parent_id != (parent.pk if parent else None):
                        raise BundleError([f'organizations: "{item["code"]}" cannot be moved to another parent'])
                    self._set(current, {"name": item["name"]})
                placed.append(item)
            if not placed:
                raise BundleError(["organizations: the parents form a loop"])
            pending = [item for item in pending if item not in placed]

    def _org(self, code: str) -> Organization:
        if code not in self.orgs:
            self.orgs[code] = Organization.objects.get(code=code)
        return self.orgs[code]

    def persons(self) -> None:
        items = self.list("people")
        self.people = {p.code: p for p in Person.objects.filter(code__in=[i["code"] for i in items])}
        new = []
        for item in items:
            values = {"name": item["name"], "organization": self._org(item["org"]), "post": item.get("post") or ""}
            current = self.people.get(item["code"])
            if current is None:
                new.append(Person(code=item["code"], **values))
            else:
                self._set(current, values)
        for person in Person.objects.bulk_create(new, batch_size=1000):
            self.people[person.code] = person

    def _person(self, code: str | None) -> Person | None:
        if code is None:
            return None
        if code not in self.people:
            self.people[code] = Person.objects.get(code=code)
        return self.people[code]

    def group_list(self) -> None:
        items = self.list("groups")
        self.groups = {g.code: g for g in StudyGroup.objects.filter(code__in=[i["code"] for i in items])}
        since = datetime.date(_earliest_year(self.doc), 1, 1)
        for item in items:
            organization = self._org(item["org"])
            group = self.groups.get(item["code"])
            if group is None:
                group = StudyGroup.objects.create(code=item["code"], organization=organization, name=item["name"])
                self.groups[item["code"]] = group
            else:
                self._set(group, {"name": item["name"], "organization": organization})
            seats = {m.person_id: m for m in group.memberships.filter(end_on__isnull=True)}
            for member in item.get("members") or []:
                person = self._person(member["person"])
                seat = seats.get(person.pk)
                if seat is None:
                    if not group.memberships.filter(person=person).exists():
                        Membership.objects.create(group=group, person=person, role=member["role"], start_on=since)
                else:
                    self._set(seat, {"role": member["role"]})
            for title in item.get("rules") or []:
                RulesDocument.objects.get_or_create(organization=organization, title=title)

    def _group(self, code: str) -> StudyGroup:
        if code not in self.groups:
            self.groups[code] = StudyGroup.objects.get(code=code)
        return self.groups[code]

    def plans(self) -> None:
        for item in self.list("plans"):
            group = self._group(item["group"])
            plan, created = StudyPlan.objects.get_or_create(
                group=group,
                year=item["year"],
                defaults={"main_line": item.get("main_line") or "", "status": item["status"]},
            )
            if created:
                PlanMonth.objects.bulk_create(PlanMonth(plan=plan, month=m) for m in range(1, 13))
            else:
                self._set(plan, {"main_line": item.get("main_line") or "", "status": item["status"]})
            existing = {t.code: t for t in PlanTopic.objects.filter(code__in=[t["code"] for t in item["topics"] or []])}
            for topic in item.get("topics") or []:
                values = {
                    "plan": plan,
                    "month": topic["month"],
                    "title": topic["title"],
                    "source": topic["source"],
                    "lead": self._person(topic.get("lead")),
                    "is_supplementary": bool(topic.get("supplementary")),
                }
                current = existing.get(topic["code"])
                if current is None:
                    current = PlanTopic.objects.create(code=topic["code"], **values)
                else:
                    self._set(current, values)
                self.topics[topic["code"]] = current

    def _topic(self, code: str) -> PlanTopic:
        if code not in self.topics:
            self.topics[code] = PlanTopic.objects.get(code=code)
        return self.topics[code]

    def session_list(self) -> None:
        items = self.list("sessions")
        self.sessions = {s.code: s for s in StudySession.objects.filter(code__in=[i["code"] for i in items])}
        new = []
        for item in items:
            values = {
                "group": self._group(item["group"]),
                "kind": item["kind"],
                "title": item["title"],
                "starts_at": parse_datetime(item["starts_at"]),
                "ends_at": parse_datetime(item["ends_at"]),
                "is_expanded": bool(item.get("expanded")),
                "location": item.get("location") or "",
                "is_online": bool(item.get("online")),
                "minutes": item.get("minutes") or "",
            }
            current = self.sessions.get(item["code"])
            if current is None:
                new.append(StudySession(code=item["code"], **values))
            else:
                self._set(current, values)
        for session in StudySession.objects.bulk_create(new, batch_size=1000):
            self.sessions[session.code] = session
        ids = [self.sessions[i["code"]].pk for i in items]
        attendance = {(a.session_id, a.person_id): a for a in Attendance.objects.filter(session_id__in=ids)}
        submissions = {
            (s.session_id, s.person_id, s.kind, s.title): s for s in Submission.objects.filter(session_id__in=ids)
        }
        guests = set(
            SessionGuest.objects.filter(session_id__in=ids).values_list("session_id", "name", "organization_name")
        )
        topic_links = set(
            StudySession.topics.through.objects.filter(studysession_id__in=ids).values_list(
                "studysession_id", "plantopic_id"
            )
        )
        speaker_links = set(
            StudySession.speakers.through.objects.filter(studysession_id__in=ids).values_list(
                "studysession_id", "person_id"
            )
        )
        new_attendance, new_submissions, new_guests, new_topics, new_speakers = [], [], [], [], []
        changed_attendance = []
        for item in items:
            session = self.sessions[item["code"]]
            for code in item.get("topics") or []:
                if (session.pk, self._topic(code).pk) not in topic_links:
                    new_topics.append(
                        StudySession.topics.through(studysession_id=session.pk, plantopic_id=self._topic(code).pk)
                    )
            for code in item.get("speakers") or []:
                if (session.pk, self._person(code).pk) not in speaker_links:
                    new_speakers.append(
                        StudySession.speakers.through(studysession_id=session.pk, person_id=self._person(code).pk)
                    )
            for row in item.get("attendance") or []:
                person = self._person(row["person"])
                current = attendance.get((session.pk, person.pk))
                if current is None:
                    new_attendance.append(
                        Attendance(
                            session=session, person=person, status=row["status"], method=Attendance.Method.IMPORT
                        )
                    )
                elif current.status != row["status"]:
                    current.status = row["status"]
                    changed_attendance.append(current)
            for guest in item.get("guests") or []:
                key = (session.pk, guest["name"], guest.get("org") or "")
                if key not in guests:
                    guests.add(key)
                    new_guests.append(
                        SessionGuest(session=session, name=guest["name"], organization_name=guest.get("org") or "")
                    )
            for row in item.get("submissions") or []:
                person = self._person(row["person"])
                values = {
                    "text": row.get("text") or "",
                    "status": row["status"],
                    "submitted_on": parse_date(row.get("submitted_on")),
                }
                current = submissions.get((session.pk, person.pk, row["kind"], row["title"]))
                if current is None:
                    new_submissions.append(
                        Submission(
                            session=session,
                            group=session.group,
                            person=person,
                            kind=row["kind"],
                            title=row["title"],
                            **values,
                        )
                    )
                else:
                    self._set(current, values)
        Attendance.objects.bulk_create(new_attendance, batch_size=2000)
        Attendance.objects.bulk_update(changed_attendance, ["status"], batch_size=2000)
        Submission.objects.bulk_create(new_submissions, batch_size=1000)
        SessionGuest.objects.bulk_create(new_guests, batch_size=1000)
        StudySession.topics.through.objects.bulk_create(new_topics, batch_size=2000)
        StudySession.speakers.through.objects.bulk_create(new_speakers, batch_size=2000)

    def research_list(self) -> None:
        items = self.list("research")
        self.research = {r.code: r for r in ResearchTopic.objects.filter(code__in=[i["code"] for i in items])}
        for item in items:
            values = {
                "group": self._group(item["group"]),
                "year": item["year"],
                "title": item["title"],
                "owner": self._person(item.get("owner")),
            }
            current = self.research.get(item["code"])
            if current is None:
                current = ResearchTopic.objects.create(code=item["code"], **values)
                self.research[item["code"]] = current
            else:
                self._set(current, values)
            for report in item.get("reports") or []:
                submitted_on = parse_date(report["submitted_on"])
                if not current.reports.filter(title=report["title"], submitted_on=submitted_on).exists():
                    ResearchReport.objects.create(
                        topic=current,
                        title=report["title"],
                        submitted_on=submitted_on,
                        submitted_by=current.owner or self._any_member(current.group),
                    )

    @staticmethod
    def _any_member(group: StudyGroup) -> Person:
        seat = group.memberships.order_by("id").first()
        return seat.person if seat else Person.objects.filter(organization=group.organization).first()

    def lectures(self) -> None:
        for index, item in enumerate(self.list("lectures")):
            person = self._person(item["person"])
            group = self._nearest_group(person.organization)
            if group is None:
                raise BundleError([f"lectures[{index}].person: no study group at or above this person's organization"])
            on = parse_date(item["on"])
            values = {"group": group, "audience": item.get("audience") or 0, "place": item.get("place") or ""}
            current = Lecture.objects.filter(person=person, on=on, title=item["title"]).first()
            if current is None:
                Lecture.objects.create(person=person, on=on, title=item["title"], **values)
            else:
                self._set(current, values)

    def _nearest_group(self, organization: Organization) -> StudyGroup | None:
        """The group of the organization or of its nearest ancestor that has one (looked up once per organization)."""
        cache = self.nearest_groups
        if organization.pk not in cache:
            paths = [organization.path[:end] for end in range(5, len(organization.path) + 1, 5)]
            cache[organization.pk] = (
                StudyGroup.objects.filter(organization__path__in=paths).order_by("-organization__depth").first()
            )
        return cache[organization.pk]

    def _session(self, code: str) -> StudySession:
        if code not in self.sessions:
            self.sessions[code] = StudySession.objects.get(code=code)
        return self.sessions[code]

    def visit_list(self) -> None:
        items = self.list("visits")
        self.visits = {v.code: v for v in ObserverVisit.objects.filter(code__in=[i["code"] for i in items])}
        for item in items:
            session = self._session(item["session"])
            organization = session.group.organization.parent or session.group.organization
            values = {
                "session": session,
                "observer": self._person(item["observer"]),
                "mode": item["mode"],
                "is_online": bool(item.get("online")),
                "pre_review_on": parse_date(item.get("pre_review_on")),
                "discussion_focused": item.get("discussion_focused"),
                "summary_deep": item.get("summary_deep"),
                "report": item.get("report") or "",
                "reported_on": parse_date(item.get("reported_on")),
                "rating": item.get("rating") or "",
            }
            current = self.visits.get(item["code"])
            if current is None:
                self.visits[item["code"]] = ObserverVisit.objects.create(
                    code=item["code"], organization=organization, **values
                )
            else:
                self._set(current, values)

    def inspection_list(self) -> None:
        checklists = {c.code: c for c in Checklist.objects.prefetch_related("items")}
        for item in self.list("inspections"):
            group, checklist = self._group(item["group"]), checklists[item["checklist"]]
            values = {
                "inspector": self._person(item["inspector"]),
                "on": parse_date(item["on"]),
                "comment": item.get("comment") or "",
            }
            inspection = Inspection.objects.filter(group=group, year=item["year"], checklist=checklist).first()
            if inspection is None:
                inspection = Inspection.objects.create(group=group, year=item["year"], checklist=checklist, **values)
            else:
                self._set(inspection, values)
            self.inspections[(item["group"], item["year"])] = inspection
            items = {i.code: i for i in checklist.items.all()}
            for code, verdict in (item.get("verdicts") or {}).items():
                row = InspectionVerdict.objects.filter(inspection=inspection, item=items[code]).first()
                if row is None:
                    InspectionVerdict.objects.create(inspection=inspection, item=items[code], verdict=verdict)
                else:
                    self._set(row, {"verdict": verdict})

    def actions(self) -> None:
        items = self.list("actions")
        existing = {a.code: a for a in Action.objects.filter(code__in=[i["code"] for i in items])}
        for index, item in enumerate(items):
            source = item.get("source") or {}
            visit = research = inspection = None
            if "visit" in source:
                visit = self.visits.get(source["visit"]) or ObserverVisit.objects.get(code=source["visit"])
                group = visit.session.group
            elif "research" in source:
                research = self.research.get(source["research"]) or ResearchTopic.objects.get(code=source["research"])
                group = research.group
            elif "inspection" in source:
                target = source["inspection"]
                group = self._group(target["group"])
                inspection = (
                    self.inspections.get((target["group"], target["year"]))
                    or Inspection.objects.filter(group=group, year=target["year"]).first()
                )
                if inspection is None:
                    raise BundleError([f"actions[{index}].source.inspection: no inspection of that group and year"])
            else:
                group = self._nearest_group(self._person(item["owner"]).organization)
            values = {
                "group": group,
                "visit": visit,
                "research": research,
                "inspection": inspection,
                "problem": item["problem"],
                "measure": item.get("measure") or "",
                "raised_on": parse_date(item["raised_on"]),
                "owner": self._person(item["owner"]),
                "due_on": parse_date(item["due_on"]),
                "status": item["status"],
                "done_on": parse_date(item.get("done_on")),
            }
            current = existing.get(item["code"])
            if current is None:
                Action.objects.create(code=item["code"], **values)
            else:
                self._set(current, values)

    def summaries(self) -> None:
        for item in self.list("summaries"):
            group = self._group(item["group"])
            current = YearSummary.objects.filter(group=group, year=item["year"]).first()
            if current is None:
                YearSummary.objects.create(group=group, year=item["year"], text=item["text"], is_final=True)
            else:
                self._set(current, {"text": item["text"], "is_final": True})
