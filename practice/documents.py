"""Spreadsheets of the practice app, built from what its selectors read (user text is never a formula)."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from practice.selectors import LedgerRow, is_overdue_by
from studygroup import documents


def first_topic_xlsx(rows: list[LedgerRow]) -> bytes:
    """The 第一议题 ledger: one line per measure, and one per study without a measure."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("第一议题 ledger")
    documents.append_row(
        sheet,
        [
            _("Date"),
            _("Study group"),
            _("Topic studied"),
            _("What was decided"),
            _("Measure"),
            _("Owner of the measure"),
            _("Due on"),
            _("Status"),
            _("Done on"),
            _("Overdue"),
            _("Acceptance"),
        ],
    )
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        session = row.session
        studied = [session.group.name, _topic_studied(session)]
        day = f"{timezone.localtime(session.starts_at):%Y-%m-%d}"
        if not row.measures:
            documents.append_row(sheet, [day, *studied, "", "", "", "", "", "", "", ""])
        for action in row.measures:
            documents.append_row(
                sheet,
                [
                    day,
                    *studied,
                    action.problem,
                    action.measure,
                    action.owner.name,
                    f"{action.due_on:%Y-%m-%d}",
                    str(action.get_status_display()),
                    f"{action.done_on:%Y-%m-%d}" if action.done_on else "",
                    _("Yes") if is_overdue_by(action, row.judged_on) else _("No"),
                    _acceptance(action),
                ],
            )
    for column, width in zip("ABCDEFGHIJK", (12, 30, 40, 40, 30, 12, 12, 10, 12, 8, 16), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _acceptance(action) -> str:
    """待验收 for a measure done and awaiting acceptance (``LedgerRow``'s ``awaiting``), the day it was accepted."""
    if action.awaiting:
        return _("Awaiting acceptance")
    return _("Accepted %(date)s") % {"date": f"{action.accepted_on:%Y-%m-%d}"} if action.accepted_on else ""


def _topic_studied(session) -> str:
    topics = "、".join(topic.title for topic in session.topics.all())
    return f"{session.title}({topics})" if topics else session.title
