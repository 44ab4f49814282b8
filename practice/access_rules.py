"""Who may do what with self-study, 第一议题 measures, 报备 and spot checks, and 荐读领学 (loaded by
``PracticeConfig.ready``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from studygroup import access
from studygroup.access import Scope, rule

if TYPE_CHECKING:
    from plans.models import StudyPlan
    from practice.models import Recommendation, SelfStudyEntry, SpotCheck
    from sessions.models import StudySession
    from studygroup.models import Organization, Person, StudyGroup


@rule("practice.targets_set")
def _targets_set(scope: Scope, plan: StudyPlan) -> bool:
    """The staff of the group's organization set its plan's self-study targets, except while the leader decides."""
    from plans.models import StudyPlan

    return scope.holds_at(access.STAFF, plan.group.organization_id) and plan.status != StudyPlan.Status.SUBMITTED


@rule("practice.selfstudy_record", superuser=False)
def _selfstudy_record(scope: Scope, person: Person) -> bool:
    """A member seated in a study group records their own self-study, nobody else's."""
    return scope.person_id is not None and scope.person_id == person.pk and bool(scope.member_group_ids)


@rule("practice.entry_change", superuser=False)
def _entry_change(scope: Scope, entry: SelfStudyEntry) -> bool:
    """Only the author changes or removes a self-study entry."""
    return scope.person_id is not None and scope.person_id == entry.person_id


@rule("practice.selfstudy_table")
def _selfstudy_table(scope: Scope, group: StudyGroup) -> bool:
    """The group's leader and the grants reaching its organization read the members' self-study table."""
    return group.pk in scope.leader_group_ids or scope.reaches(group.organization.path)


@rule("practice.measure_add")
def _measure_add(scope: Scope, session: StudySession) -> bool:
    """The staff of the group record the measures decided at one of its 第一议题 studies."""
    from plans.models import SessionKind

    return session.kind == SessionKind.FIRST_TOPIC and scope.holds_at(access.STAFF, session.group.organization_id)


CALENDAR_ROLES = [access.STAFF, access.LEADER, access.VIEWER, access.INSPECTOR, access.OBSERVER]


@rule("practice.calendar")
def _calendar(scope: Scope, organization: Organization) -> bool:
    """Staff, leaders, viewers, inspectors and observers of an organization read the sessions reported to it from
    below (what, where, when, plan ready or not), observers included: they choose where to go."""
    return scope.reaches(organization.path, CALENDAR_ROLES)


@rule("practice.spot_check_draw")
def _spot_check_draw(scope: Scope, organization: Organization) -> bool:
    """The staff of an organization draw sessions below it for unannounced records checks."""
    return scope.holds_at(access.STAFF, organization.pk)


@rule("practice.spot_check_record")
def _spot_check_record(scope: Scope, check: SpotCheck) -> bool:
    """The staff and inspectors of the organization that drew a check record its result and raise its findings."""
    return scope.holds_at(access.STAFF, check.organization_id) or scope.holds_at(
        access.INSPECTOR, check.organization_id
    )


@rule("practice.recommend")
def _recommend(scope: Scope, group: StudyGroup) -> bool:
    """Members seated in the group, and its own staff, recommend readings to it (荐读)."""
    return group.pk in scope.member_group_ids or scope.holds_at(access.STAFF, group.organization_id)


@rule("practice.recommendation_pick")
def _recommendation_pick(scope: Scope, recommendation: Recommendation) -> bool:
    """The group's staff pick a recommended reading into a session's materials and name the lead reader."""
    return scope.holds_at(access.STAFF, recommendation.group.organization_id)
