"""Digests, year summaries, exports and the dashboard."""

import datetime
import io
import shutil
import subprocess

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from docx import Document
from freezegun import freeze_time

from audits import checklists
from audits.selectors import evidence
from audits.tests.factories import ObserverVisitFactory
from conftest import needs_weasyprint
from plans.tests.factories import PlanTopicFactory, StudyPlanFactory
from reports import extensions, services
from reports.models import MonthlyDigest, TaskRun, YearSummary
from reports.tasks import compile_digests, organizations_with_groups, year_summary_drafts
from reports.tests.factories import YearSummaryFactory
from sessions.tests.factories import AttendanceFactory, StudySessionFactory, SubmissionFactory
from studygroup.models import AuditEntry, Notification
from studygroup.tests.factories import MembershipFactory, OrganizationFactory, StudyGroupFactory, user_with_role

pytestmark = pytest.mark.django_db


def at(year, month, day=10):
    return datetime.datetime(year, month, day, 1, tzinfo=datetime.UTC)


@pytest.fixture
def county():
    county = OrganizationFactory(name="清河县委", code="qh")
    town = OrganizationFactory(parent=county, name="城关镇党委")
    group = StudyGroupFactory(organization=town)
    StudyGroupFactory(organization=county)
    session = StudySessionFactory(
        group=group, title="十月集体学习", starts_at=at(2026, 10), ends_at=at(2026, 10) + datetime.timedelta(hours=2)
    )
    for status in ["present", "present", "late", "absent"]:
        AttendanceFactory(session=session, status=status)
    visit = ObserverVisitFactory(session=session, organization=county, findings="研讨不够聚焦", rating="good")
    plan = StudyPlanFactory(group=group, year=2026, status="approved", months={10: "学习全会精神"})
    PlanTopicFactory(plan=plan, month=11, title="十一月专题")
    SubmissionFactory(
        group=group,
        kind="reflection",
        status="approved",
        is_recommended=True,
        title="心得选登",
        submitted_on=datetime.date(2026, 10, 20),
    )
    return {"county": county, "town": town, "group": group, "visit": visit}


def test_compile_twice_gives_one_digest_with_the_months_records(county):
    compile_digests(2026, 10)
    compile_digests(2026, 10)
    assert MonthlyDigest.objects.filter(year=2026, month=10).count() == 2  # the county and the town
    digest = MonthlyDigest.objects.get(organization=county["county"], month=10)
    content = digest.content
    assert content["figures"] == {
        "sessions": 1,
        "groups_studied": 1,
        "attendance_rate": 0.75,
        "unregistered": 0,
        "visits": 1,
    }
    assert [t["theme"] for t in content["themes"]] == ["学习全会精神"]
    assert content["visits"][0]["findings"] == ["研讨不够聚焦"]
    assert [r["title"] for r in content["reflections"]] == ["心得选登"]
    assert [t["title"] for t in content["next_topics"]] == ["十一月专题"]
    assert digest.number == 1
    runs = TaskRun.objects.filter(name="compile_digests")  # one record per job key, run twice
    assert [(r.key, r.state, r.done, r.total) for r in runs] == [("digests:2026-10:all", "succeeded", 2, 2)]


def test_a_published_digest_survives_a_rerun(county, django_capture_on_commit_callbacks):
    staff = user_with_role("staff", county["county"])
    member = user_with_role("member", county["town"])
    digest = services.digest_compile(organization=county["county"], year=2026, month=10)
    services.digest_update(digest=digest, foreword="编者按", excluded=[f"visit-{county['visit'].pk}"], by=staff)
    with django_capture_on_commit_callbacks(execute=True):
        services.digest_publish(digest=digest, by=staff)
    assert Notification.objects.filter(recipient=member, verb="digest_published").exists()
    AttendanceFactory(session=county["group"].sessions.get(), status="absent")
    compile_digests(2026, 10)
    digest.refresh_from_db()
    assert digest.status == "published" and digest.content["figures"]["attendance_rate"] == 0.75
    assert digest.foreword == "编者按"


def test_issues_are_numbered_in_month_order_whatever_order_they_were_compiled_in(county):
    staff = user_with_role("staff", county["county"])
    september = services.digest_compile(organization=county["county"], year=2026, month=9)
    services.digest_publish(digest=september, by=staff)
    november = services.digest_compile(organization=county["county"], year=2026, month=11)
    october = services.digest_compile(organization=county["county"], year=2026, month=10)
    november.refresh_from_db()
    september.refresh_from_db()
    assert (september.number, october.number, november.number) == (1, 2, 3)


def test_a_second_click_on_publish_publishes_and_notifies_once(county, django_capture_on_commit_callbacks):
    """Two requests holding the same draft (a double click): the second sees it published and does nothing."""
    staff = user_with_role("staff", county["county"])
    member = user_with_role("member", county["town"])
    services.digest_compile(organization=county["county"], year=2026, month=10)
    first, second = (MonthlyDigest.objects.get(organization=county["county"], month=10) for _ in range(2))
    with django_capture_on_commit_callbacks(execute=True):
        services.digest_publish(digest=first, by=staff)
    with pytest.raises(ValidationError), django_capture_on_commit_callbacks(execute=True):
        services.digest_publish(digest=second, by=staff)
    assert Notification.objects.filter(recipient=member, verb="digest_published").count() == 1


def test_a_run_whose_lease_is_held_by_a_live_holder_is_skipped_and_a_dead_holders_is_taken_over(county):
    import datetime

    from django.utils import timezone

    from studygroup import jobs
    from studygroup.models import JobLease

    assert jobs.lease_take("digests:2026-10:all", "another-worker")
    assert compile_digests(2026, 10) == 0
    assert not MonthlyDigest.objects.exists()
    # The other worker died: two minutes without a heartbeat, and its lease is free to take.
    JobLease.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert compile_digests(2026, 10) == 2
    assert MonthlyDigest.objects.count() == 2 and not JobLease.objects.exists()
    assert TaskRun.objects.get().state == "succeeded"


def test_permanent_error_is_recorded_in_chinese(county, monkeypatch):
    def broken(**kwargs):
        raise ValueError("数据异常")

    monkeypatch.setattr(services, "digest_compile_many", broken)
    monkeypatch.setattr(services, "digest_compile", broken)
    compile_digests(2026, 10)
    run = TaskRun.objects.get()
    assert run.state == "failed" and run.message == "2 项中有 2 项未完成:清河县委(数据异常)、城关镇党委(数据异常)"


def test_organizations_with_groups_are_every_ancestor(county):
    lone = OrganizationFactory(name="无中心组的单位")
    names = [o.name for o in organizations_with_groups()]
    assert names == ["清河县委", "城关镇党委"] and lone.name not in names


def test_staff_start_a_compile_by_hand_and_see_the_run(client, county, django_capture_on_commit_callbacks):
    client.force_login(user_with_role("staff", county["county"]))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:digest-compile"), {"org": county["county"].pk, "year": 2026, "month": 10})
    page = client.get(reverse("reports:digest-list")).content.decode()
    assert "已完成" in page and "2/2" in page
    assert MonthlyDigest.objects.count() == 2


def test_a_compile_started_by_hand_is_recorded_and_runs_after_commit(county, django_capture_on_commit_callbacks):
    staff = user_with_role("staff", county["county"])
    with django_capture_on_commit_callbacks() as callbacks:
        run = services.digest_compile_start(organization=county["county"], year=2026, month=10, by=staff)
    assert (run.name, run.key, run.organization, run.triggered_by) == (
        "compile_digests",
        f"digests:2026-10:{county['county'].pk}",
        county["county"],
        staff,
    )
    assert run.state == TaskRun.State.PENDING and MonthlyDigest.objects.count() == 0
    assert len(callbacks) == 1
    callbacks[0]()
    run.refresh_from_db()
    assert (run.state, run.done, run.total) == (TaskRun.State.SUCCEEDED, 2, 2)
    assert MonthlyDigest.objects.count() == 2
    # The job runs without a request: the log names who started it.
    entries = AuditEntry.objects.filter(object_type="reports.monthlydigest", action="create")
    assert sorted(entries.values_list("user", "object_id")) == sorted(
        (staff.pk, str(pk)) for pk in MonthlyDigest.objects.values_list("pk", flat=True)
    )


def test_members_read_published_digests_only(client, county):
    staff = user_with_role("staff", county["county"])
    member = user_with_role("member", county["town"])
    digest = services.digest_compile(organization=county["county"], year=2026, month=10)
    client.force_login(member)
    assert client.get(digest.get_absolute_url()).status_code == 404
    services.digest_publish(digest=digest, by=staff)
    assert client.get(digest.get_absolute_url()).status_code == 200
    client.force_login(user_with_role("member", OrganizationFactory()))
    assert client.get(digest.get_absolute_url()).status_code == 404


@needs_weasyprint
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (apt package poppler-utils) is not installed")
def test_digest_pdf_has_the_chinese_text_and_figures(client, county, tmp_path):
    digest = services.digest_compile(organization=county["county"], year=2026, month=10)
    client.force_login(user_with_role("staff", county["county"]))
    response = client.get(reverse("reports:digest-pdf", args=[digest.pk]))
    assert response["Content-Type"] == "application/pdf"
    path = tmp_path / "digest.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    for expected in (
        "理论学习中心组学习专刊",
        "2026年第1期",
        "本月学习主题",
        "各中心组学习情况",
        "75%",
        "十月集体学习",
    ):
        assert expected in text, expected
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "CJK" in fonts


def test_a_saved_year_summary_meets_the_summary_item_of_both_checklists_and_is_its_evidence(county):
    group = county["group"]
    assert evidence(group=group, year=2026, items=["summary"]) == {"summary": []}
    summary = YearSummaryFactory(group=group, year=2026)
    statuses = {code: checklists.compute([group], 2026, code)[group.pk]["summary"] for code in ["bayou", "qiyou"]}
    assert statuses == {"bayou": "met", "qiyou": "met"}
    assert evidence(group=group, year=2026, items=["summary"])["summary"] == [
        {"text": str(summary), "url": "", "ok": True}
    ]


def test_year_summary_draft_docx_and_saving_makes_the_summary_item_met(client, county):
    staff = user_with_role("staff", county["town"])
    group = county["group"]
    with freeze_time("2026-12-20"):
        year_summary_drafts(2026)
    draft = YearSummary.objects.get(group=group, year=2026)
    assert not draft.is_final and "共开展集中学习1次" in draft.text
    assert checklists.compute([group], 2026)[group.pk]["summary"] == "missing"
    client.force_login(staff)
    url = reverse("reports:summary") + f"?org={county['town'].pk}&year=2026"
    client.post(url, {"text": draft.text + "\n\n下一步打算……", "early": "1"})  # before the year is over: confirmed
    assert YearSummary.objects.get(group=group, year=2026).is_final
    assert checklists.compute([group], 2026)[group.pk]["summary"] == "met"
    with freeze_time("2026-12-21"):
        year_summary_drafts(2026)
    assert YearSummary.objects.get(group=group, year=2026).text.endswith("下一步打算……")
    response = client.get(reverse("reports:summary-docx") + f"?org={county['town'].pk}&year=2026")
    document = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = [c.text for row in document.tables[0].rows for c in row.cells]
    assert "2026年理论学习中心组学习情况总结" in text and "下一步打算" in text
    assert cells[cells.index("开展学习") + 1] == "1" and cells[cells.index("出勤率(含补学)") + 1] == "75.0%"


def dashboard_queries(client, size: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    top = OrganizationFactory()
    for index in range(size):
        child = OrganizationFactory(parent=top) if index < 5 else OrganizationFactory(parent=top.children.first())
        group = StudyGroupFactory(organization=child)
        if index % 4 == 0:
            session = StudySessionFactory(
                group=group, starts_at=at(2026, 3), ends_at=at(2026, 3) + datetime.timedelta(hours=2)
            )
            AttendanceFactory(session=session)
    MembershipFactory(group=StudyGroupFactory(organization=top))
    client.force_login(user_with_role("viewer", top))
    url = reverse("reports:dashboard") + "?year=2026"
    client.get(url)
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context)


def test_dashboard_query_count_same_for_10_and_300_groups(client):
    assert dashboard_queries(client, 10) == dashboard_queries(client, 300)


def test_dashboard_shows_figures_and_ranking_and_drills_down(client, county):
    client.force_login(user_with_role("viewer", county["county"]))
    page = client.get(reverse("reports:dashboard") + "?year=2026").content.decode()
    assert "城关镇党委" in page and "75%" in page and 'id="chart-data"' in page
    drill = client.get(reverse("reports:dashboard") + f"?year=2026&org={county['town'].pk}")
    assert drill.status_code == 200
    client.force_login(user_with_role("viewer", OrganizationFactory()))
    assert client.get(reverse("reports:dashboard") + f"?org={county['town'].pk}").status_code == 404


def test_ledger_has_sessions_attendance_and_members(client, county):
    from openpyxl import load_workbook

    client.force_login(user_with_role("viewer", county["county"]))
    response = client.get(reverse("reports:ledger") + f"?org={county['county'].pk}&year=2026")
    workbook = load_workbook(io.BytesIO(response.content))
    sessions, per_session, per_member = workbook.worksheets
    assert (
        sessions.title == "学习会"
        and sessions.cell(2, 4).value == "十月集体学习"
        and sessions.cell(2, 10).value == 0.75
    )
    assert per_session.max_row == 5
    assert per_member.max_row == 5 and per_member.cell(1, 4).value == "出席"
    client.force_login(user_with_role("viewer", OrganizationFactory()))
    assert client.get(reverse("reports:ledger") + f"?org={county['county'].pk}&year=2026").status_code == 404


@needs_weasyprint
def test_group_year_archive_zip(client, county):
    import zipfile

    client.force_login(user_with_role("staff", county["town"]))
    response = client.get(reverse("reports:archive", args=[county["group"].pk, 2026]))
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert any(name.endswith(".docx") and "计划" in name for name in names)
    assert any(name.endswith(".pdf") for name in names)
    assert any("旁听" in name for name in names)
    assert any("总结" in name for name in names)
    client.force_login(user_with_role("staff", OrganizationFactory()))
    assert client.get(reverse("reports:archive", args=[county["group"].pk, 2026])).status_code == 404


def test_every_dashboard_figure_links_to_its_records(client, county):
    client.force_login(user_with_role("viewer", county["county"]))
    page = client.get(reverse("reports:dashboard") + "?year=2026").content.decode()
    figures = page.split('id="figures"')[1].split('class="row g-3 mb-3">')[0]
    tiles = figures.count('class="col-6 col-md-4"')
    # Every tile is a link to its records, those of the apps above reports too (``reports.extensions``).
    assert tiles == figures.count('<a class="card') == 10 + len(extensions.TILES)
    reflections = client.get(
        reverse("sessions:submission-list") + f"?org={county['county'].pk}&year=2026&kind=reflection"
    ).content.decode()
    assert "心得选登" in reflections
    client.force_login(user_with_role("viewer", OrganizationFactory()))
    assert client.get(reverse("sessions:submission-list") + f"?org={county['county'].pk}").status_code == 404


def test_pages_reached_from_a_drill_down_show_the_child_organization(client, county):
    client.force_login(user_with_role("viewer", county["county"]))
    town = county["town"]
    summary = client.get(reverse("reports:summary") + f"?org={town.pk}&year=2026").content.decode()
    assert f"{town.name} · " in summary
    compliance = client.get(reverse("audits:compliance") + f"?org={town.pk}&year=2026").content.decode()
    assert compliance.count('href="/audits/groups/') == 1
    client.force_login(user_with_role("viewer", OrganizationFactory()))
    assert client.get(reverse("reports:summary") + f"?org={town.pk}").status_code == 404


def test_year_summaries_are_drafted_a_chunk_per_task_and_one_groups_failure_does_not_stop_the_others(
    county, monkeypatch
):
    from reports import narrative, tasks

    monkeypatch.setattr(tasks, "SUMMARY_CHUNK", 1)
    real = narrative.draft

    def draft_or_fail(*, organization, year, figures, unregistered=0):
        if organization == county["county"]:
            raise ValueError("数据异常")
        return real(organization=organization, year=year, figures=figures, unregistered=unregistered)

    monkeypatch.setattr(narrative, "draft", draft_or_fail)
    with freeze_time("2026-12-20"):
        assert year_summary_drafts(2026) == 2
    run = TaskRun.objects.get(key="summaries:2026")
    assert (run.state, run.done, run.total, run.failures) == ("failed", 1, 2, 1)
    assert run.failed == [{"item": "清河县委", "error": "数据异常"}]
    assert list(YearSummary.objects.values_list("group", flat=True)) == [county["group"].pk]


def test_the_subtree_reads_an_upper_levels_published_digests_and_drafts_stay_with_their_compiler(client):
    """Publishing tells every member below, so the staff, leaders, viewers and members of the subtree read an upper
    level's published issues (page and PDF); a draft stays with its organization and the levels above it."""
    city = OrganizationFactory(name="临江市委")
    county = OrganizationFactory(parent=city, name="清河县委")
    town = OrganizationFactory(parent=county, name="城关镇党委")
    other = OrganizationFactory(parent=city, name="江北县委")
    for organization in (city, county, town, other):
        StudyGroupFactory(organization=organization)
    city_staff = user_with_role("staff", city)
    issue = {}
    for month in (9, 10):
        for organization in (city, county, town, other):
            issue[organization.name, month] = services.digest_compile(organization=organization, year=2026, month=month)
    for organization in (city, county, other):
        services.digest_publish(digest=issue[organization.name, 9], by=user_with_role("staff", organization))

    def reads(user, digest):
        client.force_login(user)
        page = client.get(digest.get_absolute_url()).status_code
        pdf = client.get(reverse("reports:digest-pdf", args=[digest.pk])).status_code
        assert page == 200 or page == pdf == 404, (page, pdf)
        return page == 200

    published_above = {issue["临江市委", 9], issue["清河县委", 9]}
    own_drafts = {issue["城关镇党委", 9], issue["城关镇党委", 10]}
    for role in ("staff", "leader", "viewer", "member"):
        user = user_with_role(role, town)
        readable = published_above if role == "member" else published_above | own_drafts  # members: published only
        assert {d for d in issue.values() if reads(user, d)} == readable, role
        client.force_login(user)
        listed = set(client.get(reverse("reports:digest-list")).context["digests"])
        assert listed == readable, role
    neighbour = user_with_role("staff", other)
    assert reads(neighbour, issue["临江市委", 9])
    assert not reads(neighbour, issue["临江市委", 10])  # the city's draft
    assert not reads(neighbour, issue["清河县委", 9]) and not reads(neighbour, issue["城关镇党委", 9])
    assert all(reads(city_staff, d) for d in issue.values())  # upper levels read the drafts below
    assert not reads(user_with_role("staff", OrganizationFactory()), issue["临江市委", 9])
