"""The demo's knowledge tests: a bank, a past round marked and published, a test open for 城关镇 now."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from assessments import results, scoring
from assessments.models import Answer, KnowledgeTest, Question, Sitting
from assessments.services import knowledge_tests, sitters
from demo.seed import DEMO_PASSWORD
from reports.figures import year_figures
from studygroup.models import Organization, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    call_command("seed_demo")


def test_the_demo_tests_are_believable_and_seeding_again_changes_nothing(demo):
    counts = (Question.objects.count(), KnowledgeTest.objects.count(), Sitting.objects.count(), Answer.objects.count())
    call_command("seed_demo")
    assert (
        Question.objects.count(),
        KnowledgeTest.objects.count(),
        Sitting.objects.count(),
        Answer.objects.count(),
    ) == counts
    past, current = KnowledgeTest.objects.get(code="demo-k1"), KnowledgeTest.objects.get(code="demo-k2")
    for test in (past, current):
        assert knowledge_tests.paper_matches(test)
        assert sum(q.points for q in test.questions.all()) == test.max_score == 100
        assert all(sitters.draw_matches(d) for d in test.draws.all())
    scored = past.sittings.filter(score__isnull=False)
    assert past.status == "results" and 3 <= scored.count() < past.sittings.count()
    organizations, total = results.by_organization(past, past.sittings.all())
    assert len(organizations) >= 2 and total.pass_rate is not None
    items, tags = results.item_analysis(past, past.sittings.all())
    assert items and tags
    figures = year_figures(Organization.objects.get(code="lj-qh"), past.held_on.year)
    assert figures["tests_held"] >= 1 and figures["test_sittings"] >= scored.count()


def test_the_demo_answers_are_scored_as_a_sitting_scores_them(demo):
    """Blanks hold one accepted answer as text (as a sitting stores it), scored as marking scores it; short answers
    carry a staff mark; so the item analysis shows blanks answered right and short answers by their marks."""
    past = KnowledgeTest.objects.get(code="demo-k1")
    answers = Answer.objects.filter(sitting__test=past).select_related("question__version")
    blanks = [a for a in answers if a.question.version.kind == "fill"]
    assert blanks and all(isinstance(a.response, str) for a in blanks)
    for answer in answers.exclude(question__version__kind="short"):
        version = answer.question.version
        assert answer.points == scoring.objective_points(
            version.kind, version.answer, answer.response, answer.question.points
        )
    assert any(a.points == a.question.points for a in blanks)
    shorts = [a for a in answers if a.question.version.kind == "short"]
    assert shorts and all(10 <= a.points <= 18 and a.marked_by is not None for a in shorts)
    for sitting in past.sittings.filter(score__isnull=False):
        assert sitting.score == sum(a.points for a in answers if a.sitting_id == sitting.pk)
    items, _tags = results.item_analysis(past, past.sittings.all())
    shares = {kind: [i.share for i in items if i.question.version.kind == kind] for kind in ("fill", "short")}
    assert len(shares["fill"]) == 2 and all(share > 0 for share in shares["fill"])
    assert len(shares["short"]) == 1 and 0.5 <= shares["short"][0] <= 0.9


def test_member_chengguan_has_the_citys_test_to_sit(client, demo):
    client.post(reverse("login"), {"username": "member.chengguan", "password": DEMO_PASSWORD})
    page = client.get(reverse("home")).content.decode()
    assert "党的创新理论学习测试" in page
    sitting = Sitting.objects.get(test__code="demo-k2", person__user=User.objects.get(username="member.chengguan"))
    assert sitting.state() == "open"
