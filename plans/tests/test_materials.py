"""Materials: uploads checked by content, drafts kept from members, downloads through the access rule.

Materials of a session (publication, pre-study, completion, late flags) are tested with sessions, above plans:
``sessions/tests/test_prestudy.py``.
"""

import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from plans import services
from plans.models import Material
from plans.tests.factories import FileMaterialFactory, MaterialFactory
from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def group():
    return StudyGroupFactory(organization=OrganizationFactory(name="白沙镇党委"))


@pytest.fixture
def staff(group):
    return user_with_role("staff", group.organization)


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def post_file(client, group, name, content, **extra):
    data = {"title": "学习资料", "kind": "file", "upload": SimpleUploadedFile(name, content), **extra}
    return client.post(reverse("plans:material-add", args=[group.pk]), data)


def test_pdf_and_docx_are_accepted_and_stored(client, group, staff, settings):
    client.force_login(staff)
    assert post_file(client, group, "讲话.pdf", b"%PDF-1.7\n...").status_code == 302
    assert post_file(client, group, "方案.docx", docx_bytes()).status_code == 302
    materials = Material.objects.filter(group=group).order_by("id")
    assert [m.original_name for m in materials] == ["讲话.pdf", "方案.docx"]
    assert all(m.published_at is None for m in materials)
    stored = sorted(p.name for p in (settings.MEDIA_ROOT / "materials" / str(group.pk)).iterdir())
    assert len(stored) == 2


def test_disguised_file_is_refused_with_the_message_and_nothing_stored(client, group, staff, settings):
    client.force_login(staff)
    response = post_file(client, group, "通知.pdf", b"MZ\x90\x00 this is an executable")
    assert response.status_code == 200
    assert "不接受此类型的文件" in response.content.decode()
    response = post_file(client, group, "讲话.docx", b"%PDF-1.7\n...")
    assert "但内容是 PDF" in response.content.decode()
    assert not Material.objects.exists()
    assert not (settings.MEDIA_ROOT / "materials").exists()


def test_file_over_the_limit_is_refused(client, group, staff, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    client.force_login(staff)
    response = post_file(client, group, "大文件.pdf", b"%PDF-1.7\n" + b"0" * 2048)
    assert response.status_code == 200
    assert "可接受的文件最大为" in response.content.decode()
    assert not Material.objects.exists()
    assert not (settings.MEDIA_ROOT / "materials").exists()


def test_empty_file_and_path_in_name(client, group, staff):
    client.force_login(staff)
    response = post_file(client, group, "空.pdf", b"")
    assert response.status_code == 200
    assert not Material.objects.exists()
    assert post_file(client, group, "../../etc/讲话.pdf", b"%PDF-1.7\n").status_code == 302
    assert Material.objects.get().original_name == "讲话.pdf"


def test_link_and_text_materials_need_their_content(client, group, staff):
    client.force_login(staff)
    url = reverse("plans:material-add", args=[group.pk])
    response = client.post(url, {"title": "链接", "kind": "link", "url": ""})
    assert "请填写链接地址" in response.content.decode()
    response = client.post(url, {"title": "原文", "kind": "text", "text": "  "})
    assert "请粘贴资料正文" in response.content.decode()
    assert client.post(url, {"title": "链接", "kind": "link", "url": "https://www.12371.cn/"}).status_code == 302


def test_members_do_not_see_drafts(client, group):
    member = user_with_role("member", group.organization)
    draft = MaterialFactory(group=group, published_at=None)
    client.force_login(member)
    assert client.get(draft.get_absolute_url()).status_code == 404
    with pytest.raises(PermissionDenied):
        services.study_confirm(material=draft, by=user_with_role("member", OrganizationFactory()))


def test_file_download_goes_through_the_access_rule(client, group):
    material = FileMaterialFactory(group=group)
    client.force_login(user_with_role("member", group.organization))
    response = client.get(reverse("plans:material-download", args=[material.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    client.force_login(user_with_role("member", OrganizationFactory()))
    assert client.get(reverse("plans:material-download", args=[material.pk])).status_code == 404


def test_draft_delete_asks_then_deletes_and_published_is_kept(client, group, staff):
    draft = MaterialFactory(group=group, published_at=None)
    published = MaterialFactory(group=group)
    client.force_login(staff)
    assert "确认删除" in client.get(reverse("plans:material-delete", args=[draft.pk])).content.decode()
    client.post(reverse("plans:material-delete", args=[draft.pk]))
    client.post(reverse("plans:material-delete", args=[published.pk]))
    assert list(Material.objects.values_list("pk", flat=True)) == [published.pk]


def zipped(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "accepted"),
    [
        ("台账.xlsx", zipped("[Content_Types].xml", "xl/workbook.xml"), True),
        ("照片.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20, True),
        ("照片.jpg", b"\xff\xd8\xff\xe0" + b"0" * 20, True),
        ("压缩包.docx", zipped("readme.txt"), False),
        ("表格.xlsx", zipped("[Content_Types].xml", "word/document.xml"), False),
    ],
)
def test_each_accepted_type_is_recognised_by_its_content(client, group, staff, name, content, accepted):
    client.force_login(staff)
    response = post_file(client, group, name, content)
    assert (response.status_code == 302) is accepted
    assert Material.objects.exists() is accepted


OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


@pytest.mark.parametrize("name", ["通知.doc", "方案.wps", "台账.et", "名单.xls", "名单.XLS"])
def test_wps_and_office_97_files_are_accepted_by_content_and_downloaded_as_attachments(client, group, staff, name):
    client.force_login(staff)
    assert post_file(client, group, name, OLE2).status_code == 302
    material = Material.objects.get(group=group)
    assert material.original_name == name
    response = client.get(reverse("plans:material-download", args=[material.pk]))
    assert b"".join(response.streaming_content) == OLE2
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("通知.pdf", OLE2, "但内容是 Word/Excel/WPS 97-2003"),
        ("通知.exe", OLE2, "但内容是 Word/Excel/WPS 97-2003"),
        ("通知.doc", b"%PDF-1.7\n...", "但内容是 PDF"),
        ("通知.doc", b"\xd0\xcf\x11\xe0 not a compound file", "WPS(WPS、ET)"),
    ],
)
def test_office_97_names_must_match_their_content(client, group, staff, name, content, message):
    client.force_login(staff)
    response = post_file(client, group, name, content)
    assert response.status_code == 200 and message in response.content.decode()
    assert not Material.objects.exists()
