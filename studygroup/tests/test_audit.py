"""The audit log: logins, changes, who and from where; append-only; staff read their subtree."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from studygroup.models import AuditEntry, Membership
from studygroup.tests.factories import (
    PASSWORD,
    AuditEntryFactory,
    MembershipFactory,
    OrganizationFactory,
    StudyGroupFactory,
    UserFactory,
    user_with_role,
)

pytestmark = pytest.mark.django_db


def test_login_and_failed_login_are_logged_with_address(client):
    user = UserFactory()
    client.post(reverse("login"), {"username": user.username, "password": "nope"}, REMOTE_ADDR="10.1.2.3")
    client.post(reverse("login"), {"username": user.username, "password": PASSWORD}, REMOTE_ADDR="10.1.2.3")
    actions = list(AuditEntry.objects.filter(username=user.username).order_by("id").values_list("action", "ip_address"))
    assert actions == [("login_failed", "10.1.2.3"), ("login", "10.1.2.3")]


def test_membership_change_through_a_page_is_logged_with_who_and_what(client):
    organization = OrganizationFactory()
    staff = user_with_role("staff", organization)
    membership = MembershipFactory(group=StudyGroupFactory(organization=organization))
    client.force_login(staff)
    response = client.post(
        reverse("core:membership-edit", args=[membership.pk]),
        {"role": "deputy", "start_on": "2026-01-01", "end_on": ""},
        REMOTE_ADDR="10.9.9.9",
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="update", object_type="studygroup.membership", object_id=str(membership.pk))
    assert entry.username == staff.username
    assert entry.ip_address == "10.9.9.9"
    assert entry.changes == {"role": ["member", "deputy"]}
    assert entry.organization_path == organization.path
    page = client.get(reverse("core:audit-log")).content.decode()
    assert "角色:成员 → 副组长" in page


def test_create_and_delete_are_logged():
    membership = MembershipFactory()
    pk = membership.pk
    Membership.objects.filter(pk=pk).first().delete()
    actions = set(
        AuditEntry.objects.filter(object_type="studygroup.membership", object_id=str(pk)).values_list(
            "action", flat=True
        )
    )
    assert actions == {"create", "delete"}


def test_entries_cannot_be_changed_or_deleted_through_the_model():
    entry = AuditEntryFactory()
    entry.object_repr = "改过的"
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the database trigger exists on PostgreSQL only")
def test_database_refuses_to_change_or_delete_recent_entries():
    entry = AuditEntryFactory()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(object_repr="改过的")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).object_repr == entry.object_repr


def test_staff_read_their_subtree_entries_only(client):
    county = OrganizationFactory()
    town = OrganizationFactory(parent=county)
    neighbour = OrganizationFactory()
    MembershipFactory(group=StudyGroupFactory(organization=town), person__name="镇里的人")
    MembershipFactory(group=StudyGroupFactory(organization=neighbour), person__name="邻县的人")
    client.force_login(user_with_role("staff", county))
    page = client.get(reverse("core:audit-log")).content.decode()
    assert "镇里的人" in page
    assert "邻县的人" not in page


def test_members_cannot_read_the_audit_log(client):
    client.force_login(user_with_role("member", OrganizationFactory()))
    assert client.get(reverse("core:audit-log")).status_code == 403


def test_audit_log_query_count_does_not_grow_with_entries(client, django_assert_max_num_queries):
    organization = OrganizationFactory()
    client.force_login(user_with_role("staff", organization))
    MembershipFactory.create_batch(30, group=StudyGroupFactory(organization=organization))
    client.get(reverse("core:audit-log"))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("core:audit-log"))
    assert response.status_code == 200
