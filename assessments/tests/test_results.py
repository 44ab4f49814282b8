"""Results without rankings: figures per organization and the item analysis upward, people only to their own
group's staff and leaders, and the most missed tag turned into next month's topic in one step."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import results, services
from assessments.models import Sitting
from assessments.services.topics import next_month
from assessments.tests.factories import (
    AnswerFactory,
    KnowledgeTestFactory,
    PaperQuestionFactory,
    QuestionFactory,
    SittingFactory,
    TagFactory,
)
from plans.models import PlanTopic
from plans.tests.factories import StudyPlanFactory
from studygroup.tests.factories import OrganizationFactory, RoleGrantFactory, StudyGroupFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def sat():
    """A county test of two questions (党史 50 points, 党章 50 points) sat by two towns.

    甲镇: 100 (both right), 50 (党史 right); 乙镇: 0, and one called who did not sit. Pass mark 60.
    """
    county = OrganizationFactory(name="县委")
    StudyGroupFactory(organization=county)
    towns = [OrganizationFactory(parent=county, name=name) for name in ("甲镇党委", "乙镇党委")]
    groups = [StudyGroupFactory(organization=town) for town in towns]
    test = KnowledgeTestFactory(organization=county, max_score=100, pass_mark=60, status="results")
    history = TagFactory(organization=county, name="党史")
    charter = TagFactory(organization=county, name="党章")
    q1 = PaperQuestionFactory(
        test=test, number=1, points=50, version=QuestionFactory(bank__organization=county, tags=[history]).current
    )
    q2 = PaperQuestionFactory(
        test=test, number=2, points=50, version=QuestionFactory(bank__organization=county, tags=[charter]).current
    )
    people = {}
    for name, group, points in (
        ("甲一", groups[0], (50, 50)),
        ("甲二", groups[0], (50, 0)),
        ("乙一", groups[1], (0, 0)),
    ):
        member = user_with_role("member", group.organization)
        member.person.name = name
        member.person.save()
        sitting = SittingFactory(test=test, person=member.person, group=group, score=sum(points))
        for question, earned in zip((q1, q2), points, strict=True):
            AnswerFactory(sitting=sitting, question=question, response="B", points=earned)
        people[name] = member
    absent = user_with_role("member", towns[1])
    SittingFactory(test=test, person=absent.person, group=groups[1])
    return {
        "county": county,
        "towns": towns,
        "groups": groups,
        "test": test,
        "q": (q1, q2),
        "people": people,
        "tags": (history, charter),
    }


def test_figures_per_organization_against_hand_computed_values(sat):
    organizations, total = results.by_organization(sat["test"], Sitting.objects.filter(test=sat["test"]))
    first, second = organizations
    assert (first.name, first.called, first.scored, first.average, first.passed) == ("甲镇党委", 2, 2, 75.0, 1)
    assert (first.participation, first.pass_rate, first.bands) == (1.0, 0.5, [1, 0, 0, 0, 1])
    assert (second.name, second.called, second.scored, second.average, second.passed) == ("乙镇党委", 2, 1, 0.0, 0)
    assert (second.participation, second.pass_rate, second.bands) == (0.5, 0.0, [1, 0, 0, 0, 0])
    assert (total.called, total.scored, total.average, total.pass_rate) == (4, 3, 50.0, 0.3333)
    assert total.band_segments == [(0, 0.0, 66.7), (4, 66.7, 33.3)]


def test_item_analysis_against_hand_computed_values(sat):
    items, tags = results.item_analysis(sat["test"], Sitting.objects.filter(test=sat["test"]))
    assert [(i.question.number, i.answered, i.correct, i.share) for i in items] == [
        (1, 3, 2, 0.6667),
        (2, 3, 1, 0.3333),
    ]
    assert [(t.tag.name, t.share, t.questions) for t in tags] == [("党章", 0.3333, 1), ("党史", 0.6667, 1)]
    assert [i.question.number for i in results.most_missed(items)] == [2, 1]


def test_the_county_viewer_sees_figures_and_item_analysis_but_no_person(client, sat):
    viewer = user_with_role("viewer", sat["county"])
    client.force_login(viewer)
    page = client.get(reverse("assessments:results", args=[sat["test"].pk])).content.decode()
    assert "甲镇党委" in page and "乙镇党委" in page and "33%" in page
    assert "最常答错的题目" in page and "党章" in page
    heading = page.split('id="figures"')[1].split("</thead>")[0]
    assert "应考人数" in heading and "实考人数" in heading and "已参考" not in page and "参考人数" not in page
    for name in sat["people"]:
        assert name not in page


def test_town_staff_see_their_own_people_only_and_no_ranking(client, sat):
    staff = user_with_role("staff", sat["towns"][0])
    client.force_login(staff)
    page = client.get(reverse("assessments:results", args=[sat["test"].pk])).content.decode()
    assert page.index("甲一") < page.index("甲二")  # by name, whatever the scores
    assert "乙一" not in page and "乙镇党委" not in page
    assert "试题分析" not in page


def test_the_results_page_reads_in_a_fixed_number_of_queries(client, sat):
    viewer = user_with_role("viewer", sat["county"])
    client.force_login(viewer)
    url = reverse("assessments:results", args=[sat["test"].pk])
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for index in range(6):
        member = user_with_role("member", sat["towns"][index % 2])
        sitting = SittingFactory(test=sat["test"], person=member.person, group=sat["groups"][index % 2], score=50)
        for question in sat["q"]:
            AnswerFactory(sitting=sitting, question=question, response="A", points=25)
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(small) == len(large)


def test_the_most_missed_tag_becomes_next_months_topic_in_one_step(client, sat):
    year, month = next_month()
    plan = StudyPlanFactory(group=sat["county"].study_group, year=year, status="draft")
    viewer = user_with_role("viewer", sat["county"])
    RoleGrantFactory(person=viewer.person, organization=sat["county"], role="staff")
    client.force_login(viewer)
    url = reverse("assessments:topic-from-tag", args=[sat["test"].pk])
    response = client.post(url, {"tag": sat["tags"][1].pk, "org": sat["county"].pk})
    topic = PlanTopic.objects.get(plan=plan)
    assert response.url == topic.get_absolute_url()
    assert (topic.month, topic.source) == (month, "work_need")
    assert "党章" in topic.title and sat["test"].title in topic.title
    client.post(url, {"tag": sat["tags"][1].pk, "org": sat["county"].pk})
    assert PlanTopic.objects.filter(plan=plan).count() == 1


def test_without_next_years_plan_or_the_plans_staff_no_topic_is_added(sat):
    viewer = user_with_role("viewer", sat["county"])
    RoleGrantFactory(person=viewer.person, organization=sat["county"], role="staff")
    with pytest.raises(ValidationError, match="尚无"):
        services.topic_from_tag(test=sat["test"], tag=sat["tags"][0], organization=sat["county"], by=viewer)
    year, _month = next_month()
    StudyPlanFactory(group=sat["county"].study_group, year=year, status="draft")
    only_viewer = user_with_role("viewer", sat["county"])
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.topic_from_tag(test=sat["test"], tag=sat["tags"][0], organization=sat["county"], by=only_viewer)
    assert PlanTopic.objects.count() == 0


def test_nobody_outside_gets_the_results(client, sat):
    neighbour = user_with_role("viewer", OrganizationFactory())
    client.force_login(neighbour)
    assert client.get(reverse("assessments:results", args=[sat["test"].pk])).status_code == 404
    assert client.post(reverse("assessments:topic-from-tag", args=[sat["test"].pk]), {}).status_code == 404


def test_a_short_answer_counts_the_share_of_its_points_awarded_not_full_marks_only(client, sat):
    """Marked 15, 20 and 10 of 20: 75% of its points, not 1 in 3 "right"; its tag and the most missed follow."""
    county, test = sat["county"], sat["test"]
    essay_tag = TagFactory(organization=county, name="党的创新理论")
    essay = PaperQuestionFactory(
        test=test,
        number=3,
        points=20,
        version=QuestionFactory(bank__organization=county, kind="short", tags=[essay_tag]).current,
    )
    for sitting, earned in zip(Sitting.objects.filter(score__isnull=False).order_by("pk"), (15, 20, 10), strict=True):
        AnswerFactory(sitting=sitting, question=essay, response="联系实际谈体会", points=earned)

    items, tags = results.item_analysis(test, Sitting.objects.filter(test=test))

    essay_item = items[2]
    assert (essay_item.answered, essay_item.share, essay_item.average) == (3, 0.75, 15.0)
    assert [(t.tag.name, t.share) for t in tags] == [("党章", 0.3333), ("党史", 0.6667), ("党的创新理论", 0.75)]
    assert [i.question.number for i in results.most_missed(items)] == [2, 1, 3]
    client.force_login(user_with_role("staff", county))
    page = client.get(reverse("assessments:results", args=[test.pk])).content.decode()
    assert "75%" in page and "平均 15/20 分" in page and "简答题按得分率计" in page


def test_a_sheet_handed_in_counts_as_sat_before_it_is_scored(client, sat):
    """实考人数 counts the sheets handed in; those still waiting for a mark are said apart (已评分 N)."""
    waiting = user_with_role("member", sat["towns"][1])
    SittingFactory(
        test=sat["test"], person=waiting.person, group=sat["groups"][1], submitted_at="2026-10-10T10:00:00+08:00"
    )
    organizations, total = results.by_organization(sat["test"], Sitting.objects.filter(test=sat["test"]))
    second = organizations[1]
    assert (second.called, second.sat, second.scored, second.waiting, second.participation) == (3, 2, 1, 1, 0.6667)
    assert (total.called, total.sat, total.scored, total.pass_rate) == (5, 4, 3, 0.3333)
    client.force_login(user_with_role("viewer", sat["county"]))
    page = client.get(reverse("assessments:results", args=[sat["test"].pk])).content.decode()
    row = page.split("<td>乙镇党委</td>")[1].split("</tr>")[0]
    assert '<td class="text-end">2<div class="small text-body-secondary text-nowrap">已评分 1</div></td>' in row


def test_the_people_heading_names_the_organization_whose_people_are_listed(client, sat):
    staff = user_with_role("staff", sat["towns"][0])
    client.force_login(staff)
    page = client.get(reverse("assessments:results", args=[sat["test"].pk])).content.decode()
    heading = page.split('id="people"')[1].split("</div>")[0]
    assert "甲镇党委应考人员成绩" in heading and "本单位应考人员" not in page


def test_a_member_who_sat_sees_their_own_result_and_a_sentence_for_them(client, sat):
    client.force_login(sat["people"]["甲一"])
    page = client.get(reverse("assessments:results", args=[sat["test"].pk])).content.decode()
    assert "100 分" in page and "甲二" not in page
    assert "上方是您本人的测试情况" in page and "尚未确定应考人员" not in page
