"""Rows written in bulk or by a queryset update leave one audit entry each, filed under the owner; locks."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from sessions import services, signin
from sessions.models import Attendance, LeaveRequest, Submission
from sessions.tests.factories import AttendanceFactory, LeaveRequestFactory, StudySessionFactory
from studygroup.models import AuditEntry, Notification
from studygroup.tests.factories import MembershipFactory, OrganizationFactory, StudyGroupFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def group():
    county = OrganizationFactory(name="临江县委")
    return StudyGroupFactory(organization=OrganizationFactory(name="城关镇党委", parent=county))


@pytest.fixture
def staff(group):
    return user_with_role("staff", group.organization)


def _session(group, hours_ago=3):
    start = timezone.now() - datetime.timedelta(hours=hours_ago)
    return StudySessionFactory(group=group, starts_at=start, ends_at=start + datetime.timedelta(hours=2))


def _entries(model: str, action: str):
    return AuditEntry.objects.filter(object_type=f"study_sessions.{model}", action=action)


def test_every_row_of_the_grid_leaves_an_entry(client, group, staff):
    session = _session(group)
    seats = MembershipFactory.create_batch(3, group=group)
    client.force_login(staff)
    data = {
        f"status-{seat.person.pk}": status for seat, status in zip(seats, ["present", "late", "absent"], strict=True)
    }
    client.post(reverse("sessions:attendance", args=[session.pk]), data)
    rows = {a.pk: a.status for a in session.attendances.all()}
    entries = _entries("attendance", "create")
    assert sorted(int(e.object_id) for e in entries) == sorted(rows)
    assert {e.changes["status"][1] for e in entries} == {"present", "late", "absent"}
    assert {(e.user, e.organization_path) for e in entries} == {(staff, group.organization.path)}


def test_guests_and_speeches_leave_an_entry_each(client, group, staff):
    client.force_login(staff)
    client.post(
        reverse("sessions:session-create", args=[group.pk]),
        {
            "kind": "collective",
            "title": "扩大学习",
            "starts_at": "2026-12-01T09:00",
            "ends_at": "2026-12-01T11:00",
            "is_expanded": "on",
            "guests": "李四,某村党支部\n王五",
        },
    )
    assert sorted(e.object_repr for e in _entries("sessionguest", "create")) == ["李四", "王五"]
    session = group.sessions.get()
    client.post(
        reverse("sessions:minutes", args=[session.pk]),
        {"minutes": "书记主持。", "speeches": "李四:介绍村里做法\n王五:谈体会"},
    )
    speeches = _entries("speech", "create")
    assert sorted(e.object_repr for e in speeches) == ["李四", "王五"]
    assert {(e.user, e.organization_path) for e in speeches} == {(staff, group.organization.path)}


def test_a_late_arrival_over_an_absence_leaves_an_entry(client, group):
    session = _session(group, hours_ago=1)
    member = user_with_role("member", group.organization)
    member.person.memberships.update(group=group)
    row = AttendanceFactory(session=session, person=member.person, status="absent")
    client.force_login(member)
    client.post(reverse("sessions:signin", args=[session.pk, signin.make_token(session, signin.LINK)]))
    entry = _entries("attendance", "update").get(object_id=str(row.pk))
    assert entry.changes == {"status": ["absent", "late"]} and entry.user == member


def test_accepted_make_up_notes_leave_an_entry(group, staff):
    session = _session(group, hours_ago=48)
    member = user_with_role("member", group.organization)
    member.person.memberships.update(group=group)
    row = AttendanceFactory(session=session, person=member.person, status="leave")
    submission = services.submission_save(
        by=member, group=group, kind="notes", title="补学笔记", text="补学", session=session, is_makeup=True
    )
    services.submission_submit(submission=submission, by=member)
    services.submission_review(submission=submission, action="accept", by=staff)
    row.refresh_from_db()
    assert row.status == "made_up"
    entry = _entries("attendance", "update").get(object_id=str(row.pk))
    assert entry.changes == {"status": ["leave", "made_up"]} and entry.organization_path == group.organization.path


def test_a_leave_decided_twice_at_once_is_decided_and_notified_once(group, staff):
    member = user_with_role("member", group.organization)
    leave = LeaveRequestFactory(session=StudySessionFactory(group=group), person=member.person)
    first, second = LeaveRequest.objects.get(pk=leave.pk), LeaveRequest.objects.get(pk=leave.pk)
    services.leave_decide(request=first, approve=True, by=staff)
    with pytest.raises(ValidationError):
        services.leave_decide(request=second, approve=False, by=staff)
    leave.refresh_from_db()
    assert leave.status == "approved"
    assert Notification.objects.filter(verb="leave_decided").count() == 1
    assert Attendance.objects.get(person=member.person).status == "leave"


def test_a_submission_submitted_twice_at_once_is_submitted_once(group, staff):
    member = user_with_role("member", group.organization)
    draft = services.submission_save(by=member, group=group, kind="notes", title="笔记", text="正文")
    first, second = Submission.objects.get(pk=draft.pk), Submission.objects.get(pk=draft.pk)
    services.submission_submit(submission=first, by=member)
    with pytest.raises(ValidationError):
        services.submission_submit(submission=second, by=member)
    assert list(draft.steps.values_list("action", flat=True)) == ["submit"]
    assert Notification.objects.filter(verb="submission_submitted").count() == 1
