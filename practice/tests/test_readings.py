"""荐读领学: members recommend readings; staff pick one into a coming session's materials and name the lead reader;
the year's reading list of a group is one page."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from plans.models import Material
from practice import services
from practice.models import Recommendation
from sessions.tests.factories import StudySessionFactory
from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, user_with_role

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def group():
    return StudyGroupFactory(organization=OrganizationFactory(name="卞桥镇党委"))


def _coming(group, days=5, title="集体学习"):
    start = timezone.now() + datetime.timedelta(days=days)
    return StudySessionFactory(group=group, title=title, starts_at=start, ends_at=start + datetime.timedelta(hours=2))


def test_a_member_recommends_and_staff_pick_it_with_a_lead_reader(client, group):
    member = user_with_role("member", group.organization)
    client.force_login(member)
    upload = SimpleUploadedFile("讲话.pdf", PDF, content_type="application/pdf")
    response = client.post(
        reverse("practice:recommend", args=[group.pk]),
        {
            "title": "《论党的自我革命》",
            "source": "中央文献出版社",
            "url": "",
            "upload": upload,
            "why": "切合当前整改工作",
        },
    )
    recommendation = Recommendation.objects.get()
    assert response.url == recommendation.get_absolute_url()
    assert (recommendation.recommended_by, recommendation.original_name) == (member.person, "讲话.pdf")

    session = _coming(group, title="十二月集体学习")
    staff = user_with_role("staff", group.organization)
    client.force_login(staff)
    response = client.post(
        recommendation.get_absolute_url(), {"session": session.pk, "lead": member.person.pk, "publish": "on"}
    )
    assert response.url == recommendation.get_absolute_url()
    recommendation.refresh_from_db()
    material = Material.objects.get()
    assert (material.session, material.kind, material.original_name) == (session, "file", "讲话.pdf")
    assert material.published_at is not None and recommendation.material == material
    session.refresh_from_db()
    assert session.lead == member.person
    page = client.get(reverse("practice:reading-list", args=[group.pk])).content.decode()
    assert "《论党的自我革命》" in page and f"领学人 {member.person.name}" in page and "十二月集体学习" in page
    with pytest.raises(ValidationError):
        services.recommendation_pick(
            recommendation=recommendation, session=session, lead=member.person, publish=False, by=staff
        )
    assert Material.objects.count() == 1


def test_picking_needs_a_coming_session_of_the_group_and_a_member_as_lead_reader(group):
    member = user_with_role("member", group.organization)
    staff = user_with_role("staff", group.organization)
    recommendation = services.recommendation_create(group=group, title="《读本》", why="好书", by=member)
    held = StudySessionFactory(group=group, starts_at=timezone.now() - datetime.timedelta(days=1))
    other = _coming(StudyGroupFactory())
    outsider = user_with_role("member", OrganizationFactory())
    for session, lead in ((held, member.person), (other, member.person), (_coming(group), outsider.person)):
        with pytest.raises(ValidationError):
            services.recommendation_pick(
                recommendation=recommendation, session=session, lead=lead, publish=True, by=staff
            )
    with pytest.raises(PermissionDenied):
        services.recommendation_pick(
            recommendation=recommendation, session=_coming(group), lead=member.person, publish=True, by=member
        )
    recommendation.refresh_from_db()
    assert recommendation.picked_at is None and not Material.objects.exists()


def test_a_text_recommendation_becomes_a_text_material(group):
    member = user_with_role("member", group.organization)
    staff = user_with_role("staff", group.organization)
    recommendation = services.recommendation_create(
        group=group, title="重要讲话", source="《求是》2026年第5期", why="讲清了方法", by=member
    )
    material = services.recommendation_pick(
        recommendation=recommendation, session=_coming(group), lead=member.person, publish=False, by=staff
    )
    assert (material.kind, material.text, material.published_at) == ("text", "《求是》2026年第5期\n讲清了方法", None)


def test_the_reading_list_is_the_groups_own(client, group):
    member = user_with_role("member", group.organization)
    recommendation = services.recommendation_create(group=group, title="本组书目", why="好", by=member)
    client.force_login(user_with_role("member", OrganizationFactory()))
    assert client.get(reverse("practice:reading-list", args=[group.pk])).status_code == 404
    assert client.get(recommendation.get_absolute_url()).status_code == 404
    assert client.post(reverse("practice:recommend", args=[group.pk]), {"title": "x", "why": "y"}).status_code == 404
    client.force_login(user_with_role("viewer", group.organization))
    page = client.get(reverse("practice:reading-list", args=[group.pk])).content.decode()
    assert "本组书目" in page and "推荐读物</a>" not in page
    assert Recommendation.objects.count() == 1


def test_the_reading_list_holds_the_years_readings_only(client, group):
    """Picked readings count in the year of their session; waiting ones in the year they were recommended."""
    member = user_with_role("member", group.organization)
    this_year = timezone.localdate().year
    last_start = timezone.now().replace(year=this_year - 1, month=6, day=10)
    last_years_session = StudySessionFactory(
        group=group, starts_at=last_start, ends_at=last_start + datetime.timedelta(hours=2)
    )
    picked_last_year = services.recommendation_create(group=group, title="去年领学篇目", why="好", by=member)
    Recommendation.objects.filter(pk=picked_last_year.pk).update(
        session=last_years_session, picked_at=last_start - datetime.timedelta(days=3)
    )
    waiting_last_year = services.recommendation_create(group=group, title="去年待选荐读", why="好", by=member)
    Recommendation.objects.filter(pk=waiting_last_year.pk).update(created_at=last_start)
    services.recommendation_create(group=group, title="今年待选荐读", why="好", by=member)
    client.force_login(user_with_role("viewer", group.organization))
    url = reverse("practice:reading-list", args=[group.pk])

    this_years = client.get(url).content.decode()
    assert "今年待选荐读" in this_years
    assert "去年领学篇目" not in this_years and "去年待选荐读" not in this_years
    last_years = client.get(f"{url}?year={this_year - 1}").content.decode()
    assert "去年领学篇目" in last_years and "去年待选荐读" in last_years
    assert "今年待选荐读" not in last_years


def _file_recommendation(group, member, url=""):
    upload = SimpleUploadedFile("讲话.pdf", PDF, content_type="application/pdf")
    return services.recommendation_create(
        group=group,
        title="《论党的自我革命》",
        source="中央文献出版社",
        url=url,
        why="切合当前整改工作",
        by=member,
        upload=upload,
    )


def test_picking_a_recommended_file_closes_it_once_the_material_holds_its_copy(group):
    member = user_with_role("member", group.organization)
    staff = user_with_role("staff", group.organization)
    recommendation = _file_recommendation(group, member)

    material = services.recommendation_pick(
        recommendation=recommendation, session=_coming(group), lead=member.person, publish=True, by=staff
    )

    # The service opened the recommendation's file (the object it was given) and closed it.
    assert getattr(recommendation.file, "_file", None) is not None and recommendation.file.closed
    with material.file.open("rb") as copy:
        assert copy.read() == PDF
    assert (material.kind, material.original_name) == ("file", "讲话.pdf")


@pytest.mark.parametrize(
    ("url", "kind", "content"),
    [
        ("", "text", {"text": "中央文献出版社\n切合当前整改工作", "url": ""}),
        ("https://www.12371.cn/lunzhu.html", "link", {"text": "", "url": "https://www.12371.cn/lunzhu.html"}),
    ],
)
def test_a_recommended_file_the_storage_lost_is_picked_by_its_link_or_text_unpublished_and_staff_are_told(
    client, group, url, kind, content
):
    member = user_with_role("member", group.organization)
    staff = user_with_role("staff", group.organization)
    recommendation = _file_recommendation(group, member, url=url)
    recommendation.file.storage.delete(recommendation.file.name)
    session = _coming(group, title="十二月集体学习")
    client.force_login(staff)

    response = client.post(
        recommendation.get_absolute_url(),
        {"session": session.pk, "lead": member.person.pk, "publish": "on"},
        follow=True,
    )

    assert response.status_code == 200
    assert "推荐的文件已不在文件存储中,这篇读物已按链接或文字加入学习会资料,暂未发布。" in response.content.decode()
    material = Material.objects.get()
    assert (material.session, material.title, material.kind, material.file.name, material.published_at) == (
        session,
        "《论党的自我革命》",
        kind,
        "",
        None,
    )
    assert {"text": material.text, "url": material.url} == content
    recommendation.refresh_from_db()
    session.refresh_from_db()
    assert (recommendation.material, recommendation.lead, session.lead) == (material, member.person, member.person)


def test_a_pick_with_its_file_in_storage_tells_staff_it_is_done(client, group):
    member = user_with_role("member", group.organization)
    staff = user_with_role("staff", group.organization)
    recommendation = _file_recommendation(group, member)
    client.force_login(staff)

    response = client.post(
        recommendation.get_absolute_url(),
        {"session": _coming(group).pk, "lead": member.person.pk, "publish": "on"},
        follow=True,
    )

    page = response.content.decode()
    assert "该读物已列入学习会资料,并已确定领学人。" in page
    assert "推荐的文件已不在文件存储中" not in page
    assert Material.objects.get().published_at is not None
