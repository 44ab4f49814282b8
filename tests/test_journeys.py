"""Browser journeys: Debian's Chromium driven by Playwright against the live test server.

A failing journey leaves a screenshot in ``artifacts/``.
"""

import datetime
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.utils import timezone

from conftest import needs_weasyprint
from studygroup.tests.browser import needs_chromium, shows

pytestmark = [
    pytest.mark.django_db(transaction=True),
    needs_chromium,
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
PHONE = {"width": 375, "height": 740}


@contextmanager
def journey(browser, name: str, user, viewport=None):
    from studygroup.tests.factories import PASSWORD

    context = browser.new_context(
        viewport=viewport or {"width": 1280, "height": 900}, locale="zh-CN", accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        page.goto(journey.base + "/accounts/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(journey.base + "/")
        yield page
    except BaseException:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"journey-{name}.png"), full_page=True)
        raise
    finally:
        context.close()


@pytest.fixture(autouse=True)
def _base(live_server):
    journey.base = live_server.url


def test_staff_drafts_a_plan_and_the_leader_approves(browser):
    from plans.models import StudyPlan
    from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, user_with_role

    group = StudyGroupFactory(organization=OrganizationFactory(name="城关镇党委"))
    staff = user_with_role("staff", group.organization)
    leader = user_with_role("member", group.organization)
    leader.person.memberships.update(role="leader")
    year = timezone.localdate().year
    with journey(browser, "plan-staff", staff) as page:
        page.goto(journey.base + "/plans/")
        page.click("text=制定城关镇党委的年度计划")
        page.click("button:has-text('创建计划')")
        page.fill("textarea[name=main_line]", "深入学习贯彻党的创新理论")
        page.fill("input[name=month_1]", "学习全会精神")
        page.click("button:has-text('保存')")
        page.click("#month-1 >> text=专题")
        page.fill("input[name=title]", "学习党的二十届四中全会精神")
        page.click("button:has-text('保存')")
        page.click("button:has-text('报组长审批')")
        shows(page, "计划已报组长审批")
    with journey(browser, "plan-leader", leader) as page:
        page.click("#panel-to-do a")
        page.click("button:has-text('批准')")
        shows(page, "计划已批准")
    assert StudyPlan.objects.get(group=group, year=year).status == "approved"


def test_session_materials_signin_on_a_phone_and_the_grid(browser):
    from plans.models import Material, StudyConfirmation
    from sessions import signin
    from sessions.models import Attendance, StudySession
    from studygroup.tests.factories import MembershipFactory, OrganizationFactory, StudyGroupFactory, user_with_role

    group = StudyGroupFactory(organization=OrganizationFactory(name="白沙镇党委"))
    staff = user_with_role("staff", group.organization)
    member = user_with_role("member", group.organization)
    others = MembershipFactory.create_batch(2, group=group)
    start = timezone.localtime() + datetime.timedelta(minutes=20)
    with journey(browser, "session-staff", staff) as page:
        page.goto(journey.base + f"/sessions/new/{group.pk}/")
        page.fill("input[name=title]", "集体学习研讨")
        page.fill("input[name=starts_at]", f"{start:%Y-%m-%dT%H:%M}")
        page.fill("input[name=ends_at]", f"{start + datetime.timedelta(hours=2):%Y-%m-%dT%H:%M}")
        page.click("button:has-text('保存')")
        shows(page, "学习会已安排")
        session = StudySession.objects.get(group=group)
        page.goto(journey.base + f"/plans/materials/add/{group.pk}/?session={session.pk}")
        page.fill("input[name=title]", "重要讲话原文")
        page.check("input[value=text]")
        page.fill("textarea[name=text]", "原文内容")
        page.click("button:has-text('保存为草稿')")
        page.click("button:has-text('发布给成员')")
        shows(page, "资料已发布")
    with journey(browser, "session-member", member, PHONE) as page:
        page.goto(journey.base + "/plans/materials/")
        page.click("#to-study button:has-text('我已学习')")
        page.goto(journey.base + f"/sessions/{session.pk}/signin/{signin.make_token(session, signin.LINK)}/")
        page.click("#signin-button")
        assert "签到成功" in page.locator("#signin-result").inner_text()
    assert StudyConfirmation.objects.filter(material=Material.objects.get(), person=member.person).exists()
    StudySession.objects.filter(pk=session.pk).update(starts_at=timezone.now() - datetime.timedelta(minutes=5))
    with journey(browser, "session-grid", staff) as page:
        page.goto(journey.base + f"/sessions/{session.pk}/attendance/")
        page.check(f"input[name=status-{others[0].person.pk}][value=leave]")
        page.click("button:has-text('保存考勤')")
        shows(page, "考勤已保存")
    statuses = dict(Attendance.objects.filter(session=session).values_list("person_id", "status"))
    assert statuses == {member.person.pk: "present", others[0].person.pk: "leave", others[1].person.pk: "absent"}


def test_discussion_material_passes_two_reviews_and_approval(browser):
    from sessions.models import Submission
    from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, user_with_role

    group = StudyGroupFactory(organization=OrganizationFactory(name="石桥乡党委"))
    staff = user_with_role("staff", group.organization)
    author, reviewer, leader = (user_with_role("member", group.organization) for _ in range(3))
    leader.person.memberships.update(role="leader")
    group.second_reviewer = reviewer.person
    group.save()
    with journey(browser, "review-author", author) as page:
        page.goto(journey.base + "/sessions/submissions/new/")
        page.select_option("select[name=kind]", "discussion")
        page.fill("input[name=title]", "关于基层治理的研讨材料")
        page.fill("textarea[name=text]", "一、现状;二、问题;三、对策。")
        page.click("button[name=submit_now]")
        shows(page, "已提交")
    submission = Submission.objects.get()
    for name, user, button in (
        ("review-staff", staff, "审核通过"),
        ("review-second", reviewer, "审核通过"),
        ("review-leader", leader, "批准"),
    ):
        with journey(browser, name, user) as page:
            page.goto(journey.base + submission.get_absolute_url())
            page.click(f"button:has-text('{button}')")
            shows(page, "审核意见已记录")
    assert Submission.objects.get().status == "approved"


def test_observer_reviews_ahead_then_reports_on_a_phone_and_raises_an_action(browser):
    from audits.models import Action, ObserverVisit
    from audits.tests.factories import ObserverVisitFactory
    from sessions.tests.factories import StudySessionFactory
    from studygroup.tests.factories import MembershipFactory, OrganizationFactory, StudyGroupFactory, user_with_role

    county = OrganizationFactory(name="清河县委")
    group = StudyGroupFactory(organization=OrganizationFactory(parent=county, name="城关镇党委"))
    owner = MembershipFactory(group=group, person__name="整改责任人").person
    observer = user_with_role("observer", county)
    start = timezone.now() + datetime.timedelta(days=15)
    session = StudySessionFactory(
        group=group, starts_at=start, ends_at=start + datetime.timedelta(hours=2), plan_text="会前方案"
    )
    visit = ObserverVisitFactory(session=session, organization=county, observer=observer.person)
    with journey(browser, "observer-review", observer) as page:
        page.click("#panel-observer-visits a")
        page.check("input[name=decision][value=approved]")
        page.click("button:has-text('提交审核意见')")
        shows(page, "审核意见已反馈")
    ObserverVisit.objects.filter(pk=visit.pk).update()
    type(session).objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - datetime.timedelta(hours=3), ends_at=timezone.now() - datetime.timedelta(hours=1)
    )
    with journey(browser, "observer-report", observer, PHONE) as page:
        page.goto(journey.base + f"/audits/visits/{visit.pk}/report/")
        page.select_option("select[name=rating]", "good")
        page.fill("textarea[name=report]", "准备充分,研讨聚焦。")
        page.fill("textarea[name=findings]", "个别发言联系实际不够")
        page.click("#file-report")
        page.click("text=转为整改事项")
        page.select_option("select[name=owner]", str(owner.pk))
        page.click("button:has-text('提出')")
        shows(page, "整改事项已提出")
    action = Action.objects.get()
    assert action.problem == "个别发言联系实际不够" and action.visit_id == visit.pk and action.owner == owner


def test_viewer_sees_charts_drills_down_and_follows_a_figure(browser):
    from sessions.tests.factories import AttendanceFactory, StudySessionFactory
    from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, user_with_role

    city = OrganizationFactory(name="临江市委")
    StudyGroupFactory(organization=city)
    county = OrganizationFactory(parent=city, name="清河县委")
    group = StudyGroupFactory(organization=county)
    start = timezone.now() - datetime.timedelta(days=2)
    session = StudySessionFactory(
        group=group, title="县委集体学习", starts_at=start, ends_at=start + datetime.timedelta(hours=2)
    )
    AttendanceFactory(session=session)
    viewer = user_with_role("viewer", city)
    with journey(browser, "dashboard", viewer) as page:
        page.goto(journey.base + "/reports/dashboard/")
        page.wait_for_selector("html[data-charts-ready='1']")
        assert page.locator("#chart-months canvas").count() == 1
        assert page.locator("#chart-children canvas").count() == 1
        page.click("#ranking >> text=清河县委")
        assert "清河县委" in page.locator("h1").inner_text()
        page.click("#figures a >> nth=0")
        shows(page, "县委集体学习")


@needs_weasyprint
def test_staff_compiles_publishes_a_digest_and_downloads_the_pdf(browser):
    from reports.models import MonthlyDigest
    from sessions.tests.factories import StudySessionFactory
    from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, user_with_role

    county = OrganizationFactory(name="东山县委")
    group = StudyGroupFactory(organization=county)
    today = timezone.localdate()
    start = datetime.datetime(
        today.year, today.month, 1, 9, tzinfo=timezone.get_current_timezone()
    ) - datetime.timedelta(days=10)
    StudySessionFactory(group=group, starts_at=start, ends_at=start + datetime.timedelta(hours=2))
    staff = user_with_role("staff", county)
    with journey(browser, "digest", staff) as page:
        page.goto(journey.base + "/reports/digests/")
        page.click("button:has-text('立即编制')")
        shows(page, "已开始编制")  # the job runs page, at the row of the run just started
        page.goto(journey.base + "/reports/digests/")
        page.click("table >> text=学习专刊")
        page.click("#publish")
        shows(page, "确认发布")  # publishing asks first, saying who will be told
        page.click("#confirm-publish")
        shows(page, "专刊已发布")
        with page.expect_download() as download:
            page.click("text=PDF")
        assert download.value.suggested_filename.endswith(".pdf")
        assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    assert MonthlyDigest.objects.get().status == "published"


def _past_session(group, title: str, days_ago: int, **kwargs):
    from sessions.tests.factories import StudySessionFactory

    start = timezone.now() - datetime.timedelta(days=days_ago)
    return StudySessionFactory(
        group=group, title=title, starts_at=start, ends_at=start + datetime.timedelta(hours=2), **kwargs
    )


def test_member_makes_up_a_missed_session_and_writes_a_reflection_on_another(browser):
    from sessions.models import Attendance, Submission
    from sessions.tests.factories import AttendanceFactory
    from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, user_with_role

    group = StudyGroupFactory(organization=OrganizationFactory(name="城关镇党委"))
    staff = user_with_role("staff", group.organization)
    member = user_with_role("member", group.organization)
    missed = _past_session(group, "学习全会精神专题研讨", days_ago=3)
    attended = _past_session(group, "学习贯彻条例集体学习", days_ago=10)
    AttendanceFactory(session=missed, person=member.person, status="leave", method="leave")
    AttendanceFactory(session=attended, person=member.person)
    with journey(browser, "makeup-member", member) as page:
        page.click("nav >> text=我的学习")
        page.locator("section", has_text="待补学").get_by_role("link", name="学习全会精神专题研讨").click()
        assert "补学笔记" in page.locator("h1").inner_text()
        assert page.locator("select[name=session]").input_value() == str(missed.pk)
        page.fill("textarea[name=text]", "认真学习了会议材料,结合分管工作谈三点体会。")
        page.click("button[name=submit_now]")
        shows(page, "已提交")
        page.goto(journey.base + "/sessions/submissions/new/")
        page.select_option("select[name=session]", label=str(attended))
        page.fill("input[name=title]", "学习贯彻条例的心得")
        page.fill("textarea[name=text]", "条例是管党治党的重要遵循。")
        page.click("button[name=submit_now]")
        shows(page, "已提交")
    makeup = Submission.objects.get(is_makeup=True)
    assert (makeup.session, makeup.kind, makeup.status) == (missed, "notes", "submitted")
    assert makeup.text == "认真学习了会议材料,结合分管工作谈三点体会。"
    reflection = Submission.objects.get(is_makeup=False)
    assert (reflection.session, reflection.kind, reflection.status) == (attended, "reflection", "submitted")
    with journey(browser, "makeup-staff", staff) as page:
        page.click("#to-do >> text=待您审核")
        page.click(f"#to-review >> text={makeup.title}")
        page.click("button[name=action][value=accept]")
        shows(page, "审核意见已记录")
        page.goto(journey.base + f"/sessions/{missed.pk}/attendance/")
        assert page.get_by_label(f"{member.person.name} 已补学").is_checked()
    assert Attendance.objects.get(session=missed, person=member.person).status == "made_up"
    assert Submission.objects.get(pk=makeup.pk).status == "approved"


def test_town_invites_the_county_which_assigns_an_observer(browser):
    from audits.models import ObserverVisit, VisitInvitation
    from audits.tests.factories import ObserverPoolMemberFactory
    from sessions.tests.factories import StudySessionFactory
    from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, user_with_role

    county = OrganizationFactory(name="清河县委", kind="county")
    group = StudyGroupFactory(organization=OrganizationFactory(parent=county, name="城关镇党委"))
    town_staff = user_with_role("staff", group.organization)
    county_staff = user_with_role("staff", county)
    observer = user_with_role("observer", county)
    observer.person.name = "王县观察"
    observer.person.save()
    ObserverPoolMemberFactory(organization=county, person=observer.person)
    start = timezone.now() + datetime.timedelta(days=6)
    session = StudySessionFactory(
        group=group, title="学习全会精神专题研讨", starts_at=start, ends_at=start + datetime.timedelta(hours=2)
    )
    with journey(browser, "invite-town", town_staff) as page:
        page.goto(journey.base + session.get_absolute_url())
        page.click("text=邀请上级旁听")
        page.fill("textarea[name=note]", "请县委派员指导")
        page.click("button:has-text('发送邀请')")
        shows(page, "已邀请上级旁听")
    with journey(browser, "invite-county", county_staff) as page:
        page.click("#nav-notifications")
        page.click("text=城关镇党委邀请")
        page.wait_for_url("**/audits/invitations/**")
        assert "学习全会精神专题研讨" in page.locator("#waiting").inner_text()
        page.select_option("#waiting select[name=observer]", str(observer.person.pk))
        page.click("button:has-text('接受并安排')")
        shows(page, "已接受邀请并安排旁听人员")
        assert "王县观察" in page.locator("#answered").inner_text()
    with journey(browser, "invite-observer", observer) as page:
        page.click("nav >> text=我的旁听")
        visits = page.locator(".list-group").inner_text()
        assert "城关镇党委" in visits and "学习全会精神专题研讨" in visits
    visit = ObserverVisit.objects.get()
    assert (visit.session, visit.observer, visit.organization, visit.mode) == (
        session,
        observer.person,
        county,
        "invited",
    )
    invitation = VisitInvitation.objects.get()
    assert (invitation.status, invitation.visit, invitation.note) == ("accepted", visit, "请县委派员指导")


def test_a_draw_over_a_small_pool_says_which_sessions_stay_uncovered(browser):
    from audits.models import ObserverVisit
    from audits.tests.factories import ObserverPoolMemberFactory, ObserverVisitFactory
    from sessions.tests.factories import StudySessionFactory
    from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, user_with_role

    city = OrganizationFactory(name="临江市委", kind="city")
    towns = [OrganizationFactory(parent=city, name=name) for name in ("城关镇党委", "白沙镇党委", "石桥乡党委")]
    staff = user_with_role("staff", city)
    observer = user_with_role("observer", city)
    ObserverPoolMemberFactory(organization=city, person=observer.person)
    day = timezone.localdate() + datetime.timedelta(days=8)
    nine = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))
    same_hour = [
        StudySessionFactory(
            group=StudyGroupFactory(organization=town),
            title=f"{town.name}集体学习",
            starts_at=nine,
            ends_at=nine + datetime.timedelta(hours=2),
        )
        for town in towns
    ]
    # He already observes 白沙 the next morning; 石桥's session then overlaps it.
    next_nine = nine + datetime.timedelta(days=1)
    had = StudySessionFactory(
        group=StudyGroupFactory(organization=towns[1]),
        title="白沙镇党委专题研讨",
        starts_at=next_nine,
        ends_at=next_nine + datetime.timedelta(hours=2),
    )
    ObserverVisitFactory(session=had, organization=city, observer=observer.person)
    overlapping = StudySessionFactory(
        group=StudyGroupFactory(organization=towns[2]),
        title="石桥乡党委读书班",
        starts_at=next_nine + datetime.timedelta(minutes=30),
        ends_at=next_nine + datetime.timedelta(hours=2, minutes=30),
    )
    with journey(browser, "draw", staff) as page:
        page.goto(journey.base + "/audits/planning/")
        page.fill("input[name=date_from]", f"{day:%Y-%m-%d}")
        page.fill("input[name=date_to]", f"{day + datetime.timedelta(days=1):%Y-%m-%d}")
        page.fill("input[name=count]", "5")
        page.click("button:has-text('抽取')")
        shows(page, "已抽取 1 场学习会")
        shows(page, "旁听人员库人数不足,无法覆盖要求抽取的全部学习会:有3场学习会未安排旁听人员")
        page.click("a[href*='/audits/draws/']")
        uncovered = page.locator("#uncovered").inner_text()
        drawn = ObserverVisit.objects.get(mode="random")
        assert drawn.session in same_hour and drawn.observer == observer.person
        for session in [*same_hour, overlapping]:
            assert (session.title in uncovered) == (session != drawn.session), session.title
        assert had.title not in uncovered  # he already observes it: covered, not drawn again
    visits = list(ObserverVisit.objects.filter(observer=observer.person).select_related("session"))
    assert {v.session for v in visits} == {had, drawn.session}
    first, second = sorted((v.session for v in visits), key=lambda s: s.starts_at)
    assert first.ends_at <= second.starts_at


def test_staff_record_a_makeup_delivered_in_person(browser):
    from sessions.models import Attendance, MakeUp
    from sessions.tests.factories import AttendanceFactory
    from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, user_with_role

    group = StudyGroupFactory(organization=OrganizationFactory(name="白沙镇党委"))
    staff = user_with_role("staff", group.organization)
    member = user_with_role("member", group.organization)
    member.person.name = "李明"
    member.person.save()
    session = _past_session(group, "学习全会精神专题研讨", days_ago=2)
    AttendanceFactory(session=session, person=member.person, status="absent")
    with journey(browser, "makeup-in-person", staff) as page:
        page.goto(journey.base + "/sessions/makeups/")
        page.click("#makeups-open tr:has-text('李明') >> text=登记补学")
        page.fill("input[name=on]", f"{timezone.localdate():%Y-%m-%d}")
        page.select_option("select[name=method]", "delivered")
        page.fill("input[name=given_by]", "组织委员张华")
        page.fill("textarea[name=note]", "送学上门,传达会议精神并交流")
        page.click("#record-makeup")
        shows(page, "已登记李明的补学")
        recorded = page.locator("#makeups-recorded").inner_text()
        assert "李明" in recorded and "送学上门" in recorded and "组织委员张华" in recorded
        assert "李明" not in page.locator("#makeups-open").inner_text()
    with journey(browser, "makeup-in-person-member", member) as page:
        page.click("nav >> text=我的学习")
        attendance = page.locator("li", has_text="学习全会精神专题研讨").inner_text()
        assert attendance.endswith("已补学"), attendance
        assert "没有待补学的记录" in page.locator("section", has_text="待补学").inner_text()
    row = Attendance.objects.get(session=session, person=member.person)
    assert row.status == "made_up"
    makeup = MakeUp.objects.get(attendance=row)
    assert (makeup.method, makeup.given_by, makeup.on, makeup.status_before) == (
        "delivered",
        "组织委员张华",
        timezone.localdate(),
        "absent",
    )


@pytest.mark.parametrize("width", [1366, 1024, 390])
def test_the_longest_menus_fit_the_window_with_the_user_menu_in_sight(browser, width):
    """A member holding every app's entries and staff with every menu: the page is never wider than the window,
    and the notifications and the user's own menu stay on screen (they used to be pushed past the right edge)."""
    from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, user_with_role

    group = StudyGroupFactory(organization=OrganizationFactory(name="城关镇党委"))
    member = user_with_role("member", group.organization)
    staff = user_with_role("staff", group.organization)
    for name, user in (("menu-member", member), ("menu-staff", staff)):
        with journey(browser, f"{name}-{width}", user, viewport={"width": width, "height": 900}) as page:
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            if width >= 992:  # the menu is laid out, not folded behind the toggler
                box = page.locator("#nav-notifications").bounding_box()
                assert box is not None and box["x"] + box["width"] <= width
