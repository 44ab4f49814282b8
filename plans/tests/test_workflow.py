"""The plan's workflow: draft → submitted → approved, or returned; locked once approved; filed upward."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from plans import services
from plans.models import PlanRevision, PlanTopic, StudyPlan
from plans.tests.factories import PlanTopicFactory
from studygroup.models import Notification
from studygroup.tests.factories import MembershipFactory, OrganizationFactory, StudyGroupFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def town():
    county = OrganizationFactory(kind="county", name="清河县委")
    organization = OrganizationFactory(parent=county, name="城关镇党委")
    group = StudyGroupFactory(organization=organization)
    staff = user_with_role("staff", organization)
    leader = user_with_role("member", organization)
    leader.person.memberships.update(role="leader")
    member = user_with_role("member", organization)
    county_staff = user_with_role("staff", county)
    county_viewer = user_with_role("viewer", county)
    return {
        "group": group,
        "staff": staff,
        "leader": leader,
        "member": member,
        "county": county,
        "county_staff": county_staff,
        "county_viewer": county_viewer,
        "organization": organization,
    }


def submitted_plan(town):
    plan = services.plan_create(group=town["group"], year=2026, main_line="全年主线", by=town["staff"])
    services.topic_add(
        plan=plan, month=3, title="学习全会精神", source="assigned", session_kind="collective", by=town["staff"]
    )
    return services.plan_submit(plan=plan, by=town["staff"])


def test_create_gives_twelve_months_and_refuses_a_second_plan(town):
    plan = services.plan_create(group=town["group"], year=2026, by=town["staff"])
    assert list(plan.months.values_list("month", flat=True)) == list(range(1, 13))
    with pytest.raises(ValidationError):
        services.plan_create(group=town["group"], year=2026, by=town["staff"])


def test_submit_needs_main_line_and_a_topic(town):
    plan = services.plan_create(group=town["group"], year=2026, by=town["staff"])
    with pytest.raises(ValidationError, match=r"主线|main line"):
        services.plan_submit(plan=plan, by=town["staff"])
    services.plan_update(plan=plan, main_line="主线", themes={1: "一月主题"}, by=town["staff"])
    with pytest.raises(ValidationError):
        services.plan_submit(plan=plan, by=town["staff"])
    assert StudyPlan.objects.get(pk=plan.pk).status == "draft"


def test_a_second_click_on_submit_submits_and_notifies_once(town):
    plan = services.plan_create(group=town["group"], year=2026, main_line="全年主线", by=town["staff"])
    services.topic_add(
        plan=plan, month=3, title="学习全会精神", source="assigned", session_kind="collective", by=town["staff"]
    )
    first, second = StudyPlan.objects.get(pk=plan.pk), StudyPlan.objects.get(pk=plan.pk)
    services.plan_submit(plan=first, by=town["staff"])
    with pytest.raises(ValidationError):
        services.plan_submit(plan=second, by=town["staff"])
    assert Notification.objects.filter(recipient=town["leader"], verb="plan_submitted").count() == 1


def test_submit_notifies_the_leader_and_leader_approves(town, mailoutbox, django_capture_on_commit_callbacks):
    town["leader"].email = "leader@example.gov.cn"
    town["leader"].save()
    with django_capture_on_commit_callbacks(execute=True):
        plan = submitted_plan(town)
    assert plan.status == "submitted"
    assert Notification.objects.filter(recipient=town["leader"], verb="plan_submitted").exists()
    assert [m.to for m in mailoutbox] == [["leader@example.gov.cn"]]
    assert "待您审批" in mailoutbox[0].subject
    plan = services.plan_approve(plan=plan, by=town["leader"])
    assert plan.status == "approved" and plan.filed_at is not None
    assert Notification.objects.filter(recipient=town["staff"], verb="plan_approved").exists()
    assert Notification.objects.filter(recipient=town["county_staff"], verb="plan_filed").exists()


def test_member_and_staff_cannot_approve(town):
    plan = submitted_plan(town)
    for user in (town["member"], town["staff"], town["county_staff"]):
        with pytest.raises(PermissionDenied):
            services.plan_approve(plan=plan, by=user)
    assert StudyPlan.objects.get(pk=plan.pk).status == "submitted"


def test_return_needs_a_comment_and_goes_back_to_draft(town):
    plan = submitted_plan(town)
    with pytest.raises(ValidationError):
        services.plan_return(plan=plan, comment=" ", by=town["leader"])
    plan = services.plan_return(plan=plan, comment="请补充调研成果交流专题", by=town["leader"])
    assert plan.status == "draft"
    assert plan.return_comment == "请补充调研成果交流专题"
    assert Notification.objects.filter(recipient=town["staff"], verb="plan_returned").exists()


def test_a_draft_cannot_be_approved_nor_an_approved_plan_resubmitted(town):
    plan = services.plan_create(group=town["group"], year=2026, main_line="主线", by=town["staff"])
    with pytest.raises(ValidationError):
        services.plan_approve(plan=plan, by=town["leader"])
    plan = services.plan_approve(plan=submitted_plan_of(plan, town), by=town["leader"])
    with pytest.raises(ValidationError):
        services.plan_submit(plan=plan, by=town["staff"])


def submitted_plan_of(plan, town):
    services.topic_add(plan=plan, month=1, title="专题", source="assigned", session_kind="collective", by=town["staff"])
    return services.plan_submit(plan=plan, by=town["staff"])


def test_submitted_plan_cannot_be_edited(town):
    plan = submitted_plan(town)
    with pytest.raises(ValidationError):
        services.plan_update(plan=plan, main_line="改", themes={}, by=town["staff"])
    with pytest.raises(ValidationError):
        services.topic_add(
            plan=plan, month=1, title="新", source="assigned", session_kind="collective", by=town["staff"]
        )


def test_approved_plan_changes_only_by_supplement_or_revision(town):
    plan = services.plan_approve(plan=submitted_plan(town), by=town["leader"])
    topic = plan.topics.get()
    with pytest.raises(ValidationError):
        services.plan_update(plan=plan, main_line="改", themes={}, by=town["staff"])
    with pytest.raises(ValidationError):
        services.topic_delete(topic=topic, by=town["staff"])
    with pytest.raises(ValidationError):
        services.topic_update(topic=topic, title="改名", by=town["staff"])  # no reason given
    assert PlanTopic.objects.get(pk=topic.pk).title == "学习全会精神"

    supplement = services.topic_add(
        plan=plan, month=3, title="学习最新重要讲话", source="assigned", session_kind="collective", by=town["staff"]
    )
    assert supplement.is_supplementary and supplement.added_on is not None
    services.topic_update(topic=topic, title="学习全会精神(扩大)", why="扩大学习范围", by=town["staff"])
    services.plan_revise(plan=plan, main_line="新主线", themes={3: "三月新主题"}, why="上级部署调整", by=town["staff"])
    revisions = list(PlanRevision.objects.filter(plan=plan).order_by("id"))
    assert len(revisions) == 3
    assert all(r.by == town["staff"] and r.at for r in revisions)
    assert "学习全会精神(扩大)" in revisions[1].what and revisions[1].why == "扩大学习范围"
    assert "三月新主题" in revisions[2].what


def test_another_organizations_staff_cannot_touch_the_plan(town):
    plan = services.plan_create(group=town["group"], year=2026, main_line="主线", by=town["staff"])
    stranger = user_with_role("staff", OrganizationFactory(parent=town["county"]))
    with pytest.raises(PermissionDenied):
        services.plan_update(plan=plan, main_line="改", themes={}, by=stranger)
    with pytest.raises(PermissionDenied):
        services.topic_add(plan=plan, month=1, title="x", source="assigned", session_kind="collective", by=stranger)
    with pytest.raises(PermissionDenied):
        services.plan_submit(plan=plan, by=stranger)
    with pytest.raises(PermissionDenied):
        services.plan_update(plan=plan, main_line="改", themes={}, by=town["county_staff"])


def test_upper_level_reads_only_filed_plans_and_comments(client, town):
    plan = submitted_plan(town)
    client.force_login(town["county_viewer"])
    assert client.get(plan.get_absolute_url()).status_code == 404
    services.plan_approve(plan=plan, by=town["leader"])
    page = client.get(plan.get_absolute_url()).content.decode()
    assert "报送上级" in page
    response = client.post(reverse("plans:plan-comment", args=[plan.pk]), {"text": "请突出调研成果转化。"})
    assert response.status_code == 302
    assert plan.comments.get().text == "请突出调研成果转化。"
    client.force_login(town["staff"])
    assert "请突出调研成果转化。" in client.get(plan.get_absolute_url()).content.decode()
    assert Notification.objects.filter(recipient=town["staff"], verb="plan_commented").exists()


def test_the_group_cannot_comment_upward_on_its_own_plan(town):
    plan = services.plan_approve(plan=submitted_plan(town), by=town["leader"])
    with pytest.raises(PermissionDenied):
        services.plan_comment(plan=plan, text="自评", by=town["staff"])


def test_neighbouring_town_gets_404_on_every_plan_page(client, town):
    plan = services.plan_approve(plan=submitted_plan(town), by=town["leader"])
    topic = plan.topics.get()
    neighbour = user_with_role("staff", OrganizationFactory(parent=town["county"]))
    client.force_login(neighbour)
    urls = [
        reverse(name, args=[plan.pk])
        for name in [
            "plans:plan-detail",
            "plans:plan-edit",
            "plans:plan-return",
            "plans:plan-print",
            "plans:plan-docx",
            "plans:topic-add",
        ]
    ]
    urls += [reverse("plans:topic-edit", args=[topic.pk]), reverse("plans:topic-delete", args=[topic.pk])]
    for url in urls:
        assert client.get(url).status_code == 404, url
    for name in ["plans:plan-submit", "plans:plan-approve", "plans:plan-comment"]:
        assert client.post(reverse(name, args=[plan.pk])).status_code == 404, name
    assert plan.group.organization.name not in client.get(reverse("plans:plan-list") + "?year=2026").content.decode()


def test_workflow_through_the_pages(client, town):
    client.force_login(town["staff"])
    response = client.post(reverse("plans:plan-create"), {"group": town["group"].pk, "year": 2026})
    plan = StudyPlan.objects.get(group=town["group"], year=2026)
    assert response.url == reverse("plans:plan-edit", args=[plan.pk])
    data = {"main_line": "以学铸魂", **{f"month_{m}": f"{m}月主题" for m in range(1, 13)}}
    client.post(reverse("plans:plan-edit", args=[plan.pk]), data)
    client.post(
        reverse("plans:topic-add", args=[plan.pk]),
        {"month": 2, "title": "学习党章", "source": "leader_set", "session_kind": "reading_class"},
    )
    client.post(reverse("plans:plan-submit", args=[plan.pk]))
    assert StudyPlan.objects.get(pk=plan.pk).status == "submitted"
    client.force_login(town["member"])
    client.post(reverse("plans:plan-approve", args=[plan.pk]))
    assert StudyPlan.objects.get(pk=plan.pk).status == "submitted"
    client.force_login(town["leader"])
    response = client.post(reverse("plans:plan-approve", args=[plan.pk]), follow=True)
    assert "已批准" in response.content.decode()
    assert StudyPlan.objects.get(pk=plan.pk).status == "approved"


def test_form_errors_are_shown_beside_the_field_in_chinese(client, town):
    plan = services.plan_create(group=town["group"], year=2026, by=town["staff"])
    client.force_login(town["staff"])
    response = client.post(reverse("plans:topic-add", args=[plan.pk]), {"month": 13, "title": "", "source": "x"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "这个字段是必填项" in page
    assert "选择一个有效的选项" in page
    assert plan.topics.count() == 0


def test_revision_form_requires_a_reason(client, town):
    plan = services.plan_approve(plan=submitted_plan(town), by=town["leader"])
    topic = plan.topics.get()
    client.force_login(town["staff"])
    data = {"month": 3, "title": "新标题", "source": "assigned", "session_kind": "collective", "why": ""}
    response = client.post(reverse("plans:topic-edit", args=[topic.pk]), data)
    assert response.status_code == 200
    assert "这个字段是必填项" in response.content.decode()
    assert PlanTopic.objects.get(pk=topic.pk).title == "学习全会精神"


def test_topic_delete_asks_for_confirmation(client, town):
    plan = services.plan_create(group=town["group"], year=2026, by=town["staff"])
    topic = PlanTopicFactory(plan=plan)
    client.force_login(town["staff"])
    page = client.get(reverse("plans:topic-delete", args=[topic.pk])).content.decode()
    assert "确认删除" in page
    assert PlanTopic.objects.filter(pk=topic.pk).exists()
    client.post(reverse("plans:topic-delete", args=[topic.pk]))
    assert not PlanTopic.objects.filter(pk=topic.pk).exists()


def test_plan_leader_can_be_a_leader_grant(town):
    plan = submitted_plan(town)
    party_secretary = user_with_role("leader", town["organization"])
    assert services.plan_approve(plan=plan, by=party_secretary).status == "approved"


def test_member_of_the_group_reads_the_draft_but_cannot_edit(client, town):
    plan = services.plan_create(group=town["group"], year=2026, by=town["staff"])
    MembershipFactory(group=town["group"])
    client.force_login(town["member"])
    assert client.get(plan.get_absolute_url()).status_code == 200
    assert client.get(reverse("plans:plan-edit", args=[plan.pk])).status_code == 403
