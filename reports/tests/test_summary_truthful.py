"""The year summary says only what its records hold: actions reported done but not yet accepted, and plan topics
whose month has not yet come, are not written as completed or as missed."""

import datetime
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from audits.models import Action
from audits.tests.factories import ActionFactory
from plans.tests.factories import PlanTopicFactory, StudyPlanFactory
from reports import narrative
from reports.figures import year_figures
from sessions.tests.factories import StudySessionFactory as SessionFactory
from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, UserFactory, user_with_role

pytestmark = pytest.mark.django_db


def test_actions_awaiting_acceptance_are_not_written_as_completed():
    town = OrganizationFactory(name="城关镇党委")
    group = StudyGroupFactory(organization=town)
    raiser = UserFactory()
    done = {"status": Action.Status.DONE, "done_on": datetime.date(2026, 4, 1), "raised_by": raiser}
    ActionFactory(group=group, **done, accepted_on=datetime.date(2026, 4, 2), accepted_by=raiser)
    ActionFactory(group=group, **done)  # reported done, the raiser has not accepted it yet
    ActionFactory(group=group)
    figures = year_figures(town, 2026)
    assert (figures["actions"], figures["actions_done"]) == (3, 2)  # records-format.md: done, accepted or not
    text = narrative.draft(organization=town, year=2026, figures=figures)
    assert "全年提出整改事项3项,已整改2项(其中待提出人验收1项)。" in text
    assert "已完成2项" not in text


def test_the_summary_table_says_its_done_figure_includes_those_awaiting_acceptance(client):
    town = OrganizationFactory(name="城关镇党委")
    ActionFactory(group=StudyGroupFactory(organization=town), status=Action.Status.DONE, raised_by=UserFactory())
    client.force_login(user_with_role("leader", town))
    page = client.get(reverse("reports:summary") + f"?org={town.pk}&year=2026").content.decode()
    assert "整改事项 / 已整改(含待验收) / 逾期" in page


def test_actions_all_accepted_are_written_as_completed():
    town = OrganizationFactory(name="城关镇党委")
    group = StudyGroupFactory(organization=town)
    raiser = UserFactory()
    ActionFactory(
        group=group,
        status=Action.Status.DONE,
        raised_by=raiser,
        accepted_on=datetime.date(2026, 4, 2),
        accepted_by=raiser,
    )
    ActionFactory(group=group, status=Action.Status.DONE)  # imported: nobody raised it in the system to accept it
    text = narrative.draft(organization=town, year=2026, figures=year_figures(town, 2026))
    assert "全年提出整改事项2项,已完成2项。" in text


def test_the_first_topic_tile_shows_accepted_apart_from_awaiting_acceptance(client):
    county = OrganizationFactory()
    group = StudyGroupFactory(organization=county)
    year = timezone.localdate().year
    starts = timezone.now() - datetime.timedelta(days=2)
    study = SessionFactory(group=group, kind="first_topic", starts_at=starts, ends_at=starts + datetime.timedelta(1))
    raiser = UserFactory()
    measure = {"group": group, "session": study, "raised_by": raiser, "raised_on": datetime.date(year, 1, 2)}
    done = {"status": Action.Status.DONE, "done_on": datetime.date(year, 1, 3)}
    ActionFactory(**measure)  # open
    ActionFactory(**measure, **done)  # awaiting acceptance
    ActionFactory(**measure, **done, accepted_on=datetime.date(year, 1, 4), accepted_by=raiser)
    client.force_login(user_with_role("leader", county))
    page = client.get(reverse("reports:dashboard") + f"?org={county.pk}&year={year}").content.decode()
    tile = page.split("第一议题举措已落实 / 议定")[0].rsplit("<a ", 1)[1]
    assert '1/3<span class="fs-6 text-body-secondary text-nowrap"> · 待验收 1 项</span>' in tile
    assert "已整改(含待验收)" not in page


def test_topics_of_this_month_and_later_are_not_counted_as_missed():
    today = timezone.localdate()
    town = OrganizationFactory(name="城关镇党委")
    plan = StudyPlanFactory(group=StudyGroupFactory(organization=town), year=today.year, status="approved")
    PlanTopicFactory(plan=plan, month=today.month, title="本月专题")
    if today.month > 1:
        PlanTopicFactory(plan=plan, month=today.month - 1, title="上月未学专题")
    text = narrative.draft(organization=town, year=today.year, figures=year_figures(town, today.year))
    problems = text.split("三、存在的问题\n\n")[1].split("\n\n")[0]
    if today.month > 1:
        assert "有1个计划专题未组织学习。" in problems
    else:
        assert "未组织学习" not in problems
    assert "另有1个专题安排在本月及以后。" in problems


def test_topics_of_a_past_year_are_all_missed_when_not_studied():
    town = OrganizationFactory(name="城关镇党委")
    plan = StudyPlanFactory(group=StudyGroupFactory(organization=town), year=timezone.localdate().year - 1)
    PlanTopicFactory(plan=plan, month=12)
    year = timezone.localdate().year - 1
    text = narrative.draft(organization=town, year=year, figures=year_figures(town, year))
    assert "有1个计划专题未组织学习。" in text and "本月及以后" not in text


def test_a_summary_of_a_year_still_to_come_is_refused_calmly(client):
    this_year = timezone.localdate().year
    county = OrganizationFactory(name="临江县委")
    StudyPlanFactory(group=StudyGroupFactory(organization=county), year=this_year + 1)
    client.force_login(user_with_role("leader", county))
    response = client.get(reverse("reports:summary") + f"?org={county.pk}&year={this_year + 1}")
    page = response.content.decode()
    assert response.status_code == 200
    assert f"{this_year + 1}年尚未开始,还没有可总结的内容。以下是{this_year}年的年终总结。" in page
    assert f"临江县委 · {this_year}年终总结" in page and f"{this_year + 2}年学习计划" not in page
    for name in ("reports:summary-docx", "reports:summary-pdf"):
        response = client.get(reverse(name) + f"?org={county.pk}&year={this_year + 1}")
        assert response.status_code == 400, name
        assert "地址所请求的内容不存在" in response.content.decode(), name  # our page in Chinese, not Django's


def test_the_summary_links_its_awaiting_figure_to_the_very_actions_listed(client):
    county = OrganizationFactory(name="临江县委")
    town = OrganizationFactory(parent=county, name="城关镇党委")
    raiser = UserFactory()
    done = {"status": Action.Status.DONE, "done_on": datetime.date(2026, 4, 1), "raised_by": raiser}
    for org in (county, town, town):
        ActionFactory(group=_group(org), **done)
    ActionFactory(group=_group(town), **done, accepted_on=datetime.date(2026, 4, 2), accepted_by=raiser)
    ActionFactory(group=_group(town), status=Action.Status.DONE)  # imported: nobody to accept it
    ActionFactory(group=_group(town), raised_by=raiser)  # open
    ActionFactory(group=_group(town), **{**done, "raised_on": datetime.date(2025, 6, 1)})  # another year
    client.force_login(user_with_role("staff", county))
    page = client.get(reverse("reports:summary") + f"?org={county.pk}&year=2026").content.decode()
    assert "全年提出整改事项6项,已整改5项(其中待提出人验收3项)。" in page
    cell = page.split('id="awaiting-acceptance">')[1].split("</td>")[0]
    href, n = re.fullmatch(r'<a href="([^"]+)" title="查看这些整改事项">(\d+)</a>', cell).groups()
    assert n == "3" and "其中待提出人验收" in page
    listed = client.get(html.unescape(href)).content.decode()
    table = listed.split('id="actions"')[1].split("</table>")[0]
    assert len(re.findall(r'<a href="/audits/actions/\d+/">', table)) == 3
    assert '<option value="awaiting" selected>' in listed and "临江县委" in listed
    client.force_login(user_with_role("staff", OrganizationFactory(name="河西县委")))
    assert client.get(html.unescape(href)).status_code == 404


def test_the_summary_shows_no_link_when_nothing_awaits_acceptance(client):
    town = OrganizationFactory(name="城关镇党委")
    ActionFactory(group=_group(town), status=Action.Status.DONE)
    client.force_login(user_with_role("leader", town))
    page = client.get(reverse("reports:summary") + f"?org={town.pk}&year=2026").content.decode()
    assert '<td class="text-end" id="awaiting-acceptance">0</td>' in page


def _group(organization):
    return getattr(organization, "study_group", None) or StudyGroupFactory(organization=organization)
