"""Export a subtree's records as a bundle, in one canonical form (every key present, stable order),
so that export → import into an empty database → export gives the same document.

The document is written piece by piece (``write``): every list is read from the database in chunks
(``.iterator(chunk_size=...)``, with its prefetches per chunk) and each record is turned into JSON text as soon as
it is read, so the memory an export needs stays flat whatever the size of the subtree. ``export`` returns the same
document as a ``dict`` for the code and tests that want one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator

from django.db import connection
from django.db.models import F, Prefetch, Q, QuerySet
from django.db.models.functions import Collate
from django.utils import timezone

from audits.models import Action, Inspection, ObserverVisit, RulesDocument
from plans.models import PlanTopic, ResearchReport, ResearchTopic, StudyPlan
from reports import extensions
from reports.bundle.schema import FORMAT, FUTURE_PARTS, VERSION
from reports.models import YearSummary
from sessions.models import Lecture, StudySession, Submission
from studygroup.models import Membership, Organization, Person, StudyGroup

# Records read from the database at a time; a session with its attendance and submissions is the largest.
CHUNK = 500


def _d(value) -> str | None:
    return value.isoformat() if value else None


def _dt(value) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _by_code(field: str):
    """Order by a code as Python compares strings (code point order): the "C" collation on PostgreSQL."""
    return Collate(F(field), "C") if connection.vendor == "postgresql" else F(field)


def _chunked(queryset: QuerySet) -> Iterator:
    return queryset.iterator(chunk_size=CHUNK)


def _batches(queryset: QuerySet) -> Iterator[list]:
    batch = []
    for item in _chunked(queryset):
        batch.append(item)
        if len(batch) == CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


class _Subtree:
    """The querysets of an export: ``organization``'s subtree, of one ``year`` or of every year."""

    def __init__(self, organization: Organization, year: int | None) -> None:
        self.organization, self.year, self.path = organization, year, organization.path

    def in_year(self, queryset: QuerySet, lookup: str) -> QuerySet:
        return queryset.filter(**{lookup: self.year}) if self.year else queryset

    def of_groups(self, model) -> QuerySet:
        return model.objects.filter(group__organization__path__startswith=self.path)

    def sessions(self) -> QuerySet:
        return self.in_year(self.of_groups(StudySession), "starts_at__year")

    def visits(self) -> QuerySet:
        return ObserverVisit.objects.filter(session__in=self.sessions().values("pk"))

    def inspections(self) -> QuerySet:
        return self.in_year(self.of_groups(Inspection), "year")

    def actions(self) -> QuerySet:
        return self.in_year(self.of_groups(Action), "raised_on__year")

    def people(self) -> QuerySet:
        """The people of the subtree and those from outside it who observed or inspected in it."""
        outsiders = Q(pk__in=self.visits().values("observer_id")) | Q(pk__in=self.inspections().values("inspector_id"))
        return Person.objects.filter(Q(organization__path__startswith=self.path) | outsiders)

    def organizations(self) -> list[Organization]:
        """The subtree, its ancestors and those of every person exported, in tree order."""
        paths = set(Organization.ancestor_paths(self.path, include_self=True))
        outside = self.people().exclude(organization__path__startswith=self.path)
        for path in outside.values_list("organization__path", flat=True).distinct():
            paths.update(Organization.ancestor_paths(path, include_self=True))
        organizations = list(Organization.objects.filter(path__startswith=self.path)) + list(
            Organization.objects.filter(path__in=paths).exclude(path__startswith=self.path)
        )
        organizations.sort(key=lambda o: o.path)
        return organizations

    def groups(self) -> QuerySet:
        return StudyGroup.objects.filter(organization__path__startswith=self.path)

    def plans(self) -> QuerySet:
        return self.in_year(self.of_groups(StudyPlan), "year")

    def research(self) -> QuerySet:
        return self.in_year(self.of_groups(ResearchTopic), "year")

    def lectures(self) -> QuerySet:
        return self.in_year(self.of_groups(Lecture), "on__year")

    def summaries(self) -> QuerySet:
        return self.in_year(self.of_groups(YearSummary).filter(is_final=True), "year")


def parts(organization: Organization, year: int | None = None) -> Iterator[tuple[str, Iterable]]:
    """Each key of the document with its value; a list part as an iterator that reads its records in chunks."""
    subtree = _Subtree(organization, year)
    organizations = subtree.organizations()
    codes = {o.pk: o.code for o in organizations}
    yield "format", FORMAT
    yield "version", VERSION
    yield (
        "organizations",
        ({"code": o.code, "name": o.name, "parent": codes.get(o.parent_id)} for o in organizations),
    )
    yield "people", _people(subtree)
    yield "groups", _groups(subtree)
    yield "plans", _plans(subtree)
    yield "sessions", _sessions(subtree)
    yield "research", _research(subtree)
    yield "lectures", _lectures(subtree)
    yield "visits", _visits(subtree)
    yield "actions", _actions(subtree)
    yield "inspections", _inspections(subtree)
    yield "summaries", _summaries(subtree)
    # The optional parts (records-format.md: always written, empty when there is nothing).
    for name in dict.fromkeys([*FUTURE_PARTS, *extensions.BUNDLE_PARTS]):
        part = extensions.BUNDLE_PARTS.get(name)
        yield name, _later(lambda part=part: part.export(organization, year) if part else [])


def _later(read: Callable[[], Iterable[dict]]) -> Iterator[dict]:
    """The items of a part registered by an app above, read only when the document reaches it."""
    yield from read()


def export(organization: Organization, year: int | None = None) -> dict:
    """Return the bundle of ``organization``'s subtree, of one ``year`` or of every year, in canonical form."""
    return {name: value if name in ("format", "version") else list(value) for name, value in parts(organization, year)}


def counts(organization: Organization, year: int | None = None) -> dict[str, int]:
    """How many records each list of the format holds in the export, counted without reading them."""
    subtree = _Subtree(organization, year)
    return {
        "organizations": len(subtree.organizations()),
        "people": subtree.people().count(),
        "groups": subtree.groups().count(),
        "plans": subtree.plans().count(),
        "sessions": subtree.sessions().count(),
        "research": subtree.research().count(),
        "lectures": subtree.lectures().count(),
        "visits": subtree.visits().count(),
        "actions": subtree.actions().count(),
        "inspections": subtree.inspections().count(),
        "summaries": subtree.summaries().count(),
    }


def write(organization: Organization, year: int | None = None, counts: dict | None = None) -> Iterator[str]:
    """The document as ``json.dumps(export(...), ensure_ascii=False, indent=2)`` writes it, in pieces.

    ``counts`` (if given) receives the number of records written per list.
    """
    yield "{"
    first = True
    for name, value in parts(organization, year):
        yield ("\n  " if first else ",\n  ") + json.dumps(name, ensure_ascii=False) + ": "
        first = False
        if name in ("format", "version"):
            yield json.dumps(value, ensure_ascii=False)
            continue
        written = 0
        for item in value:
            text = json.dumps(item, ensure_ascii=False, indent=2).replace("\n", "\n    ")
            yield ("[\n    " if not written else ",\n    ") + text
            written += 1
        yield "\n  ]" if written else "[]"
        if counts is not None:
            counts[name] = written
    yield "\n}"


def _people(subtree: _Subtree) -> Iterator[dict]:
    people = subtree.people().select_related("organization").order_by(_by_code("code"))
    for p in _chunked(people):
        yield {"code": p.code, "name": p.name, "org": p.organization.code, "post": p.post or None}


def _groups(subtree: _Subtree) -> Iterator[dict]:
    """The groups of the subtree with their members (each person once, the latest seat) and rules documents."""
    groups = subtree.groups().select_related("organization").order_by("organization__path")
    for batch in _batches(groups):
        rules: dict[int, list[str]] = {}
        for org_id, title in (
            RulesDocument.objects.filter(organization__in=[g.organization_id for g in batch])
            .order_by("title")
            .values_list("organization_id", "title")
        ):
            rules.setdefault(org_id, []).append(title)
        members: dict[int, list[dict]] = {}
        seen: set[tuple[int, int]] = set()
        for group_id, person_id, code, role in (
            Membership.objects.filter(group__in=batch)
            .order_by("person__code", "-start_on")
            .values_list("group_id", "person_id", "person__code", "role")
        ):
            if (group_id, person_id) not in seen:
                seen.add((group_id, person_id))
                members.setdefault(group_id, []).append({"person": code, "role": role})
        for g in batch:
            yield {
                "code": g.code,
                "org": g.organization.code,
                "name": g.name,
                "members": members.get(g.pk, []),
                "rules": rules.get(g.organization_id, []),
            }


def _plans(subtree: _Subtree) -> Iterator[dict]:
    plans = subtree.plans().select_related("group").order_by("year", "group__code")
    for batch in _batches(plans):
        fields = extensions.plan_field_values(batch)
        topics: dict[int, list[PlanTopic]] = {}
        for topic in PlanTopic.objects.filter(plan__in=batch).select_related("lead").order_by("month", "code"):
            topics.setdefault(topic.plan_id, []).append(topic)
        for p in batch:
            yield {
                "group": p.group.code,
                "year": p.year,
                "main_line": p.main_line or None,
                "status": p.status,
                "selfstudy_targets": {},
                **extensions.plan_fields_of(fields, p),
                "topics": [
                    {
                        "code": t.code,
                        "month": t.month,
                        "title": t.title,
                        "source": t.source,
                        "lead": t.lead.code if t.lead else None,
                        "supplementary": t.is_supplementary,
                    }
                    for t in topics.get(p.pk, [])
                ],
            }


def _sessions(subtree: _Subtree) -> Iterator[dict]:
    sessions = (
        subtree.sessions()
        .select_related("group")
        .prefetch_related("topics", "speakers", "guests", "attendances__person", "submissions__person")
        .order_by("starts_at", "code")
    )
    for s in _chunked(sessions):
        yield _session(s)


def _research(subtree: _Subtree) -> Iterator[dict]:
    topics = (
        subtree.research()
        .select_related("group", "owner")
        .prefetch_related(Prefetch("reports", ResearchReport.objects.order_by("submitted_on", "title")))
        .order_by("year", "code")
    )
    for r in _chunked(topics):
        yield {
            "code": r.code,
            "group": r.group.code,
            "year": r.year,
            "title": r.title,
            "owner": r.owner.code if r.owner else None,
            "reports": [{"title": x.title, "submitted_on": _d(x.submitted_on)} for x in r.reports.all()],
        }


def _lectures(subtree: _Subtree) -> Iterator[dict]:
    for x in _chunked(subtree.lectures().select_related("person").order_by("on", "person__code", "title")):
        yield {
            "person": x.person.code,
            "on": _d(x.on),
            "title": x.title,
            "audience": x.audience,
            "place": x.place or None,
        }


def _summaries(subtree: _Subtree) -> Iterator[dict]:
    for s in _chunked(subtree.summaries().select_related("group").order_by("year", "group__code")):
        yield {"group": s.group.code, "year": s.year, "text": s.text}


def _visits(subtree: _Subtree) -> Iterator[dict]:
    visits = subtree.visits().select_related("session", "observer").order_by("session__starts_at", "code")
    for v in _chunked(visits):
        yield {
            "code": v.code,
            "session": v.session.code,
            "observer": v.observer.code,
            "mode": v.mode or None,
            "online": v.is_online,
            "pre_review_on": _d(v.pre_review_on),
            "discussion_focused": v.discussion_focused,
            "summary_deep": v.summary_deep,
            "report": v.report or None,
            "reported_on": _d(v.reported_on),
            "rating": v.rating or None,
        }


def _actions(subtree: _Subtree) -> Iterator[dict]:
    actions = (
        subtree.actions()
        .select_related("visit", "research", "inspection__group", "session", "owner")
        .order_by("raised_on", "code")
    )
    for a in _chunked(actions):
        yield {
            "code": a.code,
            "source": _source(a),
            "problem": a.problem,
            "measure": a.measure or None,
            "raised_on": _d(a.raised_on),
            "owner": a.owner.code,
            "due_on": _d(a.due_on),
            "status": a.status,
            "done_on": _d(a.done_on),
        }


def _inspections(subtree: _Subtree) -> Iterator[dict]:
    inspections = (
        subtree.inspections()
        .select_related("group", "inspector", "checklist")
        .prefetch_related("verdicts__item")
        .order_by("year", "group__code", "checklist__code")
    )
    for i in _chunked(inspections):
        yield {
            "group": i.group.code,
            "year": i.year,
            "checklist": i.checklist.code,
            "inspector": i.inspector.code,
            "on": _d(i.on),
            "verdicts": {v.item.code: v.verdict for v in sorted(i.verdicts.all(), key=lambda v: v.item.order)},
            "comment": i.comment or None,
        }


def _session(s: StudySession) -> dict:
    return {
        "code": s.code,
        "group": s.group.code,
        "kind": s.kind,
        "title": s.title,
        "starts_at": _dt(s.starts_at),
        "ends_at": _dt(s.ends_at),
        "topics": sorted(t.code for t in s.topics.all()),
        "expanded": s.is_expanded,
        "location": s.location or None,
        "online": s.is_online,
        "speakers": sorted(p.code for p in s.speakers.all()),
        "attendance": [
            {"person": a.person.code, "status": a.status}
            for a in sorted(s.attendances.all(), key=lambda a: a.person.code)
        ],
        "guests": [
            {"name": g.name, "org": g.organization_name or None}
            for g in sorted(s.guests.all(), key=lambda g: (g.name, g.organization_name))
        ],
        "minutes": s.minutes or None,
        "submissions": [
            {
                "person": x.person.code,
                "kind": x.kind,
                "title": x.title,
                "text": x.text or None,
                "status": x.status,
                "submitted_on": _d(x.submitted_on),
            }
            for x in sorted(s.submissions.all(), key=lambda x: (x.person.code, x.kind, x.title))
            # A draft is its author's only.
            if x.status != Submission.Status.DRAFT
        ],
    }


def _source(action: Action) -> dict | None:
    if action.visit_id:
        return {"visit": action.visit.code}
    if action.research_id:
        return {"research": action.research.code}
    if action.inspection_id:
        return {"inspection": {"group": action.inspection.group.code, "year": action.inspection.year}}
    if action.session_id:
        return {"session": action.session.code}
    return None
