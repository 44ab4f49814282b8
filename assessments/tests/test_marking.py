"""Marking short answers (staff or the test's markers, blind if the setter chose it) and publishing results;
the person then sees their score and the explanations."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from assessments import services
from assessments.models import Answer, KnowledgeTest, Sitting
from assessments.tests.factories import SittingFactory
from assessments.tests.test_sittings import build_test
from studygroup.models import Notification
from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def sat():
    """A member has sat the five-question test: 30 objective points of 40, a short answer waiting."""
    county = OrganizationFactory(name="县委")
    town = OrganizationFactory(parent=county, name="镇党委")
    group = StudyGroupFactory(organization=town)
    member = user_with_role("member", town)
    member.person.name = "张三"
    member.person.save()
    test, q = build_test(county)
    sitting = SittingFactory(test=test, person=member.person, group=group)
    services.sitting_start(sitting=sitting, by=member)
    services.sitting_submit(
        sitting=sitting,
        responses={
            q["single"].pk: "B",
            q["multiple"].pk: ["A", "C"],
            q["true_false"].pk: True,
            q["fill"].pk: "1921",
            q["short"].pk: "学习贯彻党的创新理论,做到学思用贯通。",
        },
        by=member,
    )
    short = Answer.objects.get(sitting=sitting, question=q["short"])
    return {"county": county, "member": member, "test": test, "q": q, "sitting": sitting, "short": short}


def _close(test):
    KnowledgeTest.objects.filter(pk=test.pk).update(closes_at=timezone.now() - datetime.timedelta(minutes=1))
    test.refresh_from_db()


def test_staff_mark_a_short_answer_and_the_sheet_gets_its_score(sat):
    staff = user_with_role("staff", sat["county"])
    services.answers_mark(test=sat["test"], marks={sat["short"].pk: (8, "要点基本完整")}, by=staff)
    sat["short"].refresh_from_db()
    assert (sat["short"].points, sat["short"].comment, sat["short"].marked_by) == (8, "要点基本完整", staff)
    assert Sitting.objects.get(pk=sat["sitting"].pk).score == 10 + 10 + 0 + 10 + 8


def test_a_mark_out_of_range_or_of_another_kind_is_refused(sat):
    staff = user_with_role("staff", sat["county"])
    with pytest.raises(ValidationError, match="0 至 10 分"):
        services.answers_mark(test=sat["test"], marks={sat["short"].pk: (11, "")}, by=staff)
    objective = Answer.objects.get(sitting=sat["sitting"], question=sat["q"]["single"])
    with pytest.raises(ValidationError):
        services.answers_mark(test=sat["test"], marks={objective.pk: (0, "")}, by=staff)
    assert Answer.objects.get(pk=sat["short"].pk).points is None
    assert Answer.objects.get(pk=objective.pk).points == 10


def test_the_tests_markers_mark_and_nobody_else(sat):
    marker = user_with_role("member", OrganizationFactory())
    sat["test"].markers.add(marker.person)
    services.answers_mark(test=sat["test"], marks={sat["short"].pk: (6, "")}, by=marker)
    for outsider in (
        user_with_role("staff", sat["sitting"].group.organization),
        user_with_role("viewer", sat["county"]),
    ):
        with pytest.raises(PermissionDenied):
            services.answers_mark(test=sat["test"], marks={sat["short"].pk: (2, "")}, by=outsider)
    assert Answer.objects.get(pk=sat["short"].pk).points == 6


def test_blind_marking_shows_sheet_numbers_not_names(client, sat):
    staff = user_with_role("staff", sat["county"])
    client.force_login(staff)
    url = reverse("assessments:marking", args=[sat["test"].pk])
    assert "张三" in client.get(url).content.decode()
    sat["test"].is_blind = True
    sat["test"].save()
    page = client.get(url).content.decode()
    assert "张三" not in page and "镇党委" not in page
    assert "答卷 1" in page
    client.post(url, {f"points-{sat['short'].pk}": "9", f"comment-{sat['short'].pk}": "好"})
    assert Answer.objects.get(pk=sat["short"].pk).points == 9


def test_results_are_published_once_the_test_closed_and_every_answer_is_marked(sat, django_capture_on_commit_callbacks):
    staff = user_with_role("staff", sat["county"])
    with pytest.raises(ValidationError, match="测试结束后"):
        services.results_publish(test=sat["test"], by=staff)
    _close(sat["test"])
    with pytest.raises(ValidationError, match="还有 1 道简答题"):
        services.results_publish(test=sat["test"], by=staff)
    services.answers_mark(test=sat["test"], marks={sat["short"].pk: (7, "")}, by=staff)
    services.results_publish(test=sat["test"], by=staff)
    sat["test"].refresh_from_db()
    assert sat["test"].status == "results"
    notice = Notification.objects.get(verb="test_results")
    assert (notice.recipient, notice.title) == (sat["member"], f"“{sat['test'].title}”成绩已公布")
    with pytest.raises(ValidationError):
        services.answers_mark(test=sat["test"], marks={sat["short"].pk: (10, "")}, by=staff)


def test_publishing_hands_in_a_sheet_left_open_with_its_saved_answers(sat):
    staff = user_with_role("staff", sat["county"])
    late = user_with_role("member", sat["sitting"].group.organization)
    sitting = SittingFactory(test=sat["test"], person=late.person, group=sat["sitting"].group)
    services.sitting_start(sitting=sitting, by=late)
    services.answers_save(sitting=sitting, responses={sat["q"]["single"].pk: "B"}, by=late)
    services.answers_mark(test=sat["test"], marks={sat["short"].pk: (7, "")}, by=staff)
    with freeze_time(timezone.now() + datetime.timedelta(hours=3)):
        services.results_publish(test=sat["test"], by=staff)
    sitting.refresh_from_db()
    assert (sitting.submitted_at, sitting.score) == (sitting.deadline, 10)


def test_the_person_sees_the_score_and_explanations_only_after_publishing(client, sat):
    client.force_login(sat["member"])
    url = reverse("assessments:sitting-review", args=[sat["sitting"].pk])
    page = client.get(url).content.decode()
    assert "成绩公布后" in page and sat["q"]["single"].version.explanation not in page
    staff = user_with_role("staff", sat["county"])
    services.answers_mark(test=sat["test"], marks={sat["short"].pk: (7, "结合实际不够")}, by=staff)
    _close(sat["test"])
    services.results_publish(test=sat["test"], by=staff)
    page = client.get(url).content.decode()
    assert "37" in page and "及格" in page
    assert sat["q"]["single"].version.explanation in page and "结合实际不够" in page
    assert client.get(reverse("assessments:sitting", args=[sat["sitting"].pk])).url == url


def test_the_tests_page_counts_the_marked_sheet_as_scored_and_publishing_repairs_a_missing_score(client, sat):
    """已评分 counts every sheet whose answers are all marked: marking gives it its score, and publishing gives
    one to a sheet left without it (a score lost between marking and publishing)."""
    staff = user_with_role("staff", sat["county"])
    client.force_login(staff)

    def counts():
        page = client.get(sat["test"].get_absolute_url()).content.decode()
        cards = page.split('id="counts"')[1].split("</div>\n  </div>")[0]
        figures = [part.split("</div>")[0] for part in cards.split('<div class="sg-figure')[1:]]
        return [figure.split(">", 1)[1] for figure in figures]

    assert counts() == ["1", "1", "0", "1"]  # called, handed in, scored, answers to mark
    services.answers_mark(test=sat["test"], marks={sat["short"].pk: (8, "")}, by=staff)
    assert counts() == ["1", "1", "1", "0"]
    Sitting.objects.filter(pk=sat["sitting"].pk).update(score=None)
    _close(sat["test"])
    services.results_publish(test=sat["test"], by=staff)
    assert Sitting.objects.get(pk=sat["sitting"].pk).score == 10 + 10 + 0 + 10 + 8
    assert counts() == ["1", "1", "1", "0"]
    assert Notification.objects.filter(verb="test_results", recipient=sat["member"]).exists()
