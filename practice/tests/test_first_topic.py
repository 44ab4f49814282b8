"""第一议题 follow-through: measures are actions decided at a session, the next study shows what became of them,
and the year's ledger is one page and one XLSX."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audits import services as audit_services
from audits.models import Action
from audits.tests.factories import ActionFactory
from practice import services
from reports.bundle.exporter import export
from reports.bundle.importer import import_bundle
from sessions.tests.factories import StudySessionFactory
from studygroup.models import Notification, Organization
from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def group():
    county = OrganizationFactory(name="中共费县委员会", code="fx")
    return StudyGroupFactory(organization=OrganizationFactory(name="卞桥镇党委", parent=county, code="fx-bq"))


def _first_topic(group, days_ago: int, title: str):
    start = timezone.now() - datetime.timedelta(days=days_ago)
    return StudySessionFactory(
        group=group, kind="first_topic", title=title, starts_at=start, ends_at=start + datetime.timedelta(hours=1)
    )


def test_staff_record_two_measures_and_the_next_study_shows_both(client, group):
    staff = user_with_role("staff", group.organization)
    owner = user_with_role("member", group.organization)
    first = _first_topic(group, 40, "学习总书记关于乡村振兴的重要讲话")
    client.force_login(staff)
    url = reverse("practice:measure-add", args=[first.pk])
    for decision in ("制定村集体经济增收方案", "开展产业项目专题调研"):
        due = (timezone.localdate() + datetime.timedelta(days=20)).isoformat()
        response = client.post(url, {"decision": decision, "measure": "", "owner": owner.person.pk, "due_on": due})
        assert response.url == f"{first.get_absolute_url()}#measures"
    measures = list(Action.objects.filter(session=first).order_by("pk"))
    assert [(a.problem, a.owner, a.group, a.raised_by) for a in measures] == [
        ("制定村集体经济增收方案", owner.person, group, staff),
        ("开展产业项目专题调研", owner.person, group, staff),
    ]
    assert Notification.objects.filter(recipient=owner, verb="action_assigned").count() == 2
    audit_services.action_update(action=measures[0], status="done", evidence="方案已印发", by=owner)

    second = _first_topic(group, 5, "学习全会精神")
    page = client.get(second.get_absolute_url()).content.decode()
    # Reported done, not yet accepted by the staff who raised it: awaiting acceptance, not 已落实.
    assert "上次第一议题学习的举措落实情况" in page and "已落实 0 / 2 · 待验收 1 项" in page
    assert "制定村集体经济增收方案" in page and "开展产业项目专题调研" in page
    audit_services.action_accept(action=measures[0], accept=True, by=staff)
    page = client.get(second.get_absolute_url()).content.decode()
    assert "已落实 1 / 2" in page and "待验收 1 项" not in page
    assert client.get(first.get_absolute_url()).content.decode().count("添加举措") == 1


def test_measures_only_at_a_first_topic_study_and_only_by_its_own_staff(client, group):
    collective = StudySessionFactory(group=group, kind="collective")
    study = _first_topic(group, 3, "学习重要讲话")
    staff = user_with_role("staff", group.organization)
    client.force_login(staff)
    assert client.get(reverse("practice:measure-add", args=[collective.pk])).status_code == 403
    assert "添加举措" not in client.get(collective.get_absolute_url()).content.decode()
    body = {"decision": "x", "owner": staff.person.pk, "due_on": "2026-12-31"}
    county_staff = user_with_role("staff", group.organization.parent)
    client.force_login(county_staff)
    assert client.post(reverse("practice:measure-add", args=[study.pk]), body).status_code == 403
    client.force_login(user_with_role("staff", OrganizationFactory()))
    assert client.post(reverse("practice:measure-add", args=[study.pk]), body).status_code == 404
    assert not Action.objects.exists()


def test_the_year_ledger_counts_studies_measures_accepted_awaiting_and_overdue(client, group):
    year = timezone.localdate().year
    staff = user_with_role("staff", group.organization)
    study = _first_topic(group, 3, "学习重要讲话")
    _first_topic(group, 2, "学习条例")  # a study without a measure still appears
    StudySessionFactory(group=group, kind="collective", starts_at=timezone.now() - datetime.timedelta(days=1))
    late = services.measure_add(
        session=study, decision="=HYPERLINK(1)", measure="", owner=staff.person, due_on=timezone.localdate(), by=staff
    )
    Action.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - datetime.timedelta(days=1))
    done = services.measure_add(
        session=study, decision="建立台账", measure="", owner=staff.person, due_on=timezone.localdate(), by=staff
    )
    audit_services.action_update(action=done, status="done", evidence="已建立", by=staff)  # awaiting acceptance
    accepted = services.measure_add(
        session=study, decision="建立制度", measure="", owner=staff.person, due_on=timezone.localdate(), by=staff
    )
    audit_services.action_update(action=accepted, status="done", evidence="已印发", by=staff)
    audit_services.action_accept(action=accepted, accept=True, by=staff)
    viewer = user_with_role("viewer", group.organization.parent)
    client.force_login(viewer)
    query = f"?org={group.organization.parent.pk}&year={year}"
    page = client.get(reverse("practice:first-topic-ledger") + query).content.decode()
    assert "学习重要讲话" in page and "学习条例" in page and "逾期 1 项" in page
    assert "已落实 1 / 3 · 待验收 1 项" in page
    figures = {name: page.split(f'id="{name}">')[1].split("<")[0] for name in ("measures", "accepted", "awaiting")}
    assert figures == {"measures": "3", "accepted": "1", "awaiting": "1"}
    response = client.get(reverse("practice:first-topic-xlsx") + query)
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert sorted(row[3] or "" for row in rows) == ["", "=HYPERLINK(1)", "建立制度", "建立台账"]
    assert sheet.cell(row=1, column=11).value == "验收情况"
    acceptance = {row[3]: row[10] for row in rows if row[3]}
    assert acceptance == {
        "=HYPERLINK(1)": None,
        "建立台账": "待验收",
        "建立制度": f"{timezone.localdate():%Y-%m-%d}已验收",
    }
    formula_row = next(row for row in sheet.iter_rows(min_row=2) if row[3].value == "=HYPERLINK(1)")
    assert formula_row[3].data_type == "s" and formula_row[9].value == "是"
    client.force_login(user_with_role("viewer", OrganizationFactory()))
    outside = client.get(reverse("practice:first-topic-ledger") + query)
    assert outside.status_code == 404


def test_the_ledger_reads_a_fixed_number_of_queries(client, group):
    staff = user_with_role("staff", group.organization)
    client.force_login(staff)
    url = reverse("practice:first-topic-ledger")

    def count() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context.captured_queries)

    study = _first_topic(group, 10, "一")
    ActionFactory(group=group, session=study, owner=staff.person)
    small = count()
    for days in range(1, 6):
        more = _first_topic(group, days, f"第{days}次")
        ActionFactory(group=group, session=more, owner=staff.person)
        ActionFactory(group=group, session=more, owner=staff.person)
    assert count() == small


def test_an_action_decided_at_a_session_goes_through_the_records_bundle(group):
    staff = user_with_role("staff", group.organization)
    study = _first_topic(group, 3, "学习重要讲话")
    services.measure_add(
        session=study,
        decision="建立台账",
        measure="每月通报",
        owner=staff.person,
        due_on=timezone.localdate(),
        by=staff,
    )
    document = export(group.organization.parent)
    (action,) = document["actions"]
    assert action["source"] == {"session": study.code}
    Action.objects.all().delete()
    import_bundle(document)
    imported = Action.objects.get()
    assert (imported.session, imported.problem, imported.measure) == (study, "建立台账", "每月通报")
    assert export(Organization.objects.get(code="fx")) == document


def test_a_measure_is_not_raised_with_a_deadline_already_passed(client, group):
    staff = user_with_role("staff", group.organization)
    study = _first_topic(group, 3, "学习重要讲话")
    client.force_login(staff)
    url = reverse("practice:measure-add", args=[study.pk])
    past = (timezone.localdate() - datetime.timedelta(days=36)).isoformat()
    response = client.post(url, {"decision": "建立台账", "measure": "", "owner": staff.person.pk, "due_on": past})
    assert response.status_code == 200 and "完成时限已过" in response.content.decode()
    assert not Action.objects.exists()
