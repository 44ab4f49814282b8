"""Question banks: questions typed in the browser or imported from the offices' XLSX layout, exported back,
versioned once a test has used them."""

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from assessments import services, spreadsheets
from assessments.models import Question, QuestionBank, QuestionVersion, Tag
from assessments.spreadsheets import COLUMNS, SheetProblems, parse_question, read_questions
from assessments.tests.factories import PaperQuestionFactory, QuestionBankFactory, QuestionFactory, TagFactory
from studygroup.tests.factories import OrganizationFactory, user_with_role
from studygroup.tests.pages import hidden

pytestmark = pytest.mark.django_db


def workbook_bytes(rows, header=COLUMNS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def row(**values) -> list:
    return [values.get(column, "") for column in COLUMNS]


@pytest.fixture
def bank():
    return QuestionBankFactory(organization=OrganizationFactory(name="县委"))


@pytest.fixture
def staff(bank):
    return user_with_role("staff", bank.organization)


# Reading a question ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            {"题型": "单选题", "题干": "问?", "选项A": "甲", "选项B": "乙", "答案": "b"},
            ("single", ["甲", "乙"], "B", 2, []),
        ),
        (
            {"题型": "多选", "题干": "问?", "选项A": "甲", "选项B": "乙", "选项C": "丙", "答案": "C,A", "难度": "难"},
            ("multiple", ["甲", "乙", "丙"], ["A", "C"], 3, []),
        ),
        ({"题型": "判断题", "题干": "问?", "答案": "√", "难度": "简单"}, ("true_false", [], True, 1, [])),
        ({"题型": "判断题", "题干": "问?", "答案": "错误"}, ("true_false", [], False, 2, [])),
        (
            {"题型": "填空题", "题干": "问?", "答案": "人民|人民群众;群众", "标签": "党章、宗旨,党章"},
            ("fill", [], ["人民", "人民群众", "群众"], 2, ["党章", "宗旨"]),
        ),
        ({"题型": "简答题", "题干": "问?", "答案": ""}, ("short", [], "", 2, [])),
    ],
)
def test_a_row_is_read_into_a_question(values, expected):
    parsed, problems = parse_question(values)
    assert problems == []
    assert (parsed.kind, parsed.options, parsed.answer, parsed.difficulty, parsed.tags) == expected


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        (
            {"题型": "选择题", "题干": "问?", "答案": "A"},
            "题型应为单选题、多选题、判断题、填空题、简答题之一,而不是“选择题”。",
        ),
        ({"题型": "单选题", "题干": "", "选项A": "甲", "选项B": "乙", "答案": "A"}, "题干为空。"),
        ({"题型": "单选题", "题干": "问?", "选项A": "甲", "答案": "A"}, "选择题至少要有两个选项。"),
        (
            {"题型": "单选题", "题干": "问?", "选项A": "甲", "选项C": "丙", "答案": "A"},
            "选项须从选项A起依次填写,中间不能空缺。",
        ),
        (
            {"题型": "单选题", "题干": "问?", "选项A": "甲", "选项B": "乙", "答案": "C"},
            "答案应为所给选项的字母(AB),而不是“C”。",
        ),
        ({"题型": "单选题", "题干": "问?", "选项A": "甲", "选项B": "乙", "答案": "AB"}, "单选题只有一个正确选项。"),
        ({"题型": "多选题", "题干": "问?", "选项A": "甲", "选项B": "乙", "答案": "A"}, "多选题至少有两个正确选项。"),
        ({"题型": "判断题", "题干": "问?", "答案": "也许"}, "判断题的答案为“对”或“错”,而不是“也许”。"),
        ({"题型": "判断题", "题干": "问?", "选项A": "对", "答案": "对"}, "判断题没有选项,选项A…选项F请留空。"),
        ({"题型": "填空题", "题干": "问?", "答案": ""}, "答案为空。"),
        (
            {"题型": "单选题", "题干": "问?", "选项A": "甲", "选项B": "乙", "答案": "A", "难度": "极难"},
            "难度应为易、中或难,而不是“极难”。",
        ),
    ],
)
def test_a_bad_row_is_explained_in_chinese(values, problem):
    parsed, problems = parse_question(values)
    assert parsed is None
    assert problem in problems


# Import and export ------------------------------------------------------------------------------


def test_the_template_imports_as_its_examples_and_exports_back_the_same(bank, staff):
    questions = services.bank_import(bank=bank, content=spreadsheets.template(), by=staff)
    assert [q.current.kind for q in questions] == ["single", "multiple", "true_false", "fill", "short"]
    assert sorted(Tag.objects.filter(organization=bank.organization).values_list("name", flat=True)) == sorted(
        ["党史", "党的创新理论", "学习制度", "党章"]
    )
    single = Question.objects.get(pk=questions[0].pk)
    assert (single.current.options, single.current.answer, single.current.difficulty) == (
        ["1919年", "1921年", "1927年", "1949年"],
        "B",
        1,
    )
    assert [t.name for t in single.tags.all()] == ["党史"]
    exported = read_questions(
        spreadsheets.export(
            [services.parsed_of(q.current, [t.name for t in q.tags.order_by("name")]) for q in bank.questions.all()]
        )
    )
    again = read_questions(spreadsheets.template())
    assert [(q.kind, q.text, q.options, q.answer, q.explanation, q.difficulty) for q in exported] == [
        (q.kind, q.text, q.options, q.answer, q.explanation, q.difficulty) for q in again
    ]


def test_bad_rows_are_reported_by_row_number_and_nothing_is_imported(bank, staff):
    content = workbook_bytes(
        [
            row(题型="单选题", 题干="好题?", 选项A="甲", 选项B="乙", 答案="A"),
            row(),  # an empty row is skipped, not counted
            row(题型="单选题", 题干="坏题?", 选项A="甲", 选项B="乙", 答案="E"),
            row(题型="判断题", 题干="", 答案="对"),
        ]
    )
    with pytest.raises(SheetProblems) as refused:
        services.bank_import(bank=bank, content=content, by=staff)
    assert refused.value.problems == [
        "第4行:答案应为所给选项的字母(AB),而不是“E”。",
        "第5行:题干为空。",
    ]
    assert Question.objects.count() == 0
    assert Tag.objects.count() == 0


def test_columns_are_found_by_their_header_in_any_order(bank, staff):
    header = ["序号", "答案", "题干", "题型"]
    content = workbook_bytes([[1, 1921, "中国共产党成立于哪一年?", "填空"], [2, True, "对吗?", "判断"]], header=header)
    questions = services.bank_import(bank=bank, content=content, by=staff)
    assert [(q.current.kind, q.current.answer) for q in questions] == [("fill", ["1921"]), ("true_false", True)]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
            "这是旧版 Excel(.xls)或 WPS 文件:请另存为 .xlsx 后再导入。",
        ),
        (b"not a workbook", "这不是 Excel 工作簿(.xlsx)。"),
        (workbook_bytes([], header=["题目", "答案"]), "第1行须为表头"),
        (workbook_bytes([]), "表头下没有试题。"),
    ],
)
def test_a_file_that_is_no_bank_is_refused_plainly(bank, staff, content, problem):
    with pytest.raises(SheetProblems) as refused:
        services.bank_import(bank=bank, content=content, by=staff)
    assert problem in refused.value.problems[0]
    assert Question.objects.count() == 0


def test_text_that_looks_like_a_formula_is_exported_as_text(bank, staff):
    QuestionFactory(bank=bank, kind="short", text='=HYPERLINK("http://x")', answer="+1", explanation="@SUM(A1)")
    response = _client_for(staff).get(reverse("assessments:bank-export", args=[bank.pk]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = {cell.value: cell.data_type for cell in sheet[2]}
    assert cells['=HYPERLINK("http://x")'] == "s"
    assert cells["+1"] == "s"
    assert cells["@SUM(A1)"] == "s"


def _client_for(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


CELL = st.one_of(
    st.none(),
    st.sampled_from(["单选题", "多选题", "判断题", "填空题", "简答题", "A", "AB", "对", "错", "易", "难", "甲", "="]),
    st.text(max_size=30),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=False),
    st.booleans(),
)


@given(
    rows=st.lists(st.lists(CELL, min_size=0, max_size=14), max_size=8),
    header=st.one_of(st.just(COLUMNS), st.lists(st.sampled_from([*COLUMNS, "序号", ""]), max_size=14)),
)
def test_any_workbook_is_imported_whole_or_not_at_all(bank, staff, rows, header):
    def cleaned(value):
        return value if not isinstance(value, str) else "".join(c for c in value if c >= " " or c in "\t\r\n")

    content = workbook_bytes([[cleaned(v) for v in r] for r in rows], header=header)
    before = Question.objects.count()
    refused, imported = None, []
    try:
        imported = services.bank_import(bank=bank, content=content, by=staff)
    except SheetProblems as problems:
        refused = problems
    if refused is not None:
        assert refused.problems
        assert Question.objects.count() == before
    else:
        assert Question.objects.count() == before + len(imported)
        assert len(imported) == sum(1 for r in rows if any(spreadsheets.cell_text(v) for v in r[: len(header)]))


@given(content=st.binary(max_size=2000))
def test_any_bytes_are_refused_without_a_crash(bank, staff, content):
    with pytest.raises(SheetProblems):
        services.bank_import(bank=bank, content=content, by=staff)
    assert Question.objects.count() == 0


GOOD_WORKBOOK = workbook_bytes([row(题型="单选题", 题干="问?", 选项A="甲", 选项B="乙", 答案="A")])


@given(data=st.data())
def test_a_damaged_workbook_is_refused_without_a_crash(bank, staff, data):
    content = bytearray(GOOD_WORKBOOK)
    for _ in range(data.draw(st.integers(min_value=1, max_value=5))):
        position = data.draw(st.integers(min_value=0, max_value=len(content) - 1))
        content[position] = data.draw(st.integers(min_value=0, max_value=255))
    before = Question.objects.count()
    try:
        services.bank_import(bank=bank, content=bytes(content), by=staff)
    except SheetProblems:
        assert Question.objects.count() == before


def test_only_the_banks_own_staff_import_into_it(bank):
    lower = user_with_role("staff", OrganizationFactory(parent=bank.organization))
    with pytest.raises(PermissionDenied):
        services.bank_import(bank=bank, content=spreadsheets.template(), by=lower)
    assert Question.objects.count() == 0


# Versions -------------------------------------------------------------------------------------


def _parsed(question, **changes):
    parsed = services.parsed_of(question.current, [])
    for name, value in changes.items():
        setattr(parsed, name, value)
    return parsed


def test_a_question_no_test_used_is_changed_in_place(bank, staff):
    question = QuestionFactory(bank=bank)
    services.question_update(question=question, parsed=_parsed(question, text="改过的题干"), by=staff)
    question.refresh_from_db()
    assert (question.versions.count(), question.current.number, question.current.text) == (1, 1, "改过的题干")


def test_a_question_a_test_used_gets_a_new_version_and_the_result_keeps_the_old(bank, staff):
    question = QuestionFactory(bank=bank, text="原题干")
    used = PaperQuestionFactory(version=question.current, test__organization=bank.organization)
    services.question_update(question=question, parsed=_parsed(question, text="新题干", answer="C"), by=staff)
    question.refresh_from_db()
    used.refresh_from_db()
    assert [(v.number, v.text, v.answer) for v in question.versions.order_by("number")] == [
        (1, "原题干", "B"),
        (2, "新题干", "C"),
    ]
    assert question.current.number == 2
    assert (used.version.number, used.version.text) == (1, "原题干")
    services.question_update(question=question, parsed=_parsed(question, text="新题干二"), by=staff)
    assert question.versions.count() == 2  # version 2 is not used yet: changed in place


def test_a_used_question_is_archived_not_deleted(bank, staff):
    question = QuestionFactory(bank=bank)
    PaperQuestionFactory(version=question.current, test__organization=bank.organization)
    assert services.question_delete(question=question, by=staff) is False
    question.refresh_from_db()
    assert question.is_archived
    unused = QuestionFactory(bank=bank)
    assert services.question_delete(question=unused, by=staff) is True
    assert not Question.objects.filter(pk=unused.pk).exists()
    assert not QuestionVersion.objects.filter(question_id=unused.pk).exists()


# Pages ----------------------------------------------------------------------------------------


def test_staff_create_a_bank_type_a_question_and_import_a_file(client, staff):
    client.force_login(staff)
    client.post(reverse("assessments:bank-list"), {"name": "理论学习题库", "description": ""})
    bank = QuestionBank.objects.get(name="理论学习题库")
    response = client.post(
        reverse("assessments:question-add", args=[bank.pk]),
        {
            "kind": "multiple",
            "text": "“两个维护”是指?",
            "option_A": "坚决维护核心地位",
            "option_B": "坚决维护集中统一领导",
            "option_C": "维护个人利益",
            "answer": "AB",
            "explanation": "",
            "difficulty": 2,
            "tags": "两个维护",
        },
    )
    assert response.status_code == 302
    question = bank.questions.get()
    assert (question.current.answer, [t.name for t in question.tags.all()]) == (["A", "B"], ["两个维护"])
    upload = io.BytesIO(spreadsheets.template())
    upload.name = "题库.xlsx"
    client.post(reverse("assessments:bank-import", args=[bank.pk]), {"file": upload})
    assert bank.questions.count() == 6
    page = client.get(bank.get_absolute_url()).content.decode()
    assert "“两个维护”是指?" in page and "中国共产党第一次全国代表大会在哪一年召开?" in page


def test_a_bad_file_on_the_page_lists_the_rows_and_imports_nothing(client, bank, staff):
    client.force_login(staff)
    upload = io.BytesIO(workbook_bytes([row(题型="单选题", 题干="问?", 选项A="甲", 选项B="乙", 答案="Z")]))
    upload.name = "坏.xlsx"
    response = client.post(reverse("assessments:bank-import", args=[bank.pk]), {"file": upload})
    assert response.status_code == 200
    assert "第2行:答案应为所给选项的字母(AB),而不是“Z”。" in response.content.decode()
    assert bank.questions.count() == 0


def test_a_typed_question_with_a_bad_answer_is_shown_again(client, bank, staff):
    client.force_login(staff)
    response = client.post(
        reverse("assessments:question-add", args=[bank.pk]),
        {"kind": "single", "text": "问?", "option_A": "甲", "option_B": "乙", "answer": "AB", "difficulty": 2},
    )
    assert response.status_code == 200
    assert "单选题只有一个正确选项。" in response.content.decode()
    assert bank.questions.count() == 0


def test_lower_staff_read_a_bank_to_use_it_but_do_not_change_it(client, bank):
    QuestionFactory(bank=bank, text="上级题库的题")
    lower = user_with_role("staff", OrganizationFactory(parent=bank.organization))
    client.force_login(lower)
    assert "上级题库的题" in client.get(bank.get_absolute_url()).content.decode()
    assert client.get(reverse("assessments:question-add", args=[bank.pk])).status_code == 403
    neighbour = user_with_role("staff", OrganizationFactory())
    client.force_login(neighbour)
    assert client.get(bank.get_absolute_url()).status_code == 404
    assert client.get(reverse("assessments:bank-export", args=[bank.pk])).status_code == 404


def test_the_bank_page_reads_in_a_fixed_number_of_queries(client, bank, staff, django_assert_max_num_queries):
    client.force_login(staff)
    client.get(bank.get_absolute_url())
    for _ in range(3):
        QuestionFactory(bank=bank, tags=[Tag.objects.get_or_create(organization=bank.organization, name="党史")[0]])
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(bank.get_absolute_url())
    for _ in range(10):
        QuestionFactory(bank=bank, tags=[Tag.objects.get(name="党史")])
    with CaptureQueriesContext(connection) as large:
        client.get(bank.get_absolute_url())
    assert len(small) == len(large)


def test_staff_link_a_tag_to_their_plan_topic_and_not_to_another_countys(client):
    """Line 1 of issue 17: tags linked to plan topics (or themes) where chosen."""
    from django.utils import timezone

    from assessments.tests.factories import TagFactory
    from plans.tests.factories import PlanTopicFactory, StudyPlanFactory
    from studygroup.tests.factories import StudyGroupFactory

    county = OrganizationFactory(name="县委")
    year = timezone.localdate().year
    own = PlanTopicFactory(
        plan=StudyPlanFactory(group=StudyGroupFactory(organization=county), year=year), title="党史学习"
    )
    neighbour = OrganizationFactory(name="邻县县委")
    foreign = PlanTopicFactory(
        plan=StudyPlanFactory(group=StudyGroupFactory(organization=neighbour), year=year), title="邻县专题"
    )
    tag = TagFactory(organization=county, name="党史")
    client.force_login(user_with_role("staff", county))
    url = reverse("assessments:tag-edit", args=[tag.pk])
    page = client.get(url).content.decode()
    assert "党史学习" in page and "邻县专题" not in page
    refused = client.post(url, {"name": "党史", "topic": foreign.pk}).content.decode()
    assert "errorlist" in refused or "invalid-feedback" in refused
    tag.refresh_from_db()
    assert tag.topic is None
    client.post(url, {"name": "党史", "topic": own.pk})
    tag.refresh_from_db()
    assert tag.topic == own
    client.force_login(user_with_role("staff", neighbour))
    assert client.post(url, {"name": "改名", "topic": foreign.pk}).status_code == 404
    tag.refresh_from_db()
    assert (tag.name, tag.topic) == ("党史", own)


def test_a_tag_renamed_meanwhile_by_a_colleague_is_not_overwritten(client):
    county = OrganizationFactory(name="县委")
    tag = TagFactory(organization=county, name="党史")
    mine, colleague = (user_with_role("staff", county) for _ in range(2))
    url = reverse("assessments:tag-edit", args=[tag.pk])
    client.force_login(mine)
    page = client.get(url).content.decode()
    client.force_login(colleague)
    colleagues = client.get(url).content.decode()
    assert client.post(url, {"name": "党史学习", "version": hidden(colleagues, "version")}).status_code == 302
    client.force_login(mine)

    refused = client.post(url, {"name": "中共党史", "version": hidden(page, "version")})

    assert refused.status_code == 200
    text = refused.content.decode()
    assert f"该记录已被他人修改:{colleague.person.name}于" in text and 'value="中共党史"' in text
    tag.refresh_from_db()
    assert tag.name == "党史学习"
    fresh = client.get(url).content.decode()
    assert client.post(url, {"name": "中共党史", "version": hidden(fresh, "version")}).status_code == 302
    tag.refresh_from_db()
    assert tag.name == "中共党史"


def test_the_tag_page_wraps_each_field_in_a_div_not_in_the_tags_name(client):
    """crispy-forms reads ``tag`` from the page's context as the element around each field (it drew <党史 …>)."""
    county = OrganizationFactory(name="县委")
    tag = TagFactory(organization=county, name="党史")
    client.force_login(user_with_role("staff", county))

    page = client.get(reverse("assessments:tag-edit", args=[tag.pk])).content.decode()

    assert '<div id="div_id_name" class="mb-3">' in page and "<党史" not in page
    assert "<title>标签 · 党史" in page


def test_staff_below_list_an_upper_banks_questions_without_links_to_pages_they_cannot_open(client, bank):
    """A town's staff use the county's bank (its list), but its questions' pages answer them 404: no dead links."""
    question = QuestionFactory(bank=bank)
    town = OrganizationFactory(parent=bank.organization, name="城关镇党委")
    edit = reverse("assessments:question-edit", args=[question.pk])
    client.force_login(user_with_role("staff", town))

    page = client.get(reverse("assessments:bank-detail", args=[bank.pk])).content.decode()

    assert question.current.text[:20] in page and edit not in page
    assert client.get(edit).status_code == 404
    client.force_login(user_with_role("staff", bank.organization))
    assert edit in client.get(reverse("assessments:bank-detail", args=[bank.pk])).content.decode()
