"""Writes of the apps above the core are logged by the code that makes them (explicit calls, no signals)."""

import pytest

from studygroup import audit
from studygroup.models import AuditEntry
from studygroup.tests.factories import StudyGroupFactory, user_with_role

pytestmark = pytest.mark.django_db


def test_a_scheduled_draft_of_the_year_summary_is_logged_as_the_systems():
    from reports import services as report_services

    group = StudyGroupFactory()
    summary = report_services.summary_draft(group=group, year=2026, text="初稿")
    report_services.summary_draft(group=group, year=2026, text="二稿")
    entries = AuditEntry.objects.filter(object_type="reports.yearsummary", object_id=str(summary.pk)).order_by("id")
    assert [(e.action, e.username, e.changes["text"], e.organization_path) for e in entries] == [
        ("create", "", [None, "初稿"], group.organization.path),
        ("update", "", ["初稿", "二稿"], group.organization.path),
    ]


def test_a_deletion_logs_every_record_the_cascade_takes():
    from plans.models import PlanMonth, PlanTopic
    from plans.tests.factories import PlanTopicFactory, StudyPlanFactory

    plan = StudyPlanFactory(months={3: "三月主题"})
    topic = PlanTopicFactory(plan=plan, month=3)
    months = list(PlanMonth.objects.filter(plan=plan).values_list("pk", flat=True))
    assert months
    staff = user_with_role("staff", plan.group.organization)
    plan_pk = plan.pk
    audit.delete(plan, by=staff)
    assert not PlanTopic.objects.filter(pk=topic.pk).exists()
    deleted = set(AuditEntry.objects.filter(action="delete", user=staff).values_list("object_type", "object_id"))
    assert deleted == {
        ("plans.studyplan", str(plan_pk)),
        ("plans.plantopic", str(topic.pk)),
        *(("plans.planmonth", str(pk)) for pk in months),
    }
    assert set(AuditEntry.objects.values_list("organization_path", flat=True)) == {plan.group.organization.path}
