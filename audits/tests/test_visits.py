"""Observer visits: the random draw, cross pairs, the 14-day rule, the report deadline, what an observer sees."""

import datetime
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from audits import draw, services
from audits.models import ObserverVisit, RandomDraw
from audits.tests.factories import ObserverPoolMemberFactory, ObserverVisitFactory
from plans.tests.factories import MaterialFactory, StudyPlanFactory
from sessions.tests.factories import LeaveRequestFactory, StudySessionFactory
from studygroup.models import Organization
from studygroup.tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    PersonFactory,
    StudyGroupFactory,
    user_with_role,
)

pytestmark = pytest.mark.django_db
DUE = timezone.localdate() + datetime.timedelta(days=30)  # a deadline not yet passed


@pytest.fixture
def city():
    """A city with two counties of three towns each; every organization has a group and a session in March."""
    root = OrganizationFactory(kind=Organization.Kind.CITY, name="市委")
    tree = {"city": root, "counties": [], "towns": []}
    for c in range(2):
        county = OrganizationFactory(parent=root, kind="county", name=f"县{c}")
        tree["counties"].append(county)
        for t in range(3):
            tree["towns"].append(OrganizationFactory(parent=county, name=f"县{c}镇{t}"))
    for organization in [root, *tree["counties"], *tree["towns"]]:
        group = StudyGroupFactory(organization=organization)
        starts = datetime.datetime(2026, 3, 10 + organization.pk % 10, 1, tzinfo=datetime.UTC)
        StudySessionFactory(group=group, starts_at=starts, ends_at=starts + datetime.timedelta(hours=2))
    tree["staff"] = user_with_role("staff", root)
    return tree


def pool_of(city, organizations):
    return [
        ObserverPoolMemberFactory(organization=city["city"], person=PersonFactory(organization=o))
        for o in organizations
    ]


def test_same_seed_and_inputs_give_the_same_draw(city):
    pool_of(city, [city["city"], *city["counties"]])
    first = services.random_draw(
        organization=city["city"],
        date_from=datetime.date(2026, 3, 1),
        date_to=datetime.date(2026, 3, 31),
        count=5,
        seed="2026-03",
        by=city["staff"],
    )
    assert draw.run(first.seed, first.inputs) == first.result
    assert draw.run("another seed", first.inputs) != first.result or len(first.result) <= 1
    ObserverVisit.objects.all().delete()
    second = services.random_draw(
        organization=city["city"],
        date_from=datetime.date(2026, 3, 1),
        date_to=datetime.date(2026, 3, 31),
        count=5,
        seed="2026-03",
        by=city["staff"],
    )
    assert second.result == first.result
    assert second.inputs == first.inputs


def test_never_own_organization_or_one_above(city):
    # A town's observer may not observe their town or its county; a county's observer not their county.
    pool_of(city, [city["towns"][0], city["towns"][4], city["counties"][1]])
    record = services.random_draw(
        organization=city["city"],
        date_from=datetime.date(2026, 3, 1),
        date_to=datetime.date(2026, 3, 31),
        count=8,
        seed="s",
        by=city["staff"],
    )
    assert len(record.result) == 8
    for visit in ObserverVisit.objects.select_related("session__group__organization", "observer__organization"):
        assert not visit.observer.organization.path.startswith(visit.session.group.organization.path)
    with pytest.raises(ValidationError):
        services.visit_assign(
            organization=city["city"],
            session=city["counties"][0].study_group.sessions.get(),
            observer=city["towns"][0].people.get(),
            mode="fixed",
            by=city["staff"],
        )


def test_unobserved_groups_first_and_workload_even(city):
    pool_of(city, [city["city"], city["city"], city["city"]])  # the city observes everything below it
    observed_town = city["towns"][0]
    ObserverVisitFactory(session=observed_town.study_group.sessions.get(), organization=city["city"])
    record = services.random_draw(
        organization=city["city"],
        date_from=datetime.date(2026, 3, 1),
        date_to=datetime.date(2026, 3, 31),
        count=6,
        seed="even",
        by=city["staff"],
    )
    drawn_groups = {
        ObserverVisit.objects.get(session_id=s, observer_id=o).session.group.organization for s, o in record.result
    }
    assert observed_town not in drawn_groups
    assert len(drawn_groups) == 6
    load = Counter(o for _s, o in record.result)
    assert max(load.values()) - min(load.values()) <= 1 and len(load) == 3


def test_draw_page_confirms_the_rerun(client, city):
    pool_of(city, [city["city"]])
    record = services.random_draw(
        organization=city["city"],
        date_from=datetime.date(2026, 3, 1),
        date_to=datetime.date(2026, 3, 31),
        count=2,
        seed="page",
        by=city["staff"],
    )
    client.force_login(city["staff"])
    assert "结果一致" in client.get(reverse("audits:draw-detail", args=[record.pk])).content.decode()
    RandomDraw.objects.filter(pk=record.pk).update(result=[[0, 0]])
    assert "结果不一致" in client.get(reverse("audits:draw-detail", args=[record.pk])).content.decode()


def test_cross_pairs_members_observe_each_other(city):
    county = city["counties"][0]
    staff = user_with_role("staff", county)
    a, b = city["towns"][0].study_group, city["towns"][1].study_group
    member_a, member_b = MembershipFactory(group=a).person, MembershipFactory(group=b).person
    one, two = services.cross_pair(
        organization=county,
        first=a.sessions.get(),
        second=b.sessions.get(),
        observer_of_first=member_b,
        observer_of_second=member_a,
        by=staff,
    )
    assert (one.session.group, one.observer, one.mode) == (a, member_b, "cross")
    assert (two.session.group, two.observer) == (b, member_a)
    with pytest.raises(ValidationError):
        services.cross_pair(
            organization=county,
            first=a.sessions.get(),
            second=b.sessions.get(),
            observer_of_first=member_a,
            observer_of_second=member_b,
            by=staff,
        )
    other_county_town = city["towns"][3].study_group
    with pytest.raises(ValidationError):
        services.cross_pair(
            organization=city["city"],
            first=a.sessions.get(),
            second=other_county_town.sessions.get(),
            observer_of_first=MembershipFactory(group=other_county_town).person,
            observer_of_second=member_a,
            by=city["staff"],
        )


def visit_for(observer_user, starts):
    town = OrganizationFactory(parent=OrganizationFactory())
    session = StudySessionFactory(
        group=StudyGroupFactory(organization=town), starts_at=starts, ends_at=starts + datetime.timedelta(hours=2)
    )
    return ObserverVisitFactory(session=session, organization=town.parent, observer=observer_user.person)


def test_fourteen_day_rule(settings):
    settings.PRE_REVIEW_DAYS = 14
    observer = user_with_role("observer", OrganizationFactory())
    starts = datetime.datetime(2026, 6, 30, 1, tzinfo=datetime.UTC)
    on_time, late = visit_for(observer, starts), visit_for(observer, starts)
    with freeze_time("2026-06-16 10:00"):
        services.visit_pre_review(visit=on_time, decision="approved", comment="", by=observer)
    with freeze_time("2026-06-20 10:00"):
        services.visit_pre_review(visit=late, decision="changes", comment="研讨题目再聚焦", by=observer)
        assert services.pre_review_deadline(on_time) == datetime.date(2026, 6, 16)
        assert not services.is_pre_review_late(on_time)
        assert services.is_pre_review_late(late)
        with pytest.raises(ValidationError):
            services.visit_pre_review(visit=late, decision="changes", comment="", by=observer)
    with freeze_time("2026-06-30 10:00"), pytest.raises(ValidationError):
        services.visit_pre_review(visit=on_time, decision="approved", comment="", by=observer)


def test_report_deadline_and_draft_then_file(settings):
    settings.VISIT_REPORT_DAYS = 7
    observer = user_with_role("observer", OrganizationFactory())
    starts = datetime.datetime(2026, 6, 30, 1, tzinfo=datetime.UTC)
    visit = visit_for(observer, starts)
    with freeze_time("2026-06-29 10:00"), pytest.raises(ValidationError):
        services.visit_report(visit=visit, rating="good", report="x", findings="", file=True, by=observer)
    with freeze_time("2026-07-03 10:00"):
        services.visit_report(visit=visit, rating="", report="写了一半", findings="", file=False, by=observer)
        assert visit.reported_on is None and not services.is_report_late(visit)
        with pytest.raises(ValidationError):
            services.visit_report(visit=visit, rating="", report="写完", findings="", file=True, by=observer)
    with freeze_time("2026-07-08 10:00"):
        services.visit_report(
            visit=visit, rating="good", report="总体良好", findings="研讨不够聚焦\n总结不够深", file=True, by=observer
        )
        assert visit.reported_on == datetime.date(2026, 7, 8)
        assert services.report_deadline(visit) == datetime.date(2026, 7, 7)
        assert services.is_report_late(visit)
    assert visit.finding_lines == ["研讨不够聚焦", "总结不够深"]


def test_a_finding_becomes_an_action_in_one_step(client):
    observer = user_with_role("observer", OrganizationFactory())
    visit = visit_for(observer, timezone.now() - datetime.timedelta(days=1))
    owner = MembershipFactory(group=visit.session.group).person
    client.force_login(observer)
    response = client.post(
        reverse("audits:visit-action", args=[visit.pk]) + "?finding=研讨不够聚焦",
        {"problem": "研讨不够聚焦", "measure": "会前细化题目", "owner": owner.pk, "due_on": DUE.isoformat()},
    )
    assert response.status_code == 302
    action = visit.actions.get()
    assert (action.group, action.owner, action.status) == (visit.session.group, owner, "open")
    assert action.changes.count() == 1


def test_observer_sees_only_through_the_visit(client):
    county = OrganizationFactory()
    town = OrganizationFactory(parent=county)
    group = StudyGroupFactory(organization=town)
    observer = user_with_role("observer", county)
    ObserverPoolMemberFactory(organization=county, person=observer.person)
    watched = StudySessionFactory(group=group)
    other = StudySessionFactory(group=group)
    material = MaterialFactory(group=group, session=watched)
    other_material = MaterialFactory(group=group, session=other)
    plan = StudyPlanFactory(group=group, status="approved")
    client.force_login(observer)
    assert client.get(watched.get_absolute_url()).status_code == 404  # not yet assigned
    visit = ObserverVisitFactory(session=watched, organization=county, observer=observer.person)
    assert client.get(visit.get_absolute_url()).status_code == 200
    assert client.get(watched.get_absolute_url()).status_code == 200
    assert client.get(material.get_absolute_url()).status_code == 200
    for url in [
        other.get_absolute_url(),
        other_material.get_absolute_url(),
        plan.get_absolute_url(),
        group.get_absolute_url(),
        reverse("core:org-detail", args=[town.pk]),
        reverse("sessions:attendance", args=[other.pk]),
    ]:
        assert client.get(url).status_code == 404, url
    page = client.get(reverse("core:org-tree")).content.decode()
    assert town.name not in page


def test_an_observer_sees_who_is_on_leave_but_not_why(client):
    group = StudyGroupFactory(organization=OrganizationFactory(parent=OrganizationFactory()))
    session = StudySessionFactory(group=group)
    leave = LeaveRequestFactory(session=session, reason="赴省委党校参加培训")
    observer = user_with_role("observer", group.organization.parent)
    ObserverVisitFactory(session=session, observer=observer.person)
    client.force_login(observer)
    page = client.get(session.get_absolute_url()).content.decode()
    assert leave.person.name in page and "赴省委党校参加培训" not in page


def test_invited_mode(client):
    county = OrganizationFactory()
    town = OrganizationFactory(parent=county)
    session = StudySessionFactory(group=StudyGroupFactory(organization=town))
    town_staff, county_staff = user_with_role("staff", town), user_with_role("staff", county)
    observer = ObserverPoolMemberFactory(organization=county, person=PersonFactory(organization=county)).person
    invitation = services.invitation_create(session=session, note="欢迎指导", by=town_staff)
    with pytest.raises(ValidationError):
        services.invitation_create(session=session, note="", by=town_staff)
    visit = services.invitation_accept(invitation=invitation, observer=observer, by=county_staff)
    assert visit.mode == "invited" and invitation.status == "accepted"


def test_visit_pages_are_closed_to_another_county(client):
    visit = ObserverVisitFactory()
    client.force_login(user_with_role("staff", OrganizationFactory()))
    for name in ["audits:visit-detail", "audits:visit-report", "audits:visit-action"]:
        assert client.get(reverse(name, args=[visit.pk])).status_code == 404, name


def test_report_draft_is_saved_while_typing(client):
    observer = user_with_role("observer", OrganizationFactory())
    visit = visit_for(observer, timezone.now() - datetime.timedelta(hours=3))
    client.force_login(observer)
    response = client.post(
        reverse("audits:visit-report-draft", args=[visit.pk]), {"rating": "", "report": "边听边记", "findings": ""}
    )
    assert "自动保存草稿" in response.content.decode()
    visit.refresh_from_db()
    assert visit.report == "边听边记" and visit.reported_on is None
    client.force_login(user_with_role("observer", OrganizationFactory()))
    assert client.post(reverse("audits:visit-report-draft", args=[visit.pk]), {"report": "x"}).status_code == 404


def test_the_group_sees_the_observers_review_on_its_session(client):
    observer = user_with_role("observer", OrganizationFactory())
    visit = visit_for(observer, timezone.now() + datetime.timedelta(days=20))
    services.visit_pre_review(visit=visit, decision="changes", comment="请补充研讨提纲", by=observer)
    client.force_login(user_with_role("staff", visit.session.group.organization))
    page = client.get(visit.session.get_absolute_url()).content.decode()
    assert "请补充研讨提纲" in page and "需修改" in page


def test_coverage_view_highlights_unobserved_groups_and_gives_the_share(client, city):
    observed = city["towns"][0].study_group
    ObserverVisitFactory(session=observed.sessions.get(), organization=city["city"])
    client.force_login(city["staff"])
    page = client.get(reverse("audits:coverage") + "?year=2026").content.decode()
    rows = page.split('id="coverage"')[1].split("</table>")[0]
    assert rows.count("table-danger") == 8  # the city, 2 counties and 6 towns, one of them observed
    from audits import selectors

    # 1 of the 9 groups of the subtree, the city's own included (records-format.md, observation_coverage)
    assert selectors.coverage_summary(organization=city["city"], year=2026)[0].ratio == 0.1111
    assert 'id="ratio">11%' in page


def test_pool_shows_each_observers_workload_this_year(city):
    from audits import selectors

    member = ObserverPoolMemberFactory(organization=city["city"], person=PersonFactory(organization=city["city"]))
    for town in city["towns"][:2]:
        ObserverVisitFactory(session=town.study_group.sessions.get(), organization=city["city"], observer=member.person)
    assert {m.person_id: m.workload for m in selectors.pool(organization=city["city"], year=2026)} == {
        member.person_id: 2
    }


def test_listening_during_the_session():
    observer = user_with_role("observer", OrganizationFactory())
    visit = visit_for(observer, timezone.now() + datetime.timedelta(days=1))
    with pytest.raises(ValidationError):
        services.visit_listen(
            visit=visit, discussion_focused=True, summary_deep=True, notes="", gave_talk=False, by=observer
        )
    visit = visit_for(observer, timezone.now() - datetime.timedelta(minutes=30))
    services.visit_listen(
        visit=visit, discussion_focused=True, summary_deep=False, notes="研讨热烈", gave_talk=True, by=observer
    )
    visit.refresh_from_db()
    assert (visit.discussion_focused, visit.summary_deep, visit.gave_talk, visit.listening_notes) == (
        True,
        False,
        True,
        "研讨热烈",
    )


def _session_at(organization, starts, hours=2):
    group = getattr(organization, "study_group", None) or StudyGroupFactory(organization=organization)
    return StudySessionFactory(group=group, starts_at=starts, ends_at=starts + datetime.timedelta(hours=hours))


def test_a_draw_never_sends_one_observer_to_two_sessions_at_once(city):
    # Six towns meet at the same hour on 20 March; the only observer already has a visit at that hour.
    (observer,) = (m.person for m in pool_of(city, [city["city"]]))
    same_hour = datetime.datetime(2026, 3, 20, 1, tzinfo=datetime.UTC)
    for town in city["towns"]:
        _session_at(town, same_hour)
    earlier = _session_at(city["counties"][0], same_hour - datetime.timedelta(minutes=30))
    ObserverVisitFactory(session=earlier, organization=city["city"], observer=observer)
    record = services.random_draw(
        organization=city["city"],
        date_from=datetime.date(2026, 3, 20),
        date_to=datetime.date(2026, 3, 20),
        count=6,
        seed="same-hour",
        by=city["staff"],
    )
    assert record.result == []
    assert draw.uncovered(record.inputs, record.result) == sorted(s[0] for s in record.inputs["sessions"])
    assert ObserverVisit.objects.filter(observer=observer).count() == 1


def test_a_draw_over_a_pool_smaller_than_the_sessions_says_what_stayed_uncovered(client, city):
    observers = [m.person for m in pool_of(city, [city["city"], city["city"]])]
    same_hour = datetime.datetime(2026, 4, 8, 1, tzinfo=datetime.UTC)
    sessions = [_session_at(town, same_hour) for town in city["towns"][:5]]
    record = services.random_draw(
        organization=city["city"],
        date_from=datetime.date(2026, 4, 8),
        date_to=datetime.date(2026, 4, 8),
        count=5,
        seed="small-pool",
        by=city["staff"],
    )
    assert sorted(o for _s, o in record.result) == sorted(o.pk for o in observers)  # one session each
    left = draw.uncovered(record.inputs, record.result)
    assert len(left) == 3 and set(left) | {s for s, _o in record.result} == {s.pk for s in sessions}
    for visit in ObserverVisit.objects.select_related("session"):
        clashes = ObserverVisit.objects.filter(
            observer=visit.observer,
            session__starts_at__lt=visit.session.ends_at,
            session__ends_at__gt=visit.session.starts_at,
        ).exclude(pk=visit.pk)
        assert not clashes.exists()
    client.force_login(city["staff"])
    page = client.get(reverse("audits:draw-detail", args=[record.pk])).content.decode()
    assert "结果一致" in page
    uncovered = page.split('id="uncovered"')[1].split("</div>")[0]
    assert "要求抽取5场学习会,只为其中2场安排到旁听人员" in uncovered and "旁听人员库人数不足" in uncovered
    for session in sessions:
        assert (session.title in uncovered) == (session.pk in left)


def test_a_session_the_organization_already_observes_is_neither_drawn_nor_called_uncovered(client, city):
    (observer,) = (m.person for m in pool_of(city, [city["city"]]))
    same_hour = datetime.datetime(2026, 6, 9, 1, tzinfo=datetime.UTC)
    observed, other = (_session_at(town, same_hour) for town in city["towns"][:2])
    ObserverVisitFactory(session=observed, organization=city["city"], observer=observer)
    record = services.random_draw(
        organization=city["city"],
        date_from=datetime.date(2026, 6, 9),
        date_to=datetime.date(2026, 6, 9),
        count=2,
        seed="covered",
        by=city["staff"],
    )
    assert [s[0] for s in record.inputs["sessions"]] == [other.pk]
    assert record.result == [] and draw.uncovered(record.inputs, record.result) == [other.pk]
    client.force_login(city["staff"])
    page = client.get(reverse("audits:draw-detail", args=[record.pk])).content.decode()
    uncovered = page.split('id="uncovered"')[1].split("</div>")[0]
    assert other.title in uncovered and observed.title not in uncovered
    assert ObserverVisit.objects.get().session == observed


def test_the_draw_form_says_the_pool_is_too_small_and_a_second_click_draws_nothing(client, city):
    pool_of(city, [city["city"]])
    same_hour = datetime.datetime(2026, 5, 12, 1, tzinfo=datetime.UTC)
    for town in city["towns"][:3]:
        _session_at(town, same_hour)
    client.force_login(city["staff"])
    body = {
        "form": "draw",
        "org": city["city"].pk,
        "date_from": "2026-05-12",
        "date_to": "2026-05-12",
        "count": 3,
        "seed": "",
        "request_key": "5b7c2f0e-1d1a-4a7e-9a53-0c2b9d3f8e11",
    }
    response = client.post(reverse("audits:planning"), body, follow=True)
    page = response.content.decode()
    assert "旁听人员库人数不足,无法覆盖要求抽取的全部学习会:有2场学习会未安排旁听人员" in page
    again = client.post(reverse("audits:planning"), body).content.decode()
    assert "本次抽签已完成,未重复抽取。" in again
    assert RandomDraw.objects.count() == 1 and ObserverVisit.objects.count() == 1


def test_old_draws_without_times_still_re_run_to_the_same_result():
    # The inputs of a draw stored before session times were kept (three-element sessions, no ``busy``).
    inputs = {
        "sessions": [[11, 1, "0001.0002."], [12, 2, "0001.0003."], [13, 2, "0001.0003."], [14, 3, "0001.0004."]],
        "observers": [[7, "0001."], [8, "0001.0002."]],
        "observed": {"1": 1},
        "workload": {"7": 2},
        "count": 3,
    }
    assert draw.run("2026-03", inputs) == [[12, 8], [14, 8], [11, 7]]  # what the draw gave before times were kept


def test_a_fixed_assignment_refuses_an_observer_already_busy_at_that_time(city):
    (observer,) = (m.person for m in pool_of(city, [city["city"]]))
    starts = datetime.datetime(2026, 6, 3, 1, tzinfo=datetime.UTC)
    first = _session_at(city["towns"][0], starts)
    second = _session_at(city["towns"][1], starts + datetime.timedelta(hours=1))
    services.visit_assign(organization=city["city"], session=first, observer=observer, mode="fixed", by=city["staff"])
    with pytest.raises(ValidationError) as refusal:
        services.visit_assign(
            organization=city["city"], session=second, observer=observer, mode="fixed", by=city["staff"]
        )
    assert "at that time" in str(refusal.value) or "该时段" in str(refusal.value)
    assert list(ObserverVisit.objects.values_list("session_id", flat=True)) == [first.pk]
    later = _session_at(city["towns"][2], starts + datetime.timedelta(hours=2))  # starts when the first ends
    services.visit_assign(organization=city["city"], session=later, observer=observer, mode="fixed", by=city["staff"])


def test_coverage_counts_only_visits_whose_session_has_started(client, city):
    from audits import selectors

    with freeze_time("2026-03-15 12:00"):
        past = _session_at(city["towns"][0], datetime.datetime(2026, 3, 2, 1, tzinfo=datetime.UTC))
        ahead = _session_at(city["towns"][1], datetime.datetime(2026, 3, 25, 1, tzinfo=datetime.UTC))
        ObserverVisitFactory(session=past, organization=city["city"])
        ObserverVisitFactory(session=ahead, organization=city["city"])
        groups = selectors.with_visit_counts(list(selectors.coverage_groups(city["city"])), 2026)
        counts = {g.organization: (g.visit_count, g.planned_count) for g in groups}
        assert counts[city["towns"][0]] == (1, 0) and counts[city["towns"][1]] == (0, 1)
        assert selectors.coverage_summary(organization=city["city"], year=2026)[0].ratio == 0.1111
        client.force_login(city["staff"])
        page = client.get(reverse("audits:coverage") + "?year=2026").content.decode()
    assert 'id="ratio">11%' in page and 'id="planned">1<' in page
    assert page.split('id="coverage"')[1].split("</table>")[0].count("table-danger") == 8


def test_double_clicks_on_planning_buttons_act_once(client, city):
    from studygroup.models import Notification

    member = ObserverPoolMemberFactory(organization=city["city"], person=PersonFactory(organization=city["city"]))
    client.force_login(city["staff"])
    url = reverse("audits:pool-toggle", args=[member.pk])
    client.post(url, {"is_active": "0"})
    client.post(url, {"is_active": "0"})
    member.refresh_from_db()
    assert member.is_active is False

    observer = user_with_role("observer", OrganizationFactory())
    visit = visit_for(observer, timezone.now() + datetime.timedelta(days=20))
    for _click in range(2):
        services.visit_pre_review(visit=visit, decision="changes", comment="请补充研讨提纲", by=observer)
    assert Notification.objects.filter(verb="visit_pre_review").count() == 0  # the group has no staff login
    staff = user_with_role("staff", visit.session.group.organization)
    services.visit_pre_review(visit=visit, decision="approved", comment="", by=observer)
    services.visit_pre_review(visit=visit, decision="approved", comment="", by=observer)
    assert Notification.objects.filter(recipient=staff, verb="visit_pre_review").count() == 1

    town = city["towns"][0]
    session = _session_at(town, timezone.now() + datetime.timedelta(days=9))
    client.force_login(user_with_role("staff", town))
    for _click in range(2):
        assert client.post(reverse("audits:invite", args=[session.pk]), {"note": ""}).status_code in (200, 302)
    county_staff = user_with_role("staff", town.parent)
    assert session.invitations.count() == 1
    assert Notification.objects.filter(verb="visit_invited").exclude(recipient=county_staff).count() == 0


def test_filing_an_empty_report_shows_the_form_again_with_the_missing_fields_named(client):
    observer = user_with_role("observer", OrganizationFactory())
    visit = visit_for(observer, timezone.now() - datetime.timedelta(hours=3))
    client.force_login(observer)
    response = client.post(
        reverse("audits:visit-report", args=[visit.pk]), {"rating": "", "report": "  ", "findings": "", "file": "1"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "请选择评价" in page and "请撰写旁听报告" in page
    visit.refresh_from_db()
    assert visit.reported_on is None
