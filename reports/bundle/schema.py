"""The shape of a records bundle, and a validator that reports every problem with its place in the document.

A field spec is a string: ``code``, ``str``, ``text``, ``int``, ``bool``,
``date``, ``datetime``, ``month``, ``year``, ``enum:a|b``, ``ref:list``,
``refs:list``, ``source``, ``verdicts``; a leading ``?`` marks it optional
(``null`` is the same as leaving it out). Nested lists are dicts of specs.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from audits.models import Action, Inspection, ObserverVisit
from plans.models import PlanTopic, StudyPlan
from sessions.models import Attendance, SessionKind, Submission
from studygroup.models import Membership

FORMAT, VERSION = "studygroup-records", 1


def _enum(choices) -> str:
    return "enum:" + "|".join(choices)


SCHEMA: dict[str, dict] = {
    "organizations": {"code": "code", "name": "str", "parent": "?ref:organizations"},
    "people": {"code": "code", "name": "str", "org": "ref:organizations", "post": "?str"},
    "groups": {
        "code": "code",
        "org": "ref:organizations",
        "name": "str",
        "members": [{"person": "ref:people", "role": _enum(Membership.Role.values)}],
        "rules": "?strs",
    },
    "plans": {
        "group": "ref:groups",
        "year": "year",
        "main_line": "?text",
        "status": _enum(StudyPlan.Status.values),
        "topics": [
            {
                "code": "code",
                "month": "month",
                "title": "str",
                "source": _enum(PlanTopic.Source.values),
                "lead": "?ref:people",
                "supplementary": "?bool",
            }
        ],
    },
    "sessions": {
        "code": "code",
        "group": "ref:groups",
        "kind": _enum(SessionKind.values),
        "title": "str",
        "starts_at": "datetime",
        "ends_at": "datetime",
        "topics": "?refs:topics",
        "expanded": "?bool",
        "location": "?str",
        "online": "?bool",
        "speakers": "?refs:people",
        "attendance": [{"person": "ref:people", "status": _enum(Attendance.Status.values)}],
        "guests": [{"name": "str", "org": "?str"}],
        "minutes": "?text",
        "submissions": [
            {
                "person": "ref:people",
                "kind": _enum(Submission.Kind.values),
                "title": "str",
                "text": "?text",
                "status": _enum(Submission.Status.values),
                "submitted_on": "?date",
            }
        ],
    },
    "research": {
        "code": "code",
        "group": "ref:groups",
        "year": "year",
        "title": "str",
        "owner": "?ref:people",
        "reports": [{"title": "str", "submitted_on": "date"}],
    },
    "lectures": {"person": "ref:people", "on": "date", "title": "str", "audience": "?int", "place": "?str"},
    "visits": {
        "code": "code",
        "session": "ref:sessions",
        "observer": "ref:people",
        "mode": _enum(ObserverVisit.Mode.values),
        "online": "?bool",
        "pre_review_on": "?date",
        "discussion_focused": "?bool",
        "summary_deep": "?bool",
        "report": "?text",
        "reported_on": "?date",
        "rating": "?" + _enum(ObserverVisit.Rating.values),
    },
    "actions": {
        "code": "code",
        "source": "?source",
        "problem": "text",
        "measure": "?text",
        "raised_on": "date",
        "owner": "ref:people",
        "due_on": "date",
        "status": _enum(Action.Status.values),
        "done_on": "?date",
    },
    "inspections": {
        "group": "ref:groups",
        "year": "year",
        "checklist": "enum:bayou|qiyou",
        "inspector": "ref:people",
        "on": "date",
        "verdicts": "verdicts",
        "comment": "?text",
    },
    "summaries": {"group": "ref:groups", "year": "year", "text": "text"},
}
TOP_KEYS = ["format", "version", *SCHEMA]
VERDICTS = set(Inspection.Verdict.values)


@dataclass
class Report:
    errors: list[str] = field(default_factory=list)
    codes: dict[str, set[str]] = field(default_factory=dict)

    def add(self, place: str, message: str) -> None:
        self.errors.append(f"{place}: {message}")


def parse_date(value) -> datetime.date | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        return None


def parse_datetime(value) -> datetime.datetime | None:
    if not isinstance(value, str) or "T" not in value:
        return None
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def validate(document, known: dict[str, set[str]], checklist_items: dict[str, set[str]]) -> Report:
    """Check ``document`` against the format; ``known`` holds codes already in the database per list."""
    report = Report()
    if not isinstance(document, dict):
        report.add("$", "the document must be a JSON object")
        return report
    for key in document:
        if key not in TOP_KEYS:
            report.add(key, "unknown key")
    if document.get("format") != FORMAT:
        report.add("format", f'must be "{FORMAT}"')
    if document.get("version") != VERSION:
        report.add("version", f"unsupported version {document.get('version')!r}, expected {VERSION}")
    # First pass: the codes each list defines (and the topics inside plans).
    defined: dict[str, set[str]] = {name: set() for name in [*SCHEMA, "topics"]}
    for name, spec in SCHEMA.items():
        items = document.get(name) or []
        if not isinstance(items, list):
            report.add(name, "must be a list")
            continue
        if "code" in spec:
            _collect_codes(report, name, items, defined[name])
        if name == "plans":
            topics = [t for plan in items if isinstance(plan, dict) for t in (plan.get("topics") or [])]
            _collect_codes(report, "plans[].topics", topics, defined["topics"])
    report.codes = defined
    resolvable = {name: defined[name] | known.get(name, set()) for name in defined}
    for name, spec in SCHEMA.items():
        items = document.get(name) or []
        if isinstance(items, list):
            for index, item in enumerate(items):
                _check_object(report, f"{name}[{index}]", item, spec, resolvable, checklist_items)
    return report


def _collect_codes(report: Report, name: str, items: list, target: set[str]) -> None:
    for index, item in enumerate(items):
        code = item.get("code") if isinstance(item, dict) else None
        if isinstance(code, str) and code:
            if code in target:
                report.add(f"{name}[{index}].code", f'duplicate code "{code}"')
            target.add(code)


def _check_object(report: Report, place: str, item, spec: dict, resolvable, checklist_items) -> None:
    if not isinstance(item, dict):
        report.add(place, "must be an object")
        return
    for key in item:
        if key not in spec:
            report.add(f"{place}.{key}", "unknown key")
    for key, kind in spec.items():
        value = item.get(key)
        where = f"{place}.{key}"
        if isinstance(kind, list):
            if value is None:
                continue
            if not isinstance(value, list):
                report.add(where, "must be a list")
                continue
            for index, child in enumerate(value):
                _check_object(report, f"{where}[{index}]", child, kind[0], resolvable, checklist_items)
            continue
        optional = kind.startswith("?")
        kind = kind.lstrip("?")
        if value is None:
            if not optional:
                report.add(where, "is required")
            continue
        _check_value(report, where, value, kind, resolvable, item, checklist_items)


def _check_value(report, where, value, kind, resolvable, item, checklist_items) -> None:
    if kind in ("code", "str", "text"):
        if not isinstance(value, str) or (kind != "text" and not value.strip()):
            report.add(where, "must be a non-empty string" if kind != "text" else "must be a string")
        elif kind in ("code", "str") and len(value) > (64 if kind == "code" else 300):
            report.add(where, "is too long")
    elif kind == "strs":
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            report.add(where, "must be a list of strings")
    elif kind in ("int", "year", "month"):
        low, high = {"int": (0, 10**9), "year": (1949, 2100), "month": (1, 12)}[kind]
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            report.add(where, f"must be a whole number from {low} to {high}")
    elif kind == "bool":
        if not isinstance(value, bool):
            report.add(where, "must be true or false")
    elif kind == "date":
        if parse_date(value) is None:
            report.add(where, f"not a date (YYYY-MM-DD): {value!r}")
    elif kind == "datetime":
        if parse_datetime(value) is None:
            report.add(where, f"not a date and time with an offset (e.g. 2024-03-15T09:00:00+08:00): {value!r}")
    elif kind.startswith("enum:"):
        choices = kind[5:].split("|")
        if value not in choices:
            report.add(where, f"{value!r} is not one of {', '.join(choices)}")
    elif kind.startswith("ref:"):
        target = kind[4:]
        if not isinstance(value, str) or value not in resolvable[target]:
            report.add(where, f'unknown code "{value}"')
    elif kind.startswith("refs:"):
        target = kind[5:]
        if not isinstance(value, list):
            report.add(where, "must be a list of codes")
            return
        for index, code in enumerate(value):
            if not isinstance(code, str) or code not in resolvable[target]:
                report.add(f"{where}[{index}]", f'unknown code "{code}"')
    elif kind == "source":
        _check_source(report, where, value, resolvable)
    elif kind == "verdicts":
        checklist = item.get("checklist")
        items = checklist_items.get(checklist, set()) if isinstance(checklist, str) else set()
        if not isinstance(value, dict):
            report.add(where, "must be an object of item → verdict")
            return
        for key, verdict in value.items():
            if key not in items:
                report.add(f"{where}.{key}", "unknown checklist item")
            elif verdict not in VERDICTS:
                report.add(f"{where}.{key}", f"{verdict!r} is not one of {', '.join(sorted(VERDICTS))}")


def _check_source(report, where, value, resolvable) -> None:
    if not isinstance(value, dict) or len(value) != 1:
        report.add(where, 'must be one of {"visit": code}, {"research": code}, {"inspection": {"group", "year"}}')
        return
    ((kind, target),) = value.items()
    if kind == "visit" or kind == "research":
        if target not in resolvable["visits" if kind == "visit" else "research"]:
            report.add(f"{where}.{kind}", f'unknown code "{target}"')
    elif kind == "inspection":
        if not isinstance(target, dict) or set(target) != {"group", "year"}:
            report.add(f"{where}.inspection", 'must be {"group": code, "year": YYYY}')
        elif target["group"] not in resolvable["groups"]:
            report.add(f"{where}.inspection.group", f'unknown code "{target["group"]}"')
    else:
        report.add(f"{where}.{kind}", "unknown key")
