"""The action list of a large subtree: a page at a time with its filters kept, a fixed number of queries
whatever the number of actions, nothing of another organization."""

import datetime

import pytest
from django.urls import reverse

from audits.models import Action
from audits.tests.factories import ActionFactory
from audits.views import actions as action_views
from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, user_with_role
from studygroup.tests.querycount import assert_queries

pytestmark = pytest.mark.django_db


def county_with_actions(count: int, name: str = "县"):
    """A county whose town raised ``count`` open actions due on successive days, and one done."""
    county = OrganizationFactory(name=f"{name}委")
    group = StudyGroupFactory(organization=OrganizationFactory(parent=county, name=f"{name}镇"))
    for day in range(count):
        ActionFactory(
            group=group, problem=f"{name}问题{day:02d}", due_on=datetime.date(2026, 4, 1) + datetime.timedelta(day)
        )
    ActionFactory(group=group, problem=f"{name}已整改", status=Action.Status.DONE)
    return county


def problems(page: str) -> list[str]:
    table = page.split('id="actions"')[1].split("</table>")[0]
    return [cell.split("</a>")[0].rsplit(">", 1)[1] for cell in table.split('<td><a href="')[1:]]


@pytest.mark.parametrize("role", ["staff", "viewer"])
def test_the_action_list_runs_a_fixed_number_of_queries_at_two_sizes(client, role, monkeypatch):
    monkeypatch.setattr(action_views, "ACTION_PAGE_SIZE", 5)
    for size in (3, 12):
        county = county_with_actions(size, name=f"S{size}")
        client.force_login(user_with_role(role, county))
        client.get(reverse("audits:action-list"))
        with assert_queries(11):
            page = client.get(reverse("audits:action-list")).content.decode()
        assert len(problems(page)) == min(size + 1, 5)


def test_actions_come_a_page_at_a_time_in_order_with_the_filters_kept(client, monkeypatch):
    monkeypatch.setattr(action_views, "ACTION_PAGE_SIZE", 4)
    county = county_with_actions(6)
    client.force_login(user_with_role("viewer", county))
    url = reverse("audits:action-list")
    first = client.get(url, {"status": "open"}).content.decode()
    assert problems(first) == ["县问题00", "县问题01", "县问题02", "县问题03"]
    assert "第 1 页" in first and "共 2 页" in first and "?status=open&amp;page=2" in first
    second = client.get(url, {"status": "open", "page": 2}).content.decode()
    assert problems(second) == ["县问题04", "县问题05"] and "县已整改" not in second
    # A page past the end shows the last; bad input shows the first.
    assert problems(client.get(url, {"status": "open", "page": 99}).content.decode()) == ["县问题04", "县问题05"]
    assert problems(client.get(url, {"status": "open", "page": "x"}).content.decode())[0] == "县问题00"


def test_another_county_sees_none_of_the_actions(client):
    county_with_actions(3, name="甲")
    other = county_with_actions(1, name="乙")
    client.force_login(user_with_role("staff", other))
    page = client.get(reverse("audits:action-list")).content.decode()
    assert problems(page) == ["乙已整改", "乙问题00"]  # done sorts before open
