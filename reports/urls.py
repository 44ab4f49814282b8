from django.urls import path

from reports import import_views, views

app_name = "reports"

urlpatterns = [
    path("digests/", views.digest_list_view, name="digest-list"),
    path("digests/compile/", views.digest_compile_view, name="digest-compile"),
    path("digests/<int:pk>/", views.digest_detail_view, name="digest-detail"),
    path("digests/<int:pk>/publish/", views.digest_publish_view, name="digest-publish"),
    path("digests/<int:pk>/pdf/", views.digest_pdf_view, name="digest-pdf"),
    path("runs/", views.run_list_view, name="run-list"),
    path("runs/<int:pk>/restart/", views.run_restart_view, name="run-restart"),
    path("summary/", views.summary_view, name="summary"),
    path("summary.docx", views.summary_docx_view, name="summary-docx"),
    path("summary.pdf", views.summary_pdf_view, name="summary-pdf"),
    path("dashboard/", views.dashboard_view, name="dashboard"),
    path("records/", views.records_view, name="records"),
    path("records/imports/<int:pk>/", import_views.records_import_view, name="records-import"),
    path("records/imports/<int:pk>/result/", import_views.records_import_result_view, name="records-import-result"),
    path("ledger.xlsx", views.ledger_view, name="ledger"),
    path("archive/<int:pk>/<int:year>.zip", views.archive_view, name="archive"),
]
