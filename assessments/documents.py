"""Files of a paper test: the paper with its answer sheet (PDF, DOCX in the official layout), and the grid of
paper results as XLSX (written with the people and questions, read back with every bad row named)."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from assessments.models import OPTION_LETTERS, KnowledgeTest, QuestionKind, TestQuestion
from assessments.spreadsheets import SheetProblems, cell_text, sheet_rows
from reports.pdf import render_pdf
from studygroup import documents

ABSENT_WORDS = {"是", "缺考", "Y", "1", "√", "✓"}


def _sections(questions: list[TestQuestion]) -> list[dict]:
    """The paper's questions grouped by type, in the paper's order, each type headed 一、单选题 and so on."""
    numerals = "一二三四五六七八九十"
    sections: list[dict] = []
    for question in questions:
        kind = question.version.kind
        if not sections or sections[-1]["kind"] != kind:
            sections.append({"kind": kind, "label": QuestionKind(kind).label, "questions": []})
        sections[-1]["questions"].append(question)
    for index, section in enumerate(sections):
        section["numeral"] = numerals[index] if index < len(numerals) else str(index + 1)
        section["points"] = sum(q.points for q in section["questions"])
    return sections


def paper_pdf(test: KnowledgeTest, questions: list[TestQuestion]) -> bytes:
    return render_pdf(
        "assessments/paper_pdf.html",
        {"test": test, "sections": _sections(questions), "questions": questions, "letters": OPTION_LETTERS},
    )


def paper_docx(test: KnowledgeTest, questions: list[TestQuestion]) -> bytes:
    """The paper in the official layout, then the answer sheet on a page of its own."""
    document = documents.official_document()
    documents.add_title(document, test.title)
    documents.add_paragraph(document, _header(test), indent=False)
    documents.add_paragraph(
        document, _("Name: ________  Unit: ________  Post: ________  Score: ________"), indent=False
    )
    if test.instructions:
        documents.add_paragraph(document, test.instructions)
    for section in _sections(questions):
        documents.add_heading(
            document,
            _("%(numeral)s、%(kind)s (%(points)d points)")
            % {"numeral": section["numeral"], "kind": section["label"], "points": section["points"]},
        )
        for question in section["questions"]:
            version = question.version
            documents.add_paragraph(document, f"{question.number}. {version.text}({question.points}分)", indent=False)
            for letter, option in version.lettered_options:
                documents.add_paragraph(document, f"{letter}. {option}")
            if version.kind == QuestionKind.SHORT:
                for _line in range(4):
                    documents.add_paragraph(document, "_" * 40)
    document.add_page_break()
    documents.add_title(document, _("Answer sheet"))
    documents.add_paragraph(document, _("Name: ________  Unit: ________"), indent=False)
    table = document.add_table(rows=1, cols=2)
    table.style = "Table Grid"
    table.rows[0].cells[0].text = _("Question")
    table.rows[0].cells[1].text = _("Answer on the sheet")
    for question in questions:
        cells = table.add_row().cells
        cells[0].text = str(question.number)
        cells[1].text = _answer_space(question)
    return documents.to_bytes(document)


def _header(test: KnowledgeTest) -> str:
    return _("%(organization)s · %(date)s · %(max)d points, pass at %(pass)d") % {
        "organization": test.organization.name,
        "date": f"{test.held_on:%Y-%m-%d}",
        "max": test.max_score,
        "pass": test.pass_mark,
    }


def _answer_space(question: TestQuestion) -> str:
    version = question.version
    if version.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        return "  ".join(f"□{letter}" for letter in OPTION_LETTERS[: len(version.options)])
    if version.kind == QuestionKind.TRUE_FALSE:
        return _("□True  □False")
    return ""


# The grid of paper results ----------------------------------------------------------------------

GRID_FILL = PatternFill("solid", fgColor="FDE2E1")


def grid_columns(questions: list[TestQuestion]) -> list[str]:
    return [
        _("Person code"),
        _("Name"),
        _("Unit"),
        _("Absent"),
        *(_("Q%(number)d (%(points)d)") % {"number": q.number, "points": q.points} for q in questions),
    ]


def grid_xlsx(test: KnowledgeTest, questions: list[TestQuestion], sittings, points: dict[int, dict[int, int]]) -> bytes:
    """The grid of paper results: a row per person called, a column per question (points earned)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Paper results")
    documents.append_row(sheet, grid_columns(questions))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = GRID_FILL
    for sitting in sittings:
        earned = points.get(sitting.pk)
        documents.append_row(
            sheet,
            [
                sitting.person.code,
                sitting.person.name,
                sitting.group.organization.name if sitting.group else "",
                "",
                *((earned or {}).get(q.pk, "") if earned else "" for q in questions),
            ],
        )
    for column, width in {"A": 18, "B": 12, "C": 28, "D": 8}.items():
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "E2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def read_grid(content: bytes, questions: list[TestQuestion], codes: dict[str, int]) -> dict[int, dict[int, int] | None]:
    """Read a filled grid: person code → sitting id (``codes``). Return the rows for ``paper_results_enter``, or
    raise ``SheetProblems`` naming every bad row (nothing is entered until the file is clean)."""
    expected = grid_columns(questions)
    rows = sheet_rows(content, width=len(expected) + 5)
    header = [cell_text(value) for value in (rows[0] if rows else [])]
    if header[: len(expected)] != expected:
        raise SheetProblems([_("Row 1 must be the header of this test's grid: download the grid again.")])
    found: dict[int, dict[int, int] | None] = {}
    problems = []
    for number, row in enumerate(rows[1:], start=2):
        values = [cell_text(value) for value in row[: len(expected)]] + [""] * (len(expected) - len(row))
        if not any(values):
            continue
        sitting_id = codes.get(values[0])
        if sitting_id is None:
            problems.append(
                _("Row %(row)d: %(code)s is not called to this test.") % {"row": number, "code": values[0] or "—"}
            )
            continue
        if sitting_id in found:
            problems.append(_("Row %(row)d: %(code)s is listed twice.") % {"row": number, "code": values[0]})
            continue
        if values[3] in ABSENT_WORDS:
            found[sitting_id] = None
            continue
        cells = values[4:]
        if not any(cells):
            continue  # nothing entered for this person yet
        earned = {}
        for question, cell in zip(questions, cells, strict=True):
            if cell == "":
                continue
            if not (cell.isascii() and cell.isdigit()) or not 0 <= int(cell) <= question.points:
                problems.append(
                    _("Row %(row)d: question %(number)d takes 0 to %(max)d points, not “%(value)s”.")
                    % {"row": number, "number": question.number, "max": question.points, "value": cell[:20]}
                )
                continue
            earned[question.pk] = int(cell)
        found[sitting_id] = earned
    if problems:
        raise SheetProblems(problems)
    if not found:
        raise SheetProblems([_("The grid holds no result.")])
    return found
