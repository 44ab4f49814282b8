"""The benchmark's measuring code on a tiny generated province (three groups): every checked page's figures equal
its hand-written SQL, a page that disagrees with its SQL stops the run, and the results are written as JSON and
Markdown. (The timings themselves are not asserted: speed is measured in ``make bench``, not tested.)"""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.db.models import F

from audits.models import ChecklistStatus
from bench import checks, measure, pages, report
from reports import services
from reports.models import Rollup
from reports.rollups import rebuild
from studygroup import rollup_marks
from studygroup.models import StudyGroup

SEED = 7


@pytest.fixture
def province(db):
    from django.db import connection

    if connection.vendor != "postgresql":
        # The benchmark's hand-written SQL is PostgreSQL's (casts, FILTER, DISTINCT ON): `make bench` runs only there.
        pytest.skip("the benchmark's SQL is PostgreSQL's (make bench runs on PostgreSQL only)")
    call_command("generate_load", groups=3, years=1, seed=SEED, stdout=io.StringIO(), stderr=io.StringIO())
    data = pages.find_dataset(3, SEED)
    rebuild(data.year)
    digest = services.digest_compile(organization=data.root, year=data.year, month=6)
    return data, digest


def _page(data, digest, key):
    return next(page for page in pages.checked_pages(data, digest.pk) if page.key == key)


def test_the_benchmark_signs_in_as_role_holders_not_superusers(province):
    data, _digest = province
    assert set(data.users) == {f"{r}-root" for r in pages.ROOT_ROLES} | {f"{r}-county" for r in pages.COUNTY_ROLES}
    assert not any(user.is_superuser or user.is_staff for user in data.users.values())
    assert data.users["viewer-county"].person.grants.get().organization == data.county


def test_every_checked_page_equals_its_sql_and_the_results_are_written(province, tmp_path):
    data, digest = province
    results = measure.measure_pages(data, digest.pk, repeat=1, menu=False)
    checked = [r for r in results if "ratio_to_sql" in r]
    assert {r["key"] for r in checked} == {
        "home-leader-root",
        "home-viewer-root",
        "home-leader-county",
        "home-viewer-county",
        "dashboard-root",
        "dashboard-county",
        "dashboard-city",
        "compliance-root",
        "sessions-root",
        "coverage-root",
        "summary-root",
        "digest-root",
    }
    assert all(r["status"] == 200 and r["queries"] > 0 and r["p95_ms"] > 0 for r in results)
    run = report.header(postgres="test")
    run["sizes"].append({"groups": 3, "pages": results, "figures": {"digests": {"text": "12 s"}}})
    path = tmp_path / "results" / "latest.json"
    report.write_json(run, path)
    written = json.loads(path.read_text(encoding="utf-8"))
    assert written["sizes"][0]["pages"][0]["key"] == results[0]["key"]
    assert written["git_commit"] and written["sizes"][0]["pages"][0]["load_average"]
    text = report.markdown(written, ["note"])
    assert "| root dashboard p95 | ≤ 300 ms, ≤ 20 queries |" in text and "12 s" in text
    assert "not measured" in text  # figures not taken say so


def test_the_menu_pages_are_those_the_root_accounts_see(province):
    data, digest = province
    urls = {page.url for page in measure.menu_pages(data, pages.checked_pages(data, digest.pk))}
    assert "/reports/runs/" in urls and "/audits/actions/" in urls
    assert "/" not in urls  # the home pages are measured per role among the checked pages


def test_a_dashboard_showing_other_figures_than_its_sql_stops_the_run(province):
    data, digest = province
    # Its SQL reads the rollup, now one session off; a mark waiting for the job makes the page compute live.
    Rollup.objects.filter(organization=data.root, year=data.year, month=0).update(sessions=F("sessions") + 1)
    group = StudyGroup.objects.filter(organization__path__startswith=data.root.path).first()
    rollup_marks.mark(group.pk, datetime.date(data.year, 6, 1))
    with pytest.raises(checks.FiguresDiffer, match="dashboard-root"):
        measure.measure_page(data, _page(data, digest, "dashboard-root"), repeat=1)


def test_a_compliance_page_differing_from_the_stored_statuses_stops_the_run(province):
    data, digest = province
    status = ChecklistStatus.objects.filter(year=data.year, checklist="bayou").first()
    status.statuses = {**status.statuses, "plan": "missing" if status.statuses["plan"] != "missing" else "met"}
    status.save()
    with pytest.raises(checks.FiguresDiffer, match="compliance-root"):
        measure.measure_page(data, _page(data, digest, "compliance-root"), repeat=1)


def test_the_year_figures_sql_differs_when_a_record_changes(province):
    data, digest = province
    page = _page(data, digest, "summary-root")
    measure.measure_page(data, page, repeat=1)
    ChecklistStatus.objects.filter(year=data.year, checklist="bayou").delete()  # SQL now counts no 八有 item met
    with pytest.raises(checks.FiguresDiffer, match="summary-root"):
        measure.measure_page(data, page, repeat=1)
