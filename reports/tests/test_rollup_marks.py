"""Every write that changes a rollup measure or a stored 八有/七有 status marks its group dirty: after the write and
the incremental run the rollups and the stored statuses equal a full rebuild, and before the run they did not
(so without the mark the run would leave them stale)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from freezegun import freeze_time

from audits.models import Checklist, ChecklistStatus
from audits.tests.factories import ChecklistFactory, ChecklistItemFactory
from plans.tests.factories import MaterialFactory, StudyPlanFactory
from reports.models import Rollup
from reports.rollups import rebuild, refresh_dirty
from reports.tests.test_rollups import MEASURES, tree
from sessions.tests.factories import AttendanceFactory, StudySessionFactory, SubmissionFactory
from studygroup.models import DirtyRollup, StudyGroup
from studygroup.tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    PersonFactory,
    StudyGroupFactory,
    UserFactory,
    user_with_role,
)

pytestmark = pytest.mark.django_db
HELD = datetime.datetime(2026, 3, 10, 1, tzinfo=datetime.UTC)


def snapshot():
    """The year's rollup rows and stored checklist statuses, comparable as a whole."""
    rollups = sorted(
        (row["organization"], row["month"], *(row[m] for m in MEASURES))
        for row in Rollup.objects.filter(year=2026).values("organization", "month", *MEASURES)
    )
    statuses = sorted(
        (group, checklist, sorted(statuses.items()))
        for group, checklist, statuses in ChecklistStatus.objects.filter(year=2026).values_list(
            "group_id", "checklist", "statuses"
        )
    )
    return rollups, statuses


def a_town():
    _city, counties = tree(4)
    return StudyGroup.objects.filter(organization__parent=counties[0]).first()


def seats_with_notes(group):
    """One seat whose holder handed in notes (八有 notes met), and a seat of 2025 only."""
    writer = MembershipFactory(group=group, start_on=datetime.date(2026, 1, 1))
    SubmissionFactory(
        group=group, person=writer.person, kind="notes", status="submitted", submitted_on=datetime.date(2026, 3, 6)
    )
    return MembershipFactory(group=group, start_on=datetime.date(2025, 1, 1))


def held_session(group, **fields):
    return StudySessionFactory(group=group, starts_at=HELD, ends_at=HELD + datetime.timedelta(hours=2), **fields)


def add_seat(group):
    from studygroup import services

    seats_with_notes(group).delete()
    person = PersonFactory(organization=group.organization)
    return lambda: services.membership_add(
        group=group, person=person, role="member", start_on=datetime.date(2026, 1, 1), by=staff(group)
    )


def end_seat(group):
    from studygroup import services

    seat = seats_with_notes(group)  # covers 2026 until ended in 2025: notes partial, then met
    return lambda: services.membership_end(membership=seat, end_on=datetime.date(2025, 12, 31), by=staff(group))


def change_seat(group):
    from studygroup import services

    seat = seats_with_notes(group)
    return lambda: services.membership_update(
        membership=seat, role="member", start_on=seat.start_on, end_on=datetime.date(2025, 6, 30), by=staff(group)
    )


def approve_plan(group):
    from plans import services

    plan = StudyPlanFactory(group=group, status="submitted")
    return lambda: services.plan_approve(plan=plan, by=user_with_role("leader", group.organization))


def save_minutes(group):
    from sessions import services

    session = held_session(group, minutes="")
    return lambda: services.minutes_save(session=session, minutes="会议记录", speeches=[], by=staff(group))


def send_circular(group):
    from sessions import services

    session = held_session(group)
    return lambda: services.circular_send(session=session, text="学习情况通报", by=staff(group))


def publish_material(group):
    from plans import services

    material = MaterialFactory(group=group, session=held_session(group), published_at=None)
    return lambda: services.material_publish(material=material, by=staff(group))


def save_summary(group):
    from reports import services

    return lambda: services.summary_save(group=group, year=2026, text="年度总结", by=staff(group))


def set_verdict(group):
    from audits import services

    checklist = Checklist.objects.filter(code="bayou").first() or ChecklistFactory(code="bayou")
    item = ChecklistItemFactory(checklist=checklist)
    inspector = user_with_role("inspector", group.organization.parent)
    return lambda: services.verdict_set(
        group=group, year=2026, checklist=checklist, item=item, verdict="met", comment="", by=inspector
    )


def add_rules(group):
    from audits import services

    return lambda: services.rules_add(
        organization=group.organization, title="学习制度", adopted_on=None, by=staff(group)
    )


def staff(group):
    return user_with_role("staff", group.organization)


WRITES = [add_seat, end_seat, change_seat, approve_plan, save_minutes, send_circular, publish_material]
WRITES += [save_summary, set_verdict, add_rules]


@pytest.mark.parametrize("prepare", WRITES, ids=lambda f: f.__name__)
def test_a_write_marks_its_group_and_the_next_run_equals_a_full_rebuild(prepare):
    with freeze_time("2026-12-01 10:00"):
        group = a_town()
        write = prepare(group)
        rebuild(2026)
        DirtyRollup.objects.all().delete()
        before = snapshot()
        write()
        assert DirtyRollup.objects.filter(group=group, year=2026).exists()
        refresh_dirty()
        incremental = snapshot()
        rebuild(2026)
        assert incremental == snapshot()
        assert before != incremental  # the write changed what the rollups keep: without its mark it stays stale


def test_research_and_lectures_mark_their_group_for_the_year_figures():
    from plans import services as plan_services
    from sessions import services as session_services

    group = a_town()
    person = PersonFactory(organization=group.organization)
    plan_services.research_topic_create(group=group, year=2026, title="调研课题", by=staff(group))
    assert DirtyRollup.objects.filter(group=group, year=2026).exists()
    DirtyRollup.objects.all().delete()
    session_services.lecture_create(
        group=group,
        person=person,
        on=datetime.date(2026, 5, 4),
        title="宣讲",
        place="礼堂",
        audience=40,
        by=staff(group),
    )
    assert DirtyRollup.objects.filter(group=group, year=2026, month=5).exists()


def test_a_record_deleted_in_the_admin_marks_its_group(client):
    with freeze_time("2026-12-01 10:00"):
        group = a_town()
        row = AttendanceFactory(session=held_session(group), status="absent")
        rebuild(2026)
        DirtyRollup.objects.all().delete()
        client.force_login(UserFactory(is_staff=True, is_superuser=True))
        url = reverse("admin:study_sessions_attendance_delete", args=[row.pk])
        assert client.post(url, {"post": "yes"}).status_code == 302
        refresh_dirty()
        incremental = snapshot()
        rebuild(2026)
    assert incremental == snapshot()
    assert not Rollup.objects.filter(year=2026, absent__gt=1, organization=group.organization).exists()


def test_a_records_bundle_import_marks_every_group_of_the_bundle_once_per_year():
    from reports.bundle.exporter import export
    from reports.bundle.importer.writer import import_bundle

    with freeze_time("2026-12-01 10:00"):
        city, _counties = tree(2)
        bundle = export(city)
        DirtyRollup.objects.all().delete()
        import_bundle(bundle)
        assert not DirtyRollup.objects.exists()  # nothing changed
        bundle["sessions"][0]["title"] = "改过的标题"
        import_bundle(bundle)
        groups = StudyGroup.objects.filter(organization__path__startswith=city.path).count()
        assert DirtyRollup.objects.filter(year=2026).count() == groups


def deep_tree(depth: int, width: int):
    """A chain of ``depth`` levels, each organization with a group and ``width`` more towns below it."""
    parent, leaves = None, []
    for _level in range(depth):
        parent = OrganizationFactory(parent=parent)
        StudyGroupFactory(organization=parent)
        for _town in range(width):
            leaves.append(StudyGroupFactory(organization=OrganizationFactory(parent=parent)))
    return leaves


@pytest.mark.parametrize("width", [4, 12])
def test_the_incremental_run_for_ten_dirty_groups_runs_the_same_queries_whatever_the_tree(width):
    from studygroup import rollup_marks

    with freeze_time("2026-12-01 10:00"):
        leaves = deep_tree(4, width)
        for group in leaves:
            held_session(group)
        rebuild(2026)
        for group in leaves[-10:]:
            rollup_marks.mark(group.pk, datetime.date(2026, 6, 1))
        with CaptureQueriesContext(connection) as context:
            assert refresh_dirty()[0] == 10
    assert len(context) == QUERIES


# The marks, the years' as-of moments, the sessions held since, whether the year has rollups; the statuses of the
# dirty groups (eight to collect them, then replaced in a savepoint); the organizations and groups rebuilt, six
# measures, their other children and those children's rows, the rows replaced in a savepoint (COPY); the marks cleared.
QUERIES = 33
