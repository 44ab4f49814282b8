"""The year figures the apps above reports add (knowledge tests, 第一议题 measures, self-study entries) equal a
straightforward computation record by record, on a varied subtree (the core's keys: reports/tests/
test_figures_reference.py)."""

from __future__ import annotations

import datetime
import random

import pytest
from freezegun import freeze_time

from assessments.models import KnowledgeTest, Sitting
from assessments.tests.factories import KnowledgeTestFactory, SittingFactory
from audits.models import Action
from audits.tests.factories import ActionFactory
from plans.models import SessionKind
from practice.models import SelfStudyEntry
from practice.tests.factories import SelfStudyEntryFactory
from reports.figures import figure_keys, year_figures
from sessions.tests.factories import StudySessionFactory
from studygroup.models import Membership, Organization
from studygroup.tests.factories import MembershipFactory, OrganizationFactory, PersonFactory, StudyGroupFactory

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 7, 15, 4, 0, tzinfo=datetime.UTC)
KINDS = ["book", "field_stay", "report", "other"]


def some_day(rng: random.Random) -> datetime.date:
    return datetime.date(rng.choice([2025, 2026]), rng.randint(1, 12), rng.randint(1, 28))


def build(seed: int):
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not a secret
    city = OrganizationFactory(code=f"city{seed}", kind="city")
    counties = [OrganizationFactory(parent=city, kind="county") for _ in range(2)]
    towns = [OrganizationFactory(parent=rng.choice(counties)) for _ in range(4)]
    outside = OrganizationFactory(code=f"outside{seed}")
    people = []
    for organization in [city, *counties, *towns, outside]:
        group = StudyGroupFactory(organization=organization)
        for _ in range(rng.randint(1, 4)):
            start = some_day(rng)
            end = start + datetime.timedelta(days=rng.randint(10, 300)) if rng.random() < 0.4 else None
            seat = MembershipFactory(group=group, start_on=start, end_on=end, role=rng.choice(["member", "secretary"]))
            people.append(seat.person)
        for _ in range(rng.randint(2, 4)):
            starts = datetime.datetime.combine(some_day(rng), datetime.time(1), tzinfo=datetime.UTC)
            session = StudySessionFactory(
                group=group,
                kind=rng.choice([SessionKind.FIRST_TOPIC, SessionKind.COLLECTIVE]),
                starts_at=starts,
                ends_at=starts + datetime.timedelta(hours=2),
            )
            for _ in range(rng.randint(1, 3)):
                raised = some_day(rng)
                ActionFactory(
                    group=group,
                    session=session if rng.random() < 0.8 else None,
                    raised_on=raised,
                    due_on=raised + datetime.timedelta(days=30),
                    status=rng.choice(["open", "in_progress", "done"]),
                )
    people.append(PersonFactory(organization=outside))  # seated nowhere
    for organization in [city, *counties, *towns, outside]:
        for _ in range(rng.randint(1, 3)):
            test = KnowledgeTestFactory(
                organization=organization,
                held_on=some_day(rng),
                status=rng.choice(["draft", "published", "results"]),
                pass_mark=rng.choice([60, 80]),
            )
            for person in rng.sample(people, rng.randint(2, 6)):
                SittingFactory(test=test, person=person, score=rng.choice([None, 40, 60, 79, 80, 100]))
    for person in people:
        for _ in range(rng.randint(0, 3)):
            SelfStudyEntryFactory(person=person, kind=rng.choice(KINDS), on=some_day(rng))
    return city


def reference(organization: Organization, year: int) -> dict:
    """Record by record, as records-format.md words each figure."""
    within = organization.path
    tests = [
        test
        for test in KnowledgeTest.objects.select_related("organization")
        if test.organization.path.startswith(within) and test.status != "draft" and test.held_on.year == year
    ]
    scored = [s for s in Sitting.objects.select_related("test") if s.test in tests and s.score is not None]
    first_topic = [
        action
        for action in Action.objects.select_related("group__organization", "session")
        if action.group.organization.path.startswith(within)
        and action.raised_on.year == year
        and action.session is not None
        and action.session.kind == SessionKind.FIRST_TOPIC
    ]
    seats = list(Membership.objects.select_related("group__organization"))
    entries = dict.fromkeys(KINDS, 0)
    for entry in SelfStudyEntry.objects.all():
        seated = any(
            seat.person_id == entry.person_id
            and seat.group.organization.path.startswith(within)
            and seat.start_on <= entry.on
            and (seat.end_on is None or seat.end_on >= entry.on)
            for seat in seats
        )
        if entry.on.year == year and seated:
            entries[entry.kind] += 1
    passed = sum(1 for s in scored if s.score >= s.test.pass_mark)
    return {
        "tests_held": len(tests),
        "test_sittings": len(scored),
        "test_people": len({s.person_id for s in scored}),
        "test_pass_rate": round(passed / len(scored), 4) if scored else None,
        "first_topic_actions": len(first_topic),
        "first_topic_actions_done": sum(1 for action in first_topic if action.status == "done"),
        "selfstudy_entries": entries,
    }


@pytest.mark.parametrize("seed", [1, 2])
def test_the_apps_year_figures_equal_the_record_by_record_reference(seed):
    with freeze_time(NOW):
        city = build(seed)
        county = Organization.objects.filter(parent=city).order_by("path").first()
        seen = []
        for organization in (city, county):
            for year in (2025, 2026):
                figures = year_figures(organization, year)
                assert list(figures) == figure_keys()
                expected = reference(organization, year)
                assert {key: figures[key] for key in expected} == expected, (organization.code, year)
                seen.append(expected)
    # Varied: the city has scored sittings, 第一议题 measures and self-study entries in each year.
    for expected in seen[:2]:
        assert (
            expected["test_sittings"]
            and expected["first_topic_actions"]
            and sum(expected["selfstudy_entries"].values())
        )
