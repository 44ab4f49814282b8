from django.urls import path

from assessments import views

app_name = "assessments"

urlpatterns = [
    path("banks/", views.bank_list_view, name="bank-list"),
    path("banks/template.xlsx", views.bank_template_view, name="bank-template"),
    path("banks/<int:pk>/", views.bank_detail_view, name="bank-detail"),
    path("banks/<int:pk>/questions/new/", views.question_add_view, name="question-add"),
    path("banks/<int:pk>/import/", views.bank_import_view, name="bank-import"),
    path("banks/<int:pk>/export.xlsx", views.bank_export_view, name="bank-export"),
    path("questions/<int:pk>/", views.question_edit_view, name="question-edit"),
    path("questions/<int:pk>/delete/", views.question_delete_view, name="question-delete"),
    path("tags/<int:pk>/", views.tag_edit_view, name="tag-edit"),
]
