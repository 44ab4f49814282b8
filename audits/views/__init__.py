"""Pages of the audits app, one module per subject; ``urls.py`` finds every view here."""

from audits.views.actions import action_detail_view, action_list_view, research_action_view
from audits.views.compliance import compliance_view, compliance_xlsx_view
from audits.views.coverage import coverage_view
from audits.views.draws import draw_detail_view
from audits.views.inspections import group_checklist_view, inspection_action_view
from audits.views.invitations import invitation_accept_view, invitation_list_view, invite_view
from audits.views.planning import planning_view, pool_toggle_view
from audits.views.rules import rules_view
from audits.views.visits import (
    my_visits_view,
    visit_action_view,
    visit_detail_view,
    visit_listen_view,
    visit_pre_review_view,
    visit_report_draft_view,
    visit_report_view,
)

__all__ = [
    "action_detail_view",
    "action_list_view",
    "compliance_view",
    "compliance_xlsx_view",
    "coverage_view",
    "draw_detail_view",
    "group_checklist_view",
    "inspection_action_view",
    "invitation_accept_view",
    "invitation_list_view",
    "invite_view",
    "my_visits_view",
    "planning_view",
    "pool_toggle_view",
    "research_action_view",
    "rules_view",
    "visit_action_view",
    "visit_detail_view",
    "visit_listen_view",
    "visit_pre_review_view",
    "visit_report_draft_view",
    "visit_report_view",
]
