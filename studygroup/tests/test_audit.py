"""The audit log: logins, changes, who and from where; append-only; staff read their subtree."""

import datetime
import io

import pytest
from django.db import DatabaseError, connection, transaction
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone

from studygroup import audit, services
from studygroup.models import AuditEntry, StudyGroup
from studygroup.tests.factories import (
    PASSWORD,
    AuditEntryFactory,
    MembershipFactory,
    OrganizationFactory,
    PersonFactory,
    StudyGroupFactory,
    UserFactory,
    user_with_role,
)
from studygroup.tests.querycount import assert_queries

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


def test_create_and_delete_are_logged_by_the_service_with_who_and_where():
    organization = OrganizationFactory()
    staff = user_with_role("staff", organization)
    person = PersonFactory(organization=organization)
    with audit.acting(staff, "10.4.4.4"):
        grant = services.grant_create(person=person, organization=organization, role="viewer", by=staff)
        services.grant_withdraw(grant=grant, by=staff)
    entries = AuditEntry.objects.filter(object_type="studygroup.rolegrant", object_id=str(grant.pk)).order_by("id")
    assert [(e.action, e.username, e.ip_address, e.organization_path) for e in entries] == [
        ("create", staff.username, "10.4.4.4", organization.path),
        ("delete", staff.username, "10.4.4.4", organization.path),
    ]
    assert entries[0].changes["role"] == [None, "viewer"]
    assert entries[1].changes["role"] == ["viewer", None]


def _seat(organization, name, by=None):
    """Seat a new person through the service, as the organization's staff do (the service logs it)."""
    group = StudyGroup.objects.filter(organization=organization).first() or StudyGroupFactory(organization=organization)
    person = PersonFactory(organization=organization, name=name)
    by = by or user_with_role("staff", organization)
    return services.membership_add(group=group, person=person, role="member", by=by)


def test_entries_cannot_be_changed_or_deleted_through_the_model():
    entry = AuditEntryFactory()
    entry.object_repr = "改过的"
    with pytest.raises(ValueError, match="cannot be changed"):
        entry.save()
    with pytest.raises(ValueError, match="cannot be deleted"):
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
    _seat(town, "镇里的人")
    _seat(neighbour, "邻县的人")
    client.force_login(user_with_role("staff", county))
    page = client.get(reverse("core:audit-log")).content.decode()
    assert "镇里的人" in page
    assert "邻县的人" not in page


def test_members_cannot_read_the_audit_log(client):
    client.force_login(user_with_role("member", OrganizationFactory()))
    assert client.get(reverse("core:audit-log")).status_code == 403


def test_audit_log_query_count_does_not_grow_with_entries(client):
    organization = OrganizationFactory()
    staff = user_with_role("staff", organization)
    client.force_login(staff)
    pages = []
    for added in (3, 27):
        for index in range(added):
            _seat(organization, f"成员{len(pages)}-{index}", by=staff)
        client.get(reverse("core:audit-log"))
        with assert_queries(11):
            pages.append(client.get(reverse("core:audit-log")).content.decode())
    assert AuditEntry.objects.filter(organization_path=organization.path, action="create").count() >= 30
    assert pages[1].count("成员1-") > pages[0].count("成员0-")


# Reading the log: names, local times, translated values, any JSON ------------------------------------------


def staff_reading(client, organization):
    client.force_login(user_with_role("staff", organization))
    return lambda: client.get(reverse("core:audit-log")).content.decode()


def test_log_names_referenced_records_in_local_time_with_translated_values(client):
    organization = OrganizationFactory()
    group = StudyGroupFactory(organization=organization)
    reviewer = PersonFactory(organization=organization, name="周敏")
    read = staff_reading(client, organization)
    for object_type, object_id, changes in [
        ("studygroup.studygroup", group.pk, {"second_reviewer": [None, reviewer.pk]}),
        ("studygroup.user", 1, {"password_changed_at": ["2026-11-25T01:30:00+00:00", None]}),
        ("studygroup.membership", 1, {"start_on": ["2026-01-01", "2026-03-05"], "role": ["member", "leader"]}),
        ("audits.action", 1, {"status": ["open", "done"]}),
        ("studygroup.studygroup", group.pk, {"is_active": [True, False]}),
    ]:
        AuditEntryFactory(
            object_type=object_type, object_id=str(object_id), changes=changes, organization_path=organization.path
        )
    page = read()
    assert "第二审核人:— → 周敏" in page
    assert "密码修改时间:2026年11月25日 09:30 → —" in page
    assert "起始日期:2026年1月1日 → 2026年3月5日" in page
    assert "角色:成员 → 组长" in page
    assert "状态:待整改 → 已整改" in page
    assert "有效:是 → 否" in page


def test_a_record_no_longer_on_file_is_shown_by_its_number(client):
    organization = OrganizationFactory()
    read = staff_reading(client, organization)
    AuditEntryFactory(
        object_type="studygroup.studygroup",
        changes={"second_reviewer": [987654, None]},
        organization_path=organization.path,
    )
    assert "第二审核人:#987654 → —" in read()


@pytest.mark.parametrize(
    "changes",
    [
        {"content": [{"sections": [1, 2]}, {"sections": [3]}]},
        {"content": [[1, 2], [3]]},
        {"counts": {"sessions": 3}},
        {"odd": "not a pair"},
        {"status": [["draft"], {"x": 1}]},
        ["a", "list", "of", "changes"],
    ],
)
def test_log_shows_any_json_the_changes_hold(client, changes):
    """A digest recompiled stores its JSON content; the log answered 500 (unhashable dict)."""
    organization = OrganizationFactory()
    read = staff_reading(client, organization)
    for object_type in ("reports.monthlydigest", "audits.action", "no.such_model", ""):
        AuditEntryFactory(object_type=object_type, changes=changes, organization_path=organization.path)
    assert "<table" in read()


def test_audit_log_query_count_is_the_same_at_two_sizes(client, django_assert_num_queries):
    organization = OrganizationFactory()
    group = StudyGroupFactory(organization=organization)
    client.force_login(user_with_role("staff", organization))

    def add_entries(count):
        for _index in range(count):
            reviewer = PersonFactory(organization=organization)
            AuditEntryFactory(
                object_type="studygroup.studygroup",
                object_id=str(group.pk),
                changes={"second_reviewer": [None, reviewer.pk], "organization": [organization.pk, organization.pk]},
                organization_path=organization.path,
            )
            AuditEntryFactory(
                object_type="studygroup.membership",
                changes={"person": [None, reviewer.pk], "role": ["member", "leader"]},
                organization_path=organization.path,
            )
        return reviewer

    add_entries(2)
    client.get(reverse("core:audit-log"))
    with django_assert_num_queries(13):
        client.get(reverse("core:audit-log"))
    last = add_entries(20)
    with django_assert_num_queries(13):
        response = client.get(reverse("core:audit-log"))
    page = response.content.decode()
    assert f"第二审核人:— → {last.name}" in page
    assert f"人员:— → {last.name}" in page


# Downloads, retention ------------------------------------------------------------------------------------


def test_every_download_is_logged_as_an_export(rf):
    from studygroup import documents
    from studygroup.middleware import AuditContextMiddleware

    organization = OrganizationFactory()
    user = user_with_role("staff", organization)
    request = rf.get("/reports/ledger.xlsx", REMOTE_ADDR="10.7.7.7")
    request.user = user
    middleware = AuditContextMiddleware(lambda request: documents.download(b"x", documents.XLSX, "城关镇学习台账.xlsx"))
    middleware(request)
    page_middleware = AuditContextMiddleware(lambda request: HttpResponse("page"))
    page_middleware(request)
    entry = AuditEntry.objects.get(action="export")
    assert (entry.username, entry.ip_address, entry.organization_path) == (user.username, "10.7.7.7", organization.path)
    assert entry.changes == {"file": "城关镇学习台账.xlsx"}


def test_entries_past_the_retention_period_are_pruned(settings):
    from django.core.management import call_command

    settings.AUDIT_RETENTION_DAYS = 200
    now = timezone.now()
    old = AuditEntryFactory(at=now - datetime.timedelta(days=201))
    kept = AuditEntryFactory(at=now - datetime.timedelta(days=199))
    output = io.StringIO()
    call_command("prune_audit_log", stdout=output)
    assert output.getvalue().strip() == "1 entries older than 200 days deleted."
    assert not AuditEntry.objects.filter(pk=old.pk).exists()
    assert AuditEntry.objects.filter(pk=kept.pk).exists()
    assert AuditEntry.objects.get(action="delete", username="system").changes == {"retention_days": 200, "deleted": 1}
    call_command("prune_audit_log", stdout=io.StringIO())
    assert AuditEntry.objects.count() == 2


def test_retention_is_never_below_180_days(monkeypatch):
    import importlib

    from studygroup import settings as project_settings

    monkeypatch.setenv("AUDIT_RETENTION_DAYS", "30")
    monkeypatch.setenv("DEBUG", "1")
    assert importlib.reload(project_settings).AUDIT_RETENTION_DAYS == 180
    monkeypatch.delenv("AUDIT_RETENTION_DAYS")
    importlib.reload(project_settings)


def test_the_nightly_prune_is_scheduled():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="studygroup.prune_audit_log")
    assert (task.crontab.hour, task.crontab.minute, task.enabled) == ("3", "0", True)


# The Django admin calls no service: its mixin logs what it writes -------------------------------------------


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def _entries_of(instance):
    return list(
        AuditEntry.objects.filter(object_type=instance._meta.label_lower, object_id=str(instance.pk))
        .order_by("id")
        .values_list("action", "username", "ip_address", "changes")
    )


def test_the_admin_logs_what_it_adds_changes_and_deletes(admin_client):
    from studygroup.models import Membership

    group = StudyGroupFactory()
    person = PersonFactory(organization=group.organization)
    body = {"person": person.pk, "group": group.pk, "role": "member", "start_on": "2026-01-01", "end_on": ""}
    response = admin_client.post("/admin/studygroup/membership/add/", body, REMOTE_ADDR="10.5.5.5")
    assert response.status_code == 302
    membership = Membership.objects.get(person=person)
    admin_client.post(
        f"/admin/studygroup/membership/{membership.pk}/change/", {**body, "role": "deputy"}, REMOTE_ADDR="10.5.5.5"
    )
    admin_client.post(f"/admin/studygroup/membership/{membership.pk}/delete/", {"post": "yes"}, REMOTE_ADDR="10.5.5.5")
    assert not Membership.objects.filter(pk=membership.pk).exists()
    entries = _entries_of(membership)
    assert [entry[:3] for entry in entries] == [
        ("create", "root", "10.5.5.5"),
        ("update", "root", "10.5.5.5"),
        ("delete", "root", "10.5.5.5"),
    ]
    assert entries[1][3] == {"role": ["member", "deputy"]}
    assert entries[2][3]["role"] == ["deputy", None]
    assert AuditEntry.objects.get(action="update").organization_path == group.organization.path


def test_the_admin_logs_the_rows_of_its_inlines_and_a_deletion_of_many(admin_client):
    from studygroup.models import RoleGrant

    organization = OrganizationFactory()
    person = PersonFactory(organization=organization, name="赵强")
    body = {
        "name": person.name,
        "post": person.post,
        "organization": organization.pk,
        "code": person.code,
        "user": "",
        "grants-TOTAL_FORMS": "1",
        "grants-INITIAL_FORMS": "0",
        "grants-0-organization": organization.pk,
        "grants-0-role": "viewer",
        "grants-0-person": person.pk,
    }
    response = admin_client.post(f"/admin/studygroup/person/{person.pk}/change/", body)
    assert response.status_code == 302, response.content.decode()[:2000]
    grant = RoleGrant.objects.get(person=person)
    assert [entry[:2] for entry in _entries_of(grant)] == [("create", "root")]
    admin_client.post(
        "/admin/studygroup/rolegrant/",
        {"action": "delete_selected", "_selected_action": [grant.pk], "post": "yes"},
    )
    assert not RoleGrant.objects.filter(pk=grant.pk).exists()
    assert [entry[:2] for entry in _entries_of(grant)] == [("create", "root"), ("delete", "root")]


def test_a_password_set_in_the_admin_is_logged_masked(admin_client):
    user = UserFactory()
    url = f"/admin/studygroup/user/{user.pk}/password/"
    response = admin_client.post(url, {"password1": "Admin-Set-2026!", "password2": "Admin-Set-2026!"})
    assert response.status_code == 302
    ((action, username, _address, changes),) = _entries_of(user)
    assert (action, username, changes["password"]) == ("update", "root", ["******", "******"])


# Explicit calls, no signals ------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", audit.audited_models(), ids=lambda model: model._meta.label)
def test_no_audit_receiver_listens_to_an_audited_model(model):
    from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

    for signal in (pre_save, post_save, pre_delete, post_delete):
        sync_receivers, async_receivers = signal._live_receivers(model)
        listening = [
            receiver for receiver in [*sync_receivers, *async_receivers] if receiver.__module__ == audit.__name__
        ]
        assert listening == [], f"{signal} of {model._meta.label}"


def test_the_audited_models_are_the_records_of_our_apps():
    labels = {model._meta.label for model in audit.audited_models()}
    assert {"studygroup.Membership", "plans.StudyPlan", "study_sessions.Submission", "audits.Action"} <= labels
    assert {"studygroup.AuditEntry", "studygroup.Notification", "study_sessions.FormReceipt"}.isdisjoint(labels)


def test_every_admin_of_an_audited_model_logs_what_it_writes():
    from django.contrib import admin

    from studygroup.admin import AuditedAdminMixin

    for model, model_admin in admin.site._registry.items():
        inlines = [inline.model for inline in model_admin.inlines]
        if audit.is_audited(model) or any(audit.is_audited(inline) for inline in inlines):
            assert isinstance(model_admin, AuditedAdminMixin), model._meta.label


# Writes no page of the crawl makes as an insider: one's own account, scheduled jobs --------------------------


def test_ones_own_password_and_address_changes_are_logged_with_the_password_masked():
    organization = OrganizationFactory()
    user = user_with_role("member", organization, email="old@example.org")
    with audit.acting(user, "10.6.6.6"):
        services.password_change(user=user, password="Another-Pass-2026")
        services.email_change(user=user, email="new@example.org", password="Another-Pass-2026")
    entries = AuditEntry.objects.filter(object_type="studygroup.user", object_id=str(user.pk)).order_by("id")
    assert [(e.action, e.user, e.ip_address, e.organization_path) for e in entries] == [
        ("update", user, "10.6.6.6", organization.path),
        ("update", user, "10.6.6.6", organization.path),
    ]
    assert entries[0].changes["password"] == ["******", "******"]
    assert "Another-Pass-2026" not in str(entries[0].changes)
    assert entries[1].changes == {"email": ["old@example.org", "new@example.org"]}
