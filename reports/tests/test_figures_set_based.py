"""The 八有 counts of the year figures, computed in SQL for a whole subtree, equal the per-group computation
(``audits.checklists.compute``, the rules of records-format.md) on generated records."""

import datetime

import pytest
from freezegun import freeze_time
from hypothesis import given, settings
from hypothesis import strategies as st

from audits import checklists
from audits.tests.factories import InspectionFactory, ObserverVisitFactory, RulesDocumentFactory, YearSummaryFactory
from plans.tests.factories import StudyPlanFactory
from sessions.tests.factories import AttendanceFactory, StudySessionFactory, SubmissionFactory
from studygroup.models import StudyGroup
from studygroup.tests.factories import MembershipFactory, OrganizationFactory, StudyGroupFactory

pytestmark = pytest.mark.django_db
YEAR = 2026
NOW = "2026-07-01 08:00:00"
WHEN = {
    "held": datetime.datetime(YEAR, 3, 10, 1, tzinfo=datetime.UTC),
    "ahead": datetime.datetime(YEAR, 10, 10, 1, tzinfo=datetime.UTC),
    "last_year": datetime.datetime(YEAR - 1, 5, 10, 1, tzinfo=datetime.UTC),
}
SEATED = {
    "whole_year": (datetime.date(YEAR - 1, 1, 1), None),
    "ended_before": (datetime.date(YEAR - 2, 1, 1), datetime.date(YEAR - 1, 12, 31)),
    "from_next_year": (datetime.date(YEAR + 1, 1, 1), None),
    "left_in_june": (datetime.date(YEAR, 2, 1), datetime.date(YEAR, 6, 30)),
}
WRITINGS = {
    "notes": ("notes", "submitted", datetime.date(YEAR, 4, 1)),
    "reflection": ("reflection", "approved", datetime.date(YEAR, 5, 1)),
    "draft_notes": ("notes", "draft", datetime.date(YEAR, 4, 1)),
    "old_reflection": ("reflection", "submitted", datetime.date(YEAR - 1, 11, 1)),
}

# A group meeting every item.
FULL = {
    "rules": True,
    "plan": "approved",
    "sessions": [("held", "记录", True)],
    "seats": [("member", "whole_year", {"notes", "reflection"})],
    "visit": None,
    "inspection": YEAR,
    "summary": "final",
}

group_spec = st.fixed_dictionaries(
    {
        "rules": st.booleans(),
        "plan": st.sampled_from([None, "draft", "submitted", "approved"]),
        # (when, minutes, has attendance rows)
        "sessions": st.lists(
            st.tuples(
                st.sampled_from(list(WHEN)),
                st.sampled_from(["", " ", "\u3000\n", "\xa0", "记录", " 记录 "]),
                st.booleans(),
            ),
            max_size=3,
        ),
        # (role, seated when, what they wrote)
        "seats": st.lists(
            st.tuples(
                st.sampled_from(["leader", "deputy", "member", "secretary"]),
                st.sampled_from(list(SEATED)),
                st.sets(st.sampled_from(list(WRITINGS))),
            ),
            max_size=3,
        ),
        "visit": st.sampled_from([None, "held", "ahead", "last_year"]),
        "inspection": st.sampled_from([None, YEAR, YEAR - 1]),
        "summary": st.sampled_from([None, "final", "draft"]),
    }
)


def build(root, spec) -> StudyGroup:
    group = StudyGroupFactory(organization=OrganizationFactory(parent=root))
    if spec["rules"]:
        RulesDocumentFactory(organization=group.organization)
    if spec["plan"]:
        StudyPlanFactory(group=group, year=YEAR, status=spec["plan"])
    sessions = []
    for when, minutes, attended in spec["sessions"]:
        starts = WHEN[when]
        session = StudySessionFactory(
            group=group, starts_at=starts, ends_at=starts + datetime.timedelta(hours=2), minutes=minutes
        )
        if attended:
            AttendanceFactory(session=session)
        sessions.append(session)
    for role, seated, writings in spec["seats"]:
        start_on, end_on = SEATED[seated]
        person = MembershipFactory(group=group, role=role, start_on=start_on, end_on=end_on).person
        for writing in writings:
            kind, status, on = WRITINGS[writing]
            SubmissionFactory(group=group, person=person, kind=kind, status=status, submitted_on=on)
    if spec["visit"]:
        starts = WHEN[spec["visit"]]
        ObserverVisitFactory(
            session=StudySessionFactory(group=group, starts_at=starts, ends_at=starts + datetime.timedelta(hours=2))
        )
    if spec["inspection"]:
        InspectionFactory(group=group, year=spec["inspection"])
    if spec["summary"]:
        YearSummaryFactory(group=group, year=YEAR, is_final=spec["summary"] == "final")
    return group


def per_group_counts(groups, year):
    """The former computation: every group's statuses in Python, then counted."""
    results = checklists.compute(groups, year, "bayou")
    counts = {item: sum(1 for s in results.values() if s[item] == checklists.MET) for item in checklists.BAYOU_ITEMS}
    return counts, sum(1 for s in results.values() if all(v == checklists.MET for v in s.values()))


@settings(max_examples=40)
@given(specs=st.lists(group_spec, min_size=1, max_size=4))
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
