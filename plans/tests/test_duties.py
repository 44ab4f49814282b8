"""Separation of duties: whoever drafts or submits a plan never approves it."""

import pytest
from django.core.exceptions import ValidationError

from plans import services
from plans.models import StudyPlan
from studygroup import audit
from studygroup.tests.factories import OrganizationFactory, RoleGrantFactory, StudyGroupFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def group():
    return StudyGroupFactory(organization=OrganizationFactory(name="城关镇党委"))


def _leader_with_staff_grant(group):
    user = user_with_role("member", group.organization)
    user.person.memberships.update(group=group, role="leader")
    RoleGrantFactory(person=user.person, organization=group.organization, role="staff")
    return user


def _draft(group, by):
    with audit.acting(by, "127.0.0.1"):
        plan = services.plan_create(group=group, year=2026, main_line="全年主线", by=by)
        services.topic_add(
            plan=plan, month=3, title="学习全会精神", source="assigned", session_kind="collective", by=by
        )
    return plan


def test_the_submitter_cannot_approve_his_own_plan(group):
    staff_leader = _leader_with_staff_grant(group)
    plan = services.plan_submit(plan=_draft(group, user_with_role("staff", group.organization)), by=staff_leader)
    with pytest.raises(ValidationError, match="须由其他领导审批"):
        services.plan_approve(plan=plan, by=staff_leader)
    plan.refresh_from_db()
    assert (plan.status, plan.approved_by, plan.approved_at) == (StudyPlan.Status.SUBMITTED, None, None)


def test_the_drafter_cannot_approve_his_own_plan(group):
    drafter = _leader_with_staff_grant(group)
    plan = services.plan_submit(plan=_draft(group, drafter), by=user_with_role("staff", group.organization))
    with pytest.raises(ValidationError):
        services.plan_approve(plan=plan, by=drafter)
    plan.refresh_from_db()
    assert (plan.status, plan.approved_by, plan.filed_at) == (StudyPlan.Status.SUBMITTED, None, None)


def test_another_leader_approves(group):
    staff = user_with_role("staff", group.organization)
    leader = user_with_role("member", group.organization)
    leader.person.memberships.update(group=group, role="leader")
    plan = services.plan_submit(plan=_draft(group, staff), by=staff)
    plan = services.plan_approve(plan=plan, by=leader)
    assert (plan.status, plan.approved_by) == (StudyPlan.Status.APPROVED, leader)
