from django.urls import path

from plans import views

app_name = "plans"

urlpatterns = [
    path("", views.plan_list_view, name="plan-list"),
    path("new/", views.plan_create_view, name="plan-create"),
    path("<int:pk>/", views.plan_detail_view, name="plan-detail"),
    path("<int:pk>/edit/", views.plan_edit_view, name="plan-edit"),
    path("<int:pk>/submit/", views.plan_submit_view, name="plan-submit"),
    path("<int:pk>/approve/", views.plan_approve_view, name="plan-approve"),
    path("<int:pk>/return/", views.plan_return_view, name="plan-return"),
    path("<int:pk>/comment/", views.plan_comment_view, name="plan-comment"),
    path("<int:pk>/print/", views.plan_print_view, name="plan-print"),
    path("<int:pk>/docx/", views.plan_docx_view, name="plan-docx"),
    path("<int:pk>/topics/add/", views.topic_add_view, name="topic-add"),
    path("topics/<int:pk>/edit/", views.topic_edit_view, name="topic-edit"),
    path("topics/<int:pk>/delete/", views.topic_delete_view, name="topic-delete"),
    path("materials/", views.material_list_view, name="material-list"),
    path("materials/add/<int:group_pk>/", views.material_add_view, name="material-add"),
    path("materials/<int:pk>/", views.material_detail_view, name="material-detail"),
    path("materials/<int:pk>/download/", views.material_download_view, name="material-download"),
    path("materials/<int:pk>/publish/", views.material_publish_view, name="material-publish"),
    path("materials/<int:pk>/delete/", views.material_delete_view, name="material-delete"),
    path("materials/<int:pk>/confirm/", views.material_confirm_view, name="material-confirm"),
    path("sessions/<int:pk>/prestudy/", views.session_prestudy_view, name="session-prestudy"),
    path("sessions/<int:pk>/remind/", views.session_remind_view, name="session-remind"),
    path("research/", views.research_list_view, name="research-list"),
    path("research/add/", views.research_add_view, name="research-add"),
    path("research/<int:pk>/", views.research_detail_view, name="research-detail"),
    path("research/<int:pk>/claim/", views.research_claim_view, name="research-claim"),
    path("research/<int:pk>/team/", views.research_team_view, name="research-team"),
    path("research/<int:pk>/report/", views.research_report_view, name="research-report"),
    path("research/reports/<int:pk>/download/", views.research_report_download_view, name="research-report-download"),
]
