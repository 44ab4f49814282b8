"""Who may do what with plans, materials and research (loaded by ``PlansConfig.ready``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from studygroup import access
from studygroup.access import Scope, rule

if TYPE_CHECKING:
    from plans.models import ResearchTopic
    from studygroup.models import StudyGroup


@rule("plans.research_propose")
def _research_propose(scope: Scope, group: StudyGroup) -> bool:
    """The group's staff and its members propose research topics (调研课题) for it."""
    return access.allows(scope, "change", group) or access.allows(scope, "study", group)


def _is_owner(scope: Scope, topic: ResearchTopic) -> bool:
    return scope.person_id is not None and topic.owner_id == scope.person_id


@rule("plans.research_team")
def _research_team(scope: Scope, topic: ResearchTopic) -> bool:
    """The one who claimed a topic, or the group's staff, name its co-researchers."""
    return _is_owner(scope, topic) or access.allows(scope, "change", topic)


@rule("plans.research_report")
def _research_report(scope: Scope, topic: ResearchTopic) -> bool:
    """The topic's researchers (owner and co-researchers), or the group's staff, submit its reports."""
    is_researcher = _is_owner(scope, topic) or (
        scope.person_id is not None and topic.co_researchers.filter(pk=scope.person_id).exists()
    )
    return is_researcher or access.allows(scope, "change", topic)


@rule("plans.research_propose_any")
def _research_propose_any(scope: Scope, obj: None = None) -> bool:
    """Offer the research proposal form: to staff of some organization and to members of some group."""
    return bool(scope.member_group_ids or scope.paths([access.STAFF]))
