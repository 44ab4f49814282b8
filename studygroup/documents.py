"""Word documents in the usual layout of official documents (A4, 仿宋 body, bold heading face, page numbers).

python-docx sets only the Latin face with ``font.name``; Chinese text needs
``w:eastAsia`` on the run fonts, and the theme font attributes must go, or
Word keeps its default East Asian face.
"""

from __future__ import annotations

import io
import os
from urllib.parse import quote

from django.http import HttpResponse
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

BODY_FACE = "仿宋_GB2312"
BODY_FALLBACK = "FangSong"
HEADING_FACE = "方正小标宋简体"
HEADING_FALLBACK = "SimHei"


def set_faces(run_or_style, east_asian: str, latin: str) -> None:
    font = run_or_style.font
    font.name = latin
    r_pr = run_or_style.element.get_or_add_rPr()
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        r_pr.insert(0, fonts)
    for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attribute), None)
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)


def official_document() -> Document:
    """Return an empty A4 document with the body style set to 仿宋 三号 and page numbers in the footer."""
    document = Document()
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = document.styles["Normal"]
    set_faces(normal, BODY_FACE, BODY_FALLBACK)
    normal.font.size = Pt(16)
    normal.paragraph_format.line_spacing = Pt(28)
    _page_number(section.footer.paragraphs[0])
    return document


def _page_number(paragraph) -> None:
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)
    run.font.size = Pt(14)


def add_title(document: Document, text: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(text)
    set_faces(run, HEADING_FACE, HEADING_FALLBACK)
    run.font.size = Pt(22)
    run.bold = True


def add_heading(document: Document, text: str) -> None:
    paragraph = document.add_paragraph()
    run = paragraph.add_run(text)
    set_faces(run, "黑体", "SimHei")
    run.font.size = Pt(16)


def add_paragraph(document: Document, text: str, *, indent: bool = True):
    paragraph = document.add_paragraph()
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(32)
    run = paragraph.add_run(text)
    set_faces(run, BODY_FACE, BODY_FALLBACK)
    return paragraph


def to_bytes(document: Document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    """A file to download whose Chinese name reaches every browser (an ASCII fallback name, then UTF-8)."""
    fallback = "download" + (os.path.splitext(filename)[1] or "")
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
    return response
