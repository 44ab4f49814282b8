"""The benchmark's data generator builds what it promises."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from freezegun import freeze_time

from reports.figures import year_figures
from studygroup.models import Organization

pytestmark = pytest.mark.django_db


def test_generate_load_builds_a_four_level_tree_with_its_records():
    out = StringIO()
    year = timezone.localdate().year
    call_command("generate_load", "--groups", "30", "--years", "1", "--seed", "7", stdout=out, stderr=StringIO())
    root = Organization.objects.get(code=out.getvalue().strip().rsplit(" ", 1)[-1])
    assert set(Organization.objects.filter(path__startswith=root.path).values_list("depth", flat=True)) == {1, 2, 3, 4}
    with freeze_time(f"{year}-12-31 12:00:00+08:00"):  # every generated session held
        figures = year_figures(root, year)
    assert figures["groups"] == 30
    assert figures["sessions"] == 30 * 16
    assert 0.8 < figures["attendance_rate"] < 1
    assert figures["notes"] == figures["reflections"] == 30 * 14
    assert figures["observer_visits"] > 0 and figures["actions"] == figures["observer_visits"]
