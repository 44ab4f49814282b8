"""八有 and 七有 from the records; the compliance table; inspectors' verdicts beside the computed status."""

import datetime
import io
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from freezegun import freeze_time
from openpyxl import load_workbook

from audits import checklists, hooks
from audits.models import Inspection
from audits.tests.factories import (
    ChecklistFactory,
    ChecklistItemFactory,
    InspectionFactory,
    InspectionVerdictFactory,
    ObserverVisitFactory,
    RulesDocumentFactory,
)
from plans.tests.factories import MaterialFactory, StudyPlanFactory
from sessions.tests.factories import AttendanceFactory, SpeechFactory, StudySessionFactory, SubmissionFactory
from studygroup.tests.factories import MembershipFactory, OrganizationFactory, StudyGroupFactory, user_with_role

pytestmark = pytest.mark.django_db
YEAR = 2026


def session_in(group, month, **kwargs):
    starts = datetime.datetime(YEAR, month, 10, 1, tzinfo=datetime.UTC)
    return StudySessionFactory(group=group, starts_at=starts, ends_at=starts + datetime.timedelta(hours=2), **kwargs)


def status(group, item, checklist="bayou"):
    return checklists.compute([group], YEAR, checklist)[group.pk][item]


@pytest.fixture
def group():
    return StudyGroupFactory(organization=OrganizationFactory())


def test_rules(group):
    assert status(group, "rules") == "missing"
    RulesDocumentFactory(organization=group.organization)
    assert status(group, "rules") == "met"


def test_plan(group):
    assert status(group, "plan") == "missing"
    plan = StudyPlanFactory(group=group, year=YEAR, status="submitted")
    assert status(group, "plan") == "partial"
    StudyPlanFactory(group=group, year=YEAR - 1, status="approved")
    assert status(group, "plan") == "partial"
    plan.status = "approved"
    plan.save()
    assert status(group, "plan") == "met"


@pytest.mark.parametrize(
    ("item", "fill"),
    [
        ("attendance", lambda s: AttendanceFactory(session=s)),
        ("minutes", lambda s: type(s).objects.filter(pk=s.pk).update(minutes="会议记录")),
    ],
)
def test_per_session_items(group, item, fill):
    assert status(group, item) == "missing"  # no session
    first, second = session_in(group, 3), session_in(group, 4)
    session_in(group, 5).delete()
    assert status(group, item) == "missing"  # sessions but none has it
    fill(first)
    assert status(group, item) == "partial"
    fill(second)
    assert status(group, item) == "met"
    last_year = StudySessionFactory(
        group=group,
        starts_at=datetime.datetime(YEAR - 1, 12, 1, 1, tzinfo=datetime.UTC),
        ends_at=datetime.datetime(YEAR - 1, 12, 1, 3, tzinfo=datetime.UTC),
    )
    assert last_year and status(group, item) == "met"


@pytest.mark.parametrize(("item", "kind"), [("notes", "notes"), ("reflections", "reflection")])
def test_every_member_but_the_secretary(group, item, kind):
    members = [MembershipFactory(group=group).person for _ in range(2)]
    secretary = MembershipFactory(group=group, role="secretary").person
    MembershipFactory(group=group, start_on=datetime.date(YEAR - 2, 1, 1), end_on=datetime.date(YEAR - 1, 6, 30))
    assert status(group, item) == "missing"
    SubmissionFactory(
        group=group, person=secretary, kind=kind, status="submitted", submitted_on=datetime.date(YEAR, 5, 1)
    )
    SubmissionFactory(group=group, person=members[0], kind=kind, status="draft", submitted_on=None)
    assert status(group, item) == "missing"
    SubmissionFactory(
        group=group, person=members[0], kind=kind, status="submitted", submitted_on=datetime.date(YEAR, 5, 1)
    )
    assert status(group, item) == "partial"
    SubmissionFactory(
        group=group, person=members[1], kind=kind, status="approved", submitted_on=datetime.date(YEAR, 11, 1)
    )
    assert status(group, item) == "met"


def test_inspection_by_visit_or_inspection(group):
    assert status(group, "inspection") == "missing"
    ObserverVisitFactory(
        session=StudySessionFactory(
            group=group,
            starts_at=datetime.datetime(YEAR - 1, 5, 1, 1, tzinfo=datetime.UTC),
            ends_at=datetime.datetime(YEAR - 1, 5, 1, 3, tzinfo=datetime.UTC),
        )
    )
    assert status(group, "inspection") == "missing"
    InspectionFactory(group=group, year=YEAR)
    assert status(group, "inspection") == "met"
    other = StudyGroupFactory(organization=OrganizationFactory())
    ObserverVisitFactory(session=session_in(other, 6))
    assert status(other, "inspection") == "met"


def test_without_the_reports_app_no_group_has_a_summary(group, monkeypatch):
    """有总结 reads the year summaries through a hook the reports app fills; unfilled, the item is missing."""
    monkeypatch.setattr(hooks.final_year_summaries, "function", None)
    assert status(group, "summary") == "missing"
    assert status(group, "summary", "qiyou") == "missing"


def test_qiyou_items(group):
    plan = StudyPlanFactory(group=group, year=YEAR, status="approved")
    first, second = session_in(group, 4, plan_text="会前方案"), session_in(group, 5)
    SpeechFactory(session=first)
    MaterialFactory(group=group, session=first)
    assert status(group, "plan_early", "qiyou") == "partial"  # approved_at not set: not in time
    plan.approved_at = datetime.datetime(YEAR, 2, 1, 1, tzinfo=datetime.UTC)
    plan.save()
    statuses = checklists.compute([group], YEAR, "qiyou")[group.pk]
    assert statuses["plan_early"] == "met"
    assert statuses["report_up"] == "partial"
    assert statuses["session_plan"] == statuses["discussion"] == statuses["support"] == "partial"
    assert statuses["circular_down"] == "missing"
    SubmissionFactory(group=group, session=second, kind="discussion", status="submitted")
    assert status(group, "discussion", "qiyou") == "met"


def test_compliance_query_count_same_for_10_and_200_groups(client):
    counts = []
    for size in (10, 200):
        top = OrganizationFactory()
        for index in range(size - 1):
            group = StudyGroupFactory(organization=OrganizationFactory(parent=top))
            if index % 3 == 0:
                session_in(group, 3)
        StudyGroupFactory(organization=top)
        client.force_login(user_with_role("viewer", top))
        url = reverse("audits:compliance") + f"?year={YEAR}"
        client.get(url)
        with CaptureQueriesContext(connection) as context:
            response = client.get(url)
        assert response.content.decode().count('href="/audits/groups/') == min(size, 50)
        counts.append(len(context))
    assert counts[0] == counts[1]


def test_compliance_filter_and_excel_export(client, group):
    RulesDocumentFactory(organization=group.organization)
    bare = StudyGroupFactory(organization=OrganizationFactory(parent=group.organization, name="没有制度的镇"))
    client.force_login(user_with_role("viewer", group.organization))
    page = client.get(reverse("audits:compliance") + f"?year={YEAR}&item=rules&status=missing").content.decode()
    assert bare.organization.name in page and group.organization.name not in page.split("<tbody>")[1]
    response = client.get(reverse("audits:compliance-xlsx") + f"?year={YEAR}")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][2] == "有制度"
    assert rows[1][0] == group.organization.name and rows[1][2] == "达标"
    assert rows[2][0] == bare.organization.name and rows[2][2] == "缺失"
    # Computed cells are coloured by status: green met, red missing.
    assert sheet.cell(row=2, column=3).fill.fgColor.rgb.endswith("C6EFCE")
    assert sheet.cell(row=3, column=3).fill.fgColor.rgb.endswith("FFC7CE")
    assert quote(f"{group.organization.name}{YEAR}年八有情况.xlsx") in response["Content-Disposition"]


def test_inspector_verdict_sits_beside_the_computed_status(client, group):
    inspector = user_with_role("inspector", group.organization.parent or group.organization)
    client.force_login(inspector)
    from audits.models import ChecklistItem

    item = ChecklistItem.objects.get(checklist__code="bayou", code="rules")
    url = reverse("audits:group-checklist", args=[group.pk, YEAR, "bayou"])
    client.post(url, {"item": item.pk, "verdict": "pass", "comment": "制度健全"})
    assert status(group, "rules") == "missing"
    page = client.get(url).content.decode()
    assert "缺失" in page and "合格" not in page.split('id="item-rules"')[0] and "制度健全" in page
    member = user_with_role("member", group.organization)
    client.force_login(member)
    assert client.post(url, {"item": item.pk, "verdict": "fail"}).status_code == 403


def test_group_checklist_shows_the_evidence(client, group):
    with_minutes, without = session_in(group, 3, minutes="记录"), session_in(group, 4)
    client.force_login(user_with_role("staff", group.organization))
    page = client.get(reverse("audits:group-checklist", args=[group.pk, YEAR, "bayou"])).content.decode()
    section = page.split('id="item-minutes"')[1].split("</section>")[0]
    assert with_minutes.get_absolute_url() in section and without.get_absolute_url() in section
    assert "部分达标" in section


def test_compliance_table_is_paginated(client):
    top = OrganizationFactory()
    for _ in range(105):
        StudyGroupFactory(organization=OrganizationFactory(parent=top))
    client.force_login(user_with_role("viewer", top))
    first = client.get(reverse("audits:compliance") + f"?year={YEAR}").content.decode()
    second = client.get(reverse("audits:compliance") + f"?year={YEAR}&page=2").content.decode()
    assert first.count('href="/audits/groups/') == 50 and second.count('href="/audits/groups/') == 50
    assert "第 1 页,共 3 页" in first
    third = client.get(reverse("audits:compliance") + f"?year={YEAR}&page=3").content.decode()
    assert third.count('href="/audits/groups/') == 5


def test_a_session_not_yet_held_is_neither_held_nor_missing(client, group):
    held = session_in(group, 3, minutes="记录")
    AttendanceFactory(session=held)
    ObserverVisitFactory(session=session_in(group, 7))  # a visit planned to next month's session
    upcoming = session_in(group, 6)
    with freeze_time(f"{YEAR}-06-03"):
        statuses = checklists.compute([group], YEAR)[group.pk]
        assert statuses["attendance"] == statuses["minutes"] == "met"
        assert statuses["inspection"] == "missing"
        client.force_login(user_with_role("staff", group.organization))
        page = client.get(reverse("audits:group-checklist", args=[group.pk, YEAR, "bayou"])).content.decode()
    section = page.split('id="item-attendance"')[1].split("</section>")[0]
    assert held.get_absolute_url() in section and upcoming.get_absolute_url() not in section
    with freeze_time(f"{YEAR}-06-11"):
        assert checklists.compute([group], YEAR)[group.pk]["attendance"] == "partial"


@pytest.fixture
def third_checklist():
    """A checklist added in the admin: data only, no rule computes its items."""
    checklist = ChecklistFactory(code="wuxue", name="五学")
    return checklist, [
        ChecklistItemFactory(checklist=checklist, code="self_study", name="有自学", order=1),
        ChecklistItemFactory(checklist=checklist, code="exchange", name="有交流", order=2),
    ]


def test_an_added_checklist_shows_its_items_for_the_inspectors_verdict(client, group, third_checklist):
    checklist, (self_study, _exchange) = third_checklist
    town = StudyGroupFactory(organization=OrganizationFactory(parent=group.organization, name="下属镇"))
    InspectionVerdictFactory(
        inspection=InspectionFactory(group=town, year=YEAR, checklist=checklist), item=self_study, verdict="pass"
    )
    assert checklists.compute([group, town], YEAR, "wuxue") == {group.pk: {}, town.pk: {}}
    client.force_login(user_with_role("viewer", group.organization))
    response = client.get(reverse("audits:compliance") + f"?year={YEAR}&checklist=wuxue")
    assert response.status_code == 200
    table = response.content.decode().split('id="compliance"')[1].split("</table>")[0]
    assert "有自学" in table and "有交流" in table
    town_row = table.split("下属镇")[1].split("</tr>")[0]
    passed = str(Inspection.Verdict.PASS.label)
    assert passed in town_row and town_row.count("—") == 2  # the verdict, no verdict yet, no computed item met
    sheet = load_workbook(
        io.BytesIO(client.get(reverse("audits:compliance-xlsx") + f"?year={YEAR}&checklist=wuxue").content)
    ).active
    assert list(sheet.iter_rows(values_only=True))[2][2:4] == (passed, "待检查人员评定")


def test_an_added_checklist_can_be_judged_on_the_group_page(client, group, third_checklist):
    _checklist, (self_study, _exchange) = third_checklist
    inspector = user_with_role("inspector", group.organization)
    client.force_login(inspector)
    url = reverse("audits:group-checklist", args=[group.pk, YEAR, "wuxue"])
    page = client.get(url).content.decode()
    assert 'id="item-self_study"' in page and 'id="item-exchange"' in page
    assert page.count("待检查人员评定") == 2 and "缺失" not in page
    client.post(url, {"item": self_study.pk, "verdict": "needs_work", "comment": "自学笔记不全"})
    page = client.get(url).content.decode()
    assert "自学笔记不全" in page.split('id="item-self_study"')[1].split("</section>")[0]


def test_an_item_added_to_bayou_is_for_the_inspector(client, group):
    ChecklistItemFactory(checklist=ChecklistFactory(code="bayou"), code="extra", name="有台账", order=9)
    client.force_login(user_with_role("viewer", group.organization))
    assert client.get(reverse("audits:compliance") + f"?year={YEAR}").status_code == 200
    assert client.get(reverse("audits:group-checklist", args=[group.pk, YEAR, "bayou"])).status_code == 200


def test_the_compliance_table_says_on_a_phone_that_it_scrolls_sideways(client, group):
    """On a phone the 八有 table is cut at the screen's edge: a line above it and a shaded edge say there is more."""
    client.force_login(user_with_role("viewer", group.organization))
    page = client.get(reverse("audits:compliance") + f"?year={YEAR}").content.decode()
    above = page.split('id="compliance"')[0]
    hint = above.rsplit("<p ", 1)[1]
    assert "表格可左右滑动查看全部项目" in hint and "d-md-none" in hint
    assert 'class="card shadow-sm sg-scroll-cue"><div class="table-responsive">' in above
    css = (settings.BASE_DIR / "static" / "css" / "app.css").read_text(encoding="utf-8")
    assert ".sg-scroll-cue::after" in css
