"""The demo: a believable hierarchy, a login for every role, a year that reads as a real one, safe to run twice."""

import datetime
import itertools

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from audits import checklists
from audits.models import Action, ObserverPoolMember, ObserverVisit, RulesDocument, VisitInvitation
from demo.seed import BEHIND_GROUPS, DEMO_PASSWORD, LOGINS, MODEL_GROUPS, OVERDUE_MAKEUPS
from plans.models import Material, PlanTopic, ResearchTopic, StudyConfirmation, StudyPlan
from reports.figures import year_figures
from reports.models import MonthlyDigest, YearSummary
from sessions import selectors
from sessions.models import Attendance, LeaveRequest, Lecture, Speech, StudySession, Submission
from studygroup.models import AuditEntry, Membership, Organization, Person, RoleGrant, StudyGroup, User

pytestmark = pytest.mark.django_db

MODELS = [
    Organization,
    StudyGroup,
    Person,
    Membership,
    RoleGrant,
    User,
    AuditEntry,
    StudyPlan,
    PlanTopic,
    StudySession,
    Attendance,
    Speech,
    Submission,
    LeaveRequest,
    Lecture,
    Material,
    StudyConfirmation,
    ResearchTopic,
    ObserverVisit,
    ObserverPoolMember,
    VisitInvitation,
    Action,
    RulesDocument,
    YearSummary,
    MonthlyDigest,
]
# The brief's "today": 1 December 2026, ten in the morning in Beijing.
TODAY = "2026-12-01 02:00:00"


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def test_seed_demo_twice_changes_nothing(capsys):
    call_command("seed_demo")
    first = counts()
    passwords = dict(User.objects.values_list("username", "password"))
    # The seeding is logged in one entry, filed under the city, counting what it added.
    (seeding,) = AuditEntry.objects.filter(changes__has_key="seed_demo")
    assert seeding.organization_path == Organization.objects.get(code="lj").path
    assert seeding.changes["seed_demo"]["study_sessions.attendance"] == Attendance.objects.count()
    call_command("seed_demo")
    assert counts() == first
    assert dict(User.objects.values_list("username", "password")) == passwords


def test_demo_hierarchy_is_believable():
    call_command("seed_demo")
    kinds = set(Organization.objects.values_list("kind", flat=True))
    assert {"city", "county", "department", "town"} <= kinds
    assert not Organization.objects.filter(kind="town").exclude(parent__kind="county").exists()
    for group in StudyGroup.objects.all():
        size = group.memberships.filter(end_on__isnull=True).count()
        assert 8 <= size <= 15, (group.name, size)
        assert group.name.endswith("理论学习中心组")
        assert group.memberships.filter(role="leader").count() == 1, group.name


def test_seed_demo_prints_every_login(capsys):
    call_command("seed_demo")
    output = capsys.readouterr().out
    assert DEMO_PASSWORD in output
    for login in LOGINS:
        assert login.username in output


@pytest.mark.parametrize("login", LOGINS, ids=lambda login: login.username)
def test_every_demo_login_reaches_its_home(client, login):
    call_command("seed_demo")
    response = client.post(reverse("login"), {"username": login.username, "password": DEMO_PASSWORD}, follow=True)
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == reverse("home")
    page = response.content.decode()
    person = Person.objects.get(user__username=login.username)
    assert f"{person.name},您好" in page
    assert "尚未分配角色" not in page
    expected_panel = {
        "staff": "panel-staff-groups",
        "member": "panel-member-groups",
        "viewer": "panel-viewer-subtree",
        "leader": "panel-viewer-subtree",
        "observer": "panel-observer-visits",
        "inspector": "panel-inspector-scope",
    }[login.role]
    assert expected_panel in page


def test_admin_reaches_the_admin_site(client):
    call_command("seed_demo")
    client.post(reverse("login"), {"username": "admin", "password": DEMO_PASSWORD})
    assert client.get(reverse("admin:index")).status_code == 200


def test_seeding_stays_fast(django_assert_max_num_queries):
    # Everything is written in bulk: the count of queries does not grow with the number of records.
    with django_assert_max_num_queries(3000):
        call_command("seed_demo")


def test_a_demo_seeded_mid_year_reads_as_the_year_so_far():
    with freeze_time("2026-06-15 02:00:00"):
        call_command("seed_demo")
        now = timezone.now()
        held = StudySession.objects.filter(starts_at__lte=now)
        assert held.count() >= 5 * StudyGroup.objects.count()
        assert held.exclude(minutes="").count() / held.count() >= 0.8
        to_come = StudySession.objects.filter(starts_at__gt=now)
        assert not Attendance.objects.filter(session__in=to_come).exists()
        assert not to_come.exclude(minutes="").exists()
        assert to_come.filter(starts_at__lte=now + datetime.timedelta(days=31)).exists()
        staff = User.objects.get(username="staff.city")
        overdue = [row for row in selectors.makeups_open(user=staff) if selectors.overdue(row)]
        assert 1 <= len(overdue) <= 15
        reflections = list(Submission.objects.filter(kind="reflection").values_list("title", flat=True))
        assert len(set(reflections)) == len(reflections)


@pytest.fixture(scope="module")
def year(django_db_setup, django_db_blocker):
    """The demo seeded once on 1 December 2026; every test below reads it, none writes."""
    with django_db_blocker.unblock(), freeze_time(TODAY), transaction.atomic():
        call_command("seed_demo")
        yield timezone.localdate().year
        transaction.set_rollback(True)


def bayou_by_group(year):
    groups = list(StudyGroup.objects.all())
    statuses = checklists.compute(groups, year)
    return {group.code: statuses[group.pk] for group in groups}


def test_the_model_groups_meet_all_eight_items_of_bayou(year):
    statuses = bayou_by_group(year)
    all_met = {code for code, items in statuses.items() if set(items.values()) == {checklists.MET}}
    assert all_met == MODEL_GROUPS == {"lj-jb-zxz", "lj-jb-lw-zxz"}
    assert year_figures(Organization.objects.get(code="lj"), year)["bayou_all_met"] == 2


def test_baisha_is_clearly_behind(year):
    (code,) = BEHIND_GROUPS
    assert bayou_by_group(year)[code] == {
        "rules": "met",
        "plan": "partial",
        "attendance": "partial",
        "minutes": "partial",
        "notes": "partial",
        "reflections": "partial",
        "inspection": "missing",
        "summary": "missing",
    }


def test_a_handful_of_make_ups_are_overdue_not_hundreds(year):
    staff = User.objects.get(username="staff.city")
    open_rows = list(selectors.makeups_open(user=staff))
    overdue = [row for row in open_rows if selectors.overdue(row)]
    assert 1 <= len(overdue) <= 15
    assert len(overdue) == sum(OVERDUE_MAKEUPS.values()) == 8
    assert {row.session.group.code for row in overdue} == set(OVERDUE_MAKEUPS)
    made_up = Attendance.objects.filter(status="made_up")
    assert made_up.count() > len(open_rows)
    # Every made-up row rests on an accepted make-up note for that session.
    for row in made_up:
        assert Submission.objects.filter(
            session=row.session, person=row.person, is_makeup=True, status="approved"
        ).exists(), row


def test_member_chengguan_has_a_make_up_due_and_not_overdue(year):
    user = User.objects.get(username="member.chengguan")
    ((row, due_on, is_overdue),) = selectors.my_makeups(user=user)
    assert row.status == "leave"
    assert not is_overdue
    assert due_on >= timezone.localdate()


def test_most_held_sessions_have_minutes_and_none_to_come_has_records(year):
    now = timezone.now()
    held = StudySession.objects.filter(starts_at__lte=now)
    assert held.exclude(minutes="").count() / held.count() >= 0.8
    assert not held.filter(group__code__in=MODEL_GROUPS, minutes="").exists()
    collective = held.filter(kind="collective").exclude(minutes="").first()
    assert collective.minutes.count("。") >= 4
    title = collective.title.replace("“", "‘").replace("”", "’")
    assert f"围绕“{title}”开展专题学习" in collective.minutes
    to_come = StudySession.objects.filter(starts_at__gt=now)
    assert to_come.exists()
    assert not Attendance.objects.filter(session__in=to_come).exists()
    assert not to_come.exclude(minutes="").exists()
    assert not Speech.objects.filter(session__in=to_come).exists()
    assert not Submission.objects.filter(session__in=to_come).exists()


def test_titles_are_varied_and_no_two_reflections_share_one(year):
    reflections = list(Submission.objects.filter(kind="reflection").values_list("title", flat=True))
    assert len(reflections) >= 50
    assert len(set(reflections)) == len(reflections)
    assert StudySession.objects.values("title").distinct().count() >= 25
    assert Lecture.objects.values("title").distinct().count() >= 6
    assert ResearchTopic.objects.values("title").distinct().count() >= 6
    titles = " ".join(StudySession.objects.values_list("title", flat=True))
    for theme in (
        "党的二十届四中全会精神",
        "习近平新时代中国特色社会主义思想",
        "党纪学习教育",
        "铸牢中华民族共同体意识",
        "高质量发展",
        "乡村全面振兴",
        "安全生产",
        "基层治理",
    ):
        assert theme in titles or PlanTopic.objects.filter(title__contains=theme).exists(), theme


def test_the_coming_month_is_scheduled(year):
    now = timezone.now()
    coming = StudySession.objects.filter(starts_at__gt=now, starts_at__lte=now + datetime.timedelta(days=31))
    assert coming.values("group").distinct().count() == StudyGroup.objects.count() - len(MODEL_GROUPS)
    # The model groups have held this month's study: their next sessions are next month's.
    assert StudySession.objects.filter(group__code__in=MODEL_GROUPS, starts_at__gt=now).count() == 2


def test_what_the_readme_shows_is_there(year):
    now = timezone.now()
    chengguan = StudyGroup.objects.get(code="lj-qh-cg-zxz")
    next_week = chengguan.sessions.filter(starts_at__gt=now).order_by("starts_at").first()
    assert (timezone.localdate(next_week.starts_at) - timezone.localdate()).days == 7
    published = next_week.materials.filter(published_at__isnull=False)
    assert published.count() == 2
    assert StudyConfirmation.objects.filter(material__in=published).count() > 0
    assert next_week.leave_requests.get().status == "pending"
    waiting = ObserverVisit.objects.get(session=next_week, observer__user__username="observer.city")
    assert waiting.pre_review == ""
    filed = ObserverVisit.objects.filter(observer__user__username="observer.city").exclude(findings="")
    assert filed.get().reported_on <= timezone.localdate()
    to_review = selectors.submissions_to_review(user=User.objects.get(username="staff.chengguan"))
    assert to_review.filter(kind="discussion", group=chengguan).exists()
    assert StudyPlan.objects.get(group__code="lj-qh-bs-zxz", year=year).status == "draft"


def test_the_county_can_accept_the_invitation_of_chengguan(year):
    from audits import selectors as audit_selectors

    county = Organization.objects.get(code="lj-qh")
    pool = list(county.observer_pool.filter(is_active=True).values_list("person__organization__code", flat=True))
    assert pool == ["lj-qh", "lj-qh", "lj-qh"]
    assert RoleGrant.objects.filter(organization=county, role="observer").count() == 3
    (invitation,), answered = audit_selectors.invitations(organization=county)
    assert answered == []
    assert invitation.status == "pending"
    assert invitation.session.group.code == "lj-qh-cg-zxz"
    assert (timezone.localdate(invitation.session.starts_at) - timezone.localdate()).days == 7
    assert len(invitation.free_observers) == 3


def test_staff_qinghe_sees_the_invitation_with_observers_to_choose(client, year):
    client.force_login(User.objects.get(username="staff.qinghe"))
    page = client.get(reverse("audits:invitations")).content.decode()
    assert "中共清河县城关镇委员会 · 对标全会精神开展年度理论学习总结交流" in page
    assert "旁听人员库中没有可在该时段参加的人员" not in page
    for person in Person.objects.filter(code__in=["lj-qh-p03", "lj-qh-p04", "lj-qh-p05"]):
        assert f"{person.name} · 中共清河县委员会" in page


def test_observer_city_has_a_report_to_write_within_its_deadline(client, year):
    from audits import services as audit_services

    waiting = ObserverVisit.objects.filter(
        observer__user__username="observer.city", reported_on__isnull=True, session__ends_at__lt=timezone.now()
    )
    (visit,) = waiting
    assert visit.session.group.code == "lj-ds-ty-zxz"
    assert visit.report == ""
    assert (timezone.localdate() - timezone.localdate(visit.session.starts_at)).days <= 5
    assert not audit_services.is_report_late(visit)
    client.force_login(User.objects.get(username="observer.city"))
    page = client.get(reverse("home")).content.decode()
    assert f"撰写旁听报告:中共东山县桃源镇委员会 · {visit.session.title}。" in page


def test_supplementary_topics_of_last_month_and_this_month_have_materials(year):
    from reports.digest import latest_speeches

    supplementary = PlanTopic.objects.filter(is_supplementary=True)
    assert sorted(supplementary.values_list("plan__group__code", "month")) == [
        ("lj-qh-zxz", 11),
        ("lj-qh-zxz", 12),
        ("lj-zxz", 11),
        ("lj-zxz", 12),
    ]
    for topic in supplementary:
        assert topic.materials.filter(published_at__isnull=False).count() == 1
    city = Organization.objects.get(code="lj")
    november = latest_speeches(city.path, year, 11)
    assert [item["title"] for item in november] == ["学习习近平总书记在中央政治局集体学习时的重要讲话精神"] * 2
    assert november[0]["materials"] == ["习近平总书记在中央政治局集体学习时的重要讲话(学习原文)"]
    assert len(latest_speeches(city.path, year, 12)) == 2
    # The city's November digest, the year's eleventh, is compiled and shows them; the issues before are out.
    digest = city.digests.get(year=year, month=11)
    assert (digest.number, digest.status) == (11, "draft")
    assert list(city.digests.filter(year=year).exclude(month=11).values_list("status", flat=True)) == ["published"] * 10
    assert [item["title"] for item in digest.content["speeches"]] == [item["title"] for item in november]


def test_held_sessions_of_recent_months_have_their_pre_study_figure(year):
    from plans.selectors import prestudy_count, prestudy_status

    since = timezone.now() - datetime.timedelta(days=90)
    held = StudySession.objects.filter(starts_at__gte=since, starts_at__lte=timezone.now()).exclude(kind="first_topic")
    with_material = held.filter(materials__published_at__isnull=False).distinct()
    assert with_material.count() / held.count() >= 0.8
    count = prestudy_count(held)
    assert 0.75 <= count.rate < 1
    for session in with_material:
        status = prestudy_status(session=session)
        assert status.percent != "—"
    assert any(prestudy_status(session=s).rate < 1 for s in with_material)


def test_upcoming_sessions_spread_over_mornings_afternoons_and_days(year):
    coming = StudySession.objects.filter(starts_at__gt=timezone.now())
    starts = [timezone.localtime(s.starts_at) for s in coming]
    assert len({(s.hour, s.minute) for s in starts}) >= 4
    assert {s.hour < 12 for s in starts} == {True, False}
    assert len({s.date() for s in starts}) >= len(starts) - 3
    assert not any(s.month == 1 and s.day == 1 for s in starts)
    # Hardly two sessions of the coming month overlap: an observer can attend one after another.
    sessions = sorted(coming, key=lambda s: s.starts_at)
    overlaps = sum(1 for a, b in itertools.pairwise(sessions) if b.starts_at < a.ends_at)
    assert overlaps <= 1


def test_every_seeded_action_of_a_visit_records_its_finding(client, year):
    actions = Action.objects.filter(visit__isnull=False)
    assert actions.count() == 4
    for action in actions:
        assert action.finding in action.visit.finding_lines
    # 柳湾's visit has two findings: the one raised links to its action, the other can still be raised.
    visit = ObserverVisit.objects.get(code="demo-v-lj-jb-lw")
    client.force_login(User.objects.get(username="staff.city"))
    page = client.get(reverse("audits:visit-detail", args=[visit.pk])).content.decode()
    assert page.count("已转为整改事项") == 1
    assert page.count(">转为整改事项<") == 1


# The practice app's part of the demo (practice/demo.py) ------------------------------------------------------


def test_the_towns_of_qinghe_keep_1112_ledgers_most_on_target_member_chengguan_behind_once(year):
    from practice import selectors as practice_selectors

    city = Organization.objects.get(code="lj")
    figures = year_figures(city, year)
    entries = figures["selfstudy_entries"]
    assert entries["field_stay"] > entries["book"] > entries["report"] > 0
    assert 0.3 <= figures["selfstudy_on_target_rate"] < 1
    chengguan = StudyGroup.objects.get(code="lj-qh-cg-zxz")
    table = practice_selectors.group_table(group=chengguan, year=year, today=timezone.localdate())
    row = next(r for r in table.rows if r.seat.person.code == "demo-member.chengguan")
    assert row.behind == 1  # the village stay of two months ago
    assert 0 < table.behind_count < len(table.rows)


def test_the_first_topic_ledger_reports_and_spot_checks_of_qinghe(client, year):
    from practice.models import Recommendation, SessionReport, SpotCheck

    city = Organization.objects.get(code="lj")
    figures = year_figures(city, year)
    studies = StudySession.objects.filter(group__code="lj-qh-cg-zxz", kind="first_topic", actions__isnull=False)
    count = studies.distinct().count()  # the last three held, or fewer
    assert 1 <= count <= 3
    assert (figures["first_topic_actions"], figures["first_topic_actions_done"]) == (2 * count, [0, 1, 3][count - 1])
    towns = StudySession.objects.filter(group__organization__parent__isnull=False)
    assert SessionReport.objects.count() == towns.count()
    assert 0 < SessionReport.objects.filter(is_late=True).count() < towns.count() / 4
    checks = SpotCheck.objects.filter(organization__code="lj-qh")
    assert checks.filter(checked_on__isnull=False).count() == 2 and checks.filter(checked_on__isnull=True).count() == 1
    assert Action.objects.filter(spot_check_finding__isnull=False).count() == 1
    client.force_login(User.objects.get(username="staff.qinghe"))
    assert "已抽中待查记录" in client.get(reverse("practice:calendar")).content.decode()
    picked = Recommendation.objects.filter(group__code="lj-qh-cg-zxz", picked_at__isnull=False)
    assert picked.count() == 2 and picked.filter(lead__code="demo-member.chengguan").exists()


def test_the_demo_ends_with_its_rollups_built_and_no_marks(year, client):
    from reports.dashboard import current_rollup
    from studygroup.models import DirtyRollup

    city = Organization.objects.get(code="lj")
    assert not DirtyRollup.objects.exists()
    with freeze_time(TODAY):
        assert current_rollup(organization=city, year=year) is not None
        client.force_login(User.objects.get(username="leader.city"))
        assert "数据截至" in client.get(reverse("reports:summary") + f"?org={city.pk}&year={year}").content.decode()
