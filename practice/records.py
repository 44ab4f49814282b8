"""The practice app's parts of the records bundle (records-format.md): ``selfstudy`` entries and
``plans[].selfstudy_targets``, exported, validated and imported through ``reports.extensions``.

An entry carries ``person``, ``kind``, ``on``, ``title`` and an optional ``note`` (its file and research topic stay
in the deployment); it is the same entry when person, kind, date and title are. Targets are
``{kind: {"per": ..., "count": ...}}``; a bundle sets the kinds it names and leaves the others as they are.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from practice.models import KIND_ORDER, Per, SelfStudyEntry, SelfStudyKind, SelfStudyTarget
from reports import extensions
from reports.bundle.schema import YEARS, parse_date, shown

ENTRY_KEYS = ("person", "kind", "on", "title", "note")
TITLE_LENGTH = SelfStudyEntry._meta.get_field("title").max_length


# plans[].selfstudy_targets ---------------------------------------------------------------------


def export_targets(plans: list) -> dict[int, dict]:
    """Every plan's targets in the format's shape, in one query (a plan without targets has ``{}``)."""
    found: dict[int, dict] = {plan.pk: {} for plan in plans}
    rows = SelfStudyTarget.objects.filter(plan__in=plans).values_list("plan_id", "kind", "per", "count")
    for plan_id, kind, per, count in sorted(rows, key=lambda row: (row[0], KIND_ORDER.index(row[1]))):
        found[plan_id][kind] = {"per": per, "count": count}
    return found


def validate_targets(value, report, where: str) -> None:
    if not isinstance(value, dict):
        report.add(where, _('must be an object of self-study kind → {"per": ..., "count": ...}.'))
        return
    for kind, target in value.items():
        place = f"{where}.{kind}"
        if kind not in SelfStudyKind.values:
            report.add(place, _("unknown key."))
        elif not isinstance(target, dict) or set(target) != {"per", "count"}:
            report.add(place, _('must be {"per": month|quarter|year, "count": a whole number}.'))
        elif target["per"] not in Per.values:
            report.add(
                f"{place}.per",
                _("%(value)s is not one of %(choices)s.")
                % {"value": shown(target["per"]), "choices": ", ".join(Per.values)},
            )
        elif (
            not isinstance(target["count"], int) or isinstance(target["count"], bool) or not 1 <= target["count"] <= 99
        ):
            report.add(
                f"{place}.count",
                _("must be a whole number from %(low)d to %(high)d, not %(value)s.")
                % {"low": 1, "high": 99, "value": shown(target["count"])},
            )


def write_targets(writer, plan, value: dict, place: str) -> None:
    current = {target.kind: target for target in SelfStudyTarget.objects.filter(plan=plan)}
    owner = plan.group.organization
    for kind, target in value.items():
        values = {"per": target["per"], "count": target["count"]}
        record = _("%(kind)s “%(name)s”") % {
            "kind": SelfStudyTarget._meta.verbose_name,
            "name": f"{plan.group.code} {plan.year} {kind}",
        }
        if kind in current:
            writer._set(f"{place}.{kind}", current[kind], values, lambda _target, owner=owner: owner, record)
        else:
            writer._create(f"{place}.{kind}", SelfStudyTarget(plan=plan, kind=kind, **values), owner, record)


# selfstudy -----------------------------------------------------------------------------------


def export_entries(organization, year: int | None) -> list[dict]:
    """The entries of the subtree's people (of the year, if given), in a stable order."""
    entries = SelfStudyEntry.objects.filter(person__organization__path__startswith=organization.path)
    if year:
        entries = entries.filter(on__year=year)
    return [
        {"person": code, "kind": kind, "on": on.isoformat(), "title": title, "note": note or None}
        for code, kind, on, title, note in entries.order_by("person__code", "on", "kind", "title", "pk").values_list(
            "person__code", "kind", "on", "title", "note"
        )
    ]


def validate_entries(items: list, report, known: dict[str, set[str]]) -> None:
    seen: dict[tuple, int] = {}
    for index, item in enumerate(items):
        place = f"selfstudy[{index}]"
        if not isinstance(item, dict):
            report.add(place, _("must be an object."))
            continue
        for key in item:
            if key not in ENTRY_KEYS:
                report.add(f"{place}.{key}", _("unknown key."))
        for key in ("person", "kind", "on", "title"):
            if item.get(key) is None:
                report.add(f"{place}.{key}", _("is required."))
        _check_entry_values(report, place, item, known)
        key = tuple(item.get(k) if isinstance(item.get(k), str) else repr(item.get(k)) for k in ENTRY_KEYS[:4])
        if key in seen:
            report.add(
                place,
                _("repeats %(place)s[%(other)d] (same %(keys)s).")
                % {"place": "selfstudy", "other": seen[key], "keys": ", ".join(ENTRY_KEYS[:4])},
            )
        else:
            seen[key] = index


def _check_entry_values(report, place: str, item: dict, known: dict[str, set[str]]) -> None:
    person, kind, on, title, note = (item.get(key) for key in ENTRY_KEYS)
    if person is not None and (not isinstance(person, str) or person not in known.get("people", set())):
        report.add(f"{place}.person", _("unknown code %(code)s.") % {"code": shown(person)})
    if kind is not None and kind not in SelfStudyKind.values:
        report.add(
            f"{place}.kind",
            _("%(value)s is not one of %(choices)s.")
            % {"value": shown(kind), "choices": ", ".join(SelfStudyKind.values)},
        )
    if on is not None and parse_date(on) is None:
        report.add(
            f"{place}.on",
            _("not a date (YYYY-MM-DD) between the years %(low)d and %(high)d: %(value)s.")
            % {"low": YEARS[0], "high": YEARS[1], "value": shown(on)},
        )
    if title is not None:
        if not isinstance(title, str) or not title.strip():
            report.add(f"{place}.title", _("must be a non-empty text."))
        elif len(title) > TITLE_LENGTH:
            report.add(f"{place}.title", _("is too long (at most %(count)d characters).") % {"count": TITLE_LENGTH})
        elif "\x00" in title:
            report.add(f"{place}.title", _("contains a NUL character."))
    if note is not None and (not isinstance(note, str) or "\x00" in note):
        report.add(
            f"{place}.note", _("must be a text.") if not isinstance(note, str) else _("contains a NUL character.")
        )


def write_entries(writer, items: list[dict]) -> None:
    for index, item in enumerate(items):
        place = f"selfstudy[{index}]"
        person = writer._person(item["person"])
        if writer.root is not None and not writer._person_inside(f"{place}.person", person):
            continue
        on, title = parse_date(item["on"]), item["title"]
        record = _("%(kind)s “%(name)s”") % {
            "kind": SelfStudyEntry._meta.verbose_name,
            "name": f"{person.code} {title}",
        }
        current = SelfStudyEntry.objects.filter(person=person, kind=item["kind"], on=on, title=title).first()
        note = item.get("note") or ""
        if current is None:
            entry = SelfStudyEntry(person=person, kind=item["kind"], on=on, title=title, note=note)
            writer._create(place, entry, person.organization, record)
        else:
            writer._set(place, current, {"note": note}, lambda entry: entry.person.organization, record)


def register() -> None:
    extensions.register_part(
        "selfstudy",
        label=gettext_lazy("Bundle part: self-study entries"),
        export=export_entries,
        validate=validate_entries,
        write=write_entries,
    )
    extensions.register_plan_field(
        "selfstudy_targets", export=export_targets, validate=validate_targets, write=write_targets
    )
