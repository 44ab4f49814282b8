"""The periodic jobs: schedules created by migration, transient errors retried, daily reminders once a day."""

import datetime

import pytest
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from freezegun import freeze_time

from audits.tests.factories import ActionFactory, ObserverVisitFactory
from plans.tests.factories import MaterialFactory
from reports import services
from reports.models import MonthlyDigest, TaskRun
from reports.tasks import compile_digests, daily_reminders
from sessions.tests.factories import AttendanceFactory, StudySessionFactory
from studygroup.models import Notification
from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, user_with_role

pytestmark = pytest.mark.django_db


def test_schedules_are_created_by_migration():
    tasks = {t.task: t for t in PeriodicTask.objects.select_related("crontab", "interval")}
    digest = tasks["reports.compile_digests"].crontab
    assert (digest.minute, digest.hour, digest.day_of_month, str(digest.timezone)) == ("0", "6", "1", "Asia/Shanghai")
    drafts = tasks["reports.year_summary_drafts"].crontab
    assert (drafts.day_of_month, drafts.month_of_year) == ("20", "12")
    assert tasks["reports.daily_reminders"].crontab.day_of_month == "*"
    assert tasks["reports.refresh_rollups"].interval.every == 5


def test_a_transient_error_in_a_chunk_is_retried_and_every_digest_is_compiled_once(monkeypatch):
    county = OrganizationFactory(name="清河县委")
    StudyGroupFactory(organization=county)
    StudyGroupFactory(organization=OrganizationFactory(parent=county, name="城关镇党委"))
    StudyGroupFactory(organization=OrganizationFactory(parent=county, name="河西镇党委"))
    real, calls = services.digest_compile_many, []

    def flaky_compile(**kwargs):
        calls.append(sorted(o.name for o in kwargs["organizations"]))
        if len(calls) <= 2:
            raise OperationalError("server closed the connection unexpectedly")
        return real(**kwargs)

    monkeypatch.setattr(services, "digest_compile_many", flaky_compile)
    assert compile_digests(2026, 10) == 3
    # One chunk of the three, tried three times (in-process, its retries follow at once).
    assert calls == [["城关镇党委", "河西镇党委", "清河县委"]] * 3
    run = TaskRun.objects.get()
    assert (run.state, run.done, run.total, run.failures) == ("succeeded", 3, 3, 0)
    assert MonthlyDigest.objects.filter(year=2026, month=10).count() == 3


def test_a_permanent_error_in_one_organization_is_recorded_on_the_run_and_the_others_finish(monkeypatch, client):
    county = OrganizationFactory(name="清河县委")
    StudyGroupFactory(organization=county)
    broken = StudyGroupFactory(organization=OrganizationFactory(parent=county, name="城关镇党委")).organization
    real, real_many = services.digest_compile, services.digest_compile_many

    def compile_or_fail(**kwargs):
        if kwargs["organization"] == broken:
            raise ValueError("数据异常")
        return real(**kwargs)

    def compile_many_or_fail(**kwargs):
        if broken in kwargs["organizations"]:
            raise ValueError("数据异常")
        return real_many(**kwargs)

    # The town's bad record fails its chunk, then its own digest: the chunk is compiled one by one.
    monkeypatch.setattr(services, "digest_compile_many", compile_many_or_fail)
    monkeypatch.setattr(services, "digest_compile", compile_or_fail)
    compile_digests(2026, 11, county.pk)
    run = TaskRun.objects.get()
    assert (run.state, run.done, run.total, run.failures) == ("failed", 1, 2, 1)
    assert run.failed == [{"item": "城关镇党委", "error": "数据异常"}]
    assert run.message == "2 项中有 1 项未完成:城关镇党委(数据异常)"
    assert list(MonthlyDigest.objects.values_list("organization__name", flat=True)) == ["清河县委"]
    client.force_login(user_with_role("staff", county))
    page = client.get(reverse("reports:run-list")).content.decode()
    assert "城关镇党委:数据异常" in page and "1 项失败" in page
    # The job in words and its month, not its internal name and key.
    assert "编制学习专刊(2026年11月)" in page
    assert "compile_digests" not in page and run.key not in page


def test_daily_reminders_reach_each_person_once_a_day():
    group = StudyGroupFactory(organization=OrganizationFactory())
    member = user_with_role("member", group.organization)
    soon = timezone.now() + datetime.timedelta(days=2)
    upcoming = StudySessionFactory(group=group, starts_at=soon, ends_at=soon + datetime.timedelta(hours=2))
    MaterialFactory(group=group, session=upcoming)
    past = timezone.now() - datetime.timedelta(days=12)
    missed = StudySessionFactory(group=group, starts_at=past, ends_at=past + datetime.timedelta(hours=2))
    AttendanceFactory(session=missed, person=member.person, status="absent")
    observer = user_with_role("observer", OrganizationFactory())
    review_soon = timezone.now() + datetime.timedelta(days=16)
    ObserverVisitFactory(
        observer=observer.person,
        session=StudySessionFactory(
            group=group, starts_at=review_soon, ends_at=review_soon + datetime.timedelta(hours=2)
        ),
    )
    ObserverVisitFactory(observer=observer.person, session=missed)
    ActionFactory(group=group, owner=member.person, due_on=timezone.localdate() - datetime.timedelta(days=1))
    daily_reminders()
    daily_reminders()
    verbs = sorted(Notification.objects.values_list("recipient__username", "verb"))
    assert verbs == sorted(
        [
            (member.username, "prestudy_reminder"),
            (member.username, "makeup_due"),
            (member.username, "action_overdue"),
            (observer.username, "visit_review_due"),
            (observer.username, "visit_report_due"),
        ]
    )
    assert TaskRun.objects.filter(name="daily_reminders", state="succeeded").count() == 1
    with freeze_time(timezone.now() + datetime.timedelta(days=1)):
        daily_reminders()
    assert TaskRun.objects.filter(name="daily_reminders", state="succeeded").count() == 2


def test_job_runs_page_says_when_nothing_has_run(client):
    client.force_login(user_with_role("staff", OrganizationFactory()))
    page = client.get(reverse("reports:run-list")).content.decode()
    assert "本单位尚未运行过后台任务。" in page
