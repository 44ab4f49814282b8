"""The practice app's year figures against hand-computed values, and its parts of the records bundle.

The county's year 2025 (over: every period has ended), worked out by hand:

town A's plan has the "1112" targets; town B's plan has none; a neighbouring county is outside the subtree.

=========  ========  ====================================================  =========================
person     seat      entries of 2025                                       judged on 31 December
=========  ========  ====================================================  =========================
m1         member    12 stays (one a month), 4 books (one a quarter),       on target
                     2 reports; one more stay dated 2024-12-31
m2         member    11 stays (none in July), 4 books, 2 reports            behind (July)
m3         deputy    12 stays, 4 books, 2 reports, 1 other                  on target
s          secretary 1 book                                                 not judged
m4         member    left on 30 June: a stay in January (counted) and one   not seated: not judged
           to 6/30   in August (not seated then: not counted)
m5         member    joined on 1 July: 6 stays (July–December), 2 books     behind (January–June and
           from 7/1  (Q3, Q4)                                                Q1, Q2: the rule judges the
                                                                             whole year)
b1         member B  1 book                                                 no targets: not judged
n1         neighbour 3 books                                                outside: nothing
=========  ========  ====================================================  =========================

selfstudy_entries: book 4+4+4+1+2+1 = 16, field_stay 12+11+12+1+6 = 42, report 2+2+2 = 6, other 1.
selfstudy_on_target_rate: m1 and m3 of m1, m2, m3, m5 = 2/4 = 0.5.

第一议题: a study of 10 March 2025 decided a1 (done) and a2 (open); a study of 20 December 2024 decided a3
(raised 2024: another year) and a4 (raised 5 January 2025, done); a collective session decided a5 and a visit
raised a6 (neither is a first-topic source); the neighbour's first-topic action is outside.
first_topic_actions = a1, a2, a4 = 3; first_topic_actions_done = a1, a4 = 2.
"""

import datetime

import pytest
from freezegun import freeze_time

from audits.tests.factories import ActionFactory, ObserverVisitFactory
from plans.tests.factories import StudyPlanFactory
from practice.figures import year_figures as practice_figures
from practice.models import SelfStudyEntry, SelfStudyTarget
from practice.tests.factories import SelfStudyEntryFactory, targets_1112
from reports.bundle.exporter import export
from reports.bundle.importer import BundleError, import_bundle
from reports.figures import figure_keys, year_figures
from sessions.tests.factories import StudySessionFactory
from studygroup.models import Membership
from studygroup.tests.factories import MembershipFactory, OrganizationFactory, PersonFactory, StudyGroupFactory

pytestmark = pytest.mark.django_db
D = datetime.date


JANUARY_2025 = D(2025, 1, 1)


def _seat(group, name, role="member", start=JANUARY_2025, end=None):
    person = PersonFactory(organization=group.organization, name=name)
    MembershipFactory(group=group, person=person, role=role, start_on=start, end_on=end)
    return person


def _entries(person, kind, days):
    for day in days:
        SelfStudyEntryFactory(person=person, kind=kind, on=day, title=f"{kind}-{day}")


MONTHS = [D(2025, month, 10) for month in range(1, 13)]
QUARTERS = [D(2025, 2, 5), D(2025, 5, 5), D(2025, 8, 5), D(2025, 11, 5)]
REPORTS = [D(2025, 3, 20), D(2025, 9, 20)]


@pytest.fixture
def county():
    county = OrganizationFactory(name="中共费县委员会", code="fx", kind="county")
    group_a = StudyGroupFactory(organization=OrganizationFactory(name="卞桥镇", code="fx-a", parent=county))
    group_b = StudyGroupFactory(organization=OrganizationFactory(name="探沂镇", code="fx-b", parent=county))
    targets_1112(StudyPlanFactory(group=group_a, year=2025, status="approved"))
    StudyPlanFactory(group=group_b, year=2025, status="approved")
    neighbour = StudyGroupFactory(organization=OrganizationFactory(name="邻县", code="lx"))

    m1 = _seat(group_a, "m1")
    _entries(m1, "field_stay", [*MONTHS, D(2024, 12, 31)])
    _entries(m1, "book", QUARTERS)
    _entries(m1, "report", REPORTS)
    m2 = _seat(group_a, "m2")
    _entries(m2, "field_stay", [day for day in MONTHS if day.month != 7])
    _entries(m2, "book", QUARTERS)
    _entries(m2, "report", REPORTS)
    m3 = _seat(group_a, "m3", role=Membership.Role.DEPUTY)
    _entries(m3, "field_stay", MONTHS)
    _entries(m3, "book", QUARTERS)
    _entries(m3, "report", REPORTS)
    _entries(m3, "other", [D(2025, 10, 1)])
    _entries(_seat(group_a, "s", role=Membership.Role.SECRETARY), "book", [D(2025, 1, 8)])
    _entries(_seat(group_a, "m4", end=D(2025, 6, 30)), "field_stay", [D(2025, 1, 3), D(2025, 8, 3)])
    m5 = _seat(group_a, "m5", start=D(2025, 7, 1))
    _entries(m5, "field_stay", MONTHS[6:])
    _entries(m5, "book", QUARTERS[2:])
    _entries(_seat(group_b, "b1"), "book", [D(2025, 4, 1)])
    _entries(_seat(neighbour, "n1"), "book", QUARTERS[:3])

    def first_topic(group, day):
        start = datetime.datetime(day.year, day.month, day.day, 9, tzinfo=datetime.UTC)
        return StudySessionFactory(group=group, kind="first_topic", starts_at=start, ends_at=start)

    march, december = first_topic(group_a, D(2025, 3, 10)), first_topic(group_a, D(2024, 12, 20))
    ActionFactory(group=group_a, session=march, raised_on=D(2025, 3, 10), status="done", done_on=D(2025, 4, 1))
    ActionFactory(group=group_a, session=march, raised_on=D(2025, 3, 10), status="open")
    ActionFactory(group=group_a, session=december, raised_on=D(2024, 12, 20), status="done")
    ActionFactory(group=group_a, session=december, raised_on=D(2025, 1, 5), status="done", done_on=D(2025, 1, 20))
    collective = StudySessionFactory(group=group_a, kind="collective", starts_at=march.starts_at)
    ActionFactory(group=group_a, session=collective, raised_on=D(2025, 3, 11))
    ActionFactory(group=group_a, visit=ObserverVisitFactory(session=collective), raised_on=D(2025, 3, 12))
    ActionFactory(group=neighbour, session=first_topic(neighbour, D(2025, 5, 1)), raised_on=D(2025, 5, 1))
    return county


def test_the_year_figures_match_the_hand_computed_values(county):
    figures = year_figures(county, 2025)
    assert figures["selfstudy_entries"] == {"book": 16, "field_stay": 42, "report": 6, "other": 1}
    assert figures["selfstudy_on_target_rate"] == 0.5
    assert (figures["first_topic_actions"], figures["first_topic_actions_done"]) == (3, 2)
    # The four keys take their place in the format's order, after the tests' figures.
    keys = list(figures)
    assert keys == figure_keys() and keys[-4:] == [
        "first_topic_actions",
        "first_topic_actions_done",
        "selfstudy_entries",
        "selfstudy_on_target_rate",
    ]


def test_a_subtree_without_targets_has_no_rate_and_every_kind_present():
    group = StudyGroupFactory()
    assert practice_figures(group.organization, 2025) == {
        "first_topic_actions": 0,
        "first_topic_actions_done": 0,
        "selfstudy_entries": {"book": 0, "field_stay": 0, "report": 0, "other": 0},
        "selfstudy_on_target_rate": None,
    }


@freeze_time("2026-06-20 10:00:00")
def test_the_current_year_is_judged_on_the_periods_ended_by_today():
    group = StudyGroupFactory()
    targets_1112(StudyPlanFactory(group=group, year=2026, status="approved"))
    steady, behind = (_seat(group, name, start=D(2026, 1, 1)) for name in ("p", "q"))
    # p: a stay each month January–May and a book in Q1; no report yet (the year has not ended), none in June
    # (June has not ended).
    _entries(steady, "field_stay", [D(2026, month, 2) for month in range(1, 6)])
    _entries(steady, "book", [D(2026, 2, 2)])
    # q: no stay in May.
    _entries(behind, "field_stay", [D(2026, month, 2) for month in range(1, 5)])
    _entries(behind, "book", [D(2026, 2, 2)])
    assert practice_figures(group.organization, 2026)["selfstudy_on_target_rate"] == 0.5


def test_selfstudy_and_targets_go_through_the_records_bundle(county):
    document = export(county, 2025)
    plan = next(p for p in document["plans"] if p["group"] == "fx-a-g")
    assert plan["selfstudy_targets"] == {
        "book": {"per": "quarter", "count": 1},
        "field_stay": {"per": "month", "count": 1},
        "report": {"per": "year", "count": 2},
    }
    assert next(p for p in document["plans"] if p["group"] == "fx-b-g")["selfstudy_targets"] == {}
    assert len(document["selfstudy"]) == 16 + 42 + 6 + 1 + 1  # and m4's August stay: he is a person of the town
    SelfStudyEntry.objects.all().delete()
    SelfStudyTarget.objects.all().delete()
    import_bundle(document)
    assert export(county, 2025) == document
    assert year_figures(county, 2025)["selfstudy_on_target_rate"] == 0.5


def test_bad_selfstudy_parts_are_reported_by_place_and_nothing_is_written(county):
    document = export(county, 2025)
    document["selfstudy"][0]["kind"] = "reading_hours"
    document["selfstudy"][1]["person"] = "nobody"
    document["selfstudy"][2]["minutes"] = 30
    document["selfstudy"].append(dict(document["selfstudy"][3]))
    document["plans"][0]["selfstudy_targets"] = {"book": {"per": "week", "count": 1}, "points": {}}
    before = SelfStudyEntry.objects.count()
    with pytest.raises(BundleError) as refused:
        import_bundle(document)
    errors = "\n".join(refused.value.errors)
    for place in (
        "selfstudy[0].kind",
        "selfstudy[1].person",
        "selfstudy[2].minutes",
        f"selfstudy[{len(document['selfstudy']) - 1}]",
        "plans[0].selfstudy_targets.book.per",
        "plans[0].selfstudy_targets.points",
    ):
        assert place in errors, place
    assert SelfStudyEntry.objects.count() == before


def test_the_dashboard_digest_and_year_summary_use_the_figures(client, county):
    from reports import narrative, services
    from studygroup.tests.factories import user_with_role

    viewer = user_with_role("viewer", county)
    client.force_login(viewer)
    page = client.get(f"/reports/dashboard/?org={county.pk}&year=2025").content.decode()
    tiles = page.split('id="figures"')[1]
    assert ">2/3<" in tiles and "第一议题举措已落实 / 议定" in tiles and ">50%<" in tiles and "自学目标完成率" in tiles

    digest = services.digest_compile(organization=county, year=2025, month=3)
    (study,) = digest.content["first_topic"]
    assert (study["org"], len(study["measures"])) == ("卞桥镇", 2)
    staff = user_with_role("staff", county)
    client.force_login(staff)
    assert "“第一议题”学习及落实举措" in client.get(digest.get_absolute_url()).content.decode()

    text = narrative.draft(organization=county, year=2025, figures=year_figures(county, 2025))
    assert "开展“第一议题”学习1次,议定落实举措3项,已整改2项(含待验收)。" in text
    assert "读书16本,入村蹲点调研42次,撰写调研报告6篇。50%的成员完成了自学目标。" in text


def test_the_digest_counts_the_months_selfstudy_entries_of_the_subtree(client, county):
    """March 2025 by hand: stays of m1, m2, m3 (3); a report each of m1, m2, m3 (3); no book (the quarter's
    books fall in February, May, August, November); the neighbour's entries are outside."""
    from reports import services
    from studygroup.tests.factories import user_with_role

    digest = services.digest_compile(organization=county, year=2025, month=3)
    assert [(item["kind"], item["count"]) for item in digest.content["selfstudy"]] == [
        ("field_stay", 3),
        ("report", 3),
    ]
    february = services.digest_compile(organization=county, year=2025, month=2)
    # Books of m1, m2, m3 and the secretary? No: the secretary's book is of 8 January. m5 joined in July.
    assert [(item["kind"], item["count"]) for item in february.content["selfstudy"]] == [
        ("book", 3),
        ("field_stay", 3),
    ]
    client.force_login(user_with_role("staff", county))
    page = client.get(digest.get_absolute_url()).content.decode()
    section = page.split('id="digest-selfstudy"')[1].split("</section>")[0]
    assert "自学台账" in section and "入村蹲点调研" in section and "3" in section
