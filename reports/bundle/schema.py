"""The shape of a records bundle, and a validator that reports every problem with its place in the document.

Which keys each list has and every limit of their values come from ``reports.bundle.fields`` (read from the
models). The resolved spec of a key is a string: ``code:N``, ``str:N`` (at most N characters), ``text``,
``ntext`` (a text that may not be empty), ``strs:N``, ``int:LOW:HIGH``, ``bool``, ``date``, ``datetime``,
``enum:a|b``, ``ref:list``, ``refs:list``, ``source``, ``verdicts``, ``targets``; a leading ``?`` marks it
optional (``null`` is the same as leaving it out). Nested lists are dicts of specs. The parts apps above register
may also use ``code`` (64 characters), ``int`` (0 to 10⁹), ``year`` and ``month``.

Problems read in the interface language and keep their place in the file,
e.g. ``sessions[0].starts_at:不是带时区的日期时间……``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audits.models import Inspection
from reports import extensions
from reports.bundle.fields import (
    DEFAULTS,
    FIELD,
    OPTIONAL,
    SCHEMA,
    STORED,
    YEARS,
    FieldKind,
    kind_of,
    texts_of,
    unique_keys,
)

__all__ = ["FIELD", "OPTIONAL", "SCHEMA", "STORED", "YEARS", "FieldKind", "kind_of", "texts_of", "unique_keys"]

FORMAT, VERSION = "studygroup-records", 1
# A session without ``ends_at`` (ledgers kept on paper rarely note it) lasts this long.
DEFAULT_DURATION = datetime.timedelta(hours=2)
# Repeated values are cut in messages so a huge value cannot flood the page.
SHOWN_CHARACTERS = 40
# The longest code of a registered part that names no model field (``code``).
CODE_LENGTH = 64


# How each part of the format is called on the page that imports it.
PART_LABELS = {
    "organizations": gettext_lazy("Bundle part: organizations"),
    "people": gettext_lazy("Bundle part: people"),
    "groups": gettext_lazy("Bundle part: study groups"),
    "plans": gettext_lazy("Bundle part: study plans"),
    "sessions": gettext_lazy("Bundle part: study sessions"),
    "research": gettext_lazy("Bundle part: research topics"),
    "lectures": gettext_lazy("Bundle part: lectures"),
    "visits": gettext_lazy("Bundle part: observer visits"),
    "actions": gettext_lazy("Bundle part: actions"),
    "inspections": gettext_lazy("Bundle part: inspections"),
    "summaries": gettext_lazy("Bundle part: year-end summaries"),
}
# Parts of version 1 that belong to features this deployment does not keep yet: accepted when empty.
FUTURE_PARTS = ("tests", "selfstudy")
TOP_KEYS = ["format", "version", *SCHEMA, *FUTURE_PARTS]


def top_keys() -> list[str]:
    """The keys a document may have: the format's and those of the parts apps register."""
    return [*TOP_KEYS, *(name for name in extensions.BUNDLE_PARTS if name not in TOP_KEYS)]


VERDICTS = set(Inspection.Verdict.values)
DEFAULT_CHECKLIST = DEFAULTS[("inspections", "checklist")]


@dataclass
class Report:
    errors: list[str] = field(default_factory=list)
    codes: dict[str, set[str]] = field(default_factory=dict)

    def add(self, place: str, problem: str) -> None:
        self.errors.append(problem_at(place, problem))


def problem_at(place: str, problem: str) -> str:
    return _("%(place)s: %(problem)s") % {"place": place, "problem": problem}


def shown(value) -> str:
    """A value as the writer of the file typed it, cut to a readable length."""
    text = repr(value) if not isinstance(value, str) else f'"{value}"'
    return text if len(text) <= SHOWN_CHARACTERS else text[:SHOWN_CHARACTERS] + "…"


def parse_date(value) -> datetime.date | None:
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        return None
    return day if YEARS[0] <= day.year <= YEARS[1] else None


def parse_datetime(value) -> datetime.datetime | None:
    if not isinstance(value, str) or "T" not in value or len(value) > 40:
        return None
    try:
        moment = datetime.datetime.fromisoformat(value)
        # Year 9999 with a negative offset (or year 1 with a positive one) leaves the range of datetimes in UTC.
        in_utc = moment.astimezone(datetime.UTC) if moment.tzinfo is not None else None
    except (ValueError, OverflowError):
        return None
    if in_utc is None or not YEARS[0] <= in_utc.year <= YEARS[1]:
        return None
    return moment


def session_end(item: dict) -> datetime.datetime | None:
    """The end of a session of the bundle: ``ends_at``, or two hours after the start."""
    starts_at = parse_datetime(item.get("starts_at"))
    if item.get("ends_at") is not None:
        return parse_datetime(item["ends_at"])
    return starts_at + DEFAULT_DURATION if starts_at else None


def items_of(value) -> list:
    """The entries of a list in the document; anything else (checked elsewhere) counts as none."""
    return value if isinstance(value, list) else []


def validate(document, known: dict[str, set[str]], checklist_items: dict[str, set[str]]) -> Report:
    """Check ``document`` against the format; ``known`` holds codes already in the database per list."""
    report = Report()
    if not isinstance(document, dict):
        report.add("$", _("the document must be a JSON object."))
        return report
    for key in document:
        if key not in top_keys():
            report.add(str(key), _("unknown key."))
    if document.get("format") != FORMAT:
        report.add("format", _('must be "%(format)s".') % {"format": FORMAT})
    if document.get("version") != VERSION or isinstance(document.get("version"), bool):
        report.add(
            "version",
            _("unsupported version %(version)s, expected %(expected)s.")
            % {"version": shown(document.get("version")), "expected": VERSION},
        )
    for name in FUTURE_PARTS:
        if name not in extensions.BUNDLE_PARTS and document.get(name) not in (None, []):
            report.add(name, _("this deployment does not keep this part yet; leave it empty or out."))
    # First pass: the codes each list defines (and the topics inside plans).
    defined: dict[str, set[str]] = {name: set() for name in [*SCHEMA, "topics"]}
    for name, spec in SCHEMA.items():
        items = document.get(name)
        if items is not None and not isinstance(items, list):
            report.add(name, _("must be a list."))
            continue
        if "code" in spec:
            _collect_codes(report, name, items_of(items), defined[name])
        if name == "plans":
            for index, plan in enumerate(items_of(items)):
                if isinstance(plan, dict):
                    _collect_codes(report, f"plans[{index}].topics", items_of(plan.get("topics")), defined["topics"])
    report.codes = defined
    resolvable = {name: defined[name] | known.get(name, set()) for name in defined}
    for name, spec in SCHEMA.items():
        for index, item in enumerate(items_of(document.get(name))):
            _check_object(report, f"{name}[{index}]", item, spec, resolvable, checklist_items)
    _check_checklists(report, document, checklist_items)
    _check_consistency(report, document)
    _check_parts(report, document, resolvable)
    return report


def _check_parts(report: Report, document: dict, resolvable: dict[str, set[str]]) -> None:
    """The parts apps above register (``reports.extensions``): a list when present, then their own checks."""
    for part in extensions.bundle_parts():
        items = document.get(part.name)
        if items is None:
            continue
        if not isinstance(items, list):
            report.add(part.name, _("must be a list."))
            continue
        part.validate(items, report, resolvable)


def check_part(
    report: Report, name: str, items: list, spec: dict, resolvable: dict[str, set[str]], twice: tuple[str, ...] = ()
) -> None:
    """Check a registered part's items against a spec of this module's kind (``reports.extensions``): its codes
    once each, every field, and no two items alike in ``twice``."""
    if "code" in spec:
        _collect_codes(report, name, items, set())
    for index, item in enumerate(items):
        _check_object(report, f"{name}[{index}]", item, spec, resolvable, {})
    if twice:
        _check_twice(report, name, items, twice)


def label_of(name: str) -> str:
    """How a part of the format is called on the page that imports it."""
    if name in PART_LABELS:
        return PART_LABELS[name]
    return extensions.BUNDLE_PARTS[name].label


def _check_checklists(report: Report, document: dict, checklist_items: dict[str, set[str]]) -> None:
    for index, item in enumerate(items_of(document.get("inspections"))):
        checklist = item.get("checklist") if isinstance(item, dict) else None
        if isinstance(checklist, str) and checklist not in checklist_items:
            report.add(
                f"inspections[{index}].checklist",
                _("this deployment has no checklist %(code)s.") % {"code": shown(checklist)},
            )


def _collect_codes(report: Report, name: str, items: list, target: set[str]) -> None:
    for index, item in enumerate(items):
        code = item.get("code") if isinstance(item, dict) else None
        if isinstance(code, str) and code:
            if code in target:
                report.add(f"{name}[{index}].code", _('duplicate code "%(code)s".') % {"code": code})
            target.add(code)


def _check_object(report: Report, place: str, item, spec: dict, resolvable, checklist_items) -> None:
    if not isinstance(item, dict):
        report.add(place, _("must be an object."))
        return
    for key in item:
        if key not in spec:
            report.add(f"{place}.{key}", _("unknown key."))
    for key, kind in spec.items():
        value = item.get(key)
        where = f"{place}.{key}"
        if isinstance(kind, list):
            if value is None:
                continue
            if not isinstance(value, list):
                report.add(where, _("must be a list."))
                continue
            for index, child in enumerate(value):
                _check_object(report, f"{where}[{index}]", child, kind[0], resolvable, checklist_items)
            continue
        optional = kind.startswith("?")
        kind = kind.lstrip("?")
        if value is None:
            if not optional:
                report.add(where, _("is required."))
            continue
        _check_value(report, where, value, kind, resolvable, item, checklist_items)


def _check_value(report, where, value, kind, resolvable, item, checklist_items) -> None:
    """Check ``value`` against its ``kind`` in ``SCHEMA``; add each problem to ``report`` at ``where``."""
    limited = kind.startswith(("str:", "strs:", "code:", "int:"))
    kind, _colon, limit = kind.partition(":") if limited else (kind, "", "")
    if kind in ("code", "str", "text", "ntext", "strs"):
        _check_text(report, where, value, kind, limit)
    elif kind in ("int", "year", "month", "bool", "date", "datetime") or kind.startswith("enum:"):
        _check_scalar(report, where, value, kind, limit)
    elif kind.startswith(("ref:", "refs:")):
        _check_reference(report, where, value, kind, resolvable)
    elif kind == "source":
        _check_source(report, where, value, resolvable)
    elif kind == "verdicts":
        _check_verdicts(report, where, value, item, checklist_items)
    elif kind == "targets":
        field = extensions.PLAN_FIELDS.get("selfstudy_targets")
        if field is not None:
            field.validate(value, report, where)
        elif value != {}:
            report.add(where, _("this deployment does not keep self-study targets yet; leave it empty or out."))


def _check_text(report, where, value, kind: str, limit: str) -> None:
    if "\x00" in str(value):
        # PostgreSQL stores no NUL character in text.
        report.add(where, _("contains a NUL character."))
        return
    if kind in ("code", "str", "ntext"):
        if not isinstance(value, str) or not value.strip():
            report.add(where, _("must be a non-empty text."))
        elif kind != "ntext" and len(value) > int(limit or CODE_LENGTH):
            report.add(where, _("is too long (at most %(count)d characters).") % {"count": int(limit or CODE_LENGTH)})
    elif kind == "text":
        if not isinstance(value, str):
            report.add(where, _("must be a text."))
    elif kind == "strs":
        if not isinstance(value, list) or not all(
            isinstance(v, str) and v.strip() and len(v) <= int(limit) for v in value
        ):
            report.add(where, _("must be a list of texts of at most %(count)d characters.") % {"count": int(limit)})


def _check_scalar(report, where, value, kind: str, limit: str = "") -> None:
    if kind in ("int", "year", "month"):
        ranges = {"int": (0, 10**9), "year": YEARS, "month": (1, 12)}
        low, high = (int(bound) for bound in limit.split(":")) if limit else ranges[kind]
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            report.add(
                where,
                _("must be a whole number from %(low)d to %(high)d, not %(value)s.")
                % {"low": low, "high": high, "value": shown(value)},
            )
    elif kind == "bool":
        if not isinstance(value, bool):
            report.add(where, _("must be true or false."))
    elif kind == "date":
        if parse_date(value) is None:
            report.add(
                where,
                _("not a date (YYYY-MM-DD) between the years %(low)d and %(high)d: %(value)s.")
                % {"low": YEARS[0], "high": YEARS[1], "value": shown(value)},
            )
    elif kind == "datetime":
        if parse_datetime(value) is None:
            report.add(
                where,
                _(
                    "not a date and time with an offset (e.g. 2024-03-15T09:00:00+08:00) "
                    "between the years %(low)d and %(high)d: %(value)s."
                )
                % {"low": YEARS[0], "high": YEARS[1], "value": shown(value)},
            )
    elif kind.startswith("enum:"):
        choices = kind[5:].split("|")
        if not isinstance(value, str) or value not in choices:
            report.add(
                where,
                _("%(value)s is not one of %(choices)s.") % {"value": shown(value), "choices": ", ".join(choices)},
            )


def _check_reference(report, where, value, kind: str, resolvable) -> None:
    if kind.startswith("ref:"):
        if not isinstance(value, str) or value not in resolvable[kind[4:]]:
            report.add(where, _("unknown code %(code)s.") % {"code": shown(value)})
    elif kind.startswith("refs:"):
        if not isinstance(value, list):
            report.add(where, _("must be a list of codes."))
            return
        seen = set()
        for index, code in enumerate(value):
            if not isinstance(code, str) or code not in resolvable[kind[5:]]:
                report.add(f"{where}[{index}]", _("unknown code %(code)s.") % {"code": shown(code)})
            elif code in seen:
                report.add(f"{where}[{index}]", _("%(code)s is listed twice.") % {"code": shown(code)})
            else:
                seen.add(code)


def _check_verdicts(report, where, value, item, checklist_items) -> None:
    checklist = item.get("checklist")
    checklist = DEFAULT_CHECKLIST if checklist is None else checklist
    items = checklist_items.get(checklist, set()) if isinstance(checklist, str) else set()
    if not isinstance(value, dict):
        report.add(where, _("must be an object of checklist item → verdict."))
        return
    for key, verdict in value.items():
        if key not in items:
            report.add(f"{where}.{key}", _("unknown checklist item."))
        elif not isinstance(verdict, str) or verdict not in VERDICTS:
            report.add(
                f"{where}.{key}",
                _("%(value)s is not one of %(choices)s.")
                % {"value": shown(verdict), "choices": ", ".join(sorted(VERDICTS))},
            )


def _check_source(report, where, value, resolvable) -> None:
    if not isinstance(value, dict) or len(value) != 1:
        report.add(
            where,
            _(
                'must be one of {"visit": code}, {"research": code}, {"inspection": {"group": code, "year": YYYY}}, '
                '{"session": code}.'
            ),
        )
        return
    ((kind, target),) = value.items()
    if kind in ("visit", "research"):
        if not isinstance(target, str) or target not in resolvable["visits" if kind == "visit" else "research"]:
            report.add(f"{where}.{kind}", _("unknown code %(code)s.") % {"code": shown(target)})
    elif kind == "inspection":
        if not isinstance(target, dict) or set(target) != {"group", "year"}:
            report.add(f"{where}.inspection", _('must be {"group": code, "year": YYYY}.'))
        elif not isinstance(target["group"], str) or target["group"] not in resolvable["groups"]:
            report.add(f"{where}.inspection.group", _("unknown code %(code)s.") % {"code": shown(target["group"])})
        elif not isinstance(target["year"], int) or isinstance(target["year"], bool):
            report.add(
                f"{where}.inspection.year",
                _("must be a whole number from %(low)d to %(high)d, not %(value)s.")
                % {"low": YEARS[0], "high": YEARS[1], "value": shown(target["year"])},
            )
    elif kind == "session":
        if not isinstance(target, str) or target not in resolvable["sessions"]:
            report.add(f"{where}.session", _("unknown code %(code)s.") % {"code": shown(target)})
    else:
        report.add(f"{where}.{kind}", _("unknown key."))


def _check_consistency(report: Report, document: dict) -> None:
    """Rules across fields and records: times in order, one group per organization, no record twice (the unique
    constraints of the models, ``fields.unique_keys``)."""
    groups_by_org: dict[str, int] = {}
    for index, group in enumerate(items_of(document.get("groups"))):
        if not isinstance(group, dict) or not isinstance(group.get("org"), str):
            continue
        if group["org"] in groups_by_org:
            report.add(
                f"groups[{index}].org",
                _("organization %(code)s already has the study group groups[%(other)d]; an organization has one.")
                % {"code": shown(group["org"]), "other": groups_by_org[group["org"]]},
            )
        else:
            groups_by_org[group["org"]] = index
    for index, session in enumerate(items_of(document.get("sessions"))):
        if not isinstance(session, dict):
            continue
        starts_at, ends_at = parse_datetime(session.get("starts_at")), session_end(session)
        if starts_at and ends_at and ends_at < starts_at:
            report.add(f"sessions[{index}].ends_at", _("the session ends before it starts."))
    for path in STORED:
        part, _dot, child = path.partition(".")
        for keys in unique_keys(path):
            if (path, keys) == ("groups", ("org",)):
                continue  # said above, naming the group that has the organization
            if not child:
                _check_twice(report, part, _with_defaults(part, document.get(part)), keys)
                continue
            for index, item in enumerate(items_of(document.get(part))):
                if isinstance(item, dict):
                    _check_twice(report, f"{part}[{index}].{child}", _with_defaults(path, item.get(child)), keys)


def _with_defaults(path: str, rows) -> list:
    """The items of ``path`` with the value a key left out stands for (``fields.DEFAULTS``)."""
    defaults = {key: value for (where, key), value in DEFAULTS.items() if where == path}
    if not defaults:
        return items_of(rows)
    return [
        {**row, **{key: value for key, value in defaults.items() if row.get(key) is None}}
        if isinstance(row, dict)
        else row
        for row in items_of(rows)
    ]


def _check_twice(report: Report, place: str, rows, keys: tuple[str, ...]) -> None:
    """Report a row whose ``keys`` repeat an earlier row's: the second would overwrite the first."""
    seen: dict[tuple, int] = {}
    for index, row in enumerate(items_of(rows)):
        if not isinstance(row, dict):
            continue
        key = tuple(row.get(k) if isinstance(row.get(k), str | int) else repr(row.get(k)) for k in keys)
        if key in seen:
            report.add(
                f"{place}[{index}]",
                _("repeats %(place)s[%(other)d] (same %(keys)s).")
                % {"place": place, "other": seen[key], "keys": ", ".join(keys)},
            )
        else:
            seen[key] = index
