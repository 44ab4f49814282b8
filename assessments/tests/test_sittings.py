"""Sitting a test: the deadline the server keeps, answers saved as they are chosen and only to the person's own
paper, one hand-in however many arrive at once, resuming after a lost connection, nobody else opening it."""

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from assessments import services
from assessments.models import Answer, Sitting
from assessments.services import sittings
from assessments.tests.factories import KnowledgeTestFactory, PaperQuestionFactory, QuestionFactory, SittingFactory
from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, UserFactory, user_with_role
from studygroup.tests.querycount import assert_queries

pytestmark = pytest.mark.django_db


def build_test(organization, **test_fields):
    """A published test open for two hours, 30 minutes to sit, with one question of each type (10 points each)."""
    test = KnowledgeTestFactory(organization=organization, max_score=50, pass_mark=30, time_limit=30, **test_fields)
    questions = {}
    for number, (kind, extra) in enumerate(
        [
            ("single", {}),
            ("multiple", {"answer": ["A", "C"]}),
            ("true_false", {"answer": False}),
            ("fill", {"answer": ["1921", "一九二一年"]}),
            ("short", {}),
        ],
        start=1,
    ):
        version = QuestionFactory(bank__organization=organization, kind=kind, **extra).current
        questions[kind] = PaperQuestionFactory(test=test, version=version, number=number, points=10)
    return test, questions


@pytest.fixture
def setting():
    county = OrganizationFactory(name="县委")
    town = OrganizationFactory(parent=county, name="镇党委")
    group = StudyGroupFactory(organization=town)
    member = user_with_role("member", town)
    test, questions = build_test(county)
    sitting = SittingFactory(test=test, person=member.person, group=group)
    return {"county": county, "member": member, "test": test, "questions": questions, "sitting": sitting}


def test_opening_fixes_the_deadline_and_opening_again_resumes(setting):
    sitting, member = setting["sitting"], setting["member"]
    services.sitting_start(sitting=sitting, by=member)
    sitting.refresh_from_db()
    assert sitting.deadline == sitting.started_at + datetime.timedelta(minutes=30)
    first = (sitting.started_at, sitting.deadline)
    services.sitting_start(sitting=Sitting.objects.get(pk=sitting.pk), by=member)
    sitting.refresh_from_db()
    assert (sitting.started_at, sitting.deadline) == first


def test_the_deadline_never_runs_past_the_window(setting):
    test = setting["test"]
    test.closes_at = timezone.now() + datetime.timedelta(minutes=10)
    test.save()
    sitting = services.sitting_start(sitting=setting["sitting"], by=setting["member"])
    assert sitting.deadline == test.closes_at


def test_answers_are_saved_and_changed_as_they_are_chosen(setting):
    sitting, member, q = setting["sitting"], setting["member"], setting["questions"]
    services.sitting_start(sitting=sitting, by=member)
    services.answers_save(sitting=sitting, responses={q["single"].pk: "A", q["multiple"].pk: ["C", "A"]}, by=member)
    services.answers_save(sitting=sitting, responses={q["single"].pk: "B"}, by=member)
    stored = dict(Answer.objects.filter(sitting=sitting).values_list("question_id", "response"))
    assert stored == {q["single"].pk: "B", q["multiple"].pk: ["A", "C"]}


def test_an_answer_to_a_question_not_on_the_paper_is_refused_and_nothing_is_saved(setting):
    sitting, member, q = setting["sitting"], setting["member"], setting["questions"]
    services.sitting_start(sitting=sitting, by=member)
    _other, other_questions = build_test(setting["county"])
    with pytest.raises(ValidationError) as refused:
        services.answers_save(
            sitting=sitting, responses={q["single"].pk: "A", other_questions["single"].pk: "B"}, by=member
        )
    assert refused.value.code == sittings.NOT_ON_PAPER
    with pytest.raises(ValidationError):
        services.answers_save(sitting=sitting, responses={q["single"].pk: "Z"}, by=member)
    assert Answer.objects.count() == 0


def test_an_answer_after_the_deadline_is_refused(setting):
    sitting, member, q = setting["sitting"], setting["member"], setting["questions"]
    services.sitting_start(sitting=sitting, by=member)
    services.answers_save(sitting=sitting, responses={q["single"].pk: "B"}, by=member)
    with freeze_time(timezone.now() + datetime.timedelta(minutes=31)):
        with pytest.raises(ValidationError) as refused:
            services.answers_save(sitting=sitting, responses={q["single"].pk: "A"}, by=member)
        assert refused.value.code == sittings.TIME_UP
        # Handed in after time: as it stood at the deadline, the late answers left out.
        services.sitting_submit(sitting=sitting, responses={q["single"].pk: "A"}, by=member)
    sitting.refresh_from_db()
    assert sitting.submitted_at == sitting.deadline
    assert Answer.objects.get(sitting=sitting, question=q["single"]).response == "B"


def test_nobody_else_opens_or_answers_a_sitting_not_even_staff(setting):
    sitting, q = setting["sitting"], setting["questions"]
    services.sitting_start(sitting=sitting, by=setting["member"])
    for user in (
        user_with_role("staff", setting["county"]),
        user_with_role("member", sitting.group.organization),
        UserFactory(is_superuser=True),
    ):
        with pytest.raises(PermissionDenied):
            services.answers_save(sitting=sitting, responses={q["single"].pk: "A"}, by=user)
        with pytest.raises(PermissionDenied):
            services.sitting_submit(sitting=sitting, by=user)
    assert Answer.objects.count() == 0
    assert Sitting.objects.get(pk=sitting.pk).submitted_at is None


def test_handing_in_scores_the_objective_answers_and_waits_for_the_short_one(setting):
    sitting, member, q = setting["sitting"], setting["member"], setting["questions"]
    services.sitting_start(sitting=sitting, by=member)
    services.answers_save(
        sitting=sitting,
        responses={q["single"].pk: "B", q["multiple"].pk: ["A"], q["true_false"].pk: False},
        by=member,
    )
    services.sitting_submit(
        sitting=sitting, responses={q["fill"].pk: " １９２１ ", q["short"].pk: "坚持学思用贯通"}, by=member
    )
    points = dict(Answer.objects.filter(sitting=sitting).values_list("question__version__kind", "points"))
    assert points == {"single": 10, "multiple": 0, "true_false": 10, "fill": 10, "short": None}
    sitting.refresh_from_db()
    assert sitting.score is None and sitting.submitted_at is not None
    with pytest.raises(ValidationError) as again:
        services.sitting_submit(sitting=sitting, by=member)
    assert again.value.code == sittings.ALREADY_DONE
    with pytest.raises(ValidationError) as late:
        services.answers_save(sitting=sitting, responses={q["single"].pk: "A"}, by=member)
    assert late.value.code == sittings.ALREADY_DONE


def test_an_objective_test_is_scored_at_once_and_blank_answers_count_nothing():
    county = OrganizationFactory()
    member = user_with_role("member", county)
    test = KnowledgeTestFactory(organization=county, max_score=20, pass_mark=10)
    first = PaperQuestionFactory(test=test, number=1, points=10)
    PaperQuestionFactory(test=test, number=2, points=10)
    sitting = SittingFactory(test=test, person=member.person)
    services.sitting_start(sitting=sitting, by=member)
    services.sitting_submit(sitting=sitting, responses={first.pk: "B"}, by=member)
    sitting.refresh_from_db()
    assert sitting.score == 10
    assert Answer.objects.filter(sitting=sitting).count() == 2


def test_a_sitting_left_open_past_its_deadline_is_handed_in_with_what_was_saved(setting):
    sitting, member, q = setting["sitting"], setting["member"], setting["questions"]
    services.sitting_start(sitting=sitting, by=member)
    services.answers_save(sitting=sitting, responses={q["single"].pk: "B"}, by=member)
    with freeze_time(timezone.now() + datetime.timedelta(hours=3)):
        assert services.finish_expired(test=setting["test"]) == 1
    sitting.refresh_from_db()
    assert sitting.submitted_at == sitting.deadline
    assert Answer.objects.get(sitting=sitting, question=q["single"]).points == 10


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_two_hand_ins_at_once_store_one():
    county = OrganizationFactory()
    member = user_with_role("member", county)
    test = KnowledgeTestFactory(organization=county, max_score=10, pass_mark=6)
    question = PaperQuestionFactory(test=test, number=1, points=10)
    sitting = SittingFactory(test=test, person=member.person)
    services.sitting_start(sitting=sitting, by=member)
    barrier = threading.Barrier(2)
    outcomes = []

    def hand_in(answer):
        try:
            barrier.wait()
            services.sitting_submit(
                sitting=Sitting.objects.get(pk=sitting.pk), responses={question.pk: answer}, by=member
            )
            outcomes.append("stored")
        except ValidationError as exc:
            outcomes.append(exc.code)
        except Exception as exc:
            outcomes.append(type(exc).__name__)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=hand_in, args=(answer,)) for answer in ("B", "A")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("stored") == 1, outcomes
    if connection.vendor == "postgresql":
        assert sorted(outcomes) == sorted(["stored", sittings.ALREADY_DONE])
    sitting.refresh_from_db()
    answer = Answer.objects.get(sitting=sitting)
    assert sitting.score == answer.points == (10 if answer.response == "B" else 0)


# Pages ----------------------------------------------------------------------------------------


def test_the_person_sits_it_on_the_page_and_resumes_where_they_were(client, setting):
    sitting, member, q = setting["sitting"], setting["member"], setting["questions"]
    client.force_login(member)
    url = reverse("assessments:sitting", args=[sitting.pk])
    page = client.get(url).content.decode()
    sitting.refresh_from_db()
    assert sitting.started_at is not None
    assert f'data-deadline="{int(sitting.deadline.timestamp() * 1000)}"' in page
    assert q["single"].version.text in page
    response = client.post(
        reverse("assessments:answer", args=[sitting.pk]),
        {f"present-{q['single'].pk}": "single", f"q-{q['single'].pk}": "B"},
        headers={"HX-Request": "true"},
    )
    assert "已保存" in response.content.decode()
    page = client.get(url).content.decode()  # the tab closed and opened again
    assert f'name="q-{q["single"].pk}" value="B" checked' in page
    one = client.get(url, {"view": "one", "q": 2}).content.decode()
    assert one.count('class="card shadow-sm mb-3 sg-question"') == 1
    response = client.post(
        reverse("assessments:sitting-submit", args=[sitting.pk]),
        {f"present-{q['fill'].pk}": "fill", f"q-{q['fill'].pk}": "1921"},
    )
    assert response.status_code == 302
    assert "已交卷" in client.get(url).content.decode()


def test_an_htmx_answer_after_time_sends_the_page_to_the_hand_in(client, setting):
    sitting, member, q = setting["sitting"], setting["member"], setting["questions"]
    setting["test"].time_limit = 10  # well inside the half hour a login may stay idle
    setting["test"].save()
    client.force_login(member)
    client.get(reverse("assessments:sitting", args=[sitting.pk]))
    with freeze_time(timezone.now() + datetime.timedelta(minutes=11)):
        response = client.post(
            reverse("assessments:answer", args=[sitting.pk]),
            {f"present-{q['single'].pk}": "single", f"q-{q['single'].pk}": "B"},
            headers={"HX-Request": "true"},
        )
    assert response["HX-Redirect"] == reverse("assessments:sitting", args=[sitting.pk])
    assert Answer.objects.count() == 0


def test_nobody_else_gets_the_sitting_pages(client, setting):
    sitting = setting["sitting"]
    for user in (user_with_role("staff", setting["county"]), user_with_role("member", sitting.group.organization)):
        client.force_login(user)
        for name in ("assessments:sitting", "assessments:sitting-review"):
            assert client.get(reverse(name, args=[sitting.pk])).status_code == 404
        for name in ("assessments:answer", "assessments:sitting-submit"):
            assert client.post(reverse(name, args=[sitting.pk])).status_code == 404
    assert Sitting.objects.get(pk=sitting.pk).started_at is None


def test_each_person_sees_the_paper_in_their_own_order(setting):
    from assessments.views.sittings import person_paper

    test = setting["test"]
    singles = [PaperQuestionFactory(test=test, number=n, points=1) for n in range(6, 12)]
    orders = set()
    for _ in range(4):
        sitting = SittingFactory(test=test, seed=f"{test.seed}:{_}")
        shown = person_paper(sitting)
        assert [s.kind for s in shown][:7] == ["single"] * 7
        orders.add(tuple(s.question.pk for s in shown))
        assert person_paper(sitting) == shown or [s.question.pk for s in person_paper(sitting)] == [
            s.question.pk for s in shown
        ]
    assert len(orders) > 1
    assert {s.pk for s in singles} <= {pk for order in orders for pk in order}


def test_saving_an_answer_runs_nine_queries_whatever_the_paper_and_the_answers_stored(client, setting):
    """An answer save is the hot path of a test (2,000 people answering within minutes): a fixed count of queries,
    the same for the first answer, a changed one, and on a paper five times longer with every question answered."""
    sitting, member, q = setting["sitting"], setting["member"], setting["questions"]
    client.force_login(member)
    client.get(reverse("assessments:sitting", args=[sitting.pk]))  # opens it; the session's last-seen time is new
    url = reverse("assessments:answer", args=[sitting.pk])

    def save(question, value):
        # The session and the login (2); a savepoint where production has BEGIN; the sitting, locked (1); the
        # reader's grants and seats for the access rule (2); the question answered (1); one upsert of the answer;
        # the savepoint's release where production has COMMIT. The session is not written (once a minute).
        with assert_queries(8):
            response = client.post(
                url,
                {f"present-{question.pk}": question.version.kind, f"q-{question.pk}": value},
                headers={"HX-Request": "true"},
            )
        assert response.status_code == 200 and "已保存" in response.content.decode()

    save(q["single"], "A")
    save(q["single"], "B")
    more = [PaperQuestionFactory(test=setting["test"], number=number, points=1) for number in range(6, 30)]
    for question in more:
        Answer.objects.create(sitting=sitting, question=question, response="A")
    save(q["true_false"], "true")
    assert Answer.objects.get(sitting=sitting, question=q["single"]).response == "B"
    assert Answer.objects.filter(sitting=sitting).count() == 2 + len(more)
