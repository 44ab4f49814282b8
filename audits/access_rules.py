"""Who may do what in observation, inspection and actions (loaded by ``AuditsConfig.ready``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from audits.models import ObserverVisit
from plans.models import Material
from sessions.models import StudySession
from studygroup import access
from studygroup.access import Scope, rule

if TYPE_CHECKING:
    from audits.models import Action
    from studygroup.models import StudyGroup


def _observed_session_ids(scope: Scope):
    return ObserverVisit.objects.filter(observer_id=scope.person_id).values("session_id")


@access.extra_q(StudySession)
def _observers_read_their_sessions(scope: Scope) -> Q | None:
    """Observers read the sessions they are assigned to observe."""
    return None if scope.person_id is None else Q(pk__in=_observed_session_ids(scope))


@access.extra_q(Material)
def _observers_read_their_sessions_materials(scope: Scope) -> Q | None:
    """Observers read the materials of the sessions they observe (published ones: ``Material.access_restrict_q``)."""
    return None if scope.person_id is None else Q(session_id__in=_observed_session_ids(scope))


@rule("audits.raise_from_visit", superuser=False)
def _raise_from_visit(scope: Scope, visit: ObserverVisit) -> bool:
    """The observer of a visit, or the staff who arranged it, raise actions from its findings."""
    is_observer = scope.person_id is not None and scope.person_id == visit.observer_id
    return is_observer or scope.holds_at(access.STAFF, visit.organization_id)


@rule("audits.raise_for_group")
def _raise_for_group(scope: Scope, group: StudyGroup) -> bool:
    """The group's own staff, and staff or inspectors above it, raise actions from research or inspections."""
    return access.allows(scope, "change", group) or scope.reaches(
        group.organization.path, [access.STAFF, access.INSPECTOR]
    )


@rule("audits.action_update", superuser=False)
def _action_update(scope: Scope, action: Action) -> bool:
    """The owner (责任主体) updates and closes an action; so may the staff of the group's own organization.

    Staff above read a lower level's actions but do not change them; whoever raised one accepts it.
    """
    is_owner = scope.person_id is not None and scope.person_id == action.owner_id
    return is_owner or scope.holds_at(access.STAFF, action.group.organization_id)


@rule("audits.action_accept", superuser=False)
def _action_accept(scope: Scope, action: Action) -> bool:
    """Whoever raised the action confirms that it is done (验收), or sends it back."""
    return action.raised_by_id is not None and action.raised_by_id == scope.user_id


@rule("audits.inspect", superuser=False)
def _inspect(scope: Scope, group: StudyGroup) -> bool:
    """Inspectors whose grant reaches the group record verdicts and raise actions from an inspection."""
    return scope.reaches(group.organization.path, [access.INSPECTOR])


@rule("audits.visit_observe", superuser=False)
def _visit_observe(scope: Scope, visit: ObserverVisit) -> bool:
    """The observer assigned to a visit reviews before the session, listens during it and reports after it."""
    return scope.person_id is not None and scope.person_id == visit.observer_id
