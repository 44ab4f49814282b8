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
        path("orgs/<int:pk>/people/", views.organization_people_view, name="org-people"),
        path("orgs/<int:pk>/accounts/new/", views.account_create_view, name="account-create"),
        path("orgs/<int:pk>/grants/new/", views.grant_create_view, name="grant-create"),
        path("people/", views.people_view, name="people"),
        path("people/<int:pk>/password/", views.account_password_view, name="account-password"),
        path("grants/<int:pk>/withdraw/", views.grant_withdraw_view, name="grant-withdraw"),
        path("audit/", views.audit_log_view, name="audit-log"),
        path("notifications/", views.notification_list_view, name="notification-list"),
        path("notifications/<int:pk>/", views.notification_open_view, name="notification-open"),
        path("notifications/read/", views.notification_read_all_view, name="notification-read-all"),
    ],
    "core",
)

urlpatterns = [
    path("", views.home_view, name="home"),
    path("healthz", views.healthz_view, name="healthz"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/email/", views.email_change_view, name="email_change"),
    path("", include(core_patterns)),
    path("plans/", include("plans.urls")),
    path("sessions/", include("sessions.urls")),
    path("audits/", include("audits.urls")),
    path("reports/", include("reports.urls")),
    path("assessments/", include("assessments.urls")),
    path("practice/", include("practice.urls")),
    path("admin/", admin.site.urls),
]
