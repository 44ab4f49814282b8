"""Import a records bundle: all or nothing, matched by codes, idempotent, with bulk writes.

Every problem of the document is collected first, with its place in it; only
a bundle without any problem is written, in one transaction.

An import through an organization's page (``root``) may only write records
that belong to that organization's subtree, or new ones inside it; records of
other organizations may be listed (an export lists its ancestors and outside
observers) but only unchanged. It never writes what only someone else may
establish: an approval, the upper level's visits and inspections, other
organizations' people, seats and lectures of people from outside. Every write
is checked against the organization that owns the record it matches; the
checks run as the records are written and any refusal rolls everything back.
Those records come in only through ``manage.py import_records``.

Each record written gets an ``import`` audit entry filed under the
organization that owns it, so the owner reads it in its log.
"""

from reports.bundle.importer.document import BundleError, load
from reports.bundle.importer.writer import Imported, import_bundle

__all__ = ["BundleError", "Imported", "import_bundle", "load"]
