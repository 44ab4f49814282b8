"""What may be uploaded: the type is read from the file's content, never trusted from its name.

Party offices work in WPS Office: Word 97-2003 and WPS documents (``.doc``, ``.wps``) and Excel 97-2003
and WPS spreadsheets (``.xls``, ``.et``) are OLE2 compound files, recognised by their signature. Every
upload is stored under a generated name and downloaded as an attachment, never rendered by the browser.
"""

from __future__ import annotations

import os
import re
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# Allowed types: name -> extensions the file may carry.
ALLOWED = {
    "pdf": {".pdf"},
    "docx": {".docx"},
    "xlsx": {".xlsx"},
    "png": {".png"},
    "jpeg": {".jpg", ".jpeg"},
    "gif": {".gif"},
    "ole2": {".doc", ".wps", ".xls", ".et"},
}
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# How the messages name a type.
LABELS = {"ole2": "Word/Excel/WPS 97-2003"}
SIGNATURES = [
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (OLE2_SIGNATURE, "ole2"),
]


def detect_type(upload) -> str | None:
    """Return the type of the uploaded file by its content, or ``None`` when it is none we take."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for signature, kind in SIGNATURES:
        if head.startswith(signature):
            return kind
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return None
        finally:
            upload.seek(0)
        if "[Content_Types].xml" in names and "word/document.xml" in names:
            return "docx"
        if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
            return "xlsx"
    return None


def clean_name(name: str) -> str:
    """Keep only the last path part of a file name, without control characters or path tricks."""
    name = os.path.basename(name.replace("\\", "/"))
    name = re.sub(r"[\x00-\x1f\x7f<>:\"/\\|?*]", "", name).strip(" .")
    return name[:200] or "file"


def validate_upload(upload) -> str:
    """Refuse empty, oversized and disguised files; return the detected type."""
    limit = settings.UPLOAD_MAX_BYTES
    if upload.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if upload.size > limit:
        raise ValidationError(
            _("The file is %(size)s; files up to %(limit)s are accepted.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    kind = detect_type(upload)
    if kind is None:
        raise ValidationError(
            _(
                "This type of file is not accepted. Upload a PDF, Word (DOCX, DOC), WPS (WPS, ET), Excel (XLSX, XLS) "
                "or image (PNG, JPEG, GIF) file."
            ),
            code="bad_type",
        )
    extension = os.path.splitext(upload.name)[1].lower()
    if extension not in ALLOWED[kind]:
        raise ValidationError(
            _("The file's name says %(extension)s but its content is %(kind)s. Check that it is the right file.")
            % {"extension": extension or _("no type"), "kind": LABELS.get(kind, kind.upper())},
            code="mismatch",
        )
    return kind
