"""Spreadsheets of the audits app: the compliance table of a checklist (八有) over a subtree."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from audits import checklists
from audits.models import Checklist, ChecklistItem
from studygroup import documents
from studygroup.models import Organization

# Cell colours of a computed status: green met, yellow partly met, red missing.
STATUS_FILLS = {checklists.MET: "C6EFCE", checklists.PARTIAL: "FFEB9C", checklists.MISSING: "FFC7CE"}


def _cell_label(cell: dict) -> str:
    if cell["status"] is not None:
        return checklists.STATUS_LABELS[cell["status"]]
    return cell["verdict"] or checklists.NOT_COMPUTED_LABEL


def compliance_workbook(*, checklist: Checklist, items: list[ChecklistItem], rows: list[dict]) -> bytes:
    """Return the compliance table as XLSX: a group a row, an item a column (coloured when computed), items met.

    ``rows`` are those of the compliance page, each with its ``group``, its ``cells`` (status and verdict of
    each item, in the order of ``items``) and ``met``.
    """
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(checklist.name)
    documents.append_row(sheet, [_("Organization"), _("Study group"), *[item.name for item in items], _("Items met")])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        documents.append_row(
            sheet,
            [
                row["group"].organization.name,
                row["group"].name,
                *[str(_cell_label(cell)) for cell in row["cells"]],
                row["met"],
            ],
        )
        for index, cell in enumerate(row["cells"], start=3):
            if cell["status"] is not None:
                fill = PatternFill("solid", fgColor=STATUS_FILLS[cell["status"]])
                sheet.cell(row=sheet.max_row, column=index).fill = fill
    sheet.column_dimensions["A"].width = 36
    sheet.column_dimensions["B"].width = 40
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def compliance_file_name(*, organization: Organization, year: int, checklist: Checklist) -> str:
    """Name the compliance spreadsheet of a subtree and year: ``<organization><year>年<checklist>情况.xlsx``."""
    return f"{organization.name}{year}年{checklist.name}情况.xlsx"
