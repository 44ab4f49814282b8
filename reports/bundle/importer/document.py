"""Reading a bundle before anything is written: parsing, the codes already known, conflicts, labels."""

from __future__ import annotations

import json

from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from audits.models import Checklist, ObserverVisit
from plans.models import PlanTopic, ResearchTopic
from reports.bundle import schema
from reports.bundle.schema import items_of, parse_datetime, problem_at
from sessions.models import StudySession
from studygroup.models import Organization, Person, StudyGroup


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


def _visit_conflicts(document: dict) -> list[str]:
    """A new visit of an observer to a session the observer already visits under another code (once each)."""
    visits = [v for v in items_of(document.get("visits")) if isinstance(v, dict)]
    held = {
        (session, observer): code
        for session, observer, code in ObserverVisit.objects.filter(
            session__code__in={v["session"] for v in visits}, observer__code__in={v["observer"] for v in visits}
        ).values_list("session__code", "observer__code", "code")
    }
    listed = {v["code"] for v in visits}
    return [
        problem_at(
            f"visits[{index}]",
            _("the observer already has the visit %(code)s to this session; an observer visits it once.")
            % {"code": schema.shown(held[(visit["session"], visit["observer"])])},
        )
        for index, visit in enumerate(visits)
        if held.get((visit["session"], visit["observer"])) not in (None, visit["code"])
        # The visit held in the database moves to another session or observer in the same file.
        and held[(visit["session"], visit["observer"])] not in listed
    ]


def database_conflicts(document: dict) -> list[str]:
    """Items of a valid document that the unique constraints of the database would refuse beside the records
    already there: a second group of an organization, a second visit of an observer to a session."""
    return _group_conflicts(document) + _visit_conflicts(document)


def _earliest_year(document: dict) -> int:
    years = [p.get("year") for p in items_of(document.get("plans"))]
    years += [parse_datetime(s["starts_at"]).year for s in items_of(document.get("sessions"))]
    return min([y for y in years if isinstance(y, int)] or [timezone.localdate().year])


def _label(instance: Model, name: str) -> str:
    return _("%(kind)s “%(name)s”") % {"kind": instance._meta.verbose_name, "name": name}


def _session_label(session: StudySession) -> str:
    return _label(session, f"{session.code} {session.title}")
