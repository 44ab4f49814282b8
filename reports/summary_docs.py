"""The year-end summary as a Word document in the official layout."""

from __future__ import annotations

from django.utils.translation import gettext as _

from reports import disclosure, narrative
from studygroup import documents
from studygroup.models import Organization


def _percent(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def figure_rows(figures: dict, unregistered: int = 0) -> list[tuple[str, str]]:
    """The appendix's rows; ``unregistered`` (held sessions without attendance) is said beside the rate."""
    rate = _percent(figures["attendance_rate"])
    if unregistered:
        rate = f"{rate}({disclosure.sentence(unregistered).rstrip('。.')})"
    return [
        (_("Study groups"), str(figures["groups"])),
        (_("Sessions held"), str(figures["sessions"])),
        (_("Topics planned / studied"), f"{figures['topics_planned']} / {figures['topics_held']}"),
        (_("Attendance rate"), rate),
        (
            _("Notes / reflections / discussion materials"),
            f"{figures['notes']} / {figures['reflections']} / {figures['discussion_materials']}",
        ),
        (_("Research topics / reports"), f"{figures['research_topics']} / {figures['research_reports']}"),
        (_("Lectures / listeners"), f"{figures['lectures']} / {figures['lecture_audience']}"),
        (
            _("Observer visits / coverage"),
            f"{figures['observer_visits']} / {_percent(figures['observation_coverage'])}",
        ),
        (
            _("Actions raised / done / overdue"),
            f"{figures['actions']} / {figures['actions_done']} / {figures['actions_overdue']}",
        ),
        (_("Groups meeting all of 八有"), str(figures["bayou_all_met"])),
    ]


def docx(*, organization: Organization, year: int, figures: dict, text: str, unregistered: int = 0) -> bytes:
    document = documents.official_document()
    documents.add_title(document, organization.name)
    documents.add_title(
        document, _("Summary of the theoretical study central group's study in %(year)d") % {"year": year}
    )
    for paragraph in [p.strip() for p in text.split("\n") if p.strip()]:
        level = narrative.heading_level(paragraph)
        if level:
            documents.add_heading(document, paragraph, level=level)
        else:
            documents.add_paragraph(document, paragraph)
    documents.add_heading(document, _("Appendix: figures of the year"))
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in figure_rows(figures, unregistered):
        cells = table.add_row().cells
        for cell, content in zip(cells, (label, value), strict=True):
            run = cell.paragraphs[0].add_run(documents.xml_text(content))
            documents.set_faces(run, documents.BODY_FACE, documents.BODY_FALLBACK)
    return documents.to_bytes(document)
