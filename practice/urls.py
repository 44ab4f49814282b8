from django.urls import path

from practice import views

app_name = "practice"

urlpatterns = [
    path("selfstudy/", views.my_selfstudy_view, name="my-selfstudy"),
    path("selfstudy/new/", views.entry_create_view, name="entry-create"),
    path("selfstudy/<int:pk>/", views.entry_edit_view, name="entry-edit"),
    path("selfstudy/<int:pk>/delete/", views.entry_delete_view, name="entry-delete"),
    path("selfstudy/<int:pk>/file/", views.entry_download_view, name="entry-download"),
    path("selfstudy/groups/", views.selfstudy_groups_view, name="selfstudy-groups"),
    path("groups/<int:pk>/selfstudy/", views.group_selfstudy_view, name="group-selfstudy"),
    path("plans/<int:pk>/targets/", views.plan_targets_view, name="plan-targets"),
    path("sessions/<int:pk>/measures/new/", views.measure_add_view, name="measure-add"),
    path("first-topic/", views.first_topic_ledger_view, name="first-topic-ledger"),
    path("first-topic.xlsx", views.first_topic_xlsx_view, name="first-topic-xlsx"),
    path("calendar/", views.calendar_view, name="calendar"),
    path("spot-checks/draw/", views.spot_draw_view, name="spot-draw"),
    path("spot-checks/draws/<int:pk>/", views.spot_draw_detail_view, name="spot-draw-detail"),
    path("spot-checks/<int:pk>/", views.spot_check_view, name="spot-check"),
    path("spot-checks/<int:pk>/action/", views.spot_check_action_view, name="spot-check-action"),
    path("readings/", views.readings_view, name="readings"),
    path("groups/<int:pk>/readings/", views.reading_list_view, name="reading-list"),
    path("groups/<int:pk>/readings/new/", views.recommend_view, name="recommend"),
    path("readings/<int:pk>/", views.recommendation_view, name="recommendation"),
    path("readings/<int:pk>/file/", views.recommendation_download_view, name="recommendation-download"),
]
