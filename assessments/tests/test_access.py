"""Who sees and does what with banks, tests and sittings: the rule book for knowledge tests."""

import pytest

from assessments.models import KnowledgeTest, QuestionBank, Sitting
from assessments.tests.factories import KnowledgeTestFactory, QuestionBankFactory, SittingFactory
from studygroup import access
from studygroup.tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    StudyGroupFactory,
    UserFactory,
    user_with_role,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    city = OrganizationFactory(name="市委")
    county = OrganizationFactory(parent=city, name="县委")
    town = OrganizationFactory(parent=county, name="镇党委")
    neighbour = OrganizationFactory(parent=city, name="邻县县委")
    group = StudyGroupFactory(organization=town)
    member = user_with_role("member", town)
    test = KnowledgeTestFactory(organization=county)
    sitting = SittingFactory(test=test, person=member.person, group=group)
    return {
        "city": city,
        "county": county,
        "town": town,
        "neighbour": neighbour,
        "group": group,
        "member": member,
        "test": test,
        "sitting": sitting,
        "bank": QuestionBankFactory(organization=county),
    }


def _sees(user, model, obj) -> bool:
    return access.visible(model.objects.filter(pk=obj.pk), user).exists() and access.can(user, "view", obj)


@pytest.mark.parametrize(
    ("who", "where", "expected"),
    [
        ("staff", "county", True),
        ("staff", "town", True),  # a bank serves the whole subtree
        ("staff", "city", True),  # upper levels read
        ("viewer", "county", True),
        ("viewer", "town", False),  # only staff below use a bank
        ("member", "town", False),  # the answers are in it
        ("staff", "neighbour", False),
    ],
)
def test_a_bank_is_read_by_its_subtrees_staff_and_the_levels_above(tree, who, where, expected):
    user = user_with_role(who, tree[where])
    assert _sees(user, QuestionBank, tree["bank"]) is expected
    assert access.can(user, "assessments.bank_use", tree["bank"]) is (expected and who == "staff" and where != "city")


@pytest.mark.parametrize(
    ("who", "where", "expected"),
    [
        ("staff", "county", True),  # the setter's staff mark and enter results
        ("staff", "town", True),  # the group's own staff see their people
        ("leader", "town", True),
        ("viewer", "county", False),  # upper levels read figures, not people
        ("viewer", "city", False),
        ("leader", "county", False),
        ("staff", "city", False),
        ("inspector", "town", False),
        ("staff", "neighbour", False),
        ("member", "town", False),  # a colleague
    ],
)
def test_a_sitting_is_read_by_the_person_their_groups_keepers_and_the_setter(tree, who, where, expected):
    user = user_with_role(who, tree[where])
    assert _sees(user, Sitting, tree["sitting"]) is expected
    assert _sees(tree["member"], Sitting, tree["sitting"])


def test_markers_read_the_sittings_of_their_test_only(tree):
    marker = user_with_role("member", tree["neighbour"])
    tree["test"].markers.add(marker.person)
    assert _sees(marker, Sitting, tree["sitting"])
    assert access.can(marker, "assessments.mark", tree["test"])
    other = SittingFactory(test=KnowledgeTestFactory(organization=tree["county"]), person=tree["member"].person)
    assert not _sees(marker, Sitting, other)


def test_a_group_leader_seated_reads_the_sittings_of_the_group(tree):
    seat = MembershipFactory(group=tree["group"], role="leader", person__user=UserFactory())
    assert _sees(seat.person.user, Sitting, tree["sitting"])


@pytest.mark.parametrize(
    ("who", "where", "expected"),
    [
        ("staff", "county", True),
        ("viewer", "city", True),
        ("staff", "town", True),  # their people sit it
        ("member", "neighbour", False),
        ("staff", "neighbour", False),
    ],
)
def test_a_test_is_read_by_its_setters_readers_and_those_whose_people_sit_it(tree, who, where, expected):
    user = user_with_role(who, tree[where])
    assert _sees(user, KnowledgeTest, tree["test"]) is expected
    assert _sees(tree["member"], KnowledgeTest, tree["test"])


def test_only_the_person_opens_their_sitting_not_even_staff_or_a_superuser(tree):
    assert access.can(tree["member"], "assessments.sit", tree["sitting"])
    for user in (
        user_with_role("staff", tree["county"]),
        user_with_role("staff", tree["town"]),
        UserFactory(is_superuser=True),
    ):
        assert not access.can(user, "assessments.sit", tree["sitting"])


def test_only_the_setters_staff_manage_a_test(tree):
    assert access.can(user_with_role("staff", tree["county"]), "assessments.test_manage", tree["test"])
    for who, where in [("staff", "city"), ("staff", "town"), ("leader", "county"), ("viewer", "county")]:
        assert not access.can(user_with_role(who, tree[where]), "assessments.test_manage", tree["test"])


def test_figures_are_for_readers_reaching_the_setter(tree):
    assert access.can(user_with_role("viewer", tree["city"]), "assessments.figures", tree["test"])
    assert access.can(user_with_role("viewer", tree["county"]), "assessments.figures", tree["test"])
    assert not access.can(user_with_role("staff", tree["town"]), "assessments.figures", tree["test"])
    assert not access.can(tree["member"], "assessments.figures", tree["test"])
