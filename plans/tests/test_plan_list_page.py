"""The plan list of a large subtree: plans counted per child organization in SQL (a drill-down), groups a page
at a time with their plans, a fixed number of queries whatever the size, nothing of another organization."""

import re

import pytest
from django.urls import reverse

from plans import views as plan_views
from plans.tests.factories import PlanTopicFactory, StudyPlanFactory
from studygroup.models import Organization
from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, user_with_role
from studygroup.tests.querycount import assert_queries

pytestmark = pytest.mark.django_db
YEAR = 2026


def city_with_plans(towns_per_county: int, name: str = "市"):
    """A city (with its own group) and two counties of ``towns_per_county`` towns; in each county the first town
    has an approved plan of the year with two topics, the second a draft, the others none."""
    city = OrganizationFactory(kind=Organization.Kind.CITY, name=f"{name}委")
    StudyGroupFactory(organization=city)
    counties = [OrganizationFactory(parent=city, kind="county", name=f"{name}县{c}") for c in range(2)]
    for county in counties:
        for t in range(towns_per_county):
            group = StudyGroupFactory(organization=OrganizationFactory(parent=county, name=f"{county.name}镇{t}"))
            if t == 0:
                plan = StudyPlanFactory(group=group, year=YEAR, status="approved")
                PlanTopicFactory.create_batch(2, plan=plan)
            elif t == 1:
                StudyPlanFactory(group=group, year=YEAR, status="draft")
    return city, counties


def figure(page: str, name: str) -> str:
    return page.split(f'id="{name}">')[1].split("<")[0]


def towns_listed(page: str) -> list[str]:
    table = page.split('id="plans"')[1].split("</table>")[0]
    return re.findall(r"\w县\d镇\d+", table)


def plan_list(client, **query) -> str:
    return client.get(reverse("plans:plan-list"), {"year": YEAR, **query}).content.decode()


@pytest.mark.parametrize(
    ("role", "level", "queries"), [("staff", "city", 16), ("viewer", "city", 15), ("leader", "county", 15)]
)
def test_the_plan_list_runs_a_fixed_number_of_queries_at_two_sizes(client, role, level, queries):
    for size in (2, 7):
        city, counties = city_with_plans(size, name=f"S{size}")
        place = city if level == "city" else counties[0]
        client.force_login(user_with_role(role, place))
        plan_list(client)
        with assert_queries(queries):
            page = plan_list(client)
        groups = 1 + 2 * size if level == "city" else size
        approved = 2 if level == "city" else 1
        assert (figure(page, "groups"), figure(page, "approved")) == (str(groups), str(approved))
        # Drafts below one's own organization are not read: those groups count as not filed.
        assert figure(page, "not-filed") == str(groups - approved)
        assert len(towns_listed(page)) == groups - (1 if level == "city" else 0)


def test_figures_by_child_organization_link_down_and_groups_come_a_page_at_a_time(client, monkeypatch):
    monkeypatch.setattr(plan_views, "PLAN_PAGE_SIZE", 4)
    city, counties = city_with_plans(3)
    client.force_login(user_with_role("viewer", city))
    page = plan_list(client)
    assert (figure(page, "groups"), figure(page, "approved"), figure(page, "not-filed")) == ("7", "2", "5")
    table = page.split('id="plans-by-organization"')[1].split("</table>")[0]
    assert "市委(本级中心组)" in table.split("</tr>")[1] and f"?org={city.pk}&" not in table
    for county in counties:
        link = f'<a href="?org={county.pk}&amp;year={YEAR}">{county.name}</a>'
        assert link in table
        row = table.split(link)[1].split("</tr>")[0]
        assert re.findall(r">(\d+)</td>", row) == ["3", "1", "2"]
    # Four groups a page in tree order (the city's own first), the rest on the next page.
    assert towns_listed(page) == ["市县0镇0", "市县0镇1", "市县0镇2"] and "第 1 页" in page and "共 2 页" in page
    second = plan_list(client, page=2)
    assert towns_listed(second) == ["市县1镇0", "市县1镇1", "市县1镇2"] and figure(second, "groups") == "7"
    # The approved plan links to its page with its topics counted; the draft's group shows as not filed.
    assert second.count('data-plan="not-filed"') == 2 and ">2</td>" in second.split("市县1镇0")[1].split("</tr>")[0]
    # The drill-down: one county's groups and figures only, with the way back up.
    county = plan_list(client, org=counties[1].pk)
    assert figure(county, "groups") == "3" and "市县0镇" not in county
    assert f'href="?org={city.pk}&amp;year={YEAR}"' in county.split('id="trail"')[1]


def test_the_town_office_reads_its_own_draft_in_the_list(client):
    city_with_plans(2)
    client.force_login(user_with_role("staff", Organization.objects.get(name="市县0镇1")))
    page = plan_list(client)
    assert figure(page, "groups") == "1" and figure(page, "not-filed") == "0"
    assert towns_listed(page) == ["市县0镇1"] and "草稿" in page and 'data-plan="not-filed"' not in page


def test_a_viewer_of_another_city_sees_none_of_its_plans(client):
    city, counties = city_with_plans(2, name="甲")
    other, _ = city_with_plans(1, name="乙")
    client.force_login(user_with_role("viewer", other))
    page = plan_list(client)
    assert "甲县" not in page and figure(page, "groups") == "3"
    for place in (city, counties[0]):
        assert client.get(reverse("plans:plan-list"), {"org": place.pk, "year": YEAR}).status_code == 404
