"""Research topics: proposed, claimed by one member, co-researchers, reports."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from plans import services
from plans.models import ResearchReport, ResearchTopic
from plans.tests.factories import ResearchTopicFactory
from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def group():
    return StudyGroupFactory(organization=OrganizationFactory())


def test_member_proposes_and_claims_and_second_claim_is_refused(group):
    first = user_with_role("member", group.organization)
    second = user_with_role("member", group.organization)
    topic = services.research_topic_create(group=group, year=2026, title="基层治理调研", by=first)
    services.research_claim(topic=topic, by=first)
    with pytest.raises(ValidationError):
        services.research_claim(topic=topic, by=second)
    assert ResearchTopic.objects.get(pk=topic.pk).owner == first.person


def test_outsider_cannot_claim_or_report(group):
    topic = ResearchTopicFactory(group=group)
    outsider = user_with_role("member", OrganizationFactory())
    with pytest.raises(PermissionDenied):
        services.research_claim(topic=topic, by=outsider)


def test_owner_and_co_researcher_report_others_do_not(client, group):
    owner = user_with_role("member", group.organization)
    partner = user_with_role("member", group.organization)
    bystander = user_with_role("member", group.organization)
    topic = ResearchTopicFactory(group=group)
    services.research_claim(topic=topic, by=owner)
    services.research_set_co_researchers(topic=topic, people=[partner.person], by=owner)
    with pytest.raises(PermissionDenied):
        services.research_report_submit(topic=topic, title="x", text="y", submitted_on="2026-06-30", by=bystander)
    client.force_login(partner)
    response = client.post(
        reverse("plans:research-report", args=[topic.pk]),
        {"title": "关于基层治理的调研报告", "submitted_on": "2026-06-30", "text": "正文"},
    )
    assert response.status_code == 302
    assert ResearchReport.objects.get().submitted_by == partner.person
    response = client.post(
        reverse("plans:research-report", args=[topic.pk]), {"title": "空报告", "submitted_on": "2026-06-30", "text": ""}
    )
    assert "请填写报告正文或上传报告文件" in response.content.decode()
    assert ResearchReport.objects.count() == 1


def test_research_list_per_year_shows_only_readable_topics(client, group):
    mine = ResearchTopicFactory(group=group, year=2026, title="本镇课题")
    ResearchTopicFactory(group=group, year=2025, title="去年课题")
    ResearchTopicFactory(title="别镇课题", year=2026)
    client.force_login(user_with_role("member", group.organization))
    page = client.get(reverse("plans:research-list") + "?year=2026").content.decode()
    assert mine.title in page
    assert "去年课题" not in page and "别镇课题" not in page


def test_research_list_per_group(client, group):
    other_town = StudyGroupFactory(organization=OrganizationFactory(parent=group.organization))
    ResearchTopicFactory(group=group, year=2026, title="镇级课题")
    ResearchTopicFactory(group=other_town, year=2026, title="村级课题")
    client.force_login(user_with_role("staff", group.organization))
    both = client.get(reverse("plans:research-list") + "?year=2026").content.decode()
    assert "镇级课题" in both and "村级课题" in both
    one = client.get(reverse("plans:research-list") + f"?year=2026&group={other_town.pk}").content.decode()
    assert "村级课题" in one and "镇级课题" not in one


def test_a_second_click_on_submit_files_the_report_once(client, group):
    owner = user_with_role("member", group.organization)
    topic = ResearchTopicFactory(group=group)
    services.research_claim(topic=topic, by=owner)
    client.force_login(owner)
    url = reverse("plans:research-report", args=[topic.pk])
    page = client.get(url).content.decode()
    key = page.split('name="once" value="')[1].split('"')[0]
    post = {"title": "关于基层治理的调研报告", "submitted_on": "2026-06-30", "text": "正文", "once": key}
    first, second = client.post(url, post), client.post(url, post)
    assert first.status_code == second.status_code == 302
    assert second.url == first.url == topic.get_absolute_url()
    assert ResearchReport.objects.filter(topic=topic).count() == 1
