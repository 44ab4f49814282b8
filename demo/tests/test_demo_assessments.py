"""The demo's knowledge tests: a bank, a past round marked and published, a test open for 城关镇 now."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from assessments import results
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


def test_member_chengguan_has_the_citys_test_to_sit(client, demo):
    client.post(reverse("login"), {"username": "member.chengguan", "password": DEMO_PASSWORD})
    page = client.get(reverse("home")).content.decode()
    assert "党的创新理论学习测试" in page
    sitting = Sitting.objects.get(test__code="demo-k2", person__user=User.objects.get(username="member.chengguan"))
    assert sitting.state() == "open"
