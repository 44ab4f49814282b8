"""Who may do what in the reports app (loaded by ``ReportsConfig.ready``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from studygroup import access
from studygroup.access import Scope, rule

if TYPE_CHECKING:
    from reports.models import RecordsImport


@rule("reports.records_import")
def _records_import(scope: Scope, records_import: RecordsImport) -> bool:
    """Only the staff of the organization that uploaded a records bundle read its import's progress and result."""
    return scope.holds_at(access.STAFF, records_import.organization_id)


@rule("reports.import_into")
def _import_into(scope: Scope, organization) -> bool:
    """The staff of an organization import records bundles into its subtree from the page."""
    return scope.holds_at(access.STAFF, organization.pk)
