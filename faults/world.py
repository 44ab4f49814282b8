"""The records a fault scenario (or a test of one) acts on: a town with its study group, its staff, a leader and
a member who have e-mail addresses, a plan ready to submit and a session coming up."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from plans import services as plan_services
from plans.models import StudyPlan
from sessions.models import StudySession
from sessions.tests.factories import StudySessionFactory
from studygroup.models import Organization, StudyGroup, User
from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, user_with_role


@dataclass
class Town:
    organization: Organization
    group: StudyGroup
    staff: User
    leader: User
    member: User
    plan: StudyPlan
    session: StudySession


def build_town(tag: str | None = None, parent: Organization | None = None) -> Town:
    """A town whose leader (``leader-<tag>@faults.example``) and member have unique e-mail addresses."""
    tag = tag or uuid.uuid4().hex[:8]
    organization = OrganizationFactory(parent=parent, name=f"故障演练{tag}镇党委")
    group = StudyGroupFactory(organization=organization)
    staff = user_with_role("staff", organization, email=f"staff-{tag}@faults.example")
    leader = user_with_role("member", organization, email=f"leader-{tag}@faults.example")
    leader.person.memberships.update(role="leader")
    member = user_with_role("member", organization, email=f"member-{tag}@faults.example")
    plan = plan_services.plan_create(group=group, year=2026, main_line="全年主线", by=staff)
    plan_services.topic_add(
        plan=plan, month=3, title="学习全会精神", source="assigned", session_kind="collective", by=staff
    )
    session = StudySessionFactory(group=group)
    return Town(organization, group, staff, leader, member, plan, session)
