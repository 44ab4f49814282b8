"""Knowledge tests in the records: the year figures against hand-computed values, the ``tests`` part of the
records bundle exactly as records-format.md writes it, and the dashboard, digest and year summary."""

import copy
import datetime
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from assessments.models import KnowledgeTest, Sitting
from assessments.tests.factories import KnowledgeTestFactory, SittingFactory
from reports import digest, narrative
from reports.bundle.exporter import export
from reports.bundle.importer import BundleError, import_bundle
from reports.figures import figure_keys, year_figures
from studygroup.models import Organization
from studygroup.tests.factories import OrganizationFactory, PersonFactory, StudyGroupFactory, user_with_role

pytestmark = pytest.mark.django_db
YEAR = 2026


def _at(day: datetime.date):
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))


def _test(organization, held_on, pass_mark=60, max_score=100, **fields):
    return KnowledgeTestFactory(
        organization=organization,
        held_on=held_on,
        opens_at=_at(held_on),
        pass_mark=pass_mark,
        max_score=max_score,
        status=fields.pop("status", "results"),
        **fields,
    )


@pytest.fixture
def county():
    """Tests of a county's subtree, with the figures worked out by hand.

    2026: 县委's test (pass 60): p1 80, p2 50, p3 drawn but not sat; 镇's test (pass 6 of 10): p1 6, p4 9.
    Not counted: 县委's test of 2025, a draft of 2026, the neighbouring county's test of 2026.
    So tests_held 2, test_sittings 4, test_people 3 (p1, p2, p4), test_pass_rate 3/4 = 0.75.
    """
    city = OrganizationFactory(code="city", name="市委")
    county = OrganizationFactory(parent=city, code="county", name="县委")
    town = OrganizationFactory(parent=county, code="town", name="镇党委")
    neighbour = OrganizationFactory(parent=city, code="neighbour", name="邻县县委")
    for organization in (county, town, neighbour):
        StudyGroupFactory(organization=organization)
    p1, p2, p3, p4 = (PersonFactory(organization=town, code=f"p{n}", name=f"成员{n}") for n in range(1, 5))
    first = _test(county, datetime.date(YEAR, 3, 10), code="k-county", title="党史知识测试(第一轮)")
    for person, score in ((p1, 80), (p2, 50), (p3, None)):
        SittingFactory(
            test=first, person=person, score=score, submitted_at=_at(first.held_on) if score is not None else None
        )
    second = _test(town, datetime.date(YEAR, 6, 1), pass_mark=6, max_score=10, code="k-town", title="镇抽考")
    for person, score in ((p1, 6), (p4, 9)):
        SittingFactory(test=second, person=person, score=score, submitted_at=_at(second.held_on))
    old = _test(county, datetime.date(YEAR - 1, 12, 31), code="k-old")
    SittingFactory(test=old, person=p2, score=90, submitted_at=_at(old.held_on))
    draft = _test(county, datetime.date(YEAR, 7, 1), status="draft", code="k-draft")
    SittingFactory(test=draft, person=p2)
    other = _test(neighbour, datetime.date(YEAR, 4, 1), code="k-neighbour")
    SittingFactory(test=other, person=PersonFactory(organization=neighbour), score=100, submitted_at=_at(other.held_on))
    return county


def test_year_figures_of_tests_match_hand_computed_values(county):
    figures = year_figures(county, YEAR)
    assert {key: figures[key] for key in ("tests_held", "test_sittings", "test_people", "test_pass_rate")} == {
        "tests_held": 2,
        "test_sittings": 4,
        "test_people": 3,
        "test_pass_rate": 0.75,
    }
    keys = list(figures)
    assert keys == figure_keys()
    assert keys[keys.index("bayou_all_met") + 1 : keys.index("bayou_all_met") + 5] == [
        "tests_held",
        "test_sittings",
        "test_people",
        "test_pass_rate",
    ]
    town = Organization.objects.get(code="town")
    assert {k: year_figures(town, YEAR)[k] for k in ("tests_held", "test_sittings", "test_people")} == {
        "tests_held": 1,
        "test_sittings": 2,
        "test_people": 2,
    }


def test_the_year_summary_command_prints_them(county):
    out = StringIO()
    call_command("year_summary", "--org", "county", "--year", str(YEAR), "--json", stdout=out)
    figures = json.loads(out.getvalue())
    assert (figures["tests_held"], figures["test_pass_rate"]) == (2, 0.75)


def test_a_year_without_tests_counts_zero_and_no_rate():
    organization = OrganizationFactory()
    figures = year_figures(organization, YEAR)
    assert (figures["tests_held"], figures["test_sittings"], figures["test_people"], figures["test_pass_rate"]) == (
        0,
        0,
        0,
        None,
    )


# The records bundle ----------------------------------------------------------------------------


def test_the_export_writes_the_tests_part_as_the_format_does(county):
    document = export(county, YEAR)
    assert document["tests"] == [
        {
            "code": "k-county",
            "org": "county",
            "title": "党史知识测试(第一轮)",
            "held_on": f"{YEAR}-03-10",
            "max_score": 100,
            "pass_mark": 60,
            "sittings": [
                {"person": "p1", "score": 80, "submitted_at": f"{YEAR}-03-10T09:00:00+08:00"},
                {"person": "p2", "score": 50, "submitted_at": f"{YEAR}-03-10T09:00:00+08:00"},
                {"person": "p3", "score": None, "submitted_at": None},
            ],
        },
        {
            "code": "k-town",
            "org": "town",
            "title": "镇抽考",
            "held_on": f"{YEAR}-06-01",
            "max_score": 10,
            "pass_mark": 6,
            "sittings": [
                {"person": "p1", "score": 6, "submitted_at": f"{YEAR}-06-01T09:00:00+08:00"},
                {"person": "p4", "score": 9, "submitted_at": f"{YEAR}-06-01T09:00:00+08:00"},
            ],
        },
    ]
    assert [t["code"] for t in export(county)["tests"]] == ["k-old", "k-county", "k-town"]
    assert export(OrganizationFactory(), None)["tests"] == []


FORMAT_EXAMPLE = {
    "format": "studygroup-records",
    "version": 1,
    "organizations": [
        {"code": "city", "name": "中共某市委员会", "parent": None},
        {"code": "town", "name": "中共某镇委员会", "parent": "city"},
    ],
    "people": [
        {"code": "p1", "name": "张某", "org": "town", "post": "党委书记"},
        {"code": "p2", "name": "李某", "org": "town", "post": None},
    ],
    "groups": [
        {
            "code": "g-town",
            "org": "town",
            "name": "某镇党委理论学习中心组",
            "members": [{"person": "p1", "role": "leader"}],
        }
    ],
    "tests": [
        {
            "code": "k1",
            "org": "city",
            "title": "党史知识测试(第一轮)",
            "held_on": "2024-05-10",
            "max_score": 100,
            "pass_mark": 60,
            "sittings": [
                {"person": "p1", "score": 86, "submitted_at": "2024-05-10T10:20:00+08:00"},
                {"person": "p2", "score": None, "submitted_at": None},
            ],
        }
    ],
}


def test_the_formats_example_imports_counts_and_exports_back_the_same():
    imported = import_bundle(copy.deepcopy(FORMAT_EXAMPLE))
    assert imported.counts["tests"] == 1
    test = KnowledgeTest.objects.get(code="k1")
    assert (test.organization.code, test.held_on, test.status) == ("city", datetime.date(2024, 5, 10), "results")
    sittings = {s.person.code: (s.score, s.group.code if s.group else None) for s in test.sittings.all()}
    assert sittings == {"p1": (86, "g-town"), "p2": (None, "g-town")}
    city = Organization.objects.get(code="city")
    assert export(city, 2024)["tests"] == FORMAT_EXAMPLE["tests"]
    figures = year_figures(city, 2024)
    assert (figures["tests_held"], figures["test_sittings"], figures["test_people"], figures["test_pass_rate"]) == (
        1,
        1,
        1,
        1.0,
    )
    again = import_bundle(copy.deepcopy(FORMAT_EXAMPLE))
    assert again.written == 0
    assert Sitting.objects.count() == 2


def test_a_bundle_without_tests_or_with_an_empty_part_stays_valid():
    document = copy.deepcopy(FORMAT_EXAMPLE)
    del document["tests"]
    import_bundle(document)
    document["tests"] = []
    import_bundle(document)
    assert KnowledgeTest.objects.count() == 0


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda t: t["sittings"][0].update(person="nobody"), 'tests[0].sittings[0].person:未知的编码 "nobody"。'),
        (lambda t: t["sittings"][0].update(score=101), "tests[0].sittings[0].score:高于满分 100。"),
        (lambda t: t["sittings"][1].pop("score"), "tests[0].sittings[1].score:为必填项(被抽中但未作答的填 null)。"),
        (lambda t: t.update(pass_mark=120), "tests[0].pass_mark:及格分高于满分 100。"),
        (lambda t: t["sittings"][1].update(person="p1"), "tests[0].sittings[1]:与 sittings[0] 重复(同一人)。"),
        (lambda t: t["sittings"][0].update(minutes=20), "tests[0].sittings[0].minutes:未知的键。"),
        (lambda t: t.update(held_on="2024-13-01"), "tests[0].held_on:"),
        (lambda t: t.pop("title"), "tests[0].title:必须填写。"),
        (lambda t: t.update(org="nowhere"), 'tests[0].org:未知的编码 "nowhere"。'),
    ],
)
def test_bad_tests_are_refused_in_chinese_and_nothing_is_written(mutate, expected):
    document = copy.deepcopy(FORMAT_EXAMPLE)
    mutate(document["tests"][0])
    with pytest.raises(BundleError) as refused:
        import_bundle(document)
    assert any(error.startswith(expected) for error in refused.value.errors), refused.value.errors
    assert (KnowledgeTest.objects.count(), Organization.objects.count()) == (0, 0)


def test_a_town_cannot_import_its_countys_test(county):
    document = export(county, YEAR)
    document["tests"][0]["title"] = "篡改的县测试"
    town = Organization.objects.get(code="town")
    with pytest.raises(BundleError) as refused:
        import_bundle(document, root=town, by=user_with_role("staff", town))
    assert any("tests[0]" in error and "不在镇党委及其下级范围内" in error for error in refused.value.errors)
    assert KnowledgeTest.objects.get(code="k-county").title == "党史知识测试(第一轮)"


# Dashboard, digest, year summary ---------------------------------------------------------------


def test_the_dashboard_digest_and_year_summary_mention_the_tests(client, county):
    viewer = user_with_role("viewer", county)
    client.force_login(viewer)
    page = client.get(reverse("reports:dashboard"), {"org": county.pk, "year": YEAR}).content.decode()
    tile = page.split("知识测试场次")[0].rsplit("<a ", 1)[1]
    assert f"?org={county.pk}&amp;year={YEAR}" in tile and ">2<" in tile and "75.0%" in tile
    listed = client.get(reverse("assessments:test-list"), {"org": county.pk, "year": YEAR}).content.decode()
    assert "党史知识测试(第一轮)" in listed and "镇抽考" in listed and "k-old" not in listed
    assert "应考人数" in listed and "参考人数" not in listed  # people called, not people who sat
    content = digest.build(county, YEAR, 3)
    assert [(item["title"], item["called"], item["sat"], item["pass_rate"]) for item in content["tests"]] == [
        ("党史知识测试(第一轮)", 3, 2, 0.5)
    ]
    text = narrative.draft(organization=county, year=YEAR, figures=year_figures(county, YEAR))
    assert "全年组织知识测试 2 场,实考 3 人、参考 4 人次,及格率 75.0%。" in text


def test_importing_ones_own_export_changes_nothing_though_times_are_kept_to_the_second(county):
    from django.utils import timezone

    sitting = Sitting.objects.filter(score__isnull=False).first()
    sitting.submitted_at = timezone.now().replace(microsecond=123456)
    sitting.save()
    imported = import_bundle(export(county, None))
    assert imported.written == 0
    sitting.refresh_from_db()
    assert sitting.submitted_at.microsecond == 123456
