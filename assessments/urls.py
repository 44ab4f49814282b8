from django.urls import path

from assessments import views

app_name = "assessments"

urlpatterns = [
    path("", views.test_list_view, name="test-list"),
    path("tests/new/", views.test_create_view, name="test-create"),
    path("tests/<int:pk>/", views.test_detail_view, name="test-detail"),
    path("tests/<int:pk>/edit/", views.test_edit_view, name="test-edit"),
    path("tests/<int:pk>/parts/", views.part_add_view, name="part-add"),
    path("parts/<int:pk>/delete/", views.part_delete_view, name="part-delete"),
    path("tests/<int:pk>/publish/", views.test_publish_view, name="test-publish"),
    path("tests/<int:pk>/close/", views.test_close_view, name="test-close"),
    path("tests/<int:pk>/draw/", views.test_draw_view, name="test-draw"),
    path("draws/<int:pk>/", views.draw_detail_view, name="draw-detail"),
    path("tests/<int:pk>/marking/", views.marking_view, name="marking"),
    path("tests/<int:pk>/results/", views.results_view, name="results"),
    path("tests/<int:pk>/topic/", views.topic_from_tag_view, name="topic-from-tag"),
    path("tests/<int:pk>/results/publish/", views.results_publish_view, name="results-publish"),
    path("tests/<int:pk>/paper.pdf", views.paper_pdf_view, name="paper-pdf"),
    path("tests/<int:pk>/paper.docx", views.paper_docx_view, name="paper-docx"),
    path("tests/<int:pk>/scores/", views.paper_scores_view, name="paper-scores"),
    path("tests/<int:pk>/scores.xlsx", views.paper_grid_view, name="paper-grid"),
    path("tests/<int:pk>/scores/import/", views.paper_import_view, name="paper-import"),
    path("sittings/<int:pk>/", views.sitting_view, name="sitting"),
    path("sittings/<int:pk>/answer/", views.answer_view, name="answer"),
    path("sittings/<int:pk>/submit/", views.sitting_submit_view, name="sitting-submit"),
    path("sittings/<int:pk>/result/", views.sitting_review_view, name="sitting-review"),
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
