"""The SQL form of 八有 and 七有 (``checklists.status_conditions``) gives every group the status the per-group
rules (``checklists.compute``) give it, item by item, on generated records."""

import pytest
from freezegun import freeze_time
from hypothesis import given, settings
from hypothesis import strategies as st

from audits import checklists
from reports.tests.records import (
    APPROVED,
    EXTRAS,
    FULL,
    NOW,
    SEATED,
    TEXTS,
    WHEN,
    WRITINGS,
    YEAR,
    build,
    group_year_spec,
)
from studygroup.models import StudyGroup
from studygroup.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def statuses_in_sql(groups, checklist: str) -> dict[int, dict[str, str]]:
    """Group id → item → status, by filtering the groups on each status's condition."""
    found: dict[int, dict[str, str]] = {group.pk: {} for group in groups}
    queryset = StudyGroup.objects.filter(pk__in=[group.pk for group in groups])
    for item, conditions in checklists.status_conditions(checklist, YEAR).items():
        for status in (checklists.MET, checklists.PARTIAL, checklists.MISSING):
            condition = conditions.status_q(status)
            if condition is None:
                continue
            for group_id in queryset.filter(condition).values_list("pk", flat=True):
                assert item not in found[group_id], (group_id, item, "two statuses")
                found[group_id][item] = status
    return found


@settings(max_examples=60)
@given(specs=st.lists(group_year_spec, min_size=1, max_size=3))
def test_sql_statuses_equal_the_per_group_rules(specs):
    with freeze_time(NOW):
        root = OrganizationFactory()
        groups = [build(root, spec) for spec in specs]
        for checklist in ("bayou", "qiyou"):
            assert statuses_in_sql(groups, checklist) == checklists.compute(groups, YEAR, checklist), checklist


def test_a_checklist_without_rules_has_no_sql_conditions():
    assert checklists.status_conditions("custom", YEAR) == {}
    assert checklists.Conditions(met=checklists.Q(pk=1)).status_q("unknown") is None


def edge_specs() -> list[dict]:
    """One group per value of each field of the spec, the others as in ``FULL``: every edge at least once."""
    specs = [
        {**FULL, "plan": plan, "approved": approved, "filed": filed}
        for plan in (None, "draft", "submitted", "approved")
        for approved in (None, *APPROVED)
        for filed in (False, True)
    ]
    specs += [
        {**FULL, "sessions": [(when, text, text, attended, {extra} if extra else set())]}
        for when in WHEN
        for text in TEXTS
        for attended, extra in ((True, None), (False, "plan_file"))
    ]
    specs += [{**FULL, "sessions": [("held", "记录", "方案", True, {extra})]} for extra in EXTRAS]
    specs += [{**FULL, "sessions": [*FULL["sessions"], ("held", "记录", "", True, {extra})]} for extra in EXTRAS]
    specs += [
        {**FULL, "seats": [("member", seated, {writing}), ("secretary", "whole_year", set())]}
        for seated in SEATED
        for writing in WRITINGS
    ]
    # Some but not all: a second session with nothing, a second member who wrote nothing.
    specs.append({**FULL, "sessions": [*FULL["sessions"], ("held", "", "", False, set())]})
    specs.append({**FULL, "seats": [*FULL["seats"], ("deputy", "whole_year", set())]})
    specs += [{**FULL, "visit": visit, "inspection": None} for visit in (None, "held", "ahead", "last_year")]
    specs += [{**FULL, "summary": summary, "rules": False} for summary in (None, "final", "draft")]
    return specs


def test_sql_statuses_equal_the_per_group_rules_at_every_edge():
    with freeze_time(NOW):
        root = OrganizationFactory()
        groups = [build(root, spec) for spec in edge_specs()]
        for checklist in ("bayou", "qiyou"):
            sql, python = statuses_in_sql(groups, checklist), checklists.compute(groups, YEAR, checklist)
            assert sql == python, checklist
            # Every status of every item shows up somewhere among the edges (met, partial where it exists, missing).
            for item, conditions in checklists.status_conditions(checklist, YEAR).items():
                seen = {statuses[item] for statuses in python.values()}
                expected = {"met", "missing"} | ({"partial"} if conditions.partial is not None else set())
                assert seen == expected, (checklist, item, seen)
