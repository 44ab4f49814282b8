"""Import a valid bundle: every step in one transaction, all or nothing, then its audit entries."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.db import DataError, IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reports import extensions
from reports.bundle import schema
from reports.bundle.importer.audits import AuditSteps
from reports.bundle.importer.base import WriterBase
from reports.bundle.importer.document import (
    BundleError,
    _checklist_items,
    _earliest_year,
    _known,
    database_conflicts,
    load,
)
from reports.bundle.importer.people import PeopleSteps
from reports.bundle.importer.plans import PlanSteps
from reports.bundle.importer.sessions import SessionSteps
from reports.bundle.schema import problem_at
from studygroup import audit, rollup_marks
from studygroup.models import Organization


@dataclass
class Imported:
    """What an import read (records per list of the file) and how many records it created or changed."""

    counts: dict[str, int]
    written: int


def import_bundle(
    raw: bytes | str | dict,
    *,
    root: Organization | None = None,
    by=None,
    ip_address: str | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> Imported:
    """Validate and import. Raise ``BundleError`` and write nothing on any problem.

    ``root``: the organization whose page imports; ``None`` for a system administrator's command.
    """
    document = raw if isinstance(raw, dict) else load(raw)
    report = schema.validate(document, _known(), _checklist_items())
    errors = report.errors or database_conflicts(document)
    if errors:
        raise BundleError(errors)
    progress = progress or (lambda section, count: None)
    with transaction.atomic(), audit.acting(by, ip_address):
        writer = _Writer(document, root=root, by=by)
        try:
            counts = writer.run(progress)
        except (IntegrityError, DataError) as exc:
            raise BundleError(
                [*writer.errors, problem_at("$", _("the records could not be written; nothing was imported."))]
            ) from exc
        if writer.errors:
            raise BundleError(writer.errors)
        written = writer.write_audit(by=by, ip_address=ip_address)
        if written:  # a bundle that changed nothing (a reimport of one's own export) leaves no mark
            _mark_rollups(writer)
    return Imported(counts=counts, written=written)


def _mark_rollups(writer: _Writer) -> None:
    """Mark the figures of every group of the bundle changed, one mark per group and year it may reach (from the
    earliest year of its plans and sessions to this year), in the import's transaction."""
    this_year = timezone.localdate().year
    first = min(_earliest_year(writer.doc), this_year)
    groups = [group.pk for group in getattr(writer, "groups", {}).values()]
    rollup_marks.mark_many(
        (group_id, datetime.date(year, 1, 1)) for group_id in groups for year in range(first, this_year + 1)
    )


class _Writer(PeopleSteps, PlanSteps, SessionSteps, AuditSteps, WriterBase):
    """Write a valid bundle step by step, one step per list of the format, in the order they depend on."""

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
            *extensions.import_steps(self),  # the parts apps above register, written through this writer
        ]
        counts = {}
        for name, step in steps:
            step()
            counts[name] = len(self.list(name))
            progress(name, counts[name])
        return counts
