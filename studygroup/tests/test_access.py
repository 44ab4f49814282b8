"""Who sees what: the one rule, through the pages."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from studygroup import access
from studygroup.models import Organization, StudyGroup
from studygroup.tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    RoleGrantFactory,
    StudyGroupFactory,
    UserFactory,
    user_with_role,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    """A city with two counties, each with two towns, every organization with a group of two members."""
    city = OrganizationFactory(kind=Organization.Kind.CITY, name="临江市委")
    nodes = {"city": city}
    for county_key in ("north", "south"):
        county = OrganizationFactory(parent=city, kind=Organization.Kind.COUNTY, name=f"{county_key}县委")
        nodes[county_key] = county
        for town_index in (1, 2):
            nodes[f"{county_key}{town_index}"] = OrganizationFactory(parent=county, name=f"{county_key}镇{town_index}")
    for organization in nodes.values():
        group = StudyGroupFactory(organization=organization)
        MembershipFactory.create_batch(2, group=group)
    return nodes


def group_pages(group: StudyGroup) -> list[str]:
    membership = group.memberships.first()
    return [
        reverse("core:org-detail", args=[group.organization_id]),
        reverse("core:group-detail", args=[group.pk]),
        reverse("core:membership-add", args=[group.pk]),
        reverse("core:membership-edit", args=[membership.pk]),
        reverse("core:membership-end", args=[membership.pk]),
    ]


@pytest.mark.parametrize("role", ["staff", "member", "viewer", "leader", "observer", "inspector"])
def test_town_user_gets_nothing_of_another_town(client, tree, role):
    client.force_login(user_with_role(role, tree["north1"]))
    other = tree["north2"].study_group
    for url in group_pages(other):
        response = client.get(url)
        assert response.status_code in (403, 404), url
        assert other.organization.name not in response.content.decode()


def test_town_staff_reaches_own_group_pages(client, tree):
    client.force_login(user_with_role("staff", tree["north1"]))
    for url in group_pages(tree["north1"].study_group):
        assert client.get(url).status_code == 200, url


def test_county_viewer_sees_its_towns_not_the_neighbouring_county(client, tree):
    client.force_login(user_with_role("viewer", tree["north"]))
    page = client.get(reverse("core:org-tree")).content.decode()
    for key in ("north", "north1", "north2"):
        assert tree[key].name in page
    for key in ("city", "south", "south1", "south2"):
        assert tree[key].name not in page
    assert client.get(reverse("core:group-detail", args=[tree["north2"].study_group.pk])).status_code == 200
    assert client.get(reverse("core:group-detail", args=[tree["south1"].study_group.pk])).status_code == 404


def test_viewer_reads_but_cannot_manage_members(client, tree):
    client.force_login(user_with_role("viewer", tree["north"]))
    group = tree["north1"].study_group
    page = client.get(reverse("core:group-detail", args=[group.pk]))
    assert "添加成员" not in page.content.decode()
    assert client.get(reverse("core:membership-add", args=[group.pk])).status_code == 403


def test_upper_staff_reads_lower_groups_but_only_owning_staff_edit(client, tree):
    client.force_login(user_with_role("staff", tree["city"]))
    group = tree["south1"].study_group
    assert client.get(reverse("core:group-detail", args=[group.pk])).status_code == 200
    assert client.get(reverse("core:membership-add", args=[group.pk])).status_code == 403


def test_member_sees_own_group_only(client, tree):
    client.force_login(user_with_role("member", tree["south2"]))
    assert client.get(reverse("core:group-detail", args=[tree["south2"].study_group.pk])).status_code == 200
    assert client.get(reverse("core:group-detail", args=[tree["south1"].study_group.pk])).status_code == 404
    assert client.get(reverse("core:membership-add", args=[tree["south2"].study_group.pk])).status_code == 403


def test_anonymous_is_sent_to_login(client, tree):
    response = client.get(reverse("core:group-detail", args=[tree["city"].study_group.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def _chain(depth: int) -> Organization:
    organization = OrganizationFactory()
    for _level in range(depth - 1):
        organization = OrganizationFactory(parent=organization)
    return organization


@pytest.mark.parametrize("depth", [2, 6])
def test_subtree_query_is_one_query_at_any_depth(depth, django_assert_num_queries):
    root = _chain(1)
    leaf = root
    for _level in range(depth):
        leaf = OrganizationFactory(parent=leaf)
    with django_assert_num_queries(1):
        names = list(root.subtree().values_list("name", flat=True))
    assert len(names) == depth + 1
    assert leaf.name in names


def test_the_scope_holds_grants_in_path_order_and_only_the_seats_held_today(django_assert_num_queries):
    """One query reads the grants (with whether organizations lie one and two levels below), today's seats and the
    person: a seat that ended yesterday or starts tomorrow opens nothing."""
    city = OrganizationFactory(kind=Organization.Kind.CITY)
    county = OrganizationFactory(parent=city)
    town = OrganizationFactory(parent=county)
    user = user_with_role("viewer", town)
    person = user.person
    RoleGrantFactory(person=person, organization=city, role="staff")
    RoleGrantFactory(person=person, organization=county, role="observer")
    today = timezone.localdate()
    current = MembershipFactory(person=person, group=StudyGroupFactory(organization=county), role="leader")
    kept = MembershipFactory(person=person, group=StudyGroupFactory(organization=town))
    MembershipFactory(person=person, group=StudyGroupFactory(organization=town), end_on=today - datetime.timedelta(1))
    MembershipFactory(person=person, group=StudyGroupFactory(organization=city), start_on=today + datetime.timedelta(1))
    fresh = type(user).objects.get(pk=user.pk)
    with django_assert_num_queries(1):
        scope = access.scope_for(fresh)
    assert [
        (g.role, g.organization_id, g.has_organizations_below, g.has_organizations_two_below) for g in scope.grants
    ] == [
        ("staff", city.pk, True, True),
        ("observer", county.pk, True, False),
        ("viewer", town.pk, False, False),
    ]
    assert [g.path for g in scope.grants] == [city.path, county.path, town.path]
    assert scope.member_group_ids == {current.group_id, kept.group_id}
    assert scope.leader_group_ids == {current.group_id}
    assert scope.person_id == person.pk and scope.user_id == user.pk


def test_a_person_without_grants_or_seats_still_has_their_id_in_the_scope():
    user = user_with_role("viewer", OrganizationFactory())
    user.person.grants.all().delete()
    scope = access.scope_for(type(user).objects.get(pk=user.pk))
    assert (scope.person_id, scope.grants, scope.member_group_ids) == (user.person.pk, [], frozenset())


def test_visible_organizations_query_count_does_not_grow_with_depth(django_user_model):
    counts = []
    for depth in (2, 7):
        top = _chain(1)
        leaf = top
        for _level in range(depth):
            leaf = OrganizationFactory(parent=leaf)
        user = user_with_role("viewer", top)
        with CaptureQueriesContext(connection) as queries:
            reached = list(access.visible(Organization.objects.all(), user))
        assert leaf in reached
        counts.append(len(queries))
    assert counts == [
        2,
        2,
    ]  # the scope (grants, seats and person in one query) and the organizations: not one per level


@pytest.mark.parametrize("role", ["member", "staff", "viewer"])
def test_the_person_of_a_user_is_read_once_by_the_id_the_scope_holds(django_assert_num_queries, role):
    user = user_with_role(role, OrganizationFactory())
    fresh = type(user).objects.get(pk=user.pk)
    access.scope_for(fresh)
    with django_assert_num_queries(1):  # the scope holds only the person's id
        person = access.person_of(fresh)
    with django_assert_num_queries(0):
        assert access.person_of(fresh) == person
    assert person.user_id == user.pk and access.scope_for(fresh).person_id == person.pk


def test_a_login_without_a_person_and_an_anonymous_visitor_have_none(django_assert_num_queries):
    lone = UserFactory()
    access.scope_for(lone)
    with django_assert_num_queries(0):
        assert access.person_of(lone) is None
    assert access.person_of(AnonymousUser()) is None
    admin = UserFactory(is_superuser=True, is_staff=True)
    assert access.person_of(admin) is None
