"""``access.visible`` lists the same records whichever SQL it writes: for a narrow reach (a county and its towns,
or a member's groups only) the union of the ids each condition selects, for a wide one (a city over counties and
towns) the OR. The sessions rule has every kind of condition: the subtree, the groups one sits in, the sessions
one is invited to and those one observes (a rule of this app)."""

import pytest

from audits.tests.factories import ObserverVisitFactory
from sessions.models import Attendance, StudySession
from sessions.tests.factories import AttendanceFactory, StudySessionFactory
from studygroup import access
from studygroup.models import Organization
from studygroup.tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    RoleGrantFactory,
    StudyGroupFactory,
    user_with_role,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    """A city over two counties of two towns each; every organization's group has held one session."""
    city = OrganizationFactory(kind=Organization.Kind.CITY, name="市")
    places = {"city": city}
    for county in ("north", "south"):
        places[county] = OrganizationFactory(parent=city, kind=Organization.Kind.COUNTY, name=county)
        for town in (1, 2):
            places[f"{county}{town}"] = OrganizationFactory(parent=places[county], name=f"{county}{town}")
    sessions = {key: StudySessionFactory(group=StudyGroupFactory(organization=place)) for key, place in places.items()}
    return places, sessions


def reader_with_extras(role, place, sessions):
    """A reader at ``place`` who also sits in the south2 group, is invited to south1's session and observes the
    city's."""
    user = user_with_role(role, place)
    MembershipFactory(group=sessions["south2"].group, person=user.person)
    sessions["south1"].invited.add(user.person)
    ObserverVisitFactory(session=sessions["city"], observer=user.person)
    return user


def titles(queryset, sessions) -> set[str]:
    keys = {session.pk: key for key, session in sessions.items()}
    return {keys[pk] for pk in queryset.values_list("pk", flat=True)}


def test_a_county_reader_gets_the_same_sessions_from_the_union_of_ids(tree):
    places, sessions = tree
    user = reader_with_extras("viewer", places["north"], sessions)
    assert access.scope_for(user).reaches_narrowly()
    visible = access.visible(StudySession.objects.all(), user)
    assert " UNION " in str(visible.query)
    assert titles(visible, sessions) == {"north", "north1", "north2", "south2", "south1", "city"}
    # A constant reaches inside the union: one session, in reach or not.
    assert access.visible(StudySession.objects.all(), user).filter(pk=sessions["south1"].pk).exists()
    assert not access.visible(StudySession.objects.all(), user).filter(pk=sessions["south"].pk).exists()


def test_a_city_reader_keeps_the_or_and_gets_the_same_rule(tree):
    places, sessions = tree
    user = reader_with_extras("staff", places["city"], sessions)
    assert not access.scope_for(user).reaches_narrowly()
    visible = access.visible(StudySession.objects.all(), user)
    assert " UNION " not in str(visible.query) and " OR " in str(visible.query)
    assert titles(visible, sessions) == set(sessions)


def test_a_member_without_a_reading_role_reads_their_groups_and_invitations_only(tree):
    places, sessions = tree
    user = user_with_role("member", places["north1"])
    sessions["south1"].invited.add(user.person)
    visible = access.visible(StudySession.objects.all(), user)
    assert " UNION " in str(visible.query)
    assert titles(visible, sessions) == {"north1", "south1"}
    # The attendance of the member's group: one condition, no union.
    AttendanceFactory(session=sessions["north1"], person=user.person)
    AttendanceFactory(session=sessions["south1"])
    attendance = access.visible(Attendance.objects.all(), user)
    assert " UNION " not in str(attendance.query)
    assert [row.session_id for row in attendance] == [sessions["north1"].pk]


def test_a_reader_with_a_wide_and_a_narrow_grant_keeps_the_or(tree):
    places, sessions = tree
    user = reader_with_extras("viewer", places["north"], sessions)
    other = OrganizationFactory(kind=Organization.Kind.CITY, name="另一市")
    OrganizationFactory(parent=OrganizationFactory(parent=other))
    RoleGrantFactory(person=user.person, organization=other, role=access.VIEWER)
    user = type(user).objects.get(pk=user.pk)  # a fresh scope
    assert not access.scope_for(user).reaches_narrowly()
    visible = access.visible(StudySession.objects.all(), user)
    assert " UNION " not in str(visible.query)
    assert titles(visible, sessions) == {"north", "north1", "north2", "south2", "south1", "city"}
