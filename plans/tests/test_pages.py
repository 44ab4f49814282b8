"""The plan page: the year at a glance, planned vs held, constant queries, print and Word export."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from docx import Document

from plans.tests.factories import PlanTopicFactory, StudyPlanFactory
from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, user_with_role

pytestmark = pytest.mark.django_db


def test_print_view_and_word_export(client):
    plan = StudyPlanFactory(
        group=StudyGroupFactory(organization=OrganizationFactory(name="中共城关镇委员会")),
        year=2026,
        months={1: "学习全会精神"},
    )
    PlanTopicFactory(plan=plan, month=1, title="深入学习党的二十届四中全会精神")
    client.force_login(user_with_role("staff", plan.group.organization))
    page = client.get(reverse("plans:plan-print", args=[plan.pk])).content.decode()
    assert "2026年度理论学习中心组学习计划" in page
    assert "深入学习党的二十届四中全会精神" in page
    response = client.get(reverse("plans:plan-docx", args=[plan.pk]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument")
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    document = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "中共城关镇委员会" in text and "深入学习党的二十届四中全会精神" in text and "学习全会精神" in text
    body = document.styles["Normal"].element.rPr.rFonts
    assert body.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "仿宋_GB2312"
    section = document.sections[0]
    assert round(section.page_width.cm, 1) == 21.0 and round(section.page_height.cm, 1) == 29.7


def test_plan_list_offers_to_draft_missing_plans(client):
    group = StudyGroupFactory(organization=OrganizationFactory(name="石桥乡党委"))
    client.force_login(user_with_role("staff", group.organization))
    page = client.get(reverse("plans:plan-list") + "?year=2026").content.decode()
    assert "制定石桥乡党委的年度计划" in page


def plan_list_page(client, user, year=2026) -> str:
    client.force_login(user)
    return client.get(reverse("plans:plan-list") + f"?year={year}").content.decode()


def test_plan_list_shows_every_group_of_the_reach_and_who_has_not_filed_without_the_draft(client):
    city = OrganizationFactory(name="临江市委")
    towns = {name: OrganizationFactory(parent=city, name=name) for name in ("白沙镇党委", "城关镇党委", "石桥乡党委")}
    groups = {name: StudyGroupFactory(organization=town) for name, town in towns.items()}
    StudyGroupFactory(organization=city)
    draft = StudyPlanFactory(group=groups["白沙镇党委"], main_line="白沙草稿主线", status="draft")
    filed = StudyPlanFactory(group=groups["城关镇党委"], status="approved")
    StudyPlanFactory(group=groups["石桥乡党委"], year=2025, status="approved")
    StudyGroupFactory(organization=OrganizationFactory(name="外县县委"))
    page = plan_list_page(client, user_with_role("leader", city))
    table = page.split('id="plans"')[1].split("</table>")[0]
    rows = {name: table.split(name)[1].split("</tr>")[0] for name in ("临江市委", *towns)}
    assert "尚未报送" not in rows["城关镇党委"] and filed.get_absolute_url() in table
    for name in ("临江市委", "白沙镇党委", "石桥乡党委"):
        assert "尚未报送" in rows[name], name
    assert table.count('data-plan="not-filed"') == 3
    assert draft.get_absolute_url() not in page and "白沙草稿主线" not in page and "草稿" not in rows["白沙镇党委"]
    assert "外县县委" not in page
    # The town's own office reads its draft as before.
    own = plan_list_page(client, user_with_role("staff", towns["白沙镇党委"]))
    assert draft.get_absolute_url() in own and "尚未报送" not in own.split('id="plans"')[1]


def plan_list_queries(client, towns: int) -> int:
    county = OrganizationFactory()
    for index in range(towns):
        group = StudyGroupFactory(organization=OrganizationFactory(parent=county))
        if index % 2:
            StudyPlanFactory(group=group, status="approved")
    plan_list_page(client, user_with_role("leader", county))
    with CaptureQueriesContext(connection) as context:
        client.get(reverse("plans:plan-list") + "?year=2026")
    return len(context)


def test_plan_list_query_count_is_the_same_for_4_and_20_groups(client):
    assert plan_list_queries(client, 4) == plan_list_queries(client, 20)
