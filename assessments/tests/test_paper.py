"""Paper tests: the paper and answer sheet as PDF and DOCX, results entered in a grid or imported as XLSX."""

import io

import pytest
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from assessments.models import Answer, Sitting
from assessments.tests.factories import KnowledgeTestFactory, PaperQuestionFactory, QuestionFactory, SittingFactory
from conftest import needs_weasyprint
from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, user_with_role

pytestmark = pytest.mark.django_db


def pdf_objects(content: bytes) -> bytes:
    """The PDF with its compressed streams unpacked (where the font names are), without poppler."""
    import re
    import zlib

    unpacked = [content]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", content, flags=re.DOTALL):
        try:
            unpacked.append(zlib.decompress(stream))
        except zlib.error:
            continue
    return b"\n".join(unpacked)


@pytest.fixture
def paper_test():
    county = OrganizationFactory(name="县委")
    town = OrganizationFactory(parent=county, name="镇党委")
    group = StudyGroupFactory(organization=town)
    test = KnowledgeTestFactory(
        organization=county,
        title="纸质党史测试",
        delivery="paper",
        opens_at=None,
        closes_at=None,
        max_score=30,
        pass_mark=18,
    )
    single = PaperQuestionFactory(
        test=test,
        number=1,
        points=10,
        version=QuestionFactory(bank__organization=county, text="中共一大何时召开?").current,
    )
    short = PaperQuestionFactory(
        test=test,
        number=2,
        points=20,
        version=QuestionFactory(
            bank__organization=county, kind="short", text="谈谈学习体会。", explanation="要点解析甲"
        ).current,
    )
    people = [user_with_role("member", town).person for _ in range(2)]
    sittings = [SittingFactory(test=test, person=person, group=group, mode="paper") for person in people]
    staff = user_with_role("staff", county)
    return {"test": test, "single": single, "short": short, "sittings": sittings, "staff": staff, "county": county}


@needs_weasyprint
def test_the_paper_pdf_has_the_questions_and_an_answer_sheet_in_a_chinese_font(client, paper_test):
    client.force_login(paper_test["staff"])
    response = client.get(reverse("assessments:paper-pdf", args=[paper_test["test"].pk]))
    content = response.content
    assert response["Content-Type"] == "application/pdf" and content.startswith(b"%PDF")
    assert b"CJK" in pdf_objects(content)  # a CJK face is embedded, so the Chinese is real text
    assert "no-store" in response["Cache-Control"]


def test_the_paper_docx_has_the_questions_and_an_answer_sheet_but_no_answers(client, paper_test):
    client.force_login(paper_test["staff"])
    response = client.get(reverse("assessments:paper-docx", args=[paper_test["test"].pk]))
    document = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "纸质党史测试" in text and "1. 中共一大何时召开?(10分)" in text and "答题卡" in text
    assert "一、单选题(共 10 分)" in text and "二、简答题(共 20 分)" in text
    assert "要点解析甲" not in text
    sheet = document.tables[0]
    assert [cell.text for cell in sheet.rows[1].cells] == ["1", "□A  □B  □C  □D"]
    title_style = document.paragraphs[0].style
    assert title_style.name == "Title"


def test_results_are_entered_in_the_grid(client, paper_test):
    test, (first, second) = paper_test["test"], paper_test["sittings"]
    client.force_login(paper_test["staff"])
    url = reverse("assessments:paper-scores", args=[test.pk])
    client.post(
        url,
        {
            f"p-{first.pk}-{paper_test['single'].pk}": "10",
            f"p-{first.pk}-{paper_test['short'].pk}": "15",
            f"absent-{second.pk}": "1",
        },
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.score, first.mode, first.submitted_at is not None) == (25, "paper", True)
    assert (second.score, second.submitted_at) == (None, None)
    assert sorted(Answer.objects.filter(sitting=first).values_list("points", flat=True)) == [10, 15]
    page = client.get(url).content.decode()
    assert 'value="15"' in page


def test_points_above_a_questions_worth_are_refused_and_nothing_is_entered(client, paper_test):
    test, (first, second) = paper_test["test"], paper_test["sittings"]
    client.force_login(paper_test["staff"])
    response = client.post(
        reverse("assessments:paper-scores", args=[test.pk]),
        {f"p-{first.pk}-{paper_test['single'].pk}": "10", f"p-{second.pk}-{paper_test['single'].pk}": "11"},
        follow=True,
    )
    assert "第1题的得分应在 0 至 10 分之间。" in response.content.decode()
    assert Sitting.objects.filter(score__isnull=False).count() == 0


def _filled(content: bytes, rows: dict[int, list]) -> io.BytesIO:
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.active
    for row, values in rows.items():
        for column, value in enumerate(values, start=4):
            sheet.cell(row=row, column=column, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "成绩.xlsx"
    return buffer


def test_results_are_imported_from_the_grid_workbook(client, paper_test):
    test, (first, second) = paper_test["test"], paper_test["sittings"]
    client.force_login(paper_test["staff"])
    grid = client.get(reverse("assessments:paper-grid", args=[test.pk])).content
    header = [c.value for c in load_workbook(io.BytesIO(grid)).active[1]]
    assert header == ["人员编码", "姓名", "单位", "缺席", "第1题(10分)", "第2题(20分)"]
    bad = _filled(grid, {2: ["", 10, 25], 3: ["", "x", 5]})
    response = client.post(reverse("assessments:paper-import", args=[test.pk]), {"file": bad})
    page = response.content.decode()
    assert "第2行:第2题的得分应在 0 至 20 分之间,而不是“25”。" in page
    assert "第3行:第1题的得分应在 0 至 10 分之间,而不是“x”。" in page
    assert Sitting.objects.filter(score__isnull=False).count() == 0
    good = _filled(grid, {2: ["", 10, 12], 3: ["是", "", ""]})
    client.post(reverse("assessments:paper-import", args=[test.pk]), {"file": good})
    scores = {s.person_id: s.score for s in Sitting.objects.all()}
    row_people = [c.value for c in load_workbook(io.BytesIO(grid)).active["A"][1:]]
    by_code = {s.person.code: s.person_id for s in (first, second)}
    assert scores[by_code[row_people[0]]] == 22
    assert scores[by_code[row_people[1]]] is None


def test_only_the_setters_staff_get_the_paper_and_the_grid(client, paper_test):
    test = paper_test["test"]
    town_staff = user_with_role("staff", paper_test["sittings"][0].group.organization)
    viewer = user_with_role("viewer", paper_test["county"])
    neighbour = user_with_role("staff", OrganizationFactory())
    for user, status in ((town_staff, 403), (viewer, 403), (neighbour, 404)):
        client.force_login(user)
        for name in (
            "assessments:paper-pdf",
            "assessments:paper-docx",
            "assessments:paper-scores",
            "assessments:paper-grid",
        ):
            assert client.get(reverse(name, args=[test.pk])).status_code == status, (name, user)
