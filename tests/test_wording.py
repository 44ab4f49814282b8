"""Words of several apps' pages read as a party office writes them (the catalogue's checks: studygroup/tests)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from audits.models import Action, ObserverVisit
from audits.tests.factories import ObserverVisitFactory
from plans.tests.factories import ResearchTopicFactory
from reports.models import MonthlyDigest
from sessions.tests.factories import StudySessionFactory
from studygroup.navigation import NAV_ITEMS
from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, user_with_role


def test_words_that_were_mistranslated_read_as_a_party_office_writes_them():
    with translation.override("zh-hans"):
        assert str(ObserverVisit.Mode.INVITED.label) == "应邀式"
        assert str(MonthlyDigest.Status.PUBLISHED.label) == "已发布"
        assert str(Action._meta.verbose_name) == "整改事项"
        labels = {str(item.label) for item in NAV_ITEMS}
        assert "操作" not in labels
        refreshed = gettext("Figures as of %(time)s; refreshed every few minutes.") % {"time": "07-01 16:00"}
        assert refreshed == "数据截至 07-01 16:00,每隔几分钟更新一次。"


@pytest.mark.django_db
def test_pages_name_each_thing_as_a_party_office_does(client):
    """The menu entry and list of 整改事项 and their 责任人, the 调研报告 column, an 应邀式 visit filed late."""
    town = OrganizationFactory(parent=OrganizationFactory())
    group = StudyGroupFactory(organization=town)
    ResearchTopicFactory(group=group, year=2026, title="乡村振兴调研")
    starts = timezone.now() - datetime.timedelta(days=40)
    session = StudySessionFactory(group=group, starts_at=starts, ends_at=starts + datetime.timedelta(hours=2))
    visit = ObserverVisitFactory(
        session=session,
        mode=ObserverVisit.Mode.INVITED,
        reported_on=timezone.localdate() - datetime.timedelta(days=1),
        rating=ObserverVisit.Rating.GOOD,
    )
    client.force_login(user_with_role("staff", town.parent))

    actions = client.get(reverse("audits:action-list")).content.decode()
    assert '<h1 class="h4 mb-0">整改事项</h1>' in actions
    assert "<title>整改事项 · " in actions
    assert "<th>责任人</th>" in actions and "认领人" not in actions  # 认领人 is who claims a research topic
    assert 'href="/audits/actions/"><i class="bi bi-list-task me-1"></i>整改事项</a>' in actions  # the menu
    research = client.get(reverse("plans:research-list") + "?year=2026").content.decode()
    assert '<th class="text-end">调研报告</th>' in research and "报表</th>" not in research
    assert "<th>认领人</th>" in research
    page = client.get(visit.get_absolute_url()).content.decode()
    assert "· 应邀式</div>" in page
    assert '<span class="badge text-bg-warning">逾期完成</span>' in page and "迟到" not in page
