"""Invitations to observe (应邀式): from the town's click to the county's accepted visit."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audits.models import ObserverVisit, VisitInvitation
from audits.tests.factories import ObserverPoolMemberFactory, ObserverVisitFactory, VisitInvitationFactory
from sessions.tests.factories import StudySessionFactory
from studygroup.models import Notification
from studygroup.tests.factories import OrganizationFactory, PersonFactory, StudyGroupFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def county():
    county = OrganizationFactory(name="青河县委")
    town = OrganizationFactory(parent=county, name="城关镇党委")
    starts = timezone.now() + datetime.timedelta(days=10)
    session = StudySessionFactory(
        group=StudyGroupFactory(organization=town),
        title="学习贯彻全会精神",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
    )
    observer = ObserverPoolMemberFactory(organization=county, person=PersonFactory(organization=county, name="王巡听"))
    return {
        "county": county,
        "town": town,
        "session": session,
        "observer": observer.person,
        "town_staff": user_with_role("staff", town),
        "county_staff": user_with_role("staff", county),
    }


def test_an_invitation_leads_the_upper_level_to_a_page_where_it_accepts(client, county):
    session, observer = county["session"], county["observer"]
    client.force_login(county["town_staff"])
    response = client.post(reverse("audits:invite", args=[session.pk]), {"note": "欢迎莅临指导"})
    assert response.status_code == 302

    notification = Notification.objects.get(recipient=county["county_staff"], verb="visit_invited")
    client.force_login(county["county_staff"])
    page = client.get(notification.url)
    assert page.status_code == 200
    waiting = page.content.decode().split('id="waiting"')[1].split("</section>")[0]
    assert "城关镇党委 · 学习贯彻全会精神" in waiting and "欢迎莅临指导" in waiting and "王巡听" in waiting

    invitation = VisitInvitation.objects.get()
    response = client.post(reverse("audits:invitation-answer", args=[invitation.pk]), {"observer": observer.pk})
    assert response.url == f"{reverse('audits:invitations')}?org={county['county'].pk}"
    visit = ObserverVisit.objects.get()
    assert (visit.session, visit.observer, visit.mode, visit.organization) == (
        session,
        observer,
        "invited",
        county["county"],
    )
    invitation.refresh_from_db()
    assert (invitation.status, invitation.visit) == ("accepted", visit)
    page = client.get(notification.url).content.decode()
    answered = page.split('id="answered"')[1]
    assert "学习贯彻全会精神" in answered and "王巡听" in answered and "已接受" in answered
    assert Notification.objects.filter(recipient=county["town_staff"], verb="visit_invitation_answered").count() == 1
    assert Notification.objects.filter(recipient=observer.user, verb="visit_assigned").count() == (
        1 if observer.user_id else 0
    )

    # A second click on the answer changes nothing.
    again = client.post(reverse("audits:invitation-answer", args=[invitation.pk]), {"observer": observer.pk})
    assert again.status_code == 302
    assert ObserverVisit.objects.count() == 1


def test_the_upper_level_declines(client, county):
    invitation = VisitInvitationFactory(session=county["session"], organization=county["county"])
    client.force_login(county["county_staff"])
    client.post(reverse("audits:invitation-answer", args=[invitation.pk]), {"decline": "1"})
    invitation.refresh_from_db()
    assert invitation.status == "declined" and ObserverVisit.objects.count() == 0
    page = client.get(reverse("audits:invitations")).content.decode()
    assert "已婉拒" in page.split('id="answered"')[1] or "婉拒" in page.split('id="answered"')[1]


def test_only_observers_free_at_that_time_and_allowed_to_go_are_offered(client, county):
    busy = ObserverPoolMemberFactory(
        organization=county["county"], person=PersonFactory(organization=county["county"], name="李已排")
    ).person
    session = county["session"]
    other_town = OrganizationFactory(parent=county["county"])
    ObserverVisitFactory(
        observer=busy,
        organization=county["county"],
        session=StudySessionFactory(
            group=StudyGroupFactory(organization=other_town),
            starts_at=session.starts_at + datetime.timedelta(minutes=30),
            ends_at=session.ends_at + datetime.timedelta(hours=1),
        ),
    )
    town_person = ObserverPoolMemberFactory(
        organization=county["county"], person=PersonFactory(organization=county["town"], name="赵本镇")
    ).person
    VisitInvitationFactory(session=session, organization=county["county"])
    client.force_login(county["county_staff"])
    waiting = client.get(reverse("audits:invitations")).content.decode().split('id="waiting"')[1]
    assert "王巡听" in waiting and "李已排" not in waiting and "赵本镇" not in waiting
    invitation = VisitInvitation.objects.get()
    client.post(reverse("audits:invitation-answer", args=[invitation.pk]), {"observer": busy.pk})
    client.post(reverse("audits:invitation-answer", args=[invitation.pk]), {"observer": town_person.pk})
    invitation.refresh_from_db()
    assert invitation.status == "pending" and not ObserverVisit.objects.filter(session=session).exists()


def test_an_observer_already_going_to_the_session_is_not_offered_for_it(client, county):
    session = county["session"]
    ObserverVisitFactory(observer=county["observer"], organization=county["county"], session=session)
    VisitInvitationFactory(session=session, organization=county["county"])
    client.force_login(county["county_staff"])
    waiting = client.get(reverse("audits:invitations")).content.decode().split('id="waiting"')[1]
    assert "王巡听" not in waiting


def test_invitations_page_query_count_does_not_grow(client, county, django_assert_num_queries):
    client.force_login(county["county_staff"])

    def invite(n):
        for _ in range(n):
            starts = timezone.now() + datetime.timedelta(days=20)
            VisitInvitationFactory(
                organization=county["county"],
                session=StudySessionFactory(
                    group=StudyGroupFactory(organization=OrganizationFactory(parent=county["county"])),
                    starts_at=starts,
                    ends_at=starts + datetime.timedelta(hours=2),
                ),
            )

    invite(1)
    client.get(reverse("audits:invitations"))
    with django_assert_num_queries(13) as first:
        client.get(reverse("audits:invitations"))
    invite(4)
    with django_assert_num_queries(len(first.captured_queries)):
        client.get(reverse("audits:invitations"))


def test_another_county_sees_and_answers_nothing(client, county):
    invitation = VisitInvitationFactory(session=county["session"], organization=county["county"])
    stranger = user_with_role("staff", OrganizationFactory(parent=county["county"].parent))
    client.force_login(stranger)
    assert "学习贯彻全会精神" not in client.get(reverse("audits:invitations")).content.decode()
    assert client.get(f"{reverse('audits:invitations')}?org={county['county'].pk}").status_code == 200
    assert (
        "学习贯彻全会精神"
        not in client.get(f"{reverse('audits:invitations')}?org={county['county'].pk}").content.decode()
    )
    response = client.post(
        reverse("audits:invitation-answer", args=[invitation.pk]), {"observer": county["observer"].pk}
    )
    assert response.status_code == 404
    # The town that invited cannot answer its own invitation either.
    client.force_login(county["town_staff"])
    assert client.post(reverse("audits:invitation-answer", args=[invitation.pk]), {"decline": "1"}).status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == "pending" and ObserverVisit.objects.count() == 0
    client.force_login(user_with_role("member", county["county"]))
    assert client.get(reverse("audits:invitations")).status_code == 403
