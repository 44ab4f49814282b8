"""The streamed export (``export_records`` and the page's download) writes byte for byte what the former export
wrote for the same records: the demo data, exported whole, for a year and for a town, in chunks small enough that
every list crosses chunk boundaries."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from reports.bundle import exporter
from studygroup.models import Organization
from studygroup.tests.factories import user_with_role
from tests import old_exporter

pytestmark = pytest.mark.django_db


def former(code: str, year: int | None) -> str:
    return json.dumps(old_exporter.export(Organization.objects.get(code=code), year), ensure_ascii=False, indent=2)


@pytest.fixture
def demo():
    call_command("seed_demo", stdout=StringIO())


@pytest.mark.parametrize("chunk", [3, exporter.CHUNK])
def test_the_command_writes_what_the_former_export_wrote_for_the_demo(demo, monkeypatch, chunk):
    monkeypatch.setattr(exporter, "CHUNK", chunk)
    for code, year in [("lj", None), ("lj", 2026), ("lj-qh-bs", None), ("lj-qh", 2025)]:
        out = StringIO()
        call_command("export_records", "--org", code, *(["--year", str(year)] if year else []), stdout=out)
        assert out.getvalue() == former(code, year) + "\n", (code, year)


def test_the_page_streams_what_the_former_export_wrote_for_the_demo(demo, client, monkeypatch):
    monkeypatch.setattr(exporter, "CHUNK", 4)
    county = Organization.objects.get(code="lj-qh")
    client.force_login(user_with_role("staff", county))
    response = client.get(reverse("reports:records"), {"org": county.pk, "download": "1"})
    assert response.streaming
    assert b"".join(response.streaming_content) == former("lj-qh", None).encode()
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
