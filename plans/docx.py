"""The annual plan as a Word document for circulation (印发)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from plans.models import StudyPlan
from plans.selectors import MonthRow
from studygroup import documents, formats


def plan_document(*, plan: StudyPlan, rows: list[MonthRow]) -> bytes:
    document = documents.official_document()
    documents.add_title(document, plan.group.organization.name)
    documents.add_title(document, _("Theoretical study central group study plan for %(year)d") % {"year": plan.year})
    if plan.main_line:
        documents.add_heading(document, _("I. Main line of the year"))
        documents.add_paragraph(document, plan.main_line)
    documents.add_heading(document, _("II. Monthly arrangements"))
    for row in rows:
        heading = _("Month %(month)d") % {"month": row.month.month}
        if row.month.theme:
            heading = _("%(month)s: %(theme)s") % {"month": heading, "theme": row.month.theme}
        documents.add_heading(document, heading, level=2)
        for number, topic in enumerate(row.topics, start=1):
            line = _("%(number)d. %(title)s; format: %(kind)s.") % {
                "number": number,
                "title": topic.title,
                "kind": topic.get_session_kind_display(),
            }
            if topic.lead:
                line += _(" Lead reader: %(name)s.") % {"name": topic.lead.name}
            if topic.is_supplementary:
                line += _(" (Supplementary, added on %(date)s.)") % {"date": formats.date_zh(topic.added_on)}
            documents.add_paragraph(document, line)
        if not row.topics:
            documents.add_paragraph(document, _("Topics of this month will be arranged separately."))
    return documents.to_bytes(document)
