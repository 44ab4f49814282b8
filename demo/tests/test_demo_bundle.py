"""The demo survives the records bundle: exported, imported into an empty database and exported again, unchanged."""

import importlib
import json
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from reports.bundle.exporter import export
from reports.bundle.importer import import_bundle
from studygroup.models import Organization


@pytest.mark.django_db(transaction=True)
def test_demo_export_import_export_is_identical():
    # Transactional: emptying the database (TRUNCATE on PostgreSQL) cannot run inside the test's transaction.
    call_command("seed_demo", stdout=StringIO())
    first = export(Organization.objects.get(code="lj"))
    _empty_database()
    import_bundle(json.dumps(first, ensure_ascii=False))
    assert export(Organization.objects.get(code="lj")) == first


def _empty_database():
    call_command("flush", interactive=False, verbosity=0)
    seed = importlib.import_module("audits.migrations.0002_checklists")
    seed.seed(apps, None)
