"""The demo: a believable hierarchy, a login for every role, safe to run twice."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from studygroup.demo import DEMO_PASSWORD, LOGINS
from studygroup.models import AuditEntry, Membership, Organization, Person, RoleGrant, StudyGroup, User

pytestmark = pytest.mark.django_db

MODELS = [Organization, StudyGroup, Person, Membership, RoleGrant, User, AuditEntry]


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def test_seed_demo_twice_changes_nothing(capsys):
    call_command("seed_demo")
    first = counts()
    passwords = dict(User.objects.values_list("username", "password"))
    call_command("seed_demo")
    assert counts() == first
    assert dict(User.objects.values_list("username", "password")) == passwords


def test_demo_hierarchy_is_believable():
    call_command("seed_demo")
    kinds = set(Organization.objects.values_list("kind", flat=True))
    assert {"city", "county", "department", "town"} <= kinds
    assert not Organization.objects.filter(kind="town").exclude(parent__kind="county").exists()
    for group in StudyGroup.objects.all():
        size = group.memberships.filter(end_on__isnull=True).count()
        assert 8 <= size <= 15, (group.name, size)
        assert group.name.endswith("理论学习中心组")
        assert group.memberships.filter(role="leader").count() == 1, group.name


def test_seed_demo_prints_every_login(capsys):
    call_command("seed_demo")
    output = capsys.readouterr().out
    assert DEMO_PASSWORD in output
    for login in LOGINS:
        assert login.username in output


@pytest.mark.parametrize("login", LOGINS, ids=lambda login: login.username)
def test_every_demo_login_reaches_its_home(client, login):
    call_command("seed_demo")
    response = client.post(reverse("login"), {"username": login.username, "password": DEMO_PASSWORD}, follow=True)
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == reverse("home")
    page = response.content.decode()
    person = Person.objects.get(user__username=login.username)
    assert f"{person.name},您好" in page
    assert "尚未分配角色" not in page
    expected_panel = {
        "staff": "panel-staff-groups",
        "member": "panel-member-groups",
        "viewer": "panel-viewer-subtree",
        "leader": "panel-viewer-subtree",
        "observer": "panel-observer-visits",
        "inspector": "panel-inspector-scope",
    }[login.role]
    assert expected_panel in page


def test_admin_reaches_the_admin_site(client):
    call_command("seed_demo")
    client.post(reverse("login"), {"username": "admin", "password": DEMO_PASSWORD})
    assert client.get(reverse("admin:index")).status_code == 200
