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


def test_a_transient_error_is_left_to_celery_to_retry_and_a_permanent_one_is_recorded(monkeypatch):
    StudyGroupFactory(organization=OrganizationFactory())
    assert OperationalError in compile_digests.autoretry_for and ValueError not in compile_digests.autoretry_for
    assert compile_digests.retry_backoff
    real = services.digest_compile

    def transient(**kwargs):
        raise OperationalError("connection reset")

    monkeypatch.setattr(services, "digest_compile", transient)
    with pytest.raises(OperationalError):
        compile_digests.run(2026, 10)  # the task body lets it through to the autoretry wrapper
    assert TaskRun.objects.get().message == "因临时故障中断,将自动重试。"
    monkeypatch.setattr(services, "digest_compile", real)
    assert compile_digests(2026, 10) == 1  # the retry compiles it
    assert MonthlyDigest.objects.count() == 1

    def permanent(**kwargs):
        raise ValueError("数据异常")

    monkeypatch.setattr(services, "digest_compile", permanent)
    assert compile_digests(2026, 11) == 0  # not raised, so never retried
    assert TaskRun.objects.filter(state="failed").get().message == "编制失败:数据异常"


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
