from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from studygroup import views

admin.site.site_header = "StudyGroup"

core_patterns = (
    [
        path("orgs/", views.organization_tree_view, name="org-tree"),
        path("orgs/<int:pk>/", views.organization_detail_view, name="org-detail"),
        path("groups/<int:pk>/", views.group_detail_view, name="group-detail"),
        path("groups/<int:pk>/members/add/", views.membership_add_view, name="membership-add"),
        path("memberships/<int:pk>/edit/", views.membership_edit_view, name="membership-edit"),
        path("memberships/<int:pk>/end/", views.membership_end_view, name="membership-end"),
        path("audit/", views.audit_log_view, name="audit-log"),
        path("notifications/", views.notification_list_view, name="notification-list"),
        path("notifications/<int:pk>/", views.notification_open_view, name="notification-open"),
        path("notifications/read/", views.notification_read_all_view, name="notification-read-all"),
    ],
    "core",
)

urlpatterns = [
    path("", views.home_view, name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("", include(core_patterns)),
    path("plans/", include("plans.urls")),
    path("sessions/", include("sessions.urls")),
    path("audits/", include("audits.urls")),
    path("reports/", include("reports.urls")),
    path("admin/", admin.site.urls),
]
