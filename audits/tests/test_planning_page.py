"""The planning page of a large subtree: bounded lists narrowed by organization, a fixed number of queries."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audits import forms as audits_forms
from audits.models import ObserverVisit
from audits.tests.factories import ObserverPoolMemberFactory
from sessions.models import StudySession
from sessions.tests.factories import StudySessionFactory
from studygroup.models import Organization
from studygroup.tests.factories import OrganizationFactory, PersonFactory, StudyGroupFactory, user_with_role
from studygroup.tests.querycount import assert_queries

pytestmark = pytest.mark.django_db


def city_of(groups_per_county: int, name: str = "市"):
    """A city with two counties, each with ``groups_per_county`` towns holding a group, two people and a
    session next week; returns the city and its counties."""
    city = OrganizationFactory(kind=Organization.Kind.CITY, name=f"{name}委")
    counties = []
    for c in range(2):
        county = OrganizationFactory(parent=city, kind="county", name=f"{name}县{c}")
        counties.append(county)
        for t in range(groups_per_county):
            town = OrganizationFactory(parent=county, name=f"{name}县{c}镇{t}")
            group = StudyGroupFactory(organization=town)
            starts = timezone.now() + datetime.timedelta(days=7, hours=t)
            StudySessionFactory(
                group=group, title=f"{town.name}学习", starts_at=starts, ends_at=starts + datetime.timedelta(hours=2)
            )
            PersonFactory.create_batch(2, organization=town, name=factory_name(town))
    return city, counties


def factory_name(town):
    return f"{town.name}人员"


def options(page: str, field: str) -> str:
    """The HTML of the select named ``field``."""
    return page.split(f'name="{field}"')[1].split("</select>")[0]


@pytest.mark.parametrize("role_at", ["city", "county"])
def test_planning_page_runs_a_fixed_number_of_queries_at_two_sizes(client, role_at):
    for size in (1, 8):
        city, counties = city_of(size, name=f"S{size}")
        place = city if role_at == "city" else counties[0]
        ObserverPoolMemberFactory(organization=place, person=PersonFactory(organization=place))
        client.force_login(user_with_role("staff", place))
        with assert_queries(25):
            page = client.get(reverse("audits:planning")).content.decode()
        towns = 2 * size if role_at == "city" else size
        assert options(page, "session").count("学习</option>") == towns
        assert options(page, "person").count("人员(") == 2 * towns
        assert 'id="lists-cut"' not in page


def test_long_lists_show_the_first_ones_and_narrow_to_an_organization_below(client, monkeypatch):
    monkeypatch.setattr(audits_forms, "CHOICES_SHOWN", 3)
    city, counties = city_of(4)
    client.force_login(user_with_role("staff", city))
    page = client.get(reverse("audits:planning")).content.decode()
    assert options(page, "session").count("学习</option>") == 3
    assert options(page, "first").count("学习</option>") == 3
    assert 'id="lists-cut"' in page
    # The range select offers the city's counties; narrowing lists only the county's sessions and people.
    assert all(f'value="{county.pk}"' in options(page, "within") for county in counties)
    page = client.get(reverse("audits:planning"), {"within": counties[1].pk}).content.decode()
    listed = options(page, "session")
    assert listed.count("学习</option>") == 3 and "市县0" not in listed and "市县1镇" in listed
    assert "市县0" not in options(page, "person")
    # Any session of the subtree is still accepted, listed or not.
    last = StudySession.objects.filter(group__organization__parent=counties[0]).latest("starts_at")
    observer = ObserverPoolMemberFactory(organization=city, person=PersonFactory(organization=city)).person
    body = {"form": "assign", "org": city.pk, "session": last.pk, "observer": observer.pk}
    response = client.post(reverse("audits:planning") + f"?within={counties[1].pk}", body)
    assert response.status_code == 302 and response["Location"].endswith(f"within={counties[1].pk}")
    assert ObserverVisit.objects.filter(session=last, observer=observer).exists()


def test_another_citys_staff_see_none_of_its_sessions_or_people(client):
    city, counties = city_of(2, name="甲")
    other, _ = city_of(1, name="乙")
    client.force_login(user_with_role("staff", other))
    for query in ({}, {"within": counties[0].pk}, {"org": city.pk}, {"within": "x"}):
        response = client.get(reverse("audits:planning"), query)
        assert response.status_code == 200
        page = response.content.decode()
        assert "甲县" not in page and "甲委" not in page and "乙县0镇0学习" in page
