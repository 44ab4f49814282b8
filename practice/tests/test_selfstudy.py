"""The self-study ledger: targets on the plan (with the "1112" preset), entries, progress, the staff table and
the one reminder near a period's end."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from freezegun import freeze_time

from plans.tests.factories import ResearchTopicFactory, StudyPlanFactory
from practice import ledger, selectors, services
from practice.models import Per, SelfStudyEntry, SelfStudyReminder, SelfStudyTarget
from practice.periods import Period, period_of
from practice.tests.factories import SelfStudyEntryFactory, targets_1112
from studygroup.models import Membership, Notification
from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, user_with_role
from studygroup.tests.pages import hidden

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def group():
    return StudyGroupFactory(organization=OrganizationFactory(name="卞桥镇党委"))


@pytest.fixture
def plan(group):
    plan = StudyPlanFactory(group=group, year=2026, status="approved")
    targets_1112(plan)
    return plan


def _member(group, name="张成员", role="member"):
    user = user_with_role("member", group.organization)
    user.person.name = name
    user.person.save(update_fields=["name"])
    user.person.memberships.update(role=role)
    return user


# Periods and cells ---------------------------------------------------------------------------


def test_periods_split_the_year_by_month_quarter_and_year():
    assert period_of(Per.QUARTER, datetime.date(2026, 5, 31)) == Period(Per.QUARTER, 2026, 2)
    q2 = Period(Per.QUARTER, 2026, 2)
    assert (q2.start, q2.end) == (datetime.date(2026, 4, 1), datetime.date(2026, 6, 30))
    february = Period(Per.MONTH, 2028, 2)
    assert february.end == datetime.date(2028, 2, 29)
    assert Period(Per.YEAR, 2026, 1).end == datetime.date(2026, 12, 31)


def test_a_cell_is_met_behind_open_or_ahead():
    march = Period(Per.MONTH, 2026, 3)
    assert ledger.cell_state(march, 1, 1, datetime.date(2026, 3, 2)) == ledger.MET
    assert ledger.cell_state(march, 0, 1, datetime.date(2026, 3, 31)) == ledger.OPEN
    assert ledger.cell_state(march, 0, 1, datetime.date(2026, 4, 1)) == ledger.BEHIND
    assert ledger.cell_state(march, 0, 1, datetime.date(2026, 2, 28)) == ledger.AHEAD


# Targets -------------------------------------------------------------------------------------


def test_staff_fill_the_1112_preset_and_save_it(client, group):
    plan = StudyPlanFactory(group=group, year=2026, status="draft")
    client.force_login(user_with_role("staff", group.organization))
    url = reverse("practice:plan-targets", args=[plan.pk])
    page = client.get(url + "?preset=1112").content.decode()
    assert 'name="book_per"' in page and "“1112”预设" in page
    response = client.post(
        url,
        {
            "book_per": "quarter",
            "book_count": "1",
            "field_stay_per": "month",
            "field_stay_count": "1",
            "report_per": "year",
            "report_count": "2",
            "other_per": "",
            "other_count": "",
        },
    )
    assert response.url == plan.get_absolute_url()
    saved = {(t.kind, t.per, t.count) for t in plan.selfstudy_targets.all()}
    assert saved == {("book", "quarter", 1), ("field_stay", "month", 1), ("report", "year", 2)}
    assert "每季度" in client.get(plan.get_absolute_url()).content.decode()


def test_removing_a_target_and_refusing_members_and_another_town(group, plan):
    staff = user_with_role("staff", group.organization)
    services.targets_set(plan=plan, targets={"report": None, "other": ("month", 2)}, by=staff)
    assert sorted(plan.selfstudy_targets.values_list("kind", flat=True)) == ["book", "field_stay", "other"]
    for outsider in (_member(group), user_with_role("staff", OrganizationFactory())):
        with pytest.raises(PermissionDenied):
            services.targets_set(plan=plan, targets={"book": None}, by=outsider)
    assert sorted(plan.selfstudy_targets.values_list("kind", flat=True)) == ["book", "field_stay", "other"]


def test_targets_wait_while_the_leader_decides(group):
    plan = StudyPlanFactory(group=group, status="submitted")
    with pytest.raises(PermissionDenied):
        services.targets_set(plan=plan, targets={"book": ("month", 1)}, by=user_with_role("staff", group.organization))
    assert not SelfStudyTarget.objects.exists()


# Entries -------------------------------------------------------------------------------------


@freeze_time("2026-06-20 10:00:00")
def test_a_member_records_a_book_with_a_file(client, group, plan):
    member = _member(group)
    client.force_login(member)
    upload = SimpleUploadedFile("读书笔记.pdf", PDF, content_type="application/pdf")
    response = client.post(
        reverse("practice:entry-create"),
        {"kind": "book", "on": "2026-06-18", "title": "《之江新语》", "note": "第三章", "upload": upload},
    )
    assert response.url == reverse("practice:my-selfstudy")
    entry = SelfStudyEntry.objects.get()
    assert (entry.person, entry.kind, entry.title, entry.original_name) == (
        member.person,
        "book",
        "《之江新语》",
        "读书笔记.pdf",
    )
    assert client.get(reverse("practice:entry-download", args=[entry.pk])).status_code == 200
    page = client.get(reverse("practice:my-selfstudy")).content.decode()
    assert "《之江新语》" in page and "本期(第2季度):已记 1 / 1" in page


@freeze_time("2026-06-20 10:00:00")
def test_a_disguised_file_and_a_future_date_are_refused(client, group, plan):
    client.force_login(_member(group))
    url = reverse("practice:entry-create")
    disguised = SimpleUploadedFile("a.pdf", b"MZ\x90\x00")
    page = client.post(url, {"kind": "book", "on": "2026-06-19", "title": "《书》", "upload": disguised}).content
    assert "不接受此类型的文件" in page.decode()
    page = client.post(url, {"kind": "book", "on": "2026-06-21", "title": "《书》"}).content
    assert "日期不能晚于今天" in page.decode()
    assert not SelfStudyEntry.objects.exists()


@freeze_time("2026-06-20 10:00:00")
def test_a_research_report_links_only_a_topic_of_its_author(group, plan):
    member = _member(group)
    mine = ResearchTopicFactory(group=group, year=2026, owner=member.person)
    theirs = ResearchTopicFactory(group=group, year=2026)
    entry = services.entry_create(
        person=member.person, kind="report", on=datetime.date(2026, 6, 1), title="调研报告", research=mine, by=member
    )
    assert entry.research == mine
    for kind, topic in (("report", theirs), ("book", mine)):
        with pytest.raises(ValidationError):
            services.entry_create(
                person=member.person, kind=kind, on=datetime.date(2026, 6, 1), title="x", research=topic, by=member
            )
    assert SelfStudyEntry.objects.count() == 1


def test_only_the_author_records_and_changes_entries(group, plan):
    member, colleague = _member(group), _member(group, "李同事")
    staff = user_with_role("staff", group.organization)
    with pytest.raises(PermissionDenied):
        services.entry_create(person=member.person, kind="book", on=datetime.date(2026, 3, 1), title="x", by=staff)
    entry = SelfStudyEntryFactory(person=member.person, title="原题")
    with pytest.raises(PermissionDenied):
        services.entry_update(entry=entry, kind="book", on=entry.on, title="改题", by=colleague)
    with pytest.raises(PermissionDenied):
        services.entry_delete(entry=entry, by=staff)
    entry.refresh_from_db()
    assert entry.title == "原题"


def test_colleagues_and_other_towns_get_nothing_of_an_entry(client, group, plan):
    member = _member(group)
    entry = SelfStudyEntryFactory(person=member.person, title="私人条目")
    urls = [reverse(name, args=[entry.pk]) for name in ("practice:entry-edit", "practice:entry-download")]
    for outsider in (_member(group, "李同事"), user_with_role("staff", OrganizationFactory())):
        client.force_login(outsider)
        assert [client.get(url).status_code for url in urls] == [404, 404]
        assert client.post(reverse("practice:entry-delete", args=[entry.pk])).status_code == 404
    assert SelfStudyEntry.objects.filter(pk=entry.pk).exists()
    client.force_login(user_with_role("staff", OrganizationFactory()))
    assert client.get(reverse("practice:group-selfstudy", args=[group.pk])).status_code == 404
    assert client.get(reverse("practice:plan-targets", args=[plan.pk])).status_code == 404


# The staff table -----------------------------------------------------------------------------


@freeze_time("2026-06-20 10:00:00")
def test_staff_see_who_is_behind_and_the_secretary_is_not_judged(client, group, plan):
    steady, behind = _member(group, "甲委员"), _member(group, "乙委员")
    _member(group, "丙秘书", role=Membership.Role.SECRETARY)
    for month in range(1, 6):
        SelfStudyEntryFactory(person=steady.person, kind="field_stay", on=datetime.date(2026, month, 5))
    SelfStudyEntryFactory(person=steady.person, kind="book", on=datetime.date(2026, 2, 5))
    SelfStudyEntryFactory(person=behind.person, kind="field_stay", on=datetime.date(2026, 1, 5))
    client.force_login(user_with_role("staff", group.organization))
    page = client.get(reverse("practice:group-selfstudy", args=[group.pk]) + "?year=2026").content.decode()
    assert "2 名成员中有 1 名" in page and "丙秘书" not in page
    table = selectors.group_table(group=group, year=2026, today=datetime.date(2026, 6, 20))
    rows = {row.seat.person.name: row for row in table.rows}
    assert rows["甲委员"].behind == 0
    # 乙: months 2–5 without a stay, Q1 without a book; the year's reports are not judged before the year ends.
    assert rows["乙委员"].behind == 5
    assert [cell.state for cell in rows["乙委员"].targets[0].cells] == ["behind", "open", "ahead", "ahead"]


def test_the_table_reads_a_fixed_number_of_queries(client, group, plan):
    client.force_login(user_with_role("staff", group.organization))
    url = reverse("practice:group-selfstudy", args=[group.pk]) + "?year=2026"

    def count() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context.captured_queries)

    _member(group)
    small = count()
    for index in range(6):
        member = _member(group, f"新成员{index}")
        SelfStudyEntryFactory(person=member.person, kind="book")
    assert count() == small


# The reminder --------------------------------------------------------------------------------


def test_members_behind_are_reminded_once_near_the_end_of_a_period(group, plan):
    behind, done = _member(group, "乙委员"), _member(group, "甲委员")
    secretary = _member(group, "丙秘书", role=Membership.Role.SECRETARY)
    SelfStudyEntryFactory(person=done.person, kind="field_stay", on=datetime.date(2026, 5, 3))
    SelfStudyEntryFactory(person=done.person, kind="book", on=datetime.date(2026, 4, 3))
    assert services.reminders_send(today=datetime.date(2026, 5, 20)) == 0  # not near the end yet
    assert services.reminders_send(today=datetime.date(2026, 5, 28)) == 1
    assert services.reminders_send(today=datetime.date(2026, 5, 29)) == 0  # the same period: never twice
    (notice,) = Notification.objects.all()
    assert notice.recipient == behind and notice.title == "自学目标提醒:入村蹲点调研:5月31日前已记 0 / 1"
    assert not Notification.objects.filter(recipient__in=[done, secretary]).exists()
    # End of June closes a month and a quarter: one notice names both.
    assert services.reminders_send(today=datetime.date(2026, 6, 27)) == 2
    june = Notification.objects.filter(recipient=behind).order_by("-id").first()
    assert "读书" in june.title and "蹲点调研" in june.title
    assert SelfStudyReminder.objects.filter(person=behind.person).count() == 3


def test_no_streak_points_or_time_figure_anywhere(client, group, plan):
    member = _member(group)
    client.force_login(member)
    pages = [
        client.get(reverse("practice:my-selfstudy")).content.decode(),
        client.get(reverse("practice:entry-create")).content.decode(),
    ]
    client.force_login(user_with_role("staff", group.organization))
    pages.append(client.get(reverse("practice:group-selfstudy", args=[group.pk])).content.decode())
    for page in pages:
        for word in ("打卡", "积分", "连续", "排名", "时长", "分钟"):
            assert word not in page


def test_targets_saved_meanwhile_by_a_colleague_are_not_overwritten(client, group, plan):
    """Two staff open the targets page; the colleague saves first (changes one, removes one): my save is refused
    beside the form, what I typed stays on the page, and theirs stays saved."""
    mine, colleague = (user_with_role("staff", group.organization) for _ in range(2))
    url = reverse("practice:plan-targets", args=[plan.pk])
    client.force_login(mine)
    page = client.get(url).content.decode()
    client.force_login(colleague)
    colleagues = client.get(url).content.decode()
    theirs = {
        "book_per": "month",
        "book_count": "2",
        "field_stay_per": "month",
        "field_stay_count": "1",
        "report_per": "",
        "report_count": "",
        "other_per": "",
        "other_count": "",
    }
    assert client.post(url, {**theirs, "version": hidden(colleagues, "version")}).status_code == 302
    client.force_login(mine)
    my_targets = {**theirs, "book_per": "quarter", "book_count": "3", "report_per": "year", "report_count": "4"}

    refused = client.post(url, {**my_targets, "version": hidden(page, "version")})

    assert refused.status_code == 200
    text = refused.content.decode()
    assert f"该记录已被他人修改:{colleague.person.name}于" in text
    assert (
        'name="book_count" id="id_book_count" value="3"' in text
        and 'name="report_count" id="id_report_count" value="4"' in text
    )
    saved = {(t.kind, t.per, t.count) for t in plan.selfstudy_targets.all()}
    assert saved == {("book", "month", 2), ("field_stay", "month", 1)}
    fresh = client.get(url).content.decode()
    assert client.post(url, {**my_targets, "version": hidden(fresh, "version")}).status_code == 302
    saved = {(t.kind, t.per, t.count) for t in plan.selfstudy_targets.all()}
    assert saved == {("book", "quarter", 3), ("field_stay", "month", 1), ("report", "year", 4)}
