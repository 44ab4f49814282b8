"""The hooks apps above ``reports`` register into: year figures, bundle parts, dashboard tiles, digest sections
and year-summary sentences reach the pages and files of reports, and leave them as they were when unused."""

import copy

import pytest
from django.urls import reverse

from reports import digest, extensions, narrative
from reports.bundle.exporter import export
from reports.bundle.importer import BundleError, import_bundle
from reports.figures import FORMAT_ORDER, KEYS, figure_keys, year_figures
from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, user_with_role

pytestmark = pytest.mark.django_db
REGISTRIES = ("YEAR_FIGURES", "BUNDLE_PARTS", "PLAN_FIELDS", "TILES", "DIGEST_SECTIONS", "SUMMARY_SENTENCES")


@pytest.fixture
def registry():
    """The registries emptied of what the installed apps registered (so a probe stands alone), restored after."""
    saved = {name: copy.copy(getattr(extensions, name)) for name in REGISTRIES}
    for name in REGISTRIES:
        getattr(extensions, name).clear()
    yield extensions
    for name, value in saved.items():
        registry_dict = getattr(extensions, name)
        registry_dict.clear()
        registry_dict.update(value)


@pytest.fixture
def county():
    county = OrganizationFactory(name="某县委", code="ext-county")
    StudyGroupFactory(organization=county)
    return county


def test_contributed_figures_take_their_place_in_the_format_order(registry, county):
    calls = []

    def compute(organization, year):
        calls.append((organization.pk, year))
        return {"first_topic_actions_done": 2, "first_topic_actions": 3, "probe_extra": 7}

    registry.register_year_figures(
        name="probe", keys=["first_topic_actions_done", "first_topic_actions", "probe_extra"], compute=compute
    )
    figures = year_figures(county, 2026)
    assert calls == [(county.pk, 2026)]
    keys = list(figures)
    assert keys[: len(KEYS)] == KEYS
    assert keys.index("first_topic_actions") < keys.index("first_topic_actions_done") < keys.index("probe_extra")
    assert keys[-1] == "probe_extra"
    assert keys == figure_keys()
    assert (figures["first_topic_actions"], figures["probe_extra"]) == (3, 7)
    assert FORMAT_ORDER.index("bayou_all_met") < FORMAT_ORDER.index("tests_held")


def test_a_contributor_giving_other_keys_than_it_named_is_an_error(registry, county):
    registry.register_year_figures(name="probe", keys=["probe_a"], compute=lambda organization, year: {"probe_b": 1})
    with pytest.raises(ValueError, match="probe"):
        year_figures(county, 2026)


def _probe_part(registry, written: list):
    def validate(items, report, known):
        for index, item in enumerate(items):
            if item.get("org") not in known["organizations"]:
                report.add(f"probe[{index}].org", "未知单位。")

    registry.register_part(
        "probe",
        label="探针",
        export=lambda organization, year: [{"org": organization.code, "year": year}],
        validate=validate,
        write=lambda writer, items: written.extend((writer.root, item["org"]) for item in items),
    )


def test_a_registered_part_is_exported_validated_and_written(registry, county):
    written = []
    _probe_part(registry, written)
    document = export(county, 2026)
    assert document["probe"] == [{"org": "ext-county", "year": 2026}]
    assert (document["tests"], document["selfstudy"]) == (
        extensions.export_parts(county, 2026, ("tests",))["tests"],
        extensions.export_parts(county, 2026, ("selfstudy",))["selfstudy"],
    )
    imported = import_bundle(document, root=county)
    assert written == [(county, "ext-county")]
    assert imported.counts["probe"] == 1

    document["probe"] = [{"org": "nowhere"}]
    with pytest.raises(BundleError) as refused:
        import_bundle(document, root=county)
    assert refused.value.errors == ["probe[0].org:未知单位。"]
    assert written == [(county, "ext-county")]


def test_a_bundle_without_a_registered_part_stays_valid(registry, county):
    written = []
    _probe_part(registry, written)
    document = export(county, 2026)
    del document["probe"]
    import_bundle(document, root=county)
    assert written == []
    document["probe"] = {"not": "a list"}
    with pytest.raises(BundleError) as refused:
        import_bundle(document, root=county)
    assert refused.value.errors == ["probe:应为列表。"]


def test_tiles_digest_sections_and_sentences_reach_the_pages(registry, county, client):
    registry.register_tile(
        "probe", build=lambda organization, year, figures: extensions.Tile("探针数", "42", "/probe/", "/50")
    )
    registry.register_tile("nothing", build=lambda organization, year, figures: None)
    registry.register_digest_section(
        "probe",
        title="探针栏目",
        template="reports/includes/digest_section.html",
        build=lambda organization, year, month: [
            {"key": "probe-1", "title": f"{year}年{month}月探针", "org": "某县委"}
        ],
    )
    registry.register_summary_sentences(
        "probe", build=lambda organization, year, figures: [f"{organization.name}{year}年探针句。"]
    )
    viewer = user_with_role("viewer", county)
    client.force_login(viewer)
    page = client.get(reverse("reports:dashboard"), {"org": county.pk, "year": 2026}).content.decode()
    assert 'href="/probe/"' in page and "探针数" in page and "/50" in page

    content = digest.build(county, 2026, 3)
    assert content["probe"] == [{"key": "probe-1", "title": "2026年3月探针", "org": "某县委"}]
    assert digest.visible_content(content, ["probe-1"])["probe"] == []
    assert "probe" in digest.section_keys()

    text = narrative.draft(organization=county, year=2026, figures=year_figures(county, 2026))
    assert "某县委2026年探针句。" in text
    assert "二、主要做法和成效" in text


def test_digest_page_shows_a_registered_section_and_keeps_its_items(registry, county, client):
    from reports.models import MonthlyDigest

    registry.register_digest_section(
        "probe",
        title="探针栏目",
        template="reports/includes/digest_section.html",
        build=lambda organization, year, month: [],
    )
    item = MonthlyDigest.objects.create(
        organization=county,
        year=2026,
        month=3,
        number=1,
        content={**digest.build(county, 2026, 3), "probe": [{"key": "probe-1", "title": "探针条目", "org": "某县委"}]},
    )
    staff = user_with_role("staff", county)
    client.force_login(staff)
    page = client.get(item.get_absolute_url()).content.decode()
    assert "探针栏目" in page and "探针条目" in page and 'name="keep-probe-1"' in page
    client.post(item.get_absolute_url(), {"foreword": ""})
    item.refresh_from_db()
    assert item.excluded == ["probe-1"]
