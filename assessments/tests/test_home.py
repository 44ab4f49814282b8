"""What waits for whom on the home page: a test to sit, answers to mark, results to publish, a draw on a visit."""

import datetime

import pytest
from django.utils import timezone

from assessments import home_panels
from assessments.tests.factories import (
    AnswerFactory,
    KnowledgeTestFactory,
    PaperQuestionFactory,
    QuestionFactory,
    SittingFactory,
)
from audits.tests.factories import ObserverVisitFactory
from sessions.tests.factories import StudySessionFactory
from studygroup import access
from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, user_with_role

pytestmark = pytest.mark.django_db


def _texts(source, user) -> list[str]:
    return [item.text for item in source(user, access.scope_for(user))]


def test_the_person_is_told_to_sit_an_open_test_until_handed_in():
    town = OrganizationFactory()
    member = user_with_role("member", town)
    test = KnowledgeTestFactory(organization=town, title="第一轮测试")
    sitting = SittingFactory(test=test, person=member.person)
    assert _texts(home_panels.tests_to_sit, member) == [
        f"请在 {timezone.localtime(test.closes_at):%m-%d %H:%M} 前参加知识测试“第一轮测试”。"
    ]
    sitting.submitted_at = timezone.now()
    sitting.save()
    assert _texts(home_panels.tests_to_sit, member) == []


def test_markers_and_staff_are_told_of_answers_to_mark_and_staff_of_results_to_publish():
    county = OrganizationFactory()
    staff = user_with_role("staff", county)
    marker = user_with_role("member", OrganizationFactory())
    test = KnowledgeTestFactory(
        organization=county,
        title="县测试",
        opens_at=timezone.now() - datetime.timedelta(hours=3),
        max_score=10,
        pass_mark=6,
    )
    test.markers.add(marker.person)
    question = PaperQuestionFactory(test=test, version=QuestionFactory(bank__organization=county, kind="short").current)
    sheet = SittingFactory(test=test, submitted_at=timezone.now())
    answer = AnswerFactory(sitting=sheet, question=question, response="答", points=None)
    assert (
        _texts(home_panels.answers_to_mark, staff)
        == _texts(home_panels.answers_to_mark, marker)
        == ["“县测试”:1 道简答题待阅卷。"]
    )
    assert _texts(home_panels.results_to_publish, staff) == []
    answer.points = 8
    answer.save()
    sheet.score = 8
    sheet.save()
    assert _texts(home_panels.answers_to_mark, staff) == []
    assert _texts(home_panels.results_to_publish, staff) == ["“县测试”已阅卷完毕:请公布成绩。"]


def test_the_observer_is_told_to_draw_on_todays_visit():
    county = OrganizationFactory()
    group = StudyGroupFactory(organization=OrganizationFactory(parent=county, name="镇党委"))
    observer = user_with_role("observer", county)
    session = StudySessionFactory(group=group, starts_at=timezone.now())
    visit = ObserverVisitFactory(session=session, organization=county, observer=observer.person)
    KnowledgeTestFactory(organization=county, visit=visit, title="旁听抽考")
    assert _texts(home_panels.draws_on_visits, observer) == ["今天在镇党委现场抽取成员参加“旁听抽考”。"]
