"""The knowledge-test records of the crawls' world (``tests.crawl_support.app_crawl_modules``).

The owner (a town) keeps a question bank; its county (the upper level) sets a test its people sit. Markers show
a leak in a downloaded file: the bank's question (its answers are in it) and a member's short answer.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from assessments import services, spreadsheets
from assessments.models import KnowledgeTest, QuestionBank, Sitting
from assessments.tests.factories import (
    AnswerFactory,
    KnowledgeTestFactory,
    PaperQuestionFactory,
    PartFactory,
    QuestionBankFactory,
    QuestionFactory,
    SittingDrawFactory,
    SittingFactory,
    TagFactory,
)
from tests.crawl_support import Upload

MARK_QUESTION = "题库试题标记壬"
MARK_ANSWER = "简答作答标记癸"  # a colleague's short answer
SPARE = "理论学习中心组每年学习不少于12次。"

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GET, POST = "GET", "POST"
# A window's end the crawl types after the filler start (tomorrow).
LATER = (timezone.localtime() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")


class GridUpload(Upload):
    """The owner's open test's grid of paper results filled with a point for every cell, built when the crawl sends
    it (the people's codes are the world's)."""

    def __init__(self) -> None:
        self.name, self.content_type = "成绩.xlsx", XLSX

    @property
    def bytes(self) -> bytes:
        import io

        from openpyxl import load_workbook

        from assessments import documents
        from assessments.services import paper_results

        test = KnowledgeTest.objects.get(title="正在进行的测试")
        questions = list(test.questions.order_by("number"))
        sittings = list(paper_results.entry_sittings(test))
        workbook = load_workbook(io.BytesIO(documents.grid_xlsx(test, questions, sittings, {})))
        for row in workbook.active.iter_rows(min_row=2, min_col=5):
            for cell in row:
                cell.value = 1
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()


def build(world) -> dict:
    """The owner's bank with tagged questions; a draft test and an open one of the owner."""
    bank = QuestionBankFactory(organization=world.owner, name="本镇题库")
    tag = TagFactory(organization=world.owner, name="党史")
    question = QuestionFactory(bank=bank, text=f"{MARK_QUESTION}:中国共产党成立于哪一年?", tags=[tag])
    spare = QuestionFactory(bank=bank, kind="true_false", text=SPARE, tags=[tag])
    now = timezone.now()
    test_draft = KnowledgeTestFactory(
        organization=world.owner,
        title="草拟中的测试",
        status="draft",
        max_score=10,
        pass_mark=6,
        opens_at=now + datetime.timedelta(days=1),
    )
    part = PartFactory(test=test_draft, question=question, points=10)
    test_open = KnowledgeTestFactory(
        organization=world.owner,
        title="正在进行的测试",
        opens_at=now - datetime.timedelta(minutes=10),
        max_score=10,
        pass_mark=6,
    )
    PaperQuestionFactory(test=test_open, version=spare.current, number=1, points=10)
    # Every seated member of the owner's group is called to the open test (the member and the colleague among them).
    called = services.sitting_draw(test=test_open, groups=[world.group], mode="all", by=world.insiders["staff"])
    test_call = KnowledgeTestFactory(
        organization=world.owner,
        title="待抽考的测试",
        opens_at=now - datetime.timedelta(minutes=10),
        max_score=10,
        pass_mark=6,
    )
    PaperQuestionFactory(test=test_call, version=spare.current, number=1, points=10)
    closed = {"opens_at": now - datetime.timedelta(hours=3), "max_score": 10, "pass_mark": 6}
    short = QuestionFactory(bank=bank, kind="short", text="简述“两个确立”的决定性意义。")
    test_marking = KnowledgeTestFactory(organization=world.owner, title="待阅卷的测试", **closed)
    on_paper = PaperQuestionFactory(test=test_marking, version=short.current, number=1, points=10)
    sheet = SittingFactory(
        test=test_marking,
        person=world.insiders["colleague"].person,
        group=world.group,
        started_at=now - datetime.timedelta(hours=2),
        deadline=now - datetime.timedelta(hours=1),
        submitted_at=now - datetime.timedelta(hours=1, minutes=30),
    )
    AnswerFactory(sitting=sheet, question=on_paper, response=MARK_ANSWER)
    test_done = KnowledgeTestFactory(organization=world.owner, title="已阅完的测试", **closed)
    done_question = PaperQuestionFactory(test=test_done, version=question.current, number=1, points=10)
    done = SittingFactory(
        test=test_done,
        person=world.insiders["member"].person,
        group=world.group,
        started_at=now - datetime.timedelta(hours=2),
        deadline=now - datetime.timedelta(hours=1),
        submitted_at=now - datetime.timedelta(hours=1, minutes=30),
        score=10,
    )
    AnswerFactory(sitting=done, question=done_question, response="B", points=10)
    return {
        "test_marking": test_marking,
        "test_done": test_done,
        "answer_sheet": sheet,
        "bank": bank,
        "tag": tag,
        "question": question,
        "test_draft": test_draft,
        "part": part,
        "test_open": test_open,
        "test_draw": called,
        "test_call": test_call,
        "sitting": Sitting.objects.get(test=test_open, person=world.insiders["member"].person),
    }


WRITES = {
    # A bank is created for the sender's own organization.
    "assessments:bank-list": {"target": None, "actor": "staff", "own": True},
    "assessments:question-add": {"target": "bank", "actor": "staff", "values": (("answer", "A"),)},
    "assessments:question-edit": {"target": "question", "actor": "staff", "values": (("answer", "B"),)},
    "assessments:question-delete": {"target": "question", "actor": "staff", "source": "assessments:question-edit"},
    "assessments:bank-import": {
        "target": "bank",
        "actor": "staff",
        "source": "assessments:bank-detail",
        "values": (("file", Upload("题库.xlsx", spreadsheets.template(), XLSX)),),
    },
    "assessments:tag-edit": {"target": "tag", "actor": "staff"},
    # A test is set for the sender's own organization.
    "assessments:test-create": {"target": None, "actor": "staff", "own": True, "values": (("closes_at", LATER),)},
    "assessments:test-edit": {"target": "test_draft", "actor": "staff"},
    "assessments:part-add": {
        "target": "test_draft",
        "actor": "staff",
        "source": "assessments:test-detail",
        "values": (("bank", None),),
    },
    "assessments:part-delete": {
        "target": "part",
        "actor": "staff",
        "source": "assessments:test-detail",
        "source_target": "test_draft",
    },
    "assessments:test-publish": {"target": "test_draft", "actor": "staff", "source": "assessments:test-detail"},
    "assessments:test-close": {"target": "test_open", "actor": "staff", "source": "assessments:test-detail"},
    "assessments:test-draw": {"target": "test_call", "actor": "staff"},
    # The page's answers go to the autosave address as they are chosen, and with the hand-in.
    "assessments:answer": {
        "target": "sitting",
        "actor": "member",
        "source": "assessments:sitting",
        "form_of": "assessments:sitting-submit",
    },
    "assessments:sitting-submit": {"target": "sitting", "actor": "member", "source": "assessments:sitting"},
    "assessments:marking": {"target": "test_marking", "actor": "staff"},
    "assessments:paper-scores": {"target": "test_open", "actor": "staff"},
    "assessments:topic-from-tag": {"target": "test_done", "actor": "staff", "source": "assessments:results"},
    "assessments:paper-import": {
        "target": "test_open",
        "actor": "staff",
        "source": "assessments:paper-scores",
        "values": (("file", GridUpload()),),
    },
    "assessments:results-publish": {"target": "test_done", "actor": "staff", "source": "assessments:marking"},
}

MATRIX = [
    ("staff", GET, "assessments:bank-list", None, ""),
    ("staff", POST, "assessments:bank-list", None, ""),
    ("staff", GET, "assessments:bank-detail", "bank", ""),
    ("staff", POST, "assessments:question-add", "bank", ""),
    ("staff", POST, "assessments:question-edit", "question", ""),
    ("staff", POST, "assessments:bank-import", "bank", ""),
    ("staff", POST, "assessments:tag-edit", "tag", ""),
    ("staff", GET, "assessments:bank-export", "bank", ""),
    ("staff", GET, "assessments:bank-template", None, ""),
    ("staff", GET, "assessments:test-list", None, ""),
    ("staff", POST, "assessments:test-create", None, ""),
    ("staff", GET, "assessments:test-detail", "test_draft", ""),
    ("staff", POST, "assessments:test-edit", "test_draft", ""),
    ("staff", POST, "assessments:part-add", "test_draft", ""),
    ("staff", POST, "assessments:test-publish", "test_draft", ""),
    ("staff", POST, "assessments:test-close", "test_open", ""),
    ("staff", POST, "assessments:test-draw", "test_call", ""),
    ("staff", GET, "assessments:draw-detail", "test_draw", ""),
    ("staff", POST, "assessments:marking", "test_marking", ""),
    ("staff", POST, "assessments:paper-scores", "test_open", ""),
    ("staff", POST, "assessments:paper-import", "test_open", ""),
    ("staff", GET, "assessments:paper-pdf", "test_open", ""),
    ("staff", GET, "assessments:results", "test_done", ""),
    ("staff", POST, "assessments:topic-from-tag", "test_done", ""),
    ("viewer", GET, "assessments:results", "test_done", ""),
    ("leader", GET, "assessments:results", "test_done", ""),
    ("staff", POST, "assessments:results-publish", "test_done", ""),
    ("member", GET, "assessments:test-list", None, ""),
    ("member", GET, "assessments:test-detail", "test_open", ""),
    ("member", GET, "assessments:sitting", "sitting", ""),
    ("member", POST, "assessments:answer", "sitting", ""),
    ("member", POST, "assessments:sitting-submit", "sitting", ""),
    ("viewer", GET, "assessments:test-detail", "test_open", ""),
]

# name -> (the owner's record in the URL, query string, a reader who must get the file, a text the file holds)
DOWNLOADS = {
    "assessments:bank-export": ("bank", "", "owner staff", MARK_QUESTION),
    "assessments:bank-template": (None, "", "owner staff", "题型"),
    "assessments:paper-pdf": ("test_open", "", "owner staff", SPARE),
    "assessments:paper-docx": ("test_open", "", "owner staff", SPARE),
    "assessments:paper-grid": ("test_open", "", "owner staff", "缺席委员"),
}

MARKERS = [(MARK_QUESTION, QuestionBank, "bank"), (MARK_ANSWER, Sitting, "answer_sheet")]


def build_other(objects: dict, secret: str) -> dict:
    """The neighbouring county's knowledge-test records, named so a leak shows."""
    town = objects["org"]
    bank = QuestionBankFactory(organization=town, name=f"{secret}题库")
    test = KnowledgeTestFactory(organization=town, title=f"{secret}测试")
    return {
        "bank": bank,
        "question": QuestionFactory(bank=bank, text=f"{secret}试题"),
        "tag": TagFactory(organization=town, name=f"{secret}标签"),
        "test": test,
        "part": PartFactory(test=test, question=QuestionFactory(bank=bank)),
        "test_draw": SittingDrawFactory(test=test),
        "sitting": SittingFactory(test=test, person=objects["membership"].person, group=objects["group"]),
    }


ACCESS_TARGETS = [
    ("assessments:bank-", "bank"),
    ("assessments:question-add", "bank"),
    ("assessments:question-", "question"),
    ("assessments:tag-", "tag"),
    ("assessments:test-", "test"),
    ("assessments:marking", "test"),
    ("assessments:results", "test"),
    ("assessments:topic-", "test"),
    ("assessments:paper-", "test"),
    ("assessments:results-", "test"),
    ("assessments:part-add", "test"),
    ("assessments:part-", "part"),
    ("assessments:draw-", "test_draw"),
    ("assessments:sitting", "sitting"),
    ("assessments:answer", "sitting"),
]
