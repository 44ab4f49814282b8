"""Faults injected into the jobs (issue 15: 3 to 6): a delivery that dies mid-run, a heartbeat that stops, a
lease whose holder died, a month an outage left out. Each failed before the jobs had run records per key,
heartbeats, leases and catch-up."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from reports import services, tasks
from reports.models import MonthlyDigest, TaskRun
from reports.tasks import compile_digests
from studygroup import jobs
from studygroup.models import AuditEntry, JobClaim, JobLease
from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, user_with_role

pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):
    """What a ``kill -9`` of the worker process looks like from inside: nothing after it runs."""


@pytest.fixture
def county():
    county = OrganizationFactory(name="清河县委")
    StudyGroupFactory(organization=county)
    for name in ("城关镇党委", "河西镇党委"):
        StudyGroupFactory(organization=OrganizationFactory(parent=county, name=name))
    return county


def _die_at(monkeypatch, name: str):
    """The first compile of ``name`` kills the worker; later ones (the redelivery) work. A task compiles one
    organization here (chunks of one), so the kill comes after the others were done."""
    real, died = services.digest_compile_many, []

    def compile_or_die(**kwargs):
        if name in [o.name for o in kwargs["organizations"]] and not died:
            died.append(name)
            raise WorkerKilled
        return real(**kwargs)

    monkeypatch.setattr(tasks, "DIGEST_CHUNK", 1)
    monkeypatch.setattr(services, "digest_compile_many", compile_or_die)


def test_a_redelivered_compile_carries_on_its_run_and_leaves_one_record_that_succeeds(county, monkeypatch):
    _die_at(monkeypatch, "河西镇党委")
    with pytest.raises(WorkerKilled):
        compile_digests.apply(args=(2026, 10), task_id="delivery-1")
    run = TaskRun.objects.get()
    assert (run.key, run.state, run.done, run.total) == ("digests:2026-10:all", "running", 2, 3)
    # Redis delivers the same message again (same task id) once the visibility timeout has passed.
    assert compile_digests.apply(args=(2026, 10), task_id="delivery-1").get() == 3
    run = TaskRun.objects.get()
    assert (run.state, run.done, run.total, run.failures) == ("succeeded", 3, 3, 0)
    assert MonthlyDigest.objects.filter(year=2026, month=10).count() == 3
    assert not JobLease.objects.exists() and not JobClaim.objects.filter(key__startswith=f"run{run.pk}:").exists()


def test_a_run_whose_heartbeat_stopped_shows_interrupted_with_the_time_and_staff_run_it_again(
    county, monkeypatch, client, django_capture_on_commit_callbacks
):
    staff = user_with_role("staff", county)
    _die_at(monkeypatch, "河西镇党委")
    with freeze_time("2026-11-03 02:10:00"):  # 10:10 in Shanghai
        run = services.digest_compile_start(organization=county, year=2026, month=10, by=staff)
        with pytest.raises(WorkerKilled):
            compile_digests.apply(args=(2026, 10, county.pk, run.pk), task_id="delivery-1")
    client.force_login(staff)
    with freeze_time("2026-11-03 02:11:00"):  # a minute of silence: still running
        page = client.get(reverse("reports:run-list")).content.decode()
        assert "运行中" in page and "已中断" not in page
    with freeze_time("2026-11-03 02:15:00"):
        page = client.get(reverse("reports:run-list")).content.decode()
        assert "已中断" in page and "于 11-03 10:10 停止" in page
        assert "重新运行" in page and "已编制的专刊会保留" in page
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("reports:run-restart", args=[run.pk]))
    run = TaskRun.objects.get()
    assert (run.state, run.done, run.total, run.triggered_by) == ("succeeded", 3, 3, staff)
    assert MonthlyDigest.objects.filter(year=2026, month=10).count() == 3


def test_an_interrupted_scheduled_run_tells_staff_the_system_retries_it(county, monkeypatch, client):
    staff = user_with_role("staff", county)
    _die_at(monkeypatch, "河西镇党委")
    with freeze_time("2026-11-03 02:10:00"), pytest.raises(WorkerKilled):
        compile_digests.apply(args=(2026, 10, county.pk), task_id="beat-delivery")
    TaskRun.objects.update(triggered_by=None, params={})  # as the schedule starts it: nothing to run again by hand
    client.force_login(staff)
    with freeze_time("2026-11-03 02:15:00"):
        page = client.get(reverse("reports:run-list")).content.decode()
    assert "已中断" in page and "系统将在几分钟内自动重试" in page and "重新运行" not in page


def test_only_staff_of_the_runs_organization_may_run_it_again(county, client):
    staff = user_with_role("staff", county)
    with freeze_time("2026-11-03 02:10:00"):
        run = services.digest_compile_start(organization=county, year=2026, month=10, by=staff)
    outsider = user_with_role("staff", OrganizationFactory())
    client.force_login(outsider)
    assert client.post(reverse("reports:run-restart", args=[run.pk])).status_code == 404
    assert "清河县委" not in client.get(reverse("reports:run-list")).content.decode()
    member = user_with_role("member", county)
    client.force_login(member)
    assert client.post(reverse("reports:run-restart", args=[run.pk])).status_code in (403, 404)


def test_a_second_compile_while_one_is_going_starts_nothing(county, django_capture_on_commit_callbacks):
    staff = user_with_role("staff", county)
    with django_capture_on_commit_callbacks() as first:
        run = services.digest_compile_start(organization=county, year=2026, month=10, by=staff)
    with django_capture_on_commit_callbacks() as second:
        again = services.digest_compile_start(organization=county, year=2026, month=10, by=staff)
    assert again.pk == run.pk and (run.started_now, again.started_now) == (True, False)
    assert (len(first), len(second)) == (1, 0)


def test_a_lease_of_a_dead_holder_is_taken_over_after_expiry_and_a_live_one_is_not():
    with freeze_time("2026-11-03 02:00:00") as clock:
        assert jobs.lease_take("digests:2026-10:all", "worker-a")
        clock.tick(60)
        assert jobs.lease_renew("digests:2026-10:all", "worker-a")  # a heartbeat
        clock.tick(100)  # 100 s after the heartbeat: still alive
        assert not jobs.lease_take("digests:2026-10:all", "worker-b")
        clock.tick(21)  # silent for more than the lease (120 s): dead
        assert jobs.lease_holder("digests:2026-10:all") is None
        assert jobs.lease_take("digests:2026-10:all", "worker-b")
        assert not jobs.lease_renew("digests:2026-10:all", "worker-a")  # the old holder learns it lost it
        assert jobs.lease_holder("digests:2026-10:all") == "worker-b"


def test_the_monthly_job_compiles_every_digest_missing_from_the_last_three_months(county):
    town = county.children.get(name="城关镇党委")
    with freeze_time("2026-10-01 00:00:00"):
        compile_digests(2026, 9)  # September: all three
    edited = MonthlyDigest.objects.get(organization=county, year=2026, month=9)
    # October's run was abandoned at 2/3 by an outage; November's never ran.
    services.digest_compile(organization=county, year=2026, month=10)
    services.digest_compile(organization=town, year=2026, month=10)
    with freeze_time("2026-11-30 22:00:00"):  # 06:00 on 1 December in Shanghai
        assert compile_digests.apply().get() == 3
        assert compile_digests.apply().get() == 0  # a second beat
    counts = {month: MonthlyDigest.objects.filter(year=2026, month=month).count() for month in (9, 10, 11)}
    assert counts == {9: 3, 10: 3, 11: 3}
    edited_after = MonthlyDigest.objects.get(pk=edited.pk)
    assert edited_after.compiled_at == edited.compiled_at  # an earlier month's compiled digest is left alone
    assert TaskRun.objects.get(key="digests:2026-10:all").total == 1  # only the missing one


def test_the_run_record_counts_each_organization_of_a_chunk_once_however_often_it_is_delivered(county):
    from reports import runs
    from reports.tasks import compile_digest_chunk

    holder = "delivery-1"
    run, _startable = runs.open_run(name="compile_digests", key="digests:2026-10:all")
    runs.begin(run, holder, 3)
    assert jobs.lease_take(run.key, holder)
    chunk = [county.pk, *county.children.order_by("path").values_list("pk", flat=True)]
    for _delivery in range(3):
        compile_digest_chunk.apply(args=(2026, 10, chunk, run.pk, holder))
    run.refresh_from_db()
    assert (run.done, run.failures) == (3, 0)
    assert sorted(MonthlyDigest.objects.values_list("organization_id", "number")) == sorted((pk, 1) for pk in chunk)
    created = AuditEntry.objects.filter(object_type="reports.monthlydigest", action=AuditEntry.Action.CREATE)
    assert created.count() == 3 and not AuditEntry.objects.filter(action=AuditEntry.Action.UPDATE).exists()


def test_the_run_record_counts_each_organization_once_however_often_it_is_delivered(county):
    from reports import runs
    from reports.tasks import compile_digest_for

    holder = "delivery-1"
    run, _startable = runs.open_run(name="compile_digests", key="digests:2026-10:all")
    runs.begin(run, holder, 3)
    assert jobs.lease_take(run.key, holder)
    for _delivery in range(3):
        compile_digest_for.apply(args=(2026, 10, county.pk, run.pk, holder))
    run.refresh_from_db()
    assert run.done == 1 and MonthlyDigest.objects.count() == 1
    assert timezone.now() - run.heartbeat_at < datetime.timedelta(seconds=5)


@pytest.mark.skipif(
    __import__("django.db").db.connection.vendor != "postgresql", reason="two connections racing need PostgreSQL"
)
@pytest.mark.django_db(transaction=True)
def test_two_beats_sending_the_daily_reminders_at_once_send_them_once():
    import threading

    from django.db import connection

    from audits.tests.factories import ActionFactory
    from reports.tasks import daily_reminders
    from studygroup.models import Notification

    group = StudyGroupFactory(organization=OrganizationFactory())
    member = user_with_role("member", group.organization)
    ActionFactory(group=group, owner=member.person, due_on=timezone.localdate() - datetime.timedelta(days=1))
    start, results = threading.Barrier(2), []

    def beat():
        try:
            start.wait(timeout=10)
            results.append(daily_reminders.apply().get())
        finally:
            connection.close()  # each thread had its own connection

    threads = [threading.Thread(target=beat) for _index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == [0, 1]
    assert Notification.objects.filter(recipient=member, verb="action_overdue").count() == 1
    assert JobClaim.objects.filter(key=f"reminders:{timezone.localdate():%Y-%m-%d}").count() == 1
    assert TaskRun.objects.filter(name="daily_reminders").count() == 1
