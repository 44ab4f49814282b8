"""Accounts and roles without the Django admin: staff give logins, grant and withdraw roles, reset passwords."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from studygroup import services
from studygroup.models import AuditEntry, Membership, Notification, Organization, Person, RoleGrant, User
from studygroup.tests.factories import (
    PASSWORD,
    MembershipFactory,
    OrganizationFactory,
    PersonFactory,
    RoleGrantFactory,
    StudyGroupFactory,
    UserFactory,
    user_with_role,
)

pytestmark = pytest.mark.django_db
TEMPORARY = "Linshi-mima-2026"


@pytest.fixture
def tree():
    """A county with two towns, a staff login at the county and at the first town."""
    county = OrganizationFactory(kind=Organization.Kind.COUNTY, name="清河县委")
    town = OrganizationFactory(parent=county, name="城关镇党委")
    other_town = OrganizationFactory(parent=county, name="白沙镇党委")
    return {
        "county": county,
        "town": town,
        "other_town": other_town,
        "county_staff": user_with_role("staff", county),
        "town_staff": user_with_role("staff", town),
    }


def account_body(**overrides):
    body = {
        "person": "",
        "new_name": "",
        "new_post": "",
        "username": "zhang.wei",
        "email": "",
        "password1": TEMPORARY,
        "password2": TEMPORARY,
    }
    return body | overrides


def counts():
    return User.objects.count(), RoleGrant.objects.count(), Person.objects.count(), Membership.objects.count()


# Creating a login -------------------------------------------------------------------------------------------


def test_staff_create_a_login_that_must_choose_its_own_password(client, tree):
    person = PersonFactory(organization=tree["town"], name="张伟")
    client.force_login(tree["town_staff"])
    response = client.post(
        reverse("core:account-create", args=[tree["town"].pk]), account_body(person=person.pk), REMOTE_ADDR="10.3.3.3"
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.user.username == "zhang.wei"
    assert person.user.must_change_password is True
    entry = AuditEntry.objects.get(object_type="studygroup.person", object_id=str(person.pk), action="update")
    assert entry.username == tree["town_staff"].username
    assert entry.ip_address == "10.3.3.3"
    assert entry.organization_path == tree["town"].path

    client.logout()
    client.post(reverse("login"), {"username": "zhang.wei", "password": TEMPORARY})
    forced = client.get(reverse("home"))
    assert forced.status_code == 302 and forced.url == reverse("password_change")
    kept = client.post(
        reverse("password_change"),
        {"old_password": TEMPORARY, "new_password1": TEMPORARY, "new_password2": TEMPORARY},
    )
    assert "请设置一个与当前密码不同的新密码" in kept.content.decode()
    client.post(
        reverse("password_change"),
        {"old_password": TEMPORARY, "new_password1": "Ziji-de-mima-88", "new_password2": "Ziji-de-mima-88"},
    )
    person.user.refresh_from_db()
    assert person.user.must_change_password is False
    assert client.get(reverse("home")).status_code == 200


def test_staff_create_a_login_for_a_new_person_of_their_organization(client, tree):
    client.force_login(tree["town_staff"])
    client.post(
        reverse("core:account-create", args=[tree["town"].pk]), account_body(new_name="李娜", new_post="组织委员")
    )
    person = Person.objects.get(name="李娜")
    assert (person.organization, person.post, person.user.username) == (tree["town"], "组织委员", "zhang.wei")


def test_weak_temporary_password_and_taken_username_are_refused(client, tree):
    person = PersonFactory(organization=tree["town"])
    client.force_login(tree["town_staff"])
    url = reverse("core:account-create", args=[tree["town"].pk])
    weak = client.post(url, account_body(person=person.pk, password1="abc", password2="abc"))
    assert "密码太短" in weak.content.decode()
    taken = client.post(url, account_body(person=person.pk, username=tree["county_staff"].username))
    assert "该用户名已被使用" in taken.content.decode()
    person.refresh_from_db()
    assert person.user is None


def test_town_staff_cannot_create_a_login_or_grant_a_role_in_the_county(client, tree):
    county_person = PersonFactory(organization=tree["county"])
    client.force_login(tree["town_staff"])
    before = counts()
    for name in ("core:org-people", "core:account-create", "core:grant-create"):
        assert client.get(reverse(name, args=[tree["county"].pk])).status_code in (403, 404), name
    assert client.post(
        reverse("core:account-create", args=[tree["county"].pk]), account_body(person=county_person.pk)
    ).status_code in (403, 404)
    assert client.post(
        reverse("core:grant-create", args=[tree["county"].pk]), {"person": county_person.pk, "role": "viewer"}
    ).status_code in (403, 404)
    with pytest.raises(PermissionDenied):
        services.grant_create(person=county_person, organization=tree["county"], role="viewer", by=tree["town_staff"])
    assert counts() == before


def test_a_neighbouring_town_is_out_of_reach(client, tree):
    client.force_login(tree["town_staff"])
    assert client.get(reverse("core:org-people", args=[tree["other_town"].pk])).status_code in (403, 404)
    client.force_login(tree["county_staff"])
    assert client.get(reverse("core:org-people", args=[tree["other_town"].pk])).status_code == 200


def test_choice_fields_refuse_people_of_another_organization(client, tree):
    outsider = PersonFactory(organization=tree["other_town"], name="白沙的人")
    above = PersonFactory(organization=tree["county"], name="县里的人")
    client.force_login(tree["town_staff"])
    before = counts()
    for person in (outsider, above):
        account = client.post(reverse("core:account-create", args=[tree["town"].pk]), account_body(person=person.pk))
        assert account.status_code == 200
        assert "选择一个有效的选项" in account.content.decode()
        grant = client.post(
            reverse("core:grant-create", args=[tree["town"].pk]), {"person": person.pk, "role": "leader"}
        )
        assert grant.status_code == 200
        assert "选择一个有效的选项" in grant.content.decode()
    assert counts() == before
    assert outsider.name not in client.get(reverse("core:grant-create", args=[tree["town"].pk])).content.decode()


# Granting and withdrawing roles ---------------------------------------------------------------------------


def test_staff_grant_a_role_in_their_subtree_and_it_is_audited_with_names(client, tree):
    person = PersonFactory(organization=tree["town"], name="王芳")
    client.force_login(tree["county_staff"])
    response = client.post(
        reverse("core:grant-create", args=[tree["town"].pk]), {"person": person.pk, "role": "leader"}
    )
    assert response.status_code == 302
    grant = RoleGrant.objects.get(person=person)
    assert (grant.organization, grant.role) == (tree["town"], "leader")
    entry = AuditEntry.objects.get(object_type="studygroup.rolegrant", object_id=str(grant.pk), action="create")
    assert entry.username == tree["county_staff"].username
    assert entry.organization_path == tree["town"].path
    page = client.get(reverse("core:org-people", args=[tree["town"].pk])).content.decode()
    assert "王芳" in page and "领导" in page


@pytest.mark.parametrize("role", ["staff", "leader", "viewer"])
def test_staff_cannot_grant_themselves_a_role(client, tree, role):
    staff = tree["town_staff"]
    client.force_login(staff)
    before = counts()
    response = client.post(
        reverse("core:grant-create", args=[tree["town"].pk]), {"person": staff.person.pk, "role": role}
    )
    assert "选择一个有效的选项" in response.content.decode()
    with pytest.raises(ValidationError) as refused:
        services.grant_create(person=staff.person, organization=tree["town"], role=role, by=staff)
    assert refused.value.message_dict == {"person": ["你不能给自己授予角色。"]}
    assert counts() == before


def test_withdrawing_a_role_asks_for_confirmation_and_is_audited(client, tree):
    grant = RoleGrantFactory(organization=tree["town"], role="viewer", person__name="赵强")
    client.force_login(tree["town_staff"])
    url = reverse("core:grant-withdraw", args=[grant.pk])
    confirm = client.get(url).content.decode()
    assert "赵强将不再担任城关镇党委的" in confirm
    assert RoleGrant.objects.filter(pk=grant.pk).exists()
    assert client.post(url, {}).status_code == 302
    assert not RoleGrant.objects.filter(pk=grant.pk).exists()
    entry = AuditEntry.objects.get(object_type="studygroup.rolegrant", object_id=str(grant.pk), action="delete")
    assert entry.username == tree["town_staff"].username
    assert entry.organization_path == tree["town"].path


def test_staff_cannot_withdraw_their_own_role_nor_one_above_them(client, tree):
    own = RoleGrant.objects.get(person=tree["town_staff"].person)
    above = RoleGrant.objects.get(person=tree["county_staff"].person)
    client.force_login(tree["town_staff"])
    refused = client.post(reverse("core:grant-withdraw", args=[own.pk]), {})
    assert "你不能撤销自己的角色" in refused.content.decode()
    assert client.post(reverse("core:grant-withdraw", args=[above.pk]), {}).status_code in (403, 404)
    assert RoleGrant.objects.filter(pk__in=[own.pk, above.pk]).count() == 2


# Resetting a password ---------------------------------------------------------------------------------------


def test_staff_reset_a_password_and_the_holder_is_told_and_must_change_it(client, tree):
    member = user_with_role("member", tree["town"], email="member@example.org")
    client.force_login(tree["town_staff"])
    response = client.post(
        reverse("core:account-password", args=[member.person.pk]), {"password1": TEMPORARY, "password2": TEMPORARY}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password(TEMPORARY)
    assert member.must_change_password is True
    assert Notification.objects.get(recipient=member).verb == "password_reset"
    entry = AuditEntry.objects.get(
        object_type="studygroup.user", object_id=str(member.pk), action="update", username=tree["town_staff"].username
    )
    assert entry.changes["password"] == ["******", "******"]
    assert entry.organization_path == tree["town"].path


def test_town_staff_cannot_reset_a_login_that_reaches_above_them(client, tree):
    # A person of the town who also holds a role at the county: taking over the login would open the county.
    climber = user_with_role("member", tree["town"])
    RoleGrantFactory(person=climber.person, organization=tree["county"], role="viewer")
    client.force_login(tree["town_staff"])
    for person in (climber.person, tree["county_staff"].person, tree["town_staff"].person):
        response = client.post(
            reverse("core:account-password", args=[person.pk]), {"password1": TEMPORARY, "password2": TEMPORARY}
        )
        assert response.status_code in (403, 404)
    for user in (climber, tree["county_staff"], tree["town_staff"]):
        user.refresh_from_db()
        assert user.check_password(PASSWORD)


def test_county_staff_cannot_reset_an_administrators_password(client, tree):
    admin = UserFactory(is_superuser=True, is_staff=True)
    PersonFactory(organization=tree["town"], user=admin)
    client.force_login(tree["county_staff"])
    response = client.post(
        reverse("core:account-password", args=[admin.person.pk]), {"password1": TEMPORARY, "password2": TEMPORARY}
    )
    assert response.status_code == 403
    admin.refresh_from_db()
    assert admin.check_password(PASSWORD)


# One's own account ----------------------------------------------------------------------------------------


def test_everyone_changes_their_own_email_with_their_password(client, tree):
    member = user_with_role("member", tree["town"])
    client.force_login(member)
    wrong = client.post(reverse("email_change"), {"email": "new@example.org", "password": "wrong"})
    assert "密码不正确" in wrong.content.decode()
    member.refresh_from_db()
    assert member.email == ""
    client.post(reverse("email_change"), {"email": "new@example.org", "password": PASSWORD})
    member.refresh_from_db()
    assert member.email == "new@example.org"


# Seats: staff do not seat themselves ------------------------------------------------------------------------


def test_staff_cannot_seat_themselves_in_their_group(client, tree):
    staff = tree["town_staff"]
    group = StudyGroupFactory(organization=tree["town"])
    client.force_login(staff)
    response = client.post(
        reverse("core:membership-add", args=[group.pk]),
        {"person": staff.person.pk, "role": "leader", "start_on": "2026-01-01"},
    )
    assert "选择一个有效的选项" in response.content.decode()
    with pytest.raises(ValidationError):
        services.membership_add(group=group, person=staff.person, role="leader", by=staff)
    assert not Membership.objects.filter(person=staff.person).exists()


def test_staff_cannot_raise_their_own_seat(client, tree):
    staff = tree["town_staff"]
    seat = MembershipFactory(group=StudyGroupFactory(organization=tree["town"]), person=staff.person)
    client.force_login(staff)
    response = client.post(
        reverse("core:membership-edit", args=[seat.pk]), {"role": "leader", "start_on": "2026-01-01", "end_on": ""}
    )
    assert "你不能修改自己的席位" in response.content.decode()
    seat.refresh_from_db()
    assert seat.role == "member"


# The page ---------------------------------------------------------------------------------------------------


def test_people_page_query_count_does_not_grow(client, tree, django_assert_num_queries):
    def add_people(count):
        for _index in range(count):
            user = user_with_role("viewer", tree["town"])
            RoleGrantFactory(person=user.person, organization=tree["town"], role="observer")

    client.force_login(tree["county_staff"])
    url = reverse("core:org-people", args=[tree["town"].pk])
    add_people(2)
    client.get(url)
    with django_assert_num_queries(14) as small:
        client.get(url)
    add_people(10)
    with django_assert_num_queries(14):
        response = client.get(url)
    assert response.content.decode().count("重置密码") == 13
    assert len(small.captured_queries) == 14


def test_people_link_goes_to_the_staffs_own_organization(client, tree):
    client.force_login(tree["town_staff"])
    response = client.get(reverse("core:people") + "?org=99999999999999999999999999")
    assert response.status_code == 302
    assert response.url == reverse("core:org-people", args=[tree["town"].pk])
    client.force_login(user_with_role("member", tree["town"]))
    assert client.get(reverse("core:people")).status_code == 403
