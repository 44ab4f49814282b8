"""Hooks through which the apps above ``reports`` add their records to what reports show.

Apps depend one way (DESIGN.md "Apps"): ``reports`` never imports an app above it. An app whose records
belong in the year figures, the records bundle, the dashboard, the monthly digest or the year summary
registers a contributor here from its ``AppConfig.ready``:

* ``register_year_figures(keys=..., compute=fn(organization, year) -> dict)``: figures of the subtree merged
  into ``reports.figures.year_figures`` (the keys placed in the order of records-format.md's table);
* ``register_part(name, label=..., export=fn(organization, year) -> list[dict],
  validate=fn(items, report, known), write=fn(writer, items))``: an optional part of the records bundle. The
  exporter always writes it (empty when there is nothing); the validator checks it when present (``known``:
  the codes the document and the database define, per list); the importer writes it last, in the same
  transaction, through the importer's writer (its ``_create``/``_set``/``_owned`` checks);
* ``register_plan_field(name, export=fn(plans) -> {plan pk: value}, validate=fn(value, report, place),
  write=fn(writer, plan, value, place))``: a key of each ``plans[]`` entry of the records bundle that the
  format names and an app above keeps (``plans[].selfstudy_targets``). Without a registered field the key stays
  empty on export and must be empty on import;
* ``register_tile(name, build=fn(organization, year, figures) -> Tile | None)``: a figure on the dashboard;
* ``register_digest_section(key, title=..., template=..., build=fn(organization, year, month) -> list[dict])``:
  a section of the monthly digest; each item has a ``key`` so staff can leave it out. With
  ``build_many=fn(organizations, year, month) -> {organization pk: list[dict]}`` (the same items, for a chunk of
  organizations in a fixed number of queries: see ``reports.subtrees``) a digest run compiles it set-based;
* ``register_summary_sentences(name, build=fn(organization, year, figures) -> list[str])``: sentences of the
  year summary's part "What was done and achieved".

Registering the same name again replaces the entry (``ready`` may run more than once in tests).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FigureContributor:
    name: str
    keys: tuple[str, ...]
    compute: Callable[[Any, int], dict]


@dataclass(frozen=True)
class BundlePart:
    name: str
    label: Any
    export: Callable[[Any, int | None], list[dict]]
    validate: Callable[[list, Any, dict[str, set[str]]], None]
    write: Callable[[Any, list[dict]], None]


@dataclass(frozen=True)
class PlanField:
    name: str
    export: Callable[[list], dict[int, Any]]
    validate: Callable[[Any, Any, str], None]
    write: Callable[[Any, Any, Any, str], None]


@dataclass(frozen=True)
class Tile:
    """One figure of the dashboard: what it counts, its value as shown, and the records behind it."""

    label: Any
    value: str
    url: str
    detail: str = ""


@dataclass(frozen=True)
class TileSource:
    name: str
    build: Callable[[Any, int, dict], Tile | None]


@dataclass(frozen=True)
class DigestSection:
    key: str
    title: Any
    template: str
    build: Callable[[Any, int, int], list[dict]]
    build_many: Callable[[Any, int, int], dict[int, list[dict]]] | None = None


@dataclass(frozen=True)
class SentenceSource:
    name: str
    build: Callable[[Any, int, dict], list[str]]


YEAR_FIGURES: dict[str, FigureContributor] = {}
BUNDLE_PARTS: dict[str, BundlePart] = {}
PLAN_FIELDS: dict[str, PlanField] = {}
TILES: dict[str, TileSource] = {}
DIGEST_SECTIONS: dict[str, DigestSection] = {}
SUMMARY_SENTENCES: dict[str, SentenceSource] = {}


# Year figures -----------------------------------------------------------------------------------


def register_year_figures(*, name: str, keys: list[str], compute: Callable[[Any, int], dict]) -> None:
    YEAR_FIGURES[name] = FigureContributor(name, tuple(keys), compute)


def figure_keys() -> list[str]:
    """Every key the contributors add, in the order they registered."""
    return [key for contributor in YEAR_FIGURES.values() for key in contributor.keys]


def year_figures(organization, year: int) -> dict:
    """The contributors' figures of ``organization``'s subtree for ``year``; each gives exactly its keys."""
    figures: dict = {}
    for contributor in YEAR_FIGURES.values():
        values = contributor.compute(organization, year)
        if set(values) != set(contributor.keys):
            raise ValueError(f"The year figures of {contributor.name} must have the keys {contributor.keys}.")
        figures.update(values)
    return figures


# Records bundle ---------------------------------------------------------------------------------


def register_part(
    name: str,
    *,
    label,
    export: Callable[[Any, int | None], list[dict]],
    validate: Callable[[list, Any, dict[str, set[str]]], None],
    write: Callable[[Any, list[dict]], None],
) -> None:
    BUNDLE_PARTS[name] = BundlePart(name, label, export, validate, write)


def bundle_parts() -> list[BundlePart]:
    return list(BUNDLE_PARTS.values())


def import_steps(writer) -> list[tuple[str, Callable[[], None]]]:
    """The importer's steps for the registered parts: each part writes its items through ``writer``."""
    return [(part.name, lambda part=part: part.write(writer, writer.list(part.name))) for part in BUNDLE_PARTS.values()]


def export_parts(organization, year: int | None, names: tuple[str, ...]) -> dict[str, list[dict]]:
    """Every optional part of the format (``names``) and every registered part: registered ones exported, the
    others empty (records-format.md: an export always writes them)."""
    return {
        name: BUNDLE_PARTS[name].export(organization, year) if name in BUNDLE_PARTS else []
        for name in dict.fromkeys([*names, *BUNDLE_PARTS])
    }


def register_plan_field(
    name: str,
    *,
    export: Callable[[list], dict[int, Any]],
    validate: Callable[[Any, Any, str], None],
    write: Callable[[Any, Any, Any, str], None],
) -> None:
    PLAN_FIELDS[name] = PlanField(name, export, validate, write)


def plan_field_values(plans: list) -> dict[str, dict[int, Any]]:
    """Each registered plan field's exported value per plan pk (each field reads all the plans at once)."""
    return {name: field.export(plans) for name, field in PLAN_FIELDS.items()}


def plan_fields_of(values: dict[str, dict[int, Any]], plan) -> dict[str, Any]:
    """The registered fields of one exported plan entry (a plan a field has nothing for is left as it is)."""
    return {name: by_plan[plan.pk] for name, by_plan in values.items() if plan.pk in by_plan}


def write_plan_fields(writer, place: str, plan, item: dict) -> None:
    """Write the registered fields a ``plans[]`` entry carries, through the importer's writer."""
    for name, field in PLAN_FIELDS.items():
        if item.get(name) is not None:
            field.write(writer, plan, item[name], f"{place}.{name}")


# Dashboard, digest, year summary ----------------------------------------------------------------


def register_tile(name: str, *, build: Callable[[Any, int, dict], Tile | None]) -> None:
    TILES[name] = TileSource(name, build)


def dashboard_tiles(organization, year: int, figures: dict) -> list[Tile]:
    tiles = (source.build(organization, year, figures) for source in TILES.values())
    return [tile for tile in tiles if tile is not None]


def register_digest_section(
    key: str,
    *,
    title,
    template: str,
    build: Callable[[Any, int, int], list[dict]],
    build_many: Callable[[Any, int, int], dict[int, list[dict]]] | None = None,
) -> None:
    DIGEST_SECTIONS[key] = DigestSection(key, title, template, build, build_many)


def digest_section_keys() -> list[str]:
    return list(DIGEST_SECTIONS)


def digest_content(organization, year: int, month: int) -> dict[str, list[dict]]:
    """The registered sections of the digest of ``organization``'s subtree for the month, by key."""
    return {key: section.build(organization, year, month) for key, section in DIGEST_SECTIONS.items()}


def digest_content_many(organizations, year: int, month: int) -> dict[int, dict[str, list[dict]]]:
    """``digest_content`` of each of ``organizations`` (a chunk of a digest run), by organization id: a section
    registered with ``build_many`` in its fixed number of queries, another one organization at a time."""
    contents: dict[int, dict[str, list[dict]]] = {organization.pk: {} for organization in organizations}
    for key, section in DIGEST_SECTIONS.items():
        if section.build_many is not None:
            items = section.build_many(organizations, year, month)
            for organization in organizations:
                contents[organization.pk][key] = items[organization.pk]
        else:
            for organization in organizations:
                contents[organization.pk][key] = section.build(organization, year, month)
    return contents


def digest_sections(content: dict) -> list[dict]:
    """The registered sections present in a digest's stored content, as the digest's templates show them."""
    return [
        {"key": key, "title": section.title, "template": section.template, "items": content[key]}
        for key, section in DIGEST_SECTIONS.items()
        if key in content
    ]


def register_summary_sentences(name: str, *, build: Callable[[Any, int, dict], list[str]]) -> None:
    SUMMARY_SENTENCES[name] = SentenceSource(name, build)


def summary_sentences(organization, year: int, figures: dict) -> list[str]:
    return [sentence for source in SUMMARY_SENTENCES.values() for sentence in source.build(organization, year, figures)]
