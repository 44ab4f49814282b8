"""The action list's 待验收 filter: actions reported done that whoever raised them has not yet accepted, the very
set the year summary counts as "(其中待提出人验收N项)" (``selectors.awaiting_acceptance_q``)."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audits.models import Action
from audits.tests.factories import ActionFactory
from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, UserFactory, user_with_role

pytestmark = pytest.mark.django_db

DONE = {"status": Action.Status.DONE, "done_on": datetime.date(2026, 4, 1)}


def county_with_a_mix():
    """A county and a town with one action of each kind, raised in 2026 unless named otherwise."""
    county = OrganizationFactory(name="临江县委")
    town = OrganizationFactory(parent=county, name="城关镇党委")
    group = StudyGroupFactory(organization=town)
    raiser = UserFactory()
    ActionFactory(group=group, problem="未开始事项", raised_by=raiser)
    ActionFactory(group=group, problem="整改中事项", raised_by=raiser, status=Action.Status.IN_PROGRESS)
    ActionFactory(group=group, problem="待验收甲", raised_by=raiser, **DONE)
    ActionFactory(group=StudyGroupFactory(organization=county), problem="待验收乙", raised_by=raiser, **DONE)
    accepted = {"accepted_on": datetime.date(2026, 4, 2), "accepted_by": raiser}
    ActionFactory(group=group, problem="已验收事项", raised_by=raiser, **DONE, **accepted)
    ActionFactory(group=group, problem="导入事项", **DONE)  # nobody in the system raised it: nobody to accept it
    ActionFactory(group=group, problem="去年待验收", raised_by=raiser, raised_on=datetime.date(2025, 5, 1), **DONE)
    return county, town


def listed(page: str) -> list[str]:
    table = page.split('id="actions"')[1].split("</table>")[0]
    return sorted(re.findall(r'<a href="/audits/actions/\d+/">([^<]+)</a>', table))


def test_the_awaiting_filter_lists_exactly_the_done_actions_not_yet_accepted(client):
    county, town = county_with_a_mix()
    client.force_login(user_with_role("staff", county))
    url = reverse("audits:action-list")
    page = client.get(url, {"status": "awaiting", "org": county.pk, "year": 2026}).content.decode()
    assert listed(page) == ["待验收乙", "待验收甲"]
    assert '<option value="awaiting" selected>待验收</option>' in page
    assert page.count(">待验收</span>") == 2  # each row says it awaits acceptance
    town_only = client.get(url, {"status": "awaiting", "org": town.pk, "year": 2026}).content.decode()
    assert listed(town_only) == ["待验收甲"]
    any_year = client.get(url, {"status": "awaiting"}).content.decode()
    assert listed(any_year) == ["去年待验收", "待验收乙", "待验收甲"]


def test_another_organization_gets_nothing_from_the_awaiting_filter(client):
    _county, town = county_with_a_mix()
    client.force_login(user_with_role("staff", OrganizationFactory(name="河西县委")))
    url = reverse("audits:action-list")
    assert client.get(url, {"status": "awaiting", "org": town.pk, "year": 2026}).status_code == 404
    page = client.get(url, {"status": "awaiting"}).content.decode()
    assert listed(page) == [] and "暂无整改事项。" in page


def test_the_awaiting_filter_runs_the_same_queries_at_two_sizes(client):
    county, _town = county_with_a_mix()
    client.force_login(user_with_role("staff", county))
    url = reverse("audits:action-list") + f"?status=awaiting&org={county.pk}&year=2026"

    def count() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context.captured_queries)

    small = count()
    raiser = UserFactory()
    for n in range(6):
        group = StudyGroupFactory(organization=OrganizationFactory(parent=county))
        ActionFactory(group=group, problem=f"新增待验收{n}", raised_by=raiser, **DONE)
    assert count() == small
    unfiltered = reverse("audits:action-list") + f"?org={county.pk}&year=2026"
    with CaptureQueriesContext(connection) as context:
        client.get(unfiltered)
    assert len(context.captured_queries) == small  # the filter adds no query to the list
