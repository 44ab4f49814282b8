"""Word documents in the usual layout of official documents (A4, 仿宋 body, bold heading face, page numbers).

python-docx sets only the Latin face with ``font.name``; Chinese text needs
``w:eastAsia`` on the run fonts, and the theme font attributes must go, or
Word keeps its default East Asian face.
"""

from __future__ import annotations

import io
import logging
import os
import re
import unicodedata
from typing import TypeVar
from urllib.parse import quote

from django.http import HttpResponse
from django.http.response import HttpResponseBase
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

logger = logging.getLogger(__name__)

BODY_FACE = "仿宋_GB2312"
BODY_FALLBACK = "FangSong"
HEADING_FACE = "方正小标宋简体"
HEADING_FALLBACK = "SimHei"
LEVEL_1_FACE = "黑体"
LEVEL_1_FALLBACK = "SimHei"
LEVEL_2_FACE = "楷体"
LEVEL_2_FALLBACK = "KaiTi"

R = TypeVar("R", bound=HttpResponseBase)


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


def official_document() -> DocxDocument:
    """Return an empty A4 document in the official layout (GB/T 9704) with real Word styles.

    Body: Normal, 仿宋_GB2312 三号. The title is the Title style (方正小标宋 二号, centred); parts are
    Heading 1 (标题 1, 黑体 三号) and sections Heading 2 (标题 2, 楷体 三号), so Word's and WPS's navigation
    pane and a table of contents find them. Page numbers in the footer.
    """
    document = Document()
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    normal = document.styles["Normal"]
    set_faces(normal, BODY_FACE, BODY_FALLBACK)
    normal.font.size = Pt(16)
    normal.paragraph_format.line_spacing = Pt(28)
    _official_style(document.styles["Title"], HEADING_FACE, HEADING_FALLBACK, Pt(22))
    title_format = document.styles["Title"].paragraph_format
    title_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title_format.line_spacing = Pt(36)
    title_format.space_after = Pt(14)
    _official_style(document.styles["Heading 1"], LEVEL_1_FACE, LEVEL_1_FALLBACK, Pt(16))
    _official_style(document.styles["Heading 2"], LEVEL_2_FACE, LEVEL_2_FALLBACK, Pt(16))
    _page_number(section.footer.paragraphs[0])
    return document


def _official_style(style, east_asian: str, latin: str, size) -> None:
    """Give a built-in heading style the official face and size, black, not bold, without borders."""
    set_faces(style, east_asian, latin)
    r_pr = style.element.get_or_add_rPr()
    for tag in ("w:color", "w:spacing", "w:kern"):
        for element in r_pr.findall(qn(tag)):
            r_pr.remove(element)
    p_pr = style.element.get_or_add_pPr()
    for element in p_pr.findall(qn("w:pBdr")):
        p_pr.remove(element)
    style.font.size = size
    style.font.bold = False
    style.font.italic = False
    style.paragraph_format.line_spacing = Pt(28)
    style.paragraph_format.space_before = Pt(6)
    style.paragraph_format.space_after = Pt(0)


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


# Characters XML 1.0 cannot carry: a title typed with one would make the whole document fail.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """``text`` without the characters a Word document cannot hold."""
    return _NOT_IN_XML.sub("", str(text))


def add_title(document: DocxDocument, text: str) -> None:
    """The document's title, in the Title style."""
    document.add_paragraph(xml_text(text), style="Title")


def add_heading(document: DocxDocument, text: str, *, level: int = 1) -> None:
    """A part (level 1, 标题 1) or a section (level 2, 标题 2) heading."""
    document.add_paragraph(xml_text(text), style=f"Heading {level}")


def add_paragraph(document: DocxDocument, text: str, *, indent: bool = True):
    paragraph = document.add_paragraph()
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(32)
    run = paragraph.add_run(xml_text(text))
    set_faces(run, BODY_FACE, BODY_FALLBACK)
    return paragraph


def to_bytes(document: DocxDocument) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    """A file to download whose Chinese name reaches every browser (an ASCII fallback name, then UTF-8).

    Downloads hold records only their reader may read: no browser or proxy keeps a copy (``no-store``).
    """
    response = HttpResponse(content, content_type=content_type)
    return private_attachment(response, filename)


def private_attachment(response: R, filename: str) -> R:
    """Mark ``response`` as an attachment named ``filename`` that no cache may keep."""
    stem, extension = os.path.splitext(filename)
    extension = "." + entry_name(extension, limit=10) if extension else ""
    filename = entry_name(stem, limit=160) + extension
    fallback = "download" + extension
    response["Content-Disposition"] = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def download_stored(field_file, filename: str) -> HttpResponseBase:
    """An uploaded file, always as an attachment of an opaque type so no browser renders it.

    Read through the storage API (a shared directory or an S3-compatible bucket, never a path): a file the
    storage does not hold (a node that does not mount the shared directory, a file removed by hand) answers
    "not found" and leaves a warning for the operators, never a server error."""
    from django.http import FileResponse, Http404

    try:
        handle = field_file.open("rb")
    except FileNotFoundError:
        logger.warning("Stored file %s is missing from the %s storage", field_file.name, type(field_file.storage))
        raise Http404("stored file missing") from None
    response = FileResponse(handle, content_type="application/octet-stream")
    return private_attachment(response, filename or "file")


# Names inside a ZIP -------------------------------------------------------------------------

_UNSAFE_IN_NAME = re.compile(r'[\\/:*?"<>|]')


def entry_name(text: str, *, limit: int = 80) -> str:
    """One part of a file name built from user text (a person's name, a title): never a path.

    Control and format characters (including bidirectional overrides), path separators, characters
    Windows refuses, and leading or trailing dots and spaces go; ``..`` cannot survive. Never empty.
    """
    kept = "".join(
        " " if char in "\t\r\n" else char
        for char in str(text)
        if unicodedata.category(char)[0] != "C" or char in "\t\r\n"
    )
    kept = _UNSAFE_IN_NAME.sub("_", kept)
    kept = re.sub(r"\.{2,}", ".", kept)
    kept = re.sub(r"\s+", " ", kept).strip(" .")
    return kept[:limit].strip(" .") or "_"


# Spreadsheets ------------------------------------------------------------------------------

# Characters a spreadsheet reads as the start of a formula (with leading blanks, Excel still does).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
# openpyxl refuses these control characters in a cell (IllegalCharacterError).
_ILLEGAL_IN_CELL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def append_row(sheet, values: list) -> None:
    """Append a row where every piece of text is written as text, never as a formula.

    openpyxl turns any string starting with ``=`` into a formula; a cell of type ``s`` keeps the text as
    it is. Text that a spreadsheet would read as a formula when someone edits the cell also gets Excel's
    quote prefix (the leading apostrophe), which is not part of the value.
    """
    sheet.append([_ILLEGAL_IN_CELL.sub("", value) if isinstance(value, str) else value for value in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
            if cell.value.lstrip(" ").startswith(FORMULA_STARTS):
                cell.quotePrefix = True
