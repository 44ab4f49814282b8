"""The knowledge-test records of the crawls' world (``studygroup.tests.crawl_support.app_crawl_modules``).

The owner (a town) keeps a question bank; its county (the upper level) sets a test its people sit. Markers show
a leak in a downloaded file: the bank's question (its answers are in it) and a member's short answer.
"""

from __future__ import annotations

from assessments import spreadsheets
from assessments.models import QuestionBank
from assessments.tests.factories import QuestionBankFactory, QuestionFactory, TagFactory
from studygroup.tests.crawl_support import Upload

MARK_QUESTION = "题库试题标记壬"

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GET, POST = "GET", "POST"


def build(world) -> dict:
    """The owner's bank with a tagged question."""
    bank = QuestionBankFactory(organization=world.owner, name="本镇题库")
    tag = TagFactory(organization=world.owner, name="党史")
    question = QuestionFactory(bank=bank, text=f"{MARK_QUESTION}:中国共产党成立于哪一年?", tags=[tag])
    return {"bank": bank, "tag": tag, "question": question}


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
]

# name -> (the owner's record in the URL, query string, a reader who must get the file, a text the file holds)
DOWNLOADS = {
    "assessments:bank-export": ("bank", "", "owner staff", MARK_QUESTION),
    "assessments:bank-template": (None, "", "owner staff", "题型"),
}

MARKERS = [(MARK_QUESTION, QuestionBank, "bank")]


def build_other(objects: dict, secret: str) -> dict:
    """The neighbouring county's knowledge-test records, named so a leak shows."""
    town = objects["org"]
    bank = QuestionBankFactory(organization=town, name=f"{secret}题库")
    return {
        "bank": bank,
        "question": QuestionFactory(bank=bank, text=f"{secret}试题"),
        "tag": TagFactory(organization=town, name=f"{secret}标签"),
    }


ACCESS_TARGETS = [
    ("assessments:bank-", "bank"),
    ("assessments:question-add", "bank"),
    ("assessments:question-", "question"),
    ("assessments:tag-", "tag"),
]
