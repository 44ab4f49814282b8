"""The 第一议题 ledger of a large subtree: figures counted in SQL per child organization, studies a page at a
time, a fixed number of queries whatever the size, nothing of another organization."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from audits.models import Action
from audits.tests.factories import ActionFactory
from practice.views import first_topic as ledger_views
from sessions.tests.factories import StudySessionFactory
from studygroup.models import Organization
from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, user_with_role
from studygroup.tests.querycount import assert_queries

pytestmark = pytest.mark.django_db


def city_with_studies(towns_per_county: int, name: str = "市"):
    """A city with two counties of ``towns_per_county`` towns; each town's group held one 第一议题 study this year
    with two measures, one done in time and one overdue; returns the city and its counties."""
    city = OrganizationFactory(kind=Organization.Kind.CITY, name=f"{name}委")
    counties = [OrganizationFactory(parent=city, kind="county", name=f"{name}县{c}") for c in range(2)]
    today = timezone.localdate()
    for county in counties:
        for t in range(towns_per_county):
            group = StudyGroupFactory(organization=OrganizationFactory(parent=county, name=f"{county.name}镇{t}"))
            start = timezone.now() - datetime.timedelta(hours=t + 1)
            study = StudySessionFactory(
                group=group,
                kind="first_topic",
                title=f"{county.name}镇{t}学习",
                starts_at=start,
                ends_at=start + datetime.timedelta(minutes=30),
            )
            ActionFactory(group=group, session=study, status=Action.Status.DONE, done_on=today, due_on=today)
            ActionFactory(group=group, session=study, due_on=today - datetime.timedelta(days=1))
    return city, counties


def studies_listed(page: str) -> int:
    return len(re.findall(r"镇\d+学习</a>", page))


def figure(page: str, name: str) -> str:
    return page.split(f'id="{name}">')[1].split("<")[0]


@pytest.mark.parametrize(("role", "level"), [("staff", "city"), ("leader", "county"), ("viewer", "city")])
def test_the_ledger_runs_a_fixed_number_of_queries_at_two_sizes(client, role, level):
    for size in (1, 6):
        city, counties = city_with_studies(size, name=f"S{size}")
        place = city if level == "city" else counties[0]
        client.force_login(user_with_role(role, place))
        with assert_queries(16):
            page = client.get(reverse("practice:first-topic-ledger")).content.decode()
        studies = 2 * size if level == "city" else size
        assert figure(page, "studies") == str(studies) and figure(page, "measures") == str(2 * studies)
        assert figure(page, "accepted") == str(studies) and figure(page, "overdue") == str(studies)
        assert figure(page, "awaiting") == "0"  # done without anyone in the system to accept it: accepted
        assert studies_listed(page) == studies


def test_figures_by_child_organization_count_every_page_and_drill_down(client, monkeypatch):
    monkeypatch.setattr(ledger_views, "LEDGER_PAGE_SIZE", 3)
    city, counties = city_with_studies(4)
    client.force_login(user_with_role("viewer", city))
    url = reverse("practice:first-topic-ledger")
    page = client.get(url).content.decode()
    assert (figure(page, "studies"), figure(page, "measures"), figure(page, "overdue")) == ("8", "16", "8")
    table = page.split('id="ledger-by-organization"')[1].split("</table>")[0]
    for county in counties:
        assert f'<a href="?org={county.pk}&amp;year={timezone.localdate().year}">{county.name}</a>' in table
    assert table.count('<td class="text-end">4</td><td class="text-end">8</td>') == 2
    # Three studies a page, the oldest first, then the rest on the next pages.
    assert studies_listed(page) == 3 and "第 1 页" in page and "共 3 页" in page
    last = client.get(url, {"page": 3}).content.decode()
    assert studies_listed(last) == 2 and figure(last, "studies") == "8"
    # The drill-down: one county's studies and figures only.
    county = client.get(url, {"org": counties[1].pk}).content.decode()
    assert figure(county, "studies") == "4" and "市县0镇" not in county


def test_a_viewer_of_another_city_sees_none_of_its_studies(client):
    city, counties = city_with_studies(2, name="甲")
    other, _ = city_with_studies(1, name="乙")
    client.force_login(user_with_role("viewer", other))
    page = client.get(reverse("practice:first-topic-ledger")).content.decode()
    assert "甲县" not in page and figure(page, "studies") == "2"
    for place in (city, counties[0]):
        assert client.get(reverse("practice:first-topic-ledger"), {"org": place.pk}).status_code == 404
