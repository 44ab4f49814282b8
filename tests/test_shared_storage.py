"""Uploaded files live in the storage every node shares (``STORAGES["default"]``, studygroup/storage_config.py).

The code reaches them only through the storage API, so a storage that is not the file system (here Django's
in-memory one; in production a shared directory or an S3-compatible bucket) serves every upload and download
unchanged, and a file the storage has lost answers "not found" (a download) or a note (an archive), never a
server error.
"""

from __future__ import annotations

import ast
import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from plans.models import Material
from plans.tests.factories import FileMaterialFactory
from sessions.models import Submission
from sessions.tests.factories import SubmissionFactory
from studygroup.tests.factories import StudyGroupFactory, user_with_role

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def memory_storage(settings, tmp_path):
    """Uploads kept in memory; MEDIA_ROOT an empty folder that must stay empty."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    return settings.MEDIA_ROOT


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_a_material_uploaded_and_downloaded_goes_only_through_the_storage(client, memory_storage):
    group = StudyGroupFactory()
    client.force_login(user_with_role("staff", group.organization))
    content = b"%PDF-1.4 \xe5\xad\xa6\xe4\xb9\xa0 shared storage"
    upload = io.BytesIO(content)
    upload.name = "学习资料.pdf"
    response = client.post(
        reverse("plans:material-add", args=[group.pk]), {"title": "共享存储资料", "kind": "file", "upload": upload}
    )
    assert response.status_code == 302
    material = Material.objects.get(group=group, title="共享存储资料")
    assert default_storage.exists(material.file.name)
    assert not memory_storage.exists() or not any(memory_storage.rglob("*"))

    # Another reader (another web node, in production) downloads the same bytes.
    client.force_login(user_with_role("staff", group.organization))
    response = client.get(reverse("plans:material-download", args=[material.pk]))
    assert response.status_code == 200
    assert _body(response) == content
    assert "attachment" in response["Content-Disposition"]


def test_a_file_missing_from_the_storage_answers_not_found(client, memory_storage):
    material = FileMaterialFactory()
    client.force_login(user_with_role("staff", material.group.organization))
    url = reverse("plans:material-download", args=[material.pk])
    assert client.get(url).status_code == 200
    default_storage.delete(material.file.name)
    response = client.get(url)
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_the_year_archive_names_an_attachment_the_storage_lost_and_keeps_the_rest(client, memory_storage):
    group = StudyGroupFactory()
    submission = SubmissionFactory(
        group=group,
        status=Submission.Status.SUBMITTED,
        submitted_on="2026-03-02",
        title="遗失附件的心得",
        original_name="心得附件.docx",
        file=ContentFile(b"PK attachment", name="reflection.docx"),
    )
    default_storage.delete(submission.file.name)
    client.force_login(user_with_role("staff", group.organization))
    response = client.get(reverse("reports:archive", args=[group.pk, 2026]))
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    notes = [name for name in archive.namelist() if "心得附件" in name]
    assert len(notes) == 1 and notes[0].endswith(".txt")
    assert "文件存储" in archive.read(notes[0]).decode()
    assert any(archive.read(name).decode().startswith("遗失附件的心得") for name in archive.namelist() if "03-" in name)


def _python_sources():
    for app in ("studygroup", "plans", "sessions", "audits", "reports", "assessments", "practice", "demo"):
        for path in (ROOT / app).rglob("*.py"):
            if "tests" not in path.parts and "migrations" not in path.parts:
                yield path


def test_no_code_reaches_uploaded_files_by_path():
    """Only the settings name MEDIA_ROOT; nothing asks a stored file for its ``.path`` or opens it by name."""
    offenders = []
    for path in _python_sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "MEDIA_ROOT" and path.name != "settings.py":
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} MEDIA_ROOT")
            if isinstance(node, ast.Attribute) and node.attr == "path" and isinstance(node.value, ast.Attribute):
                if node.value.attr in {"file", "plan_file"}:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} .{node.value.attr}.path")
    assert offenders == []
    assert django_settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage")
