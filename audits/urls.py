from django.urls import path

from audits import views

app_name = "audits"

urlpatterns = [
    path("coverage/", views.coverage_view, name="coverage"),
    path("planning/", views.planning_view, name="planning"),
    path("pool/<int:pk>/toggle/", views.pool_toggle_view, name="pool-toggle"),
    path("draws/<int:pk>/", views.draw_detail_view, name="draw-detail"),
    path("invitations/", views.invitation_list_view, name="invitations"),
    path("invitations/<int:pk>/answer/", views.invitation_accept_view, name="invitation-answer"),
    path("invite/<int:session_pk>/", views.invite_view, name="invite"),
    path("visits/", views.my_visits_view, name="my-visits"),
    path("visits/<int:pk>/", views.visit_detail_view, name="visit-detail"),
    path("visits/<int:pk>/pre-review/", views.visit_pre_review_view, name="visit-pre-review"),
    path("visits/<int:pk>/listen/", views.visit_listen_view, name="visit-listen"),
    path("visits/<int:pk>/report/", views.visit_report_view, name="visit-report"),
    path("visits/<int:pk>/report/draft/", views.visit_report_draft_view, name="visit-report-draft"),
    path("visits/<int:pk>/action/", views.visit_action_view, name="visit-action"),
    path("actions/", views.action_list_view, name="action-list"),
    path("actions/<int:pk>/", views.action_detail_view, name="action-detail"),
    path("compliance/", views.compliance_view, name="compliance"),
    path("compliance.xlsx", views.compliance_xlsx_view, name="compliance-xlsx"),
    path("groups/<int:pk>/<int:year>/<str:code>/", views.group_checklist_view, name="group-checklist"),
    path("groups/<int:pk>/<int:year>/<str:code>/action/", views.inspection_action_view, name="inspection-action"),
    path("research/<int:pk>/action/", views.research_action_view, name="research-action"),
    path("rules/", views.rules_view, name="rules"),
]
