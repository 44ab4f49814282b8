"""Pages of the assessments app, by subject: question banks, tests, who sits them, sitting a test, marking,
paper tests and results."""

from assessments.views.banks import (
    bank_detail_view,
    bank_export_view,
    bank_import_view,
    bank_list_view,
    bank_template_view,
    question_add_view,
    question_delete_view,
    question_edit_view,
    tag_edit_view,
)
from assessments.views.knowledge_tests import (
    part_add_view,
    part_delete_view,
    test_close_view,
    test_create_view,
    test_detail_view,
    test_edit_view,
    test_list_view,
    test_publish_view,
)
from assessments.views.marking import marking_view, results_publish_view
from assessments.views.paper import (
    paper_docx_view,
    paper_grid_view,
    paper_import_view,
    paper_pdf_view,
    paper_scores_view,
)
from assessments.views.results import results_view, topic_from_tag_view
from assessments.views.sitters import draw_detail_view, test_draw_view
from assessments.views.sittings import answer_view, sitting_review_view, sitting_submit_view, sitting_view

__all__ = [
    "answer_view",
    "bank_detail_view",
    "bank_export_view",
    "bank_import_view",
    "bank_list_view",
    "bank_template_view",
    "draw_detail_view",
    "marking_view",
    "paper_docx_view",
    "paper_grid_view",
    "paper_import_view",
    "paper_pdf_view",
    "paper_scores_view",
    "part_add_view",
    "part_delete_view",
    "question_add_view",
    "question_delete_view",
    "question_edit_view",
    "results_publish_view",
    "results_view",
    "sitting_review_view",
    "sitting_submit_view",
    "sitting_view",
    "tag_edit_view",
    "test_close_view",
    "test_create_view",
    "test_detail_view",
    "test_draw_view",
    "test_edit_view",
    "test_list_view",
    "test_publish_view",
    "topic_from_tag_view",
]
