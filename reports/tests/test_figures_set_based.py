"""The 八有 counts of the year figures, computed in SQL for a whole subtree, equal the per-group computation
(``audits.checklists.compute``, the rules of records-format.md) on generated records."""

import pytest
from freezegun import freeze_time
from hypothesis import given, settings
from hypothesis import strategies as st

from audits import checklists
from reports.tests.records import FULL, NOW, WHEN, YEAR, build, group_year_spec
from sessions.tests.factories import StudySessionFactory
from studygroup.models import StudyGroup
from studygroup.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def per_group_counts(groups, year):
    """The former computation: every group's statuses in Python, then counted."""
    results = checklists.compute(groups, year, "bayou")
    counts = {item: sum(1 for s in results.values() if s[item] == checklists.MET) for item in checklists.BAYOU_ITEMS}
    return counts, sum(1 for s in results.values() if all(v == checklists.MET for v in s.values()))


@settings(max_examples=40)
@given(specs=st.lists(group_year_spec, min_size=1, max_size=4))
def test_set_based_bayou_counts_equal_the_per_group_rules(specs):
    with freeze_time(NOW):
        root = OrganizationFactory()
        groups = [build(root, spec) for spec in specs]
        subtree = StudyGroup.objects.filter(organization__path__startswith=root.path)
        assert checklists.bayou_met_counts(subtree, YEAR) == per_group_counts(groups, YEAR)


def test_whitespace_is_what_python_strips():
    assert set(checklists.WHITESPACE) == {chr(code) for code in range(0x110000) if chr(code).isspace()}


@pytest.mark.parametrize("size", [3, 30])
def test_every_item_met_somewhere_at_two_sizes(size):
    """Every group meets every item (the all-met count is the group count), then one item goes missing."""
    with freeze_time(NOW):
        root = OrganizationFactory()
        groups = [build(root, FULL) for _ in range(size)]
        subtree = StudyGroup.objects.filter(organization__path__startswith=root.path)
        assert checklists.bayou_met_counts(subtree, YEAR) == (dict.fromkeys(checklists.BAYOU_ITEMS, size), size)
        StudySessionFactory(group=groups[0], starts_at=WHEN["held"], ends_at=WHEN["held"], minutes="\u3000")
        counts, all_met = checklists.bayou_met_counts(subtree, YEAR)
        assert (counts["minutes"], counts["attendance"], all_met) == (size - 1, size - 1, size - 1)
        assert (counts, all_met) == per_group_counts(groups, YEAR)


def test_aggregates_join_nothing_the_model_ordering_asks_for():
    """``Meta.ordering`` (attendance and seats by person name, submissions by date) adds no join to the year
    figures and no column to a DISTINCT (which would keep duplicates)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports.figures import year_figures

    with freeze_time(NOW):
        root = OrganizationFactory()
        groups = [build(root, spec) for spec in [{**FULL, "visit": "held"}] * 2]
        with CaptureQueriesContext(connection) as figures:
            year_figures(root, YEAR)
        with CaptureQueriesContext(connection) as collected:
            checklists.collect(groups, YEAR)
    assert not [q["sql"] for q in figures.captured_queries if '"studygroup_person"' in q["sql"]]
    distinct = [q["sql"] for q in collected.captured_queries if "SELECT DISTINCT" in q["sql"]]
    assert len(distinct) == 2
    assert not [sql for sql in distinct if "submitted_on" in sql.split(" FROM ")[0] or "path" in sql.split(" FROM ")[0]]
