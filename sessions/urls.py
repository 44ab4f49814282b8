from django.urls import path

from sessions import views

app_name = "sessions"

urlpatterns = [
    path("", views.session_list_view, name="session-list"),
    path("my/", views.my_study_view, name="my-study"),
    path("new/<int:group_pk>/", views.session_create_view, name="session-create"),
    path("<int:pk>/", views.session_detail_view, name="session-detail"),
    path("<int:pk>/edit/", views.session_edit_view, name="session-edit"),
    path("<int:pk>/plan/", views.session_plan_download_view, name="session-plan"),
    path("<int:pk>/signin-screen/", views.signin_screen_view, name="signin-screen"),
    path("<int:pk>/signin/<str:token>/", views.signin_view, name="signin"),
    path("<int:pk>/attendance/", views.attendance_view, name="attendance"),
    path("<int:pk>/leave/", views.leave_ask_view, name="leave-ask"),
    path("leave/<int:pk>/decide/", views.leave_decide_view, name="leave-decide"),
    path("makeups/", views.makeup_list_view, name="makeup-list"),
    path("makeups/<int:pk>/record/", views.makeup_record_view, name="makeup-record"),
    path("<int:pk>/minutes/", views.minutes_view, name="minutes"),
    path("<int:pk>/attachments/add/", views.attachment_add_view, name="attachment-add"),
    path("attachments/<int:pk>/", views.attachment_download_view, name="attachment-download"),
    path("<int:pk>/circular/", views.circular_view, name="circular"),
    path("submissions/", views.submission_list_view, name="submission-list"),
    path("submissions/new/", views.submission_create_view, name="submission-create"),
    path("submissions/<int:pk>/", views.submission_detail_view, name="submission-detail"),
    path("submissions/<int:pk>/edit/", views.submission_edit_view, name="submission-edit"),
    path("submissions/<int:pk>/submit/", views.submission_submit_view, name="submission-submit"),
    path("submissions/<int:pk>/review/", views.submission_review_view, name="submission-review"),
    path("submissions/<int:pk>/recommend/", views.submission_recommend_view, name="submission-recommend"),
    path("submissions/<int:pk>/download/", views.submission_download_view, name="submission-download"),
    path("groups/<int:pk>/reviewer/", views.reviewer_view, name="reviewer"),
    path("lectures/", views.lecture_list_view, name="lecture-list"),
    path("lectures/new/", views.lecture_create_view, name="lecture-create"),
]
