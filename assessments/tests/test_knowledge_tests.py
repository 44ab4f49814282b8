"""Setting a test: fixed questions and rules, the paper drawn when it is published (reproducible from its seed),
each person's order of it."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from assessments import paper, services
from assessments.models import KnowledgeTest, TestQuestion
from assessments.services import knowledge_tests
from assessments.tests.factories import QuestionBankFactory, QuestionFactory, TagFactory
from studygroup.tests.factories import OrganizationFactory, user_with_role

pytestmark = pytest.mark.django_db


# The pure functions --------------------------------------------------------------------------


def test_the_paper_draw_takes_fixed_questions_first_and_is_reproducible():
    inputs = {
        "parts": [
            {"part": 1, "points": 5, "count": 1, "fixed": 30, "candidates": []},
            {"part": 2, "points": 2, "count": 3, "fixed": None, "candidates": [10, 20, 30, 40, 50, 60]},
            {"part": 3, "points": 1, "count": 2, "fixed": None, "candidates": [20, 30, 70, 80]},
        ]
    }
    drawn = paper.run("abc", inputs)
    assert drawn == paper.run("abc", inputs)
    assert drawn[0] == [1, 30, 5]
    versions = [version for _part, version, _points in drawn]
    assert len(versions) == len(set(versions)) == 6
    assert {v for p, v, _ in drawn if p == 2} <= {10, 20, 40, 50, 60}
    assert {v for p, v, _ in drawn if p == 3} <= {20, 70, 80} - {v for p, v, _ in drawn if p == 2}
    assert any(paper.run(seed, inputs) != drawn for seed in ("b", "c", "d", "e"))


def test_a_rule_that_cannot_be_met_names_itself():
    inputs = {"parts": [{"part": 1, "points": 1, "count": 3, "fixed": None, "candidates": [1, 2]}]}
    with pytest.raises(paper.Shortage) as short:
        paper.run("x", inputs)
    assert (short.value.index, short.value.available, short.value.wanted) == (0, 2, 3)


def test_each_person_gets_their_own_order_grouped_by_type():
    questions = [(1, "single", 4), (2, "true_false", 0), (3, "single", 4), (4, "short", 0), (5, "single", 3)]
    first = paper.layout("person-1", questions, shuffle=True)
    assert first == paper.layout("person-1", questions, shuffle=True)
    assert [q for q, _o in first][:3] != [1, 3, 5] or any(o != sorted(o) for _q, o in first)
    assert {q for q, _o in first[:3]} == {1, 3, 5}
    assert [q for q, _o in first[3:]] == [2, 4]
    option_counts = {question: count for question, _kind, count in questions}
    assert all(sorted(options) == list(range(option_counts[q])) for q, options in first)
    assert any(paper.layout(f"person-{n}", questions, shuffle=True) != first for n in range(2, 6))
    assert paper.layout("person-1", questions, shuffle=False) == [
        (1, [0, 1, 2, 3]),
        (3, [0, 1, 2, 3]),
        (5, [0, 1, 2]),
        (2, []),
        (4, []),
    ]


# Services -------------------------------------------------------------------------------------


@pytest.fixture
def county():
    city = OrganizationFactory(name="市委")
    county = OrganizationFactory(parent=city, name="县委")
    return county


@pytest.fixture
def staff(county):
    return user_with_role("staff", county)


def _settings(**changes):
    opens = timezone.now() + datetime.timedelta(hours=1)
    values = {
        "title": "党史知识测试",
        "instructions": "",
        "opens_at": opens,
        "closes_at": opens + datetime.timedelta(hours=2),
        "time_limit": 30,
        "pass_mark": 6,
        "max_score": 10,
        "delivery": "online",
        "is_blind": False,
        "shuffle": True,
        "visit": None,
    }
    values.update(changes)
    return values


def test_a_test_is_built_from_a_fixed_question_and_a_rule_and_published(county, staff):
    bank = QuestionBankFactory(organization=county.parent)  # the city's bank serves the county
    tag = TagFactory(organization=county.parent, name="党史")
    fixed = QuestionFactory(bank=bank, kind="short")
    singles = [QuestionFactory(bank=bank, tags=[tag]) for _ in range(5)]
    QuestionFactory(bank=bank, kind="true_false", tags=[tag])  # another type: not drawn by the rule
    test = services.test_create(organization=county, by=staff, **_settings())
    assert (test.status, test.held_on) == ("draft", timezone.localtime(test.opens_at).date())
    services.part_add(test=test, question=fixed, points=4, by=staff)
    services.part_add(test=test, bank=bank, kind="single", tag=tag, count=3, points=2, by=staff)
    services.test_publish(test=test, by=staff)
    test.refresh_from_db()
    paper_rows = list(test.questions.order_by("number").select_related("version"))
    assert [(q.number, q.points) for q in paper_rows] == [(1, 4), (2, 2), (3, 2), (4, 2)]
    assert paper_rows[0].version == fixed.current
    assert {q.version_id for q in paper_rows[1:]} <= {s.current_id for s in singles}
    assert test.status == "published"
    assert knowledge_tests.paper_matches(test)
    with pytest.raises(ValidationError, match="已发布"):
        services.part_add(test=test, question=QuestionFactory(bank=bank), points=1, by=staff)


def test_publishing_checks_the_points_and_the_rules(county, staff):
    bank = QuestionBankFactory(organization=county)
    QuestionFactory(bank=bank)
    test = services.test_create(organization=county, by=staff, **_settings())
    with pytest.raises(ValidationError, match="请先添加试题或抽题规则"):
        services.test_publish(test=test, by=staff)
    services.part_add(test=test, bank=bank, kind="single", count=2, points=5, by=staff)
    with pytest.raises(ValidationError) as short:
        services.test_publish(test=test, by=staff)
    assert short.value.messages == ["第1条规则(2 道单选题)需要 2 道题,题库中符合条件的只有 1 道。"]
    services.part_add(test=test, question=QuestionFactory(bank=bank, kind="true_false"), points=1, by=staff)
    with pytest.raises(ValidationError) as points:
        services.test_publish(test=test, by=staff)
    assert points.value.messages == ["各题分值合计 11 分,与满分 10 分不一致。"]
    assert TestQuestion.objects.count() == 0
    assert KnowledgeTest.objects.get(pk=test.pk).status == "draft"


def test_a_test_draws_only_from_its_own_and_upper_banks(county, staff):
    test = services.test_create(organization=county, by=staff, **_settings())
    below = QuestionBankFactory(organization=OrganizationFactory(parent=county))
    neighbour = QuestionBankFactory(organization=OrganizationFactory(parent=county.parent))
    for bank in (below, neighbour):
        with pytest.raises(ValidationError, match="只能从本单位及上级单位的题库"):
            services.part_add(test=test, bank=bank, count=1, points=1, by=staff)
    assert test.parts.count() == 0


def test_settings_are_checked_and_only_the_setters_staff_change_them(county, staff):
    with pytest.raises(ValidationError) as refused:
        services.test_create(organization=county, by=staff, **_settings(pass_mark=20))
    assert refused.value.message_dict == {"pass_mark": ["及格分不能高于满分。"]}
    with pytest.raises(ValidationError) as refused:
        services.test_create(organization=county, by=staff, **_settings(opens_at=None))
    assert "opens_at" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        services.test_create(organization=county, by=user_with_role("staff", county.parent), **_settings())
    test = services.test_create(organization=county, by=staff, **_settings())
    with pytest.raises(PermissionDenied):
        services.test_update(test=test, by=user_with_role("viewer", county), title="改")
    services.test_update(test=test, by=staff, title="改过的标题")
    test.refresh_from_db()
    assert test.title == "改过的标题"


def test_a_paper_test_needs_no_window_and_is_held_on_its_day(county, staff):
    test = services.test_create(
        organization=county,
        by=staff,
        **_settings(delivery="paper", opens_at=None, closes_at=None, held_on=datetime.date(2026, 5, 10)),
    )
    assert (test.held_on, test.opens_at) == (datetime.date(2026, 5, 10), None)


def test_closing_early_moves_the_window_and_every_deadline(county, staff):
    bank = QuestionBankFactory(organization=county)
    question = QuestionFactory(bank=bank)
    test = services.test_create(
        organization=county, by=staff, **_settings(opens_at=timezone.now() - datetime.timedelta(minutes=5))
    )
    services.part_add(test=test, question=question, points=10, by=staff)
    services.test_publish(test=test, by=staff)
    services.test_close(test=test, by=staff)
    test.refresh_from_db()
    assert test.closes_at <= timezone.now()
    assert not test.is_open()
    with pytest.raises(ValidationError):
        services.test_close(test=test, by=staff)


# Pages ----------------------------------------------------------------------------------------


def test_staff_set_a_test_by_rules_on_the_pages(client, county, staff):
    bank = QuestionBankFactory(organization=county)
    tag = TagFactory(organization=county, name="党史")
    for _ in range(4):
        QuestionFactory(bank=bank, tags=[tag])
    client.force_login(staff)
    opens = timezone.localtime() + datetime.timedelta(hours=1)
    response = client.post(
        reverse("assessments:test-create"),
        {
            "title": "第一轮党史知识测试",
            "delivery": "online",
            "opens_at": opens.strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (opens + datetime.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
            "time_limit": 20,
            "max_score": 100,
            "pass_mark": 60,
            "shuffle": "on",
        },
    )
    test = KnowledgeTest.objects.get(title="第一轮党史知识测试")
    assert response.url == test.get_absolute_url()
    client.post(
        reverse("assessments:part-add", args=[test.pk]),
        {"bank": bank.pk, "kind": "single", "tag": tag.pk, "count": 4, "points": 25},
    )
    page = client.get(test.get_absolute_url()).content.decode()
    assert "4 道单选题(标签“党史”)" in page and "100 / 100 分" in page
    client.post(reverse("assessments:test-publish", args=[test.pk]))
    test.refresh_from_db()
    assert (test.status, test.questions.count()) == ("published", 4)
    page = client.get(test.get_absolute_url()).content.decode()
    assert "按原抽取记录重新演算,试卷一致,可供核验。" in page and test.seed not in page and "种子" not in page


def test_the_test_pages_are_the_setters_and_their_peoples_only(client, county, staff):
    test = services.test_create(organization=county, by=staff, **_settings())
    neighbour = user_with_role("staff", OrganizationFactory(parent=county.parent))
    client.force_login(neighbour)
    assert client.get(test.get_absolute_url()).status_code == 404
    assert client.post(reverse("assessments:test-publish", args=[test.pk])).status_code == 404
    viewer = user_with_role("viewer", county)
    client.force_login(viewer)
    assert client.get(test.get_absolute_url()).status_code == 200
    assert client.post(reverse("assessments:test-publish", args=[test.pk])).status_code == 403
    assert client.get(reverse("assessments:test-create")).status_code == 403


def test_a_form_sent_twice_sets_one_test_and_adds_one_rule(client, county, staff):
    import uuid

    bank = QuestionBankFactory(organization=county)
    QuestionFactory(bank=bank)
    client.force_login(staff)
    opens = timezone.localtime() + datetime.timedelta(hours=1)
    body = {
        "title": "只应有一份的测试",
        "delivery": "online",
        "opens_at": opens.strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (opens + datetime.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        "max_score": 100,
        "pass_mark": 60,
        "once": str(uuid.uuid4()),
    }
    first = client.post(reverse("assessments:test-create"), body)
    second = client.post(reverse("assessments:test-create"), body)
    assert first.url == second.url
    test = KnowledgeTest.objects.get(title="只应有一份的测试")
    rule = {"bank": bank.pk, "kind": "single", "count": 1, "points": 100, "once": str(uuid.uuid4())}
    client.post(reverse("assessments:part-add", args=[test.pk]), rule)
    client.post(reverse("assessments:part-add", args=[test.pk]), rule)
    assert test.parts.count() == 1


def test_the_list_reads_a_published_tests_status_as_published_not_as_a_date(client):
    """Its status label shared the id "Published" with the materials' date column and read 发布时间."""
    from assessments.tests.factories import KnowledgeTestFactory

    city = OrganizationFactory(name="临江市委")
    test = KnowledgeTestFactory(organization=city, title="二〇二六年党史知识测试")
    client.force_login(user_with_role("leader", city))
    page = client.get(reverse("assessments:test-list"), {"org": city.pk, "year": test.held_on.year}).content.decode()
    row = page.split("二〇二六年党史知识测试")[1].split("</tr>")[0]
    assert "已发布" in row and "发布时间" not in row


def test_the_list_shows_who_was_called_and_who_sat_online_or_on_paper(client):
    """应考人数 counts every sitting; 实考人数 those handed in online or scored from a paper sheet."""
    from django.utils import timezone

    from assessments.tests.factories import KnowledgeTestFactory, SittingFactory

    city = OrganizationFactory(name="临江市委")
    test = KnowledgeTestFactory(organization=city, title="二〇二六年党史知识测试")
    SittingFactory(test=test, submitted_at=timezone.now())
    SittingFactory(test=test, score=80)  # a paper sheet entered
    SittingFactory.create_batch(3, test=test)  # called, never sat
    client.force_login(user_with_role("leader", city))
    page = client.get(reverse("assessments:test-list"), {"org": city.pk, "year": test.held_on.year}).content.decode()
    header = page.split("<thead")[1].split("</thead>")[0]
    assert "应考人数" in header and "实考人数" in header
    row = page.split("二〇二六年党史知识测试")[1].split("</tr>")[0]
    assert row.endswith(
        '<td class="text-end d-none d-sm-table-cell">5</td><td class="text-end d-none d-sm-table-cell">2</td>'
    )
