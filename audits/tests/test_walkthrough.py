"""Defects a tester found walking the demo as each role: menus, invitations, workload, coverage, actions."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from audits.models import Action, ObserverVisit, VisitInvitation
from audits.tests.factories import ObserverPoolMemberFactory, ObserverVisitFactory, VisitInvitationFactory
from sessions.tests.factories import StudySessionFactory
from studygroup.navigation import navigation_for
from studygroup.tests.factories import (
    OrganizationFactory,
    PersonFactory,
    RoleGrantFactory,
    StudyGroupFactory,
    user_with_role,
)

pytestmark = pytest.mark.django_db
NOTHING_TO_PLAN = "本单位没有下级中心组,无需安排列席旁听。"


def _session(group, days: int):
    starts = timezone.now() + datetime.timedelta(days=days)
    return StudySessionFactory(group=group, starts_at=starts, ends_at=starts + datetime.timedelta(hours=2))


def _urls(user) -> set[str]:
    urls = set()
    for entry in navigation_for(user):
        urls |= {child["url"] for child in entry.get("children", [entry])}
    return urls


@pytest.fixture
def county():
    city = OrganizationFactory(name="临江市委")
    county = OrganizationFactory(parent=city, name="清河县委")
    town = OrganizationFactory(parent=county, name="城关镇党委")
    other_town = OrganizationFactory(parent=county, name="白沙镇党委")
    observer = ObserverPoolMemberFactory(organization=county, person=PersonFactory(organization=county, name="王巡听"))
    return {
        "city": city,
        "county": county,
        "town": town,
        "other_town": other_town,
        "county_group": StudyGroupFactory(organization=county),
        "town_group": StudyGroupFactory(organization=town),
        "other_group": StudyGroupFactory(organization=other_town),
        "observer": observer.person,
        "county_staff": user_with_role("staff", county),
        "town_staff": user_with_role("staff", town),
    }


# 1. Town staff are not offered planning pages they cannot use -------------------------------------------


def test_town_staff_menu_has_no_planning_entries_and_the_pages_say_why(client, county, django_assert_num_queries):
    planning = {reverse("audits:coverage"), reverse("audits:planning"), reverse("audits:invitations")}
    assert planning <= _urls(county["county_staff"])

    town_staff = county["town_staff"]
    _urls(town_staff)  # the scope is read once per user
    with django_assert_num_queries(0):
        town_urls = _urls(town_staff)
    assert not planning & town_urls
    assert reverse("audits:compliance") in town_urls

    client.force_login(town_staff)
    for name in ("audits:coverage", "audits:planning"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert NOTHING_TO_PLAN in response.content.decode()


# 2. No invitation for a session that has started ---------------------------------------------------------


def test_a_session_that_has_started_cannot_be_offered_for_observation(client, county):
    past = _session(county["town_group"], days=-3)
    client.force_login(county["town_staff"])
    response = client.post(reverse("audits:invite", args=[past.pk]), {"note": "欢迎指导"})
    assert response.status_code == 200
    assert "学习会已开始,不能再邀请上级列席旁听。" in response.content.decode()
    assert not VisitInvitation.objects.exists()


def test_an_invitation_to_a_session_that_has_started_cannot_be_accepted(client, county):
    past = _session(county["town_group"], days=-3)
    invitation = VisitInvitationFactory(session=past, organization=county["county"])
    client.force_login(county["county_staff"])
    page = client.get(reverse("audits:invitations")).content.decode()
    assert "学习会已开始,不能再接受此邀请。" in page and 'name="accept"' not in page

    response = client.post(
        reverse("audits:invitation-answer", args=[invitation.pk]), {"observer": county["observer"].pk}, follow=True
    )
    assert "学习会已开始,不能再接受此邀请。" in response.content.decode()
    invitation.refresh_from_db()
    assert (invitation.status, invitation.visit) == (VisitInvitation.Status.PENDING, None)
    assert not ObserverVisit.objects.exists()


# 3. The pool's workload counts held visits; planned ones apart --------------------------------------------


def test_pool_counts_visits_to_held_sessions_and_shows_planned_ones_apart(client, county):
    observer = county["observer"]
    ObserverVisitFactory(session=_session(county["town_group"], days=-2), observer=observer)
    ObserverVisitFactory(session=_session(county["other_group"], days=-1), observer=observer)
    ObserverVisitFactory(session=_session(county["town_group"], days=5), observer=observer)
    client.force_login(county["county_staff"])
    page = client.get(reverse("audits:planning")).content.decode()
    row = page.split(">王巡听</td>")[1].split("</tr>")[0]
    assert "已旁听 2 · 已安排 1" in row


# 4. One coverage on the dashboard and on the coverage page ------------------------------------------------


def test_coverage_page_and_dashboard_give_the_same_figure_and_the_list_matches_the_planned_count(client, county):
    held = _session(county["town_group"], days=-1)
    year = held.starts_at.year
    ObserverVisitFactory(session=held, organization=county["county"], observer=county["observer"])
    # The city observed the county's own group: the subtree's coverage counts it.
    ObserverVisitFactory(session=_session(county["county_group"], days=-1), organization=county["city"])
    # Two visits still ahead, one arranged by the county and one by the city.
    ObserverVisitFactory(session=_session(county["other_group"], days=4), organization=county["county"])
    ObserverVisitFactory(session=_session(county["town_group"], days=6), organization=county["city"])
    user = county["county_staff"]
    RoleGrantFactory(person=user.person, organization=county["county"], role="viewer")
    client.force_login(user)

    coverage = client.get(reverse("audits:coverage"), {"year": year}).content.decode()
    dashboard = client.get(reverse("reports:dashboard"), {"org": county["county"].pk, "year": year}).content.decode()
    ratio = re.search(r'id="ratio">(\d+)%<', coverage).group(1)
    shown = re.search(r">(\d+)%</div><div class=\"small text-body-secondary\">列席旁听覆盖情况", dashboard).group(1)
    assert ratio == shown == "67"  # 2 groups observed of the subtree's 3
    assert re.search(r'id="planned">(\d+)<', coverage).group(1) == "2"
    visits = coverage.split('id="visits"')[1].split("</tbody>")[0]
    assert visits.count("<tr>") == 4 and visits.count("planned") == 2


# 5. County staff are told of an invitation waiting for them -----------------------------------------------


def test_county_staff_to_do_lists_invitations_waiting_for_an_answer(client, county):
    VisitInvitationFactory(session=_session(county["town_group"], days=8), organization=county["county"])
    VisitInvitationFactory(session=_session(county["other_group"], days=9), organization=county["county"])
    # Answered ones and those for sessions already started wait for nothing.
    VisitInvitationFactory(
        session=_session(county["town_group"], days=10),
        organization=county["county"],
        status=VisitInvitation.Status.DECLINED,
    )
    VisitInvitationFactory(session=_session(county["other_group"], days=-1), organization=county["county"])
    client.force_login(county["county_staff"])
    page = client.get(reverse("home")).content.decode()
    tasks = page.split('id="panel-to-do"')[1].split("</section>")[0]
    assert "清河县委:有 2 个旁听邀请待答复。" in tasks
    assert f"{reverse('audits:invitations')}?org={county['county'].pk}" in tasks


# 6. Overdue count and "My actions" read one definition ---------------------------------------------------


def test_overdue_count_counts_only_the_actions_waiting_for_the_user_in_one_query(
    client, county, django_assert_num_queries
):
    from audits import home_panels
    from studygroup import access

    raiser = county["county_staff"]
    owner = PersonFactory(organization=county["town"])
    long_ago = timezone.localdate() - datetime.timedelta(days=40)
    common = {"group": county["town_group"], "raised_by": raiser, "raised_on": long_ago, "due_on": long_ago}
    # Raised by the county, overdue with their owner in the town: not the county's to carry out.
    Action.objects.create(code="a1", problem="发言不联系实际", owner=owner, **common)
    Action.objects.create(code="a2", problem="方案报备不及时", owner=owner, status="in_progress", **common)
    # Done past its due date, waiting for the county's acceptance: to accept, never overdue.
    Action.objects.create(code="a3", problem="研讨不够深入", owner=owner, status="done", evidence="已整改", **common)
    # Owned by the county staff themselves and overdue.
    Action.objects.create(code="a4", problem="学习资料未按时印发", owner=raiser.person, **common)

    client.force_login(raiser)
    page = client.get(reverse("home")).content.decode()
    tasks = page.split('id="panel-to-do"')[1].split("</section>")[0]
    assert "您负责的整改事项有 1 项已逾期。" in tasks
    assert "您提出的整改事项有 1 项已报完成,待您验收。" in tasks
    card = page.split('id="panel-my-actions"')[1].split("</section>")[0]
    assert "研讨不够深入" in card and "学习资料未按时印发" in card
    assert "发言不联系实际" not in card and "方案报备不及时" not in card

    listed = client.get(reverse("audits:action-list"), {"waiting": "1", "status": "overdue"}).content.decode()
    assert "学习资料未按时印发" in listed and listed.count('class="table-danger"') == 1

    scope = access.scope_for(raiser)
    with django_assert_num_queries(1):
        home_panels.my_actions_overdue(raiser, scope)
    with django_assert_num_queries(1):
        home_panels.my_actions_to_accept(raiser, scope)


# 8. The acceptance form and the reader's note are never shown together -------------------------------------


def test_raiser_sees_the_acceptance_form_or_their_own_note_and_never_the_readers_note(client, county):
    raiser = county["county_staff"]
    owner = PersonFactory(organization=county["town"])
    today = timezone.localdate()
    common = {"group": county["town_group"], "raised_by": raiser, "raised_on": today, "due_on": today, "owner": owner}
    done = Action.objects.create(code="d", problem="已办结待验收", status="done", evidence="已整改", **common)
    open_action = Action.objects.create(code="o", problem="整改中", status="in_progress", **common)
    readers_note = "由提出人验收;您可以查阅。"

    client.force_login(raiser)
    page = client.get(done.get_absolute_url()).content.decode()
    assert "验收通过" in page and readers_note not in page
    page = client.get(open_action.get_absolute_url()).content.decode()
    assert "验收通过" not in page and readers_note not in page
    assert "此整改事项由您提出:责任主体报告完成后,请在此验收。" in page

    client.force_login(user_with_role("viewer", county["county"]))
    page = client.get(done.get_absolute_url()).content.decode()
    assert "验收通过" not in page and readers_note in page
