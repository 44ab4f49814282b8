"""A bank's answers and explanations are its own organization's: a town's staff build tests from the city's bank
and may sit the city's tests drawn from it, so no page or file gives them the city's answer key."""

import io

import pytest
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from assessments import services
from assessments.models import Answer, KnowledgeTest
from assessments.tests.factories import (
    KnowledgeTestFactory,
    PaperQuestionFactory,
    PartFactory,
    QuestionFactory,
    SittingFactory,
)
from assessments.tests.test_marking import _close
from assessments.tests.test_sittings import build_test
from studygroup import access
from studygroup.tests.factories import (
    OrganizationFactory,
    PersonFactory,
    StudyGroupFactory,
    UserFactory,
    user_with_role,
)

pytestmark = pytest.mark.django_db

EXPLANATION = "1921年7月,中国共产党第一次全国代表大会召开。"
KEY = "坚持以人民为中心的发展思想"


@pytest.fixture
def city_test():
    """The city's open test drawn from its bank; a member of a town sits it and hands in a short answer."""
    city = OrganizationFactory(name="临江市委")
    town = OrganizationFactory(parent=city, name="白沙镇党委")
    group = StudyGroupFactory(organization=town)
    test, q = build_test(city)
    short = q["short"].version
    short.answer = KEY
    short.save()
    member = user_with_role("member", town)
    sitting = SittingFactory(test=test, person=member.person, group=group)
    services.sitting_start(sitting=sitting, by=member)
    services.sitting_submit(sitting=sitting, responses={q["short"].pk: "学思用贯通。"}, by=member)
    return {
        "city": city,
        "town": town,
        "group": group,
        "test": test,
        "q": q,
        "bank": short.question.bank,
        "member": member,
        "sitting": sitting,
        "city_staff": user_with_role("staff", city),
        "town_staff": user_with_role("staff", town),
    }


def _page(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _with_options(bank):
    """A single-choice question of ``bank`` whose options and key are words found nowhere else."""
    return QuestionFactory(
        bank=bank, kind="single", text="下列哪一项是正确的?", options=["选项甲", "选项乙", "选项丙"], answer="C"
    )


def _cells(content: bytes) -> list:
    return [
        cell.value
        for sheet in load_workbook(io.BytesIO(content)).worksheets
        for row in sheet.iter_rows()
        for cell in row
    ]


def test_a_towns_staff_read_the_city_banks_options_but_not_its_answers(client, city_test):
    bank = city_test["bank"]
    _with_options(bank)
    page = _page(client, city_test["town_staff"], bank.get_absolute_url())
    assert city_test["q"]["short"].version.text[:20] in page
    assert "下列哪一项是正确的?" in page and "A. 选项甲" in page and "C. 选项丙" in page and "单选题" in page
    assert EXPLANATION not in page and KEY not in page and "正确答案" not in page and "参考答案" not in page
    assert "答案和解析仅本题库所属组织的工作人员可见" in page
    page = _page(client, city_test["city_staff"], bank.get_absolute_url())
    assert "C. 选项丙" in page and "正确答案:</span> C" in page and KEY in page


def test_a_towns_staff_export_the_city_bank_with_options_and_without_answers(client, city_test):
    bank = city_test["bank"]
    _with_options(bank)
    export = reverse("assessments:bank-export", args=[bank.pk])
    assert export in _page(client, city_test["town_staff"], bank.get_absolute_url())

    response = client.get(export)

    assert response.status_code == 200
    rows = [[cell.value for cell in row] for row in load_workbook(io.BytesIO(response.content)).active.iter_rows()]
    assert rows[0] == ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "选项E", "选项F", "难度", "标签"]
    assert ["单选题", "下列哪一项是正确的?", "选项甲", "选项乙", "选项丙", None, None, None, "中", None] in rows
    cells = _cells(response.content)
    assert KEY not in cells and "答案" not in cells and "解析" not in cells
    assert not any(EXPLANATION in str(cell) for cell in cells)


def test_a_towns_test_preview_shows_the_city_questions_options_and_no_key(client, city_test):
    """Building a test: the fixed questions and the drawn paper show options; the key only to the bank's staff."""
    question = _with_options(city_test["bank"])
    draft = KnowledgeTestFactory(organization=city_test["town"], status=KnowledgeTest.Status.DRAFT)
    PartFactory(test=draft, question=question)
    PartFactory(test=draft, question=city_test["q"]["short"].version.question)
    published = KnowledgeTestFactory(organization=city_test["town"])
    PaperQuestionFactory(test=published, version=question.current, number=1)
    PaperQuestionFactory(test=published, version=city_test["q"]["short"].version, number=2)
    for test in (draft, published):
        page = _page(client, city_test["town_staff"], test.get_absolute_url())
        assert "下列哪一项是正确的?" in page and "C. 选项丙" in page
        assert "正确答案" not in page and KEY not in page and EXPLANATION not in page
    city_draft = KnowledgeTestFactory(organization=city_test["city"], status=KnowledgeTest.Status.DRAFT)
    PartFactory(test=city_draft, question=question)
    page = _page(client, city_test["city_staff"], city_draft.get_absolute_url())
    assert "C. 选项丙" in page and "正确答案:</span> C" in page


def test_only_the_banks_own_staff_export_it_with_answers_and_explanations(client, city_test):
    client.force_login(city_test["city_staff"])
    content = client.get(reverse("assessments:bank-export", args=[city_test["bank"].pk])).content
    cells = [cell.value for row in load_workbook(io.BytesIO(content)).active.iter_rows() for cell in row]
    assert EXPLANATION in cells and KEY in cells


def test_a_question_page_shows_the_key_to_the_owning_staff_only(client, city_test):
    """Upper-level readers (a city's leader reaches its bank) see what a question asks, not its answer."""
    url = reverse("assessments:question-edit", args=[city_test["q"]["short"].version.question.pk])
    page = _page(client, user_with_role("leader", city_test["city"]), url)
    assert city_test["q"]["short"].version.text in page
    assert KEY not in page and EXPLANATION not in page
    page = _page(client, city_test["city_staff"], url)
    assert KEY in page and EXPLANATION in page


def test_marking_shows_the_reference_answer_only_to_the_banks_own_staff(client, city_test):
    """A town's own test drawn from the city's bank: the town's staff mark it without the city's key."""
    town_test = build_test(city_test["town"])[0]
    PaperQuestionFactory(test=town_test, version=city_test["q"]["short"].version, number=9, points=10)
    sitting = SittingFactory(test=town_test, person=city_test["member"].person, group=city_test["group"])
    services.sitting_start(sitting=sitting, by=city_test["member"])
    question = town_test.questions.get(number=9)
    services.sitting_submit(sitting=sitting, responses={question.pk: "联系实际谈体会。"}, by=city_test["member"])
    page = _page(client, city_test["town_staff"], reverse("assessments:marking", args=[town_test.pk]))
    assert "联系实际谈体会。" in page and KEY not in page
    page = _page(client, city_test["city_staff"], reverse("assessments:marking", args=[city_test["test"].pk]))
    assert "学思用贯通。" in page and KEY in page


def test_a_towns_paper_from_the_city_bank_carries_no_answers(client, city_test):
    town_test = build_test(city_test["town"], delivery="paper", opens_at=None, closes_at=None)[0]
    PaperQuestionFactory(test=town_test, version=city_test["q"]["short"].version, number=9, points=10)
    client.force_login(city_test["town_staff"])
    response = client.get(reverse("assessments:paper-docx", args=[town_test.pk]))
    document = Document(io.BytesIO(response.content))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    text = "\n".join([p.text for p in document.paragraphs] + cells)
    assert city_test["q"]["short"].version.text in text
    assert KEY not in text and EXPLANATION not in text


def test_results_and_item_analysis_carry_no_answers_and_the_sitter_reads_their_own(client, city_test):
    staff = city_test["city_staff"]
    short = Answer.objects.get(sitting=city_test["sitting"], question=city_test["q"]["short"])
    services.answers_mark(test=city_test["test"], marks={short.pk: (6, "")}, by=staff)
    _close(city_test["test"])
    services.results_publish(test=city_test["test"], by=staff)
    results = reverse("assessments:results", args=[city_test["test"].pk])
    page = _page(client, city_test["town_staff"], results)
    assert city_test["member"].person.name in page
    assert KEY not in page and EXPLANATION not in page
    page = _page(client, user_with_role("leader", city_test["city"]), results)  # the item analysis
    assert city_test["q"]["short"].version.text[:20] in page
    assert KEY not in page and EXPLANATION not in page
    review = reverse("assessments:sitting-review", args=[city_test["sitting"].pk])
    page = _page(client, city_test["member"], review)
    assert KEY in page and EXPLANATION in page


def _marker_of(test, user):
    test.markers.add(user.person)
    return user


def test_a_marker_named_on_the_test_reads_its_reference_answer_on_the_marking_page(client, city_test):
    """A town's staff the city names to mark its test: the key beside the answers, nowhere else."""
    marker = _marker_of(city_test["test"], city_test["town_staff"])
    page = _page(client, marker, reverse("assessments:marking", args=[city_test["test"].pk]))
    assert "学思用贯通。" in page and KEY in page and EXPLANATION in page


def test_a_marker_gets_no_key_from_the_banks_page_export_question_or_test_page(client, city_test):
    marker = _marker_of(city_test["test"], city_test["town_staff"])
    bank = city_test["bank"]
    page = _page(client, marker, bank.get_absolute_url())
    assert city_test["q"]["short"].version.text[:20] in page
    assert KEY not in page and EXPLANATION not in page
    content = client.get(reverse("assessments:bank-export", args=[bank.pk])).content
    cells = _cells(content)
    assert city_test["q"]["short"].version.text in cells and KEY not in cells
    assert not any(EXPLANATION in str(cell) for cell in cells)
    assert client.get(city_test["q"]["short"].version.question.get_absolute_url()).status_code == 404
    page = _page(client, marker, city_test["test"].get_absolute_url())
    assert KEY not in page and EXPLANATION not in page


def test_a_marker_without_any_role_reads_the_key_when_marking_and_no_bank_at_all(client, city_test):
    marker = _marker_of(city_test["test"], PersonFactory(organization=city_test["city"], user=UserFactory()).user)
    page = _page(client, marker, reverse("assessments:marking", args=[city_test["test"].pk]))
    assert "学思用贯通。" in page and KEY in page and EXPLANATION in page
    assert client.get(city_test["bank"].get_absolute_url()).status_code == 404
    assert client.get(reverse("assessments:bank-export", args=[city_test["bank"].pk])).status_code == 404


def test_the_marking_key_covers_short_answers_only(city_test):
    marker = _marker_of(city_test["test"], city_test["town_staff"])
    q = city_test["q"]
    assert access.can(marker, "assessments.marking_key", q["short"])
    assert not any(access.can(marker, "assessments.marking_key", q[kind]) for kind in ("single", "fill"))
    assert not access.can(city_test["town_staff"], "assessments.answers_read", city_test["bank"])


def test_the_marking_page_answers_404_to_another_organization_and_to_a_marker_of_another_test(client, city_test):
    marking = reverse("assessments:marking", args=[city_test["test"].pk])
    client.force_login(user_with_role("staff", OrganizationFactory(name="邻县县委")))
    assert client.get(marking).status_code == 404
    other = build_test(OrganizationFactory(name="邻市市委"))[0]
    client.force_login(_marker_of(other, PersonFactory(organization=other.organization, user=UserFactory()).user))
    assert client.get(marking).status_code == 404


def test_a_towns_marker_of_its_own_test_gets_no_key_of_the_city_bank(client, city_test):
    """The key is the bank's to hand on: a town that sets a test from the city's bank cannot name itself a key."""
    town_test = build_test(city_test["town"])[0]
    PaperQuestionFactory(test=town_test, version=city_test["q"]["short"].version, number=9, points=10)
    sitting = SittingFactory(test=town_test, person=city_test["member"].person, group=city_test["group"])
    services.sitting_start(sitting=sitting, by=city_test["member"])
    question = town_test.questions.get(number=9)
    services.sitting_submit(sitting=sitting, responses={question.pk: "联系实际谈体会。"}, by=city_test["member"])
    marker = _marker_of(town_test, PersonFactory(organization=city_test["town"], user=UserFactory()).user)
    page = _page(client, marker, reverse("assessments:marking", args=[town_test.pk]))
    assert "联系实际谈体会。" in page and KEY not in page
