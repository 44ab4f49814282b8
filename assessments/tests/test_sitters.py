"""Who sits a test: whole groups or a random draw (随机抽考), reproducible from its seed; on an observer visit,
members of the visited group drawn on the spot; those called are notified with the window."""

import datetime
import math
import uuid

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from assessments import draw, services
from assessments.models import Sitting, SittingDraw
from assessments.services import sitters
from assessments.tests.factories import KnowledgeTestFactory
from audits.tests.factories import ObserverVisitFactory
from sessions.tests.factories import StudySessionFactory
from studygroup import formats
from studygroup.models import Notification
from studygroup.tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    StudyGroupFactory,
    UserFactory,
    user_with_role,
)

pytestmark = pytest.mark.django_db


def test_the_draw_is_a_pure_function_of_seed_and_candidates():
    candidates = [[person, 100 + person % 3] for person in range(1, 41)]
    inputs = {"candidates": candidates, "mode": "percent", "amount": 20}
    drawn = draw.run("seed-1", inputs)
    assert drawn == draw.run("seed-1", inputs) == sorted(drawn)
    assert len(drawn) == 8
    assert all(row in candidates for row in drawn)
    assert any(draw.run(seed, inputs) != drawn for seed in ("a", "b", "c"))
    assert draw.wanted({"candidates": candidates[:7], "mode": "percent", "amount": 20}) == 2  # 1.4 rounded up
    assert draw.wanted({"candidates": candidates[:3], "mode": "percent", "amount": 1}) == 1
    assert draw.wanted({"candidates": candidates, "mode": "count", "amount": 100}) == 40
    assert draw.run("x", {"candidates": candidates, "mode": "all", "amount": None}) == candidates
    assert draw.candidates([(5, 2), (3, 9), (5, 1)]) == [[3, 9], [5, 1]]


@pytest.fixture
def world():
    county = OrganizationFactory(name="县委")
    towns = [OrganizationFactory(parent=county, name=name) for name in ("甲镇党委", "乙镇党委")]
    groups = [StudyGroupFactory(organization=town) for town in towns]
    seats = []
    for group in groups:
        seats.append(MembershipFactory(group=group, role="leader", person__user=UserFactory(email="l@example.com")))
        seats += [MembershipFactory(group=group, person__user=UserFactory(email="m@example.com")) for _ in range(9)]
    test = KnowledgeTestFactory(organization=county, time_limit=30)
    return {"county": county, "groups": groups, "seats": seats, "test": test, "staff": user_with_role("staff", county)}


def test_staff_draw_twenty_percent_of_two_groups_and_those_drawn_are_notified(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record = services.sitting_draw(
            test=world["test"], groups=world["groups"], mode="percent", amount=20, by=world["staff"]
        )
    assert len(record.result) == math.ceil(20 * 0.2) == 4
    sittings = Sitting.objects.filter(test=world["test"])
    assert sorted(sittings.values_list("person_id", "group_id")) == sorted(tuple(row) for row in record.result)
    assert all(s.seed == f"{world['test'].seed}:{s.person_id}" for s in sittings)
    notices = Notification.objects.filter(verb="test_called")
    assert notices.count() == 4
    assert notices.first().body.startswith(f"开放时间:{formats.datetime_zh(world['test'].opens_at)}至")
    assert "开始作答后须在 30 分钟内交卷。" in notices.first().body
    assert notices.first().title == f"请参加知识测试“{world['test'].title}”"
    assert len(mail.outbox) == 4 and all(message.subject == notices.first().title for message in mail.outbox)
    assert sitters.draw_matches(record)


def test_a_second_draw_calls_only_people_not_yet_called_and_roles_narrow_it(world):
    # The first draw takes members only (a draw of any five could take both leaders, leaving the leaders' draw
    # nobody to call); the second calls everyone left, so it must leave out exactly the five already called.
    first = services.sitting_draw(
        test=world["test"], groups=world["groups"], mode="count", amount=5, roles=["member"], by=world["staff"]
    )
    roles = {seat.person_id: seat.role for seat in world["seats"]}
    first_people = {person for person, _group in first.result}
    assert len(first_people) == 5 and {roles[person] for person in first_people} == {"member"}
    rest = services.sitting_draw(test=world["test"], groups=world["groups"], mode="all", by=world["staff"])
    rest_people = {person for person, _group in rest.result}
    assert not first_people & rest_people
    assert first_people | rest_people == set(roles)
    assert Sitting.objects.filter(test=world["test"]).count() == len(world["seats"]) == 20


def test_one_form_draws_once_however_often_it_is_sent(world):
    key = uuid.uuid4()
    services.sitting_draw(
        test=world["test"], groups=world["groups"], mode="count", amount=3, request_key=key, by=world["staff"]
    )
    with pytest.raises(ValidationError) as again:
        services.sitting_draw(
            test=world["test"], groups=world["groups"], mode="count", amount=3, request_key=key, by=world["staff"]
        )
    assert again.value.code == sitters.ALREADY_DONE
    assert (SittingDraw.objects.count(), Sitting.objects.count()) == (1, 3)


def test_a_draw_is_refused_for_groups_outside_a_closed_or_draft_test(world):
    outside = StudyGroupFactory(organization=OrganizationFactory())
    MembershipFactory(group=outside)
    with pytest.raises(ValidationError, match="所在单位可及范围"):
        services.sitting_draw(test=world["test"], groups=[outside], mode="all", by=world["staff"])
    closed = KnowledgeTestFactory(organization=world["county"], opens_at=timezone.now() - datetime.timedelta(hours=5))
    with pytest.raises(ValidationError, match="已结束"):
        services.sitting_draw(test=closed, groups=world["groups"], mode="all", by=world["staff"])
    draft = KnowledgeTestFactory(organization=world["county"], status="draft")
    with pytest.raises(ValidationError):
        services.sitting_draw(test=draft, groups=world["groups"], mode="all", by=world["staff"])
    with pytest.raises(PermissionDenied):
        services.sitting_draw(
            test=world["test"], groups=world["groups"], mode="all", by=user_with_role("viewer", world["county"])
        )
    assert Sitting.objects.count() == 0


def test_the_observer_draws_members_of_the_visited_group_on_the_spot(world):
    group = world["groups"][0]
    observer = user_with_role("observer", world["county"])
    session = StudySessionFactory(group=group)
    visit = ObserverVisitFactory(session=session, organization=world["county"], observer=observer.person)
    test = KnowledgeTestFactory(organization=world["county"], visit=visit)
    with pytest.raises(ValidationError, match="被旁听的中心组"):
        services.sitting_draw(test=test, groups=world["groups"], mode="count", amount=2, by=observer)
    record = services.sitting_draw(test=test, groups=[group], mode="count", amount=2, by=observer)
    assert record.visit == visit
    assert {g for _p, g in record.result} == {group.pk}
    another = user_with_role("observer", world["county"])
    with pytest.raises(PermissionDenied):
        services.sitting_draw(test=test, groups=[group], mode="count", amount=2, by=another)


def test_the_draw_page_draws_and_its_page_shows_that_it_runs_again_the_same(client, world):
    client.force_login(world["staff"])
    url = reverse("assessments:test-draw", args=[world["test"].pk])
    page = client.get(url).content.decode()
    assert "甲镇党委" in page and "乙镇党委" in page
    response = client.post(
        url,
        {"groups": [g.pk for g in world["groups"]], "mode": "percent", "amount": 20, "request_key": str(uuid.uuid4())},
    )
    record = SittingDraw.objects.get()
    assert response.url == record.get_absolute_url()
    page = client.get(record.get_absolute_url()).content.decode()
    assert "按原抽取记录对保存的 20 名候选人重新演算,抽中的仍是同样的 4 人,可供核验。" in page
    assert record.seed not in page and "种子" not in page
    neighbour = user_with_role("staff", OrganizationFactory())
    client.force_login(neighbour)
    assert client.get(record.get_absolute_url()).status_code == 404
    assert client.get(url).status_code == 404


def test_the_draw_page_says_so_when_the_stored_result_does_not_run_again_the_same(client, world):
    """The page re-runs the draw: a stored result changed by hand no longer matches and the page says so."""
    client.force_login(world["staff"])
    client.post(
        reverse("assessments:test-draw", args=[world["test"].pk]),
        {"groups": [g.pk for g in world["groups"]], "mode": "count", "amount": 3, "request_key": str(uuid.uuid4())},
    )
    record = SittingDraw.objects.get()
    swapped = next(row for row in record.inputs["candidates"] if row not in record.result)
    SittingDraw.objects.filter(pk=record.pk).update(result=[*record.result[:-1], swapped])
    page = client.get(record.get_absolute_url()).content.decode()
    assert "重新抽取的结果与保存的不同。" in page and "抽中的仍是同样的" not in page
