"""The organizations page: a page of the tree at a time, each organization with the members seated today in its
group (counted for that page only), a fixed number of queries whatever the size of the tree."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from studygroup import views as core_views
from studygroup.tests.factories import MembershipFactory, OrganizationFactory, StudyGroupFactory, user_with_role
from studygroup.tests.querycount import assert_queries

pytestmark = pytest.mark.django_db


def county_with_towns(towns: int, name: str = "县"):
    """A county (no group of its own) over ``towns`` towns; town t seats t + 1 members today and one who left."""
    county = OrganizationFactory(name=f"{name}委")
    for t in range(towns):
        group = StudyGroupFactory(organization=OrganizationFactory(parent=county, name=f"{name}镇{t}"))
        MembershipFactory.create_batch(t + 1, group=group)
        MembershipFactory(group=group, end_on=timezone.localdate() - datetime.timedelta(days=1))
    return county


def members_by_name(page: str) -> dict[str, str]:
    rows = page.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    return {re.findall(r'">([^<]+)</a>', row)[0]: re.findall(r'text-end">(\d+)</td>', row)[0] for row in rows}


def test_the_tree_runs_a_fixed_number_of_queries_at_two_sizes(client):
    for size in (2, 9):
        county = county_with_towns(size, name=f"S{size}")
        client.force_login(user_with_role("viewer", county))
        client.get(reverse("core:org-tree"))
        with assert_queries(12):
            page = client.get(reverse("core:org-tree")).content.decode()
        assert members_by_name(page)[f"S{size}镇{size - 1}"] == str(size)


def test_each_row_counts_the_members_seated_today_and_pages_follow_the_tree(client, monkeypatch):
    monkeypatch.setattr(core_views, "TREE_PAGE_SIZE", 3)
    county = county_with_towns(4)
    client.force_login(user_with_role("viewer", county))
    first = members_by_name(client.get(reverse("core:org-tree")).content.decode())
    assert first == {"县委": "0", "县镇0": "1", "县镇1": "2"}
    second = members_by_name(client.get(reverse("core:org-tree"), {"page": 2}).content.decode())
    assert second == {"县镇2": "3", "县镇3": "4"}
    other = county_with_towns(1, name="邻县")
    assert "邻县" not in client.get(reverse("core:org-tree"), {"page": 2}).content.decode()
    assert other.name not in client.get(reverse("core:org-tree"), {"q": "邻县"}).content.decode().split("<tbody>")[1]
