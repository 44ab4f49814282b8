"""The export as it was before it streamed (reports/bundle/exporter.py until the streamed export): kept only so
that tests/test_export_stream.py proves the streamed output is byte for byte the same."""

from __future__ import annotations

from django.utils import timezone

from audits.models import Action, Inspection, ObserverVisit, RulesDocument
from plans.models import PlanTopic, ResearchTopic, StudyPlan
from reports import extensions
from reports.bundle.schema import FORMAT, FUTURE_PARTS, VERSION
from reports.models import YearSummary
from sessions.models import Lecture, StudySession, Submission
from studygroup.models import Membership, Organization, Person, StudyGroup


def _d(value) -> str | None:
    return value.isoformat() if value else None


def _dt(value) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def export(organization: Organization, year: int | None = None) -> dict:
    """Return the bundle of ``organization``'s subtree, of one ``year`` or of every year, in canonical form."""
    path = organization.path
    in_year = (lambda qs, lookup: qs.filter(**{lookup: year})) if year else (lambda qs, lookup: qs)
    sessions = _sessions(path, in_year)
    visits = list(
        ObserverVisit.objects.filter(session__in=sessions)
        .select_related("session", "observer")
        .order_by("session__starts_at", "code")
    )
    inspections = list(
        in_year(Inspection.objects.filter(group__organization__path__startswith=path), "year")
        .select_related("group", "inspector", "checklist")
        .prefetch_related("verdicts__item")
        .order_by("year", "group__code", "checklist__code")
    )
    actions = list(
        in_year(Action.objects.filter(group__organization__path__startswith=path), "raised_on__year")
        .select_related("visit", "research", "inspection__group", "session", "owner")
        .order_by("raised_on", "code")
    )
    people = _people(path, outsiders={v.observer_id for v in visits} | {i.inspector_id for i in inspections})
    organizations = _organizations(path, people)
    codes = {o.pk: o.code for o in organizations}
    return {
        "format": FORMAT,
        "version": VERSION,
        "organizations": [{"code": o.code, "name": o.name, "parent": codes.get(o.parent_id)} for o in organizations],
        "people": [
            {"code": p.code, "name": p.name, "org": p.organization.code, "post": p.post or None} for p in people
        ],
        "groups": _groups(path),
        "plans": _plans(path, in_year),
        "sessions": [_session(s) for s in sessions],
        "research": _research(path, in_year),
        "lectures": _lectures(path, in_year),
        "visits": [_visit(v) for v in visits],
        "actions": [_action(a) for a in actions],
        "inspections": [_inspection(i) for i in inspections],
        "summaries": _summaries(path, in_year),
        # The optional parts (records-format.md: always written, empty when there is nothing).
        **extensions.export_parts(organization, year, FUTURE_PARTS),
    }


def _sessions(path: str, in_year) -> list[StudySession]:
    return list(
        in_year(StudySession.objects.filter(group__organization__path__startswith=path), "starts_at__year")
        .select_related("group", "lead")
        .prefetch_related("topics", "speakers", "guests", "attendances__person", "submissions__person")
        .order_by("starts_at", "code")
    )


def _people(path: str, outsiders: set[int]) -> list[Person]:
    """The people of the subtree and those from outside it who observed or inspected in it, by code."""
    people = list(Person.objects.filter(organization__path__startswith=path).select_related("organization"))
    people += list(
        Person.objects.filter(pk__in=outsiders)
        .exclude(organization__path__startswith=path)
        .select_related("organization")
    )
    people.sort(key=lambda p: p.code)
    return people


def _organizations(path: str, people: list[Person]) -> list[Organization]:
    """The subtree, its ancestors and those of every person exported, in tree order."""
    paths = set(Organization.ancestor_paths(path, include_self=True))
    for person in people:
        paths.update(Organization.ancestor_paths(person.organization.path, include_self=True))
    organizations = list(Organization.objects.filter(path__startswith=path)) + list(
        Organization.objects.filter(path__in=paths).exclude(path__startswith=path)
    )
    organizations.sort(key=lambda o: o.path)
    return organizations


def _groups(path: str) -> list[dict]:
    """The groups of the subtree with their members (each person once, the latest seat) and rules documents."""
    groups = list(
        StudyGroup.objects.filter(organization__path__startswith=path)
        .select_related("organization")
        .order_by("organization__path")
    )
    rules: dict[int, list[str]] = {}
    for org_id, title in (
        RulesDocument.objects.filter(organization__path__startswith=path)
        .order_by("title")
        .values_list("organization_id", "title")
    ):
        rules.setdefault(org_id, []).append(title)
    members: dict[int, list[dict]] = {}
    seen: set[tuple[int, int]] = set()
    for seat in (
        Membership.objects.filter(group__in=groups).select_related("person").order_by("person__code", "-start_on")
    ):
        if (seat.group_id, seat.person_id) not in seen:
            seen.add((seat.group_id, seat.person_id))
            members.setdefault(seat.group_id, []).append({"person": seat.person.code, "role": seat.role})
    return [
        {
            "code": g.code,
            "org": g.organization.code,
            "name": g.name,
            "members": members.get(g.pk, []),
            "rules": rules.get(g.organization_id, []),
        }
        for g in groups
    ]


def _research(path: str, in_year) -> list[dict]:
    return [
        {
            "code": r.code,
            "group": r.group.code,
            "year": r.year,
            "title": r.title,
            "owner": r.owner.code if r.owner else None,
            "reports": [
                {"title": x.title, "submitted_on": _d(x.submitted_on)}
                for x in r.reports.order_by("submitted_on", "title")
            ],
        }
        for r in in_year(ResearchTopic.objects.filter(group__organization__path__startswith=path), "year")
        .select_related("group", "owner")
        .order_by("year", "code")
    ]


def _lectures(path: str, in_year) -> list[dict]:
    return [
        {
            "person": x.person.code,
            "on": _d(x.on),
            "title": x.title,
            "audience": x.audience,
            "place": x.place or None,
        }
        for x in in_year(Lecture.objects.filter(group__organization__path__startswith=path), "on__year")
        .select_related("person")
        .order_by("on", "person__code", "title")
    ]


def _summaries(path: str, in_year) -> list[dict]:
    return [
        {"group": s.group.code, "year": s.year, "text": s.text}
        for s in in_year(YearSummary.objects.filter(group__organization__path__startswith=path, is_final=True), "year")
        .select_related("group")
        .order_by("year", "group__code")
    ]


def _plans(path: str, in_year) -> list[dict]:
    plans = list(
        in_year(StudyPlan.objects.filter(group__organization__path__startswith=path), "year")
        .select_related("group")
        .order_by("year", "group__code")
    )
    fields = extensions.plan_field_values(plans)
    topics: dict[int, list[PlanTopic]] = {}
    for topic in PlanTopic.objects.filter(plan__in=plans).select_related("lead").order_by("month", "code"):
        topics.setdefault(topic.plan_id, []).append(topic)
    return [
        {
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
        for p in plans
    ]


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


def _visit(v: ObserverVisit) -> dict:
    return {
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


def _action(a: Action) -> dict:
    return {
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


def _inspection(i: Inspection) -> dict:
    return {
        "group": i.group.code,
        "year": i.year,
        "checklist": i.checklist.code,
        "inspector": i.inspector.code,
        "on": _d(i.on),
        "verdicts": {v.item.code: v.verdict for v in sorted(i.verdicts.all(), key=lambda v: v.item.order)},
        "comment": i.comment or None,
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
