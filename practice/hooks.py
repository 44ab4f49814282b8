"""What the practice app adds to pages of the apps below it (registered by ``PracticeConfig.ready``)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from audits.models import Action
from plans.models import SessionKind
from practice import ledger, selectors, services
from practice.models import SessionReport, SpotCheck
from sessions.hooks import on_scheduled
from studygroup import access
from studygroup.page_panels import page_panel


@page_panel(place="plans.plan_detail", key="selfstudy-targets", template="practice/panels/plan_targets.html")
def plan_targets(request, plan):
    """The plan's self-study targets, with the way to set them and to the group's table."""
    targets = ledger.sorted_targets(plan.selfstudy_targets.all())
    can_set = access.can(request.user, "practice.targets_set", plan)
    if not targets and not can_set:
        return None
    return {
        "plan": plan,
        "targets": targets,
        "can_set": can_set,
        "table_url": (
            f"{reverse('practice:group-selfstudy', args=[plan.group_id])}?year={plan.year}"
            if access.can(request.user, "practice.selfstudy_table", plan.group)
            else ""
        ),
    }


@page_panel(
    place="sessions.session_detail.main", key="first-topic-measures", template="practice/panels/session_measures.html"
)
def session_measures(request, session):
    """A 第一议题 study: the measures decided there, and what became of the last study's measures."""
    if session.kind != SessionKind.FIRST_TOPIC:
        return None
    today = timezone.localdate()
    measures = selectors.session_measures(session=session, user=request.user)
    previous = selectors.previous_first_topic(session=session)
    previous_measures = selectors.session_measures(session=previous, user=request.user) if previous else []
    carried = selectors.earlier_open_measures(session=session, before=previous, user=request.user) if previous else []
    for action in [*measures, *previous_measures, *carried]:
        action.overdue = action.is_overdue(today)
    return {
        "session": session,
        "measures": measures,
        "can_add": access.can(request.user, "practice.measure_add", session),
        "previous": previous,
        "previous_measures": previous_measures,
        # Done and accepted (已落实) apart from done and awaiting acceptance (待验收), as the ledger counts them.
        "previous_accepted": sum(
            1 for action in previous_measures if action.status == Action.Status.DONE and not action.awaiting
        ),
        "previous_awaiting": sum(1 for action in previous_measures if action.awaiting),
        "carried": carried,
    }


@on_scheduled
def report_upward(*, session, by, created: bool) -> None:
    """Every session a group schedules is reported to the levels above (学习报备)."""
    services.session_report(session=session, by=by, created=created)


@page_panel(place="sessions.session_detail.side", key="upward-report", template="practice/panels/session_report.html")
def session_report(request, session):
    """Whether the session was reported upward in time, and the records checks of it the reader may see."""
    if session.group.organization.parent_id is None:
        return None
    return {
        "report": SessionReport.objects.filter(session=session).first(),
        "report_days": settings.REPORT_DAYS,
        "checks": list(
            access.visible(SpotCheck.objects.filter(session=session), request.user).select_related("organization")
        ),
    }
