"""What each list of a records bundle holds, its limits read from the models that store it.

Which keys each list has, and which of them are required, follows records-format.md: codes, references, names
and titles, year, month, kind, status, a topic's source, a session's start and the dates that place a record in
a year are required. Every other limit is read from the model that stores the key (``STORED``): a key written
``FIELD`` (``OPTIONAL`` when it may be left out) takes its kind from the model field — the longest text a
``CharField`` holds, a ``TextField`` that may not be blank, the choices, the whole numbers an integer field and
its validators allow, a date, a date and time, true or false — and the keys of each list that must not repeat
are those of the model's unique constraints (``unique_keys``). So a limit changed in a model is the importer's
limit at once, and no value the database would refuse passes the check.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from audits.models import Action, Inspection, ObserverVisit, RulesDocument
from plans.models import PlanTopic, ResearchReport, ResearchTopic, StudyPlan
from reports.models import YearSummary
from sessions.models import Attendance, Lecture, SessionGuest, StudySession, Submission
from studygroup.models import Membership, Organization, Person, StudyGroup

# Dates and years of the format (records-format.md): within these years, and within what the model allows.
YEARS = (1949, 2100)
# A key whose limits come from the field that stores it (required, or optional).
FIELD, OPTIONAL = "field", "?field"


class FieldKind(str):
    """The spec of a key, read from the model field that stores it (kept on ``.field``)."""

    field: models.Field

    def __new__(cls, text: str, model_field: models.Field):
        kind = super().__new__(cls, text)
        kind.field = model_field
        return kind


def _integer_range(model_field: models.Field) -> tuple[int, int]:
    if model_field.choices:
        values = [value for value, _label in model_field.flatchoices]
        return min(values), max(values)
    low = max((v.limit_value for v in model_field.validators if isinstance(v, MinValueValidator)), default=None)
    high = min((v.limit_value for v in model_field.validators if isinstance(v, MaxValueValidator)), default=None)
    if model_field.name == "year":
        low, high = max(low or YEARS[0], YEARS[0]), min(high or YEARS[1], YEARS[1])
    return low, high


def kind_of(model_field: models.Field, *, optional: bool = False) -> FieldKind:
    """The spec of a key stored in ``model_field``: its kind and limits as the field defines them."""
    if isinstance(model_field, models.CharField) and model_field.choices:
        text = "enum:" + "|".join(str(value) for value, _label in model_field.flatchoices)
    elif isinstance(model_field, models.CharField):
        text = f"{'code' if model_field.name == 'code' else 'str'}:{model_field.max_length}"
    elif isinstance(model_field, models.TextField):
        text = "text" if model_field.blank else "ntext"
    elif isinstance(model_field, models.BooleanField):
        text = "bool"
    elif isinstance(model_field, models.DateTimeField):
        text = "datetime"
    elif isinstance(model_field, models.DateField):
        text = "date"
    elif isinstance(model_field, models.IntegerField):
        low, high = _integer_range(model_field)
        text = f"int:{low}:{high}"
    else:
        raise TypeError(f"No bundle kind for {model_field!r}.")
    return FieldKind(("?" if optional else "") + text, model_field)


def texts_of(model_field: models.Field, *, optional: bool = False) -> FieldKind:
    """A list of texts each stored in ``model_field`` (a group's rules documents)."""
    return FieldKind(f"{'?' if optional else ''}strs:{model_field.max_length}", model_field)


# Where each list of the format is stored: the model, the field its enclosing record fills, and the keys whose
# field has another name.
STORED: dict[str, tuple[type[models.Model], str | None, dict[str, str]]] = {
    "organizations": (Organization, None, {}),
    "people": (Person, None, {"org": "organization"}),
    "groups": (StudyGroup, None, {"org": "organization"}),
    "groups.members": (Membership, "group", {}),
    "plans": (StudyPlan, None, {}),
    "plans.topics": (PlanTopic, "plan", {"supplementary": "is_supplementary"}),
    "sessions": (StudySession, None, {"expanded": "is_expanded", "online": "is_online"}),
    "sessions.attendance": (Attendance, "session", {}),
    "sessions.guests": (SessionGuest, "session", {"org": "organization_name"}),
    "sessions.submissions": (Submission, "session", {}),
    "research": (ResearchTopic, None, {}),
    "research.reports": (ResearchReport, "topic", {}),
    "lectures": (Lecture, None, {}),
    "visits": (ObserverVisit, None, {"online": "is_online"}),
    "actions": (Action, None, {}),
    "inspections": (Inspection, None, {}),
    "summaries": (YearSummary, None, {}),
}
# Optional keys whose field has neither a default nor room for nothing: the importer fills them as the format
# says (records-format.md), so the model's rule still holds.
FILLED_BY_THE_IMPORTER = {
    "sessions.ends_at": "two hours after the start",
    "research.reports.submitted_on": "the last day of the topic's year",
    "actions.due_on": "the last day of the year it was raised in",
    "visits.mode": "left empty, as an observer visit planned on paper before modes were kept",
}


def model_field(path: str, key: str) -> models.Field:
    model, _parent, renamed = STORED[path]
    return model._meta.get_field(renamed.get(key, key))


def _resolve(path: str, spec: dict) -> dict:
    resolved = {}
    for key, kind in spec.items():
        if isinstance(kind, list):
            resolved[key] = [_resolve(f"{path}.{key}", kind[0])]
        elif kind in (FIELD, OPTIONAL):
            resolved[key] = kind_of(model_field(path, key), optional=kind == OPTIONAL)
        else:
            resolved[key] = kind
    return resolved


_SPEC: dict[str, dict] = {
    "organizations": {"code": FIELD, "name": FIELD, "parent": "?ref:organizations"},
    "people": {"code": FIELD, "name": FIELD, "org": "ref:organizations", "post": OPTIONAL},
    "groups": {
        "code": FIELD,
        "org": "ref:organizations",
        "name": FIELD,
        "members": [{"person": "ref:people", "role": OPTIONAL}],
        "rules": texts_of(RulesDocument._meta.get_field("title"), optional=True),
    },
    "plans": {
        "group": "ref:groups",
        "year": FIELD,
        "main_line": OPTIONAL,
        "status": FIELD,
        "selfstudy_targets": "?targets",
        "topics": [
            {
                "code": FIELD,
                "month": FIELD,
                "title": FIELD,
                "source": FIELD,
                "lead": "?ref:people",
                "supplementary": OPTIONAL,
            }
        ],
    },
    "sessions": {
        "code": FIELD,
        "group": "ref:groups",
        "kind": FIELD,
        "title": FIELD,
        "starts_at": FIELD,
        "ends_at": OPTIONAL,
        "topics": "?refs:topics",
        "expanded": OPTIONAL,
        "location": OPTIONAL,
        "online": OPTIONAL,
        "speakers": "?refs:people",
        "attendance": [{"person": "ref:people", "status": FIELD}],
        "guests": [{"name": FIELD, "org": OPTIONAL}],
        "minutes": OPTIONAL,
        "submissions": [
            {
                "person": "ref:people",
                "kind": FIELD,
                "title": FIELD,
                "text": OPTIONAL,
                "status": FIELD,
                "submitted_on": OPTIONAL,
            }
        ],
    },
    "research": {
        "code": FIELD,
        "group": "ref:groups",
        "year": FIELD,
        "title": FIELD,
        "owner": "?ref:people",
        "reports": [{"title": FIELD, "submitted_on": OPTIONAL}],
    },
    "lectures": {"person": "ref:people", "on": FIELD, "title": FIELD, "audience": OPTIONAL, "place": OPTIONAL},
    "visits": {
        "code": FIELD,
        "session": "ref:sessions",
        "observer": "ref:people",
        "mode": OPTIONAL,
        "online": OPTIONAL,
        "pre_review_on": OPTIONAL,
        "discussion_focused": OPTIONAL,
        "summary_deep": OPTIONAL,
        "report": OPTIONAL,
        "reported_on": OPTIONAL,
        "rating": OPTIONAL,
    },
    "actions": {
        "code": FIELD,
        "source": "?source",
        "problem": FIELD,
        "measure": OPTIONAL,
        "raised_on": FIELD,
        "owner": "ref:people",
        "due_on": OPTIONAL,
        "status": FIELD,
        "done_on": OPTIONAL,
    },
    "inspections": {
        "group": "ref:groups",
        "year": FIELD,
        "checklist": "?enum:bayou|qiyou",
        "inspector": "ref:people",
        "on": FIELD,
        "verdicts": "?verdicts",
        "comment": OPTIONAL,
    },
    "summaries": {"group": "ref:groups", "year": FIELD, "text": FIELD},
}
SCHEMA: dict[str, dict] = {name: _resolve(name, spec) for name, spec in _SPEC.items()}


# The keys the importer matches a record by where no constraint of the database says so: two items alike
# would be written as one record.
MATCHED_BY: dict[str, tuple[str, ...]] = {
    "sessions.submissions": ("person", "kind", "title"),
    "lectures": ("person", "on", "title"),
}
# Unique constraints that the items of a file cannot break, and why.
UNIQUE_ELSEWHERE = {
    "action_once_per_finding": "a finding is not part of the format: imported actions have none",
}
# The value a key left out stands for, where it takes part in a unique constraint.
DEFAULTS = {("inspections", "checklist"): "bayou"}


def spec_at(path: str) -> dict:
    """The spec of the items of ``path`` (``sessions`` or ``sessions.attendance``)."""
    part, _dot, child = path.partition(".")
    return SCHEMA[part][child][0] if child else SCHEMA[part]


def unique_keys(path: str) -> list[tuple[str, ...]]:
    """The keys of ``path``'s items that no two of its items may share: those of each unique constraint and unique
    field of its model (codes apart: ``code`` is checked on its own), less the field the enclosing record fills
    (the same for every item of a nested list), and the keys the importer matches a record by."""
    model, parent, renamed = STORED[path]
    key_of = {renamed.get(key, key): key for key in spec_at(path)}
    found = []
    for constraint in model._meta.constraints:
        if not isinstance(constraint, models.UniqueConstraint) or constraint.name in UNIQUE_ELSEWHERE:
            continue
        names = [name for name in constraint.fields if name != parent]
        if names and all(name in key_of for name in names):
            found.append(tuple(key_of[name] for name in names))
    for model_field in model._meta.concrete_fields:
        if model_field.unique and model_field.name in key_of and model_field.name != "code":
            found.append((key_of[model_field.name],))
    if path in MATCHED_BY:
        found.append(MATCHED_BY[path])
    return found
