"""Every write of the assessments app, by subject: banks and questions, tests and their paper, who sits them,
sittings and answers, marking and results."""

from assessments.services.banks import (
    bank_create,
    bank_import,
    is_used,
    parsed_of,
    question_create,
    question_delete,
    question_update,
    tag_update,
)
from assessments.services.knowledge_tests import (
    part_add,
    part_delete,
    test_close,
    test_create,
    test_publish,
    test_update,
)
from assessments.services.marking import answers_mark, results_publish
from assessments.services.paper_results import paper_results_enter
from assessments.services.sitters import sitting_draw
from assessments.services.sittings import answers_save, finish_expired, sitting_start, sitting_submit
from assessments.services.topics import topic_from_tag

__all__ = [
    "answers_mark",
    "answers_save",
    "bank_create",
    "bank_import",
    "finish_expired",
    "is_used",
    "paper_results_enter",
    "parsed_of",
    "part_add",
    "part_delete",
    "question_create",
    "question_delete",
    "question_update",
    "results_publish",
    "sitting_draw",
    "sitting_start",
    "sitting_submit",
    "tag_update",
    "test_close",
    "test_create",
    "test_publish",
    "test_update",
    "topic_from_tag",
]
