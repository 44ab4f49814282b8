"""Odd ids and years in the audits addresses, query strings and forms answer 404, 400 or a form error, never 500."""

import pytest
from django.urls import reverse

from audits.models import InspectionVerdict
from audits.tests.factories import ChecklistItemFactory
from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, user_with_role

pytestmark = pytest.mark.django_db
HUGE = "9" * 30


@pytest.fixture
def inspected():
    county = OrganizationFactory()
    group = StudyGroupFactory(organization=OrganizationFactory(parent=county))
    item = ChecklistItemFactory(code="plan")
    return group, item, user_with_role("inspector", county)


@pytest.mark.parametrize("item", ["abc", "", "1.5", "-3", HUGE, "1e3"])
def test_a_verdict_for_an_item_id_that_is_not_a_number_changes_nothing(client, inspected, item):
    group, _item, inspector = inspected
    client.force_login(inspector)
    url = reverse("audits:group-checklist", args=[group.pk, 2026, "bayou"])
    response = client.post(url, {"item": item, "verdict": "pass", "comment": ""})
    assert response.status_code in (302, 404)
    assert InspectionVerdict.objects.count() == 0


def test_a_verdict_for_a_real_item_is_recorded(client, inspected):
    group, item, inspector = inspected
    client.force_login(inspector)
    url = reverse("audits:group-checklist", args=[group.pk, 2026, "bayou"])
    client.post(url, {"item": str(item.pk), "verdict": "pass", "comment": ""})
    assert list(InspectionVerdict.objects.values_list("item_id", "verdict")) == [(item.pk, "pass")]


@pytest.mark.parametrize("year", [0, 1999, 2101, 99999, int(HUGE)])
def test_years_out_of_range_in_addresses_are_not_found(client, inspected, year):
    group, _item, inspector = inspected
    client.force_login(inspector)
    for name in ("audits:group-checklist", "audits:inspection-action"):
        assert (
            client.get(f"/audits/groups/{group.pk}/{year}/bayou/" + ("action/" if "action" in name else "")).status_code
            == 404
        )


@pytest.mark.parametrize(
    "path",
    [
        f"/audits/visits/{HUGE}/",
        f"/audits/actions/{HUGE}/",
        f"/audits/draws/{HUGE}/",
        f"/audits/groups/{HUGE}/2026/bayou/",
        f"/audits/research/{HUGE}/action/",
        f"/audits/invite/{HUGE}/",
    ],
)
def test_huge_ids_in_addresses_are_not_found(client, inspected, path):
    client.force_login(inspected[2])
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        f"?org={HUGE}",
        "?org=abc",
        "?year=abc",
        f"?year={HUGE}",
        "?year=-1",
        "?status=nonsense",
        "?page=abc",
        f"?page={HUGE}",
        "?checklist=nonsense",
        "?item=plan&status=nonsense",
        "?mine=abc",
    ],
)
def test_odd_query_strings_never_answer_500(client, query):
    county = OrganizationFactory()
    StudyGroupFactory(organization=OrganizationFactory(parent=county))
    client.force_login(user_with_role("staff", county))
    for name in (
        "audits:coverage",
        "audits:planning",
        "audits:invitations",
        "audits:action-list",
        "audits:compliance",
        "audits:compliance-xlsx",
        "audits:rules",
        "audits:my-visits",
    ):
        assert client.get(reverse(name) + query).status_code in (200, 404), (name, query)


@pytest.mark.parametrize("value", ["abc", HUGE, "-1", ""])
def test_odd_ids_in_planning_forms_are_form_errors(client, value):
    county = OrganizationFactory()
    StudyGroupFactory(organization=OrganizationFactory(parent=county))
    client.force_login(user_with_role("staff", county))
    for body in (
        {"form": "assign", "session": value, "observer": value},
        {"form": "pool", "person": value},
        {"form": "cross", "first": value, "second": value, "observer_of_first": value, "observer_of_second": value},
        {"form": "draw", "date_from": value, "date_to": value, "count": value, "request_key": value},
        {"form": value},
    ):
        assert client.post(reverse("audits:planning"), {**body, "org": county.pk}).status_code == 200, body
