"""A plan's page shows which of its topics sessions have covered, and links them.

The page is the plans app's; it reaches sessions through the hooks the sessions app fills (plans/hooks.py), so
its tests live here, above both.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from plans.models import StudyPlan
from plans.tests.factories import PlanTopicFactory, StudyPlanFactory
from sessions.tests.factories import StudySessionFactory
from studygroup.tests.factories import OrganizationFactory, PersonFactory, StudyGroupFactory, user_with_role

pytestmark = pytest.mark.django_db


def plan_with_topics(count: int) -> StudyPlan:
    group = StudyGroupFactory(organization=OrganizationFactory())
    plan = StudyPlanFactory(group=group, status="approved")
    lead = PersonFactory(organization=group.organization)
    for index in range(count):
        topic = PlanTopicFactory(plan=plan, month=index % 12 + 1, lead=lead if index % 2 else None)
        if index % 3 == 0:
            StudySessionFactory(group=group, starts_at=timezone.now() - datetime.timedelta(days=1), topics=[topic])
    return plan


def queries_for(client, plan) -> int:
    client.force_login(user_with_role("staff", plan.group.organization))
    client.get(plan.get_absolute_url())
    with CaptureQueriesContext(connection) as context:
        response = client.get(plan.get_absolute_url())
    assert response.status_code == 200
    return len(context)


def test_plan_page_query_count_is_the_same_for_12_and_60_topics(client):
    assert queries_for(client, plan_with_topics(12)) == queries_for(client, plan_with_topics(60))


def test_plan_page_shows_planned_and_held_with_links(client):
    group = StudyGroupFactory(organization=OrganizationFactory())
    plan = StudyPlanFactory(group=group, status="approved", months={5: "五月主题"})
    held = PlanTopicFactory(plan=plan, month=5, title="已学专题")
    PlanTopicFactory(plan=plan, month=5, title="未学专题")
    future = PlanTopicFactory(plan=plan, month=6, title="已排未学")
    session = StudySessionFactory(
        group=group, starts_at=timezone.now() - datetime.timedelta(days=2), topics=[held], title="五月集体学习"
    )
    StudySessionFactory(group=group, starts_at=timezone.now() + datetime.timedelta(days=2), topics=[future])
    client.force_login(user_with_role("staff", group.organization))
    page = client.get(plan.get_absolute_url()).content.decode()
    assert "五月主题" in page
    assert page.count('align-self-start">已开展<') == 1
    assert page.count('align-self-start">未开展<') == 2
    assert session.get_absolute_url() in page
