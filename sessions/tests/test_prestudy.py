"""Pre-study of a session: the plans app's materials, confirmations, completion and late flags on real sessions.

The pages are the plans app's; they reach sessions through the hooks the sessions app fills (plans/hooks.py), so
their tests live here, above both.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from plans import selectors, services
from plans.models import StudyConfirmation
from plans.tests.factories import MaterialFactory, StudyConfirmationFactory
from sessions.models import StudySession
from sessions.tests.factories import StudySessionFactory
from studygroup.models import Notification
from studygroup.tests.factories import MembershipFactory, OrganizationFactory, StudyGroupFactory, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def group():
    return StudyGroupFactory(organization=OrganizationFactory(name="白沙镇党委"))


@pytest.fixture
def staff(group):
    return user_with_role("staff", group.organization)


def test_publish_notifies_members_and_member_confirms_once(client, group, staff):
    member = user_with_role("member", group.organization)
    session = StudySessionFactory(group=group)
    material = MaterialFactory(group=group, session=session, published_at=None)
    services.material_publish(material=material, by=staff)
    assert Notification.objects.filter(recipient=member, verb="material_published").exists()
    client.force_login(member)
    client.post(reverse("plans:material-confirm", args=[material.pk]))
    client.post(reverse("plans:material-confirm", args=[material.pk]))
    assert StudyConfirmation.objects.filter(material=material).count() == 1
    page = client.get(reverse("plans:material-list")).content.decode()
    assert "已学" in page


def test_prestudy_completion_rate_from_confirmations(group):
    session = StudySessionFactory(group=group, starts_at=timezone.now() + datetime.timedelta(days=5))
    seats = MembershipFactory.create_batch(4, group=group)
    first, second = MaterialFactory.create_batch(2, group=group, session=session)
    MaterialFactory(group=group, session=session, published_at=None)  # a draft does not count
    for seat in seats[:2]:
        StudyConfirmationFactory(material=first, person=seat.person)
        StudyConfirmationFactory(material=second, person=seat.person)
    StudyConfirmationFactory(material=first, person=seats[2].person)
    StudyConfirmationFactory(material=first)  # someone not on the roster: not counted
    status = selectors.prestudy_status(session=session)
    assert len(status.materials) == 2
    assert status.completed == 2
    # 5 confirmations of the 2 materials × 4 members expected.
    assert status.count == selectors.PrestudyCount(confirmed=5, expected=8)
    assert status.rate == 0.625
    assert selectors.prestudy_count(StudySession.objects.filter(pk=session.pk)) == status.count
    assert {row.person.pk: row.confirmed for row in status.rows}[seats[2].person.pk] == 1


def test_no_materials_means_no_rate(group):
    MembershipFactory(group=group)
    assert selectors.prestudy_status(session=StudySessionFactory(group=group)).rate is None


def test_late_publication_is_flagged(group, settings):
    settings.PRESTUDY_LEAD_DAYS = 3
    starts = timezone.now() + datetime.timedelta(days=10)
    session = StudySessionFactory(group=group, starts_at=starts)
    early = MaterialFactory(group=group, session=session, published_at=starts - datetime.timedelta(days=3, minutes=1))
    late = MaterialFactory(group=group, session=session, published_at=starts - datetime.timedelta(days=2, hours=23))
    assert not selectors.is_published_late(early)
    assert selectors.is_published_late(late)
    assert selectors.prestudy_status(session=session).late_materials == [late]
    settings.PRESTUDY_LEAD_DAYS = 2
    assert not selectors.is_published_late(late)


def test_staff_see_who_has_not_studied_and_remind_them(client, group, staff):
    session = StudySessionFactory(group=group)
    done = user_with_role("member", group.organization)
    pending = user_with_role("member", group.organization)
    material = MaterialFactory(group=group, session=session)
    StudyConfirmationFactory(material=material, person=done.person)
    client.force_login(staff)
    page = client.get(reverse("plans:session-prestudy", args=[session.pk])).content.decode()
    assert "50%" in page
    assert pending.person.name in page
    client.post(reverse("plans:session-remind", args=[session.pk]))
    assert Notification.objects.filter(recipient=pending, verb="prestudy_reminder").count() == 1
    assert not Notification.objects.filter(recipient=done, verb="prestudy_reminder").exists()


def test_other_organization_gets_nothing_of_materials(client, group):
    material = MaterialFactory(group=group, session=StudySessionFactory(group=group))
    client.force_login(user_with_role("staff", OrganizationFactory()))
    for url in [
        reverse("plans:material-detail", args=[material.pk]),
        reverse("plans:material-delete", args=[material.pk]),
        reverse("plans:material-add", args=[group.pk]),
        reverse("plans:session-prestudy", args=[material.session_id]),
    ]:
        assert client.get(url).status_code == 404, url
    for name in ["plans:material-publish", "plans:material-confirm"]:
        assert client.post(reverse(name, args=[material.pk])).status_code == 404
    assert material.title not in client.get(reverse("plans:material-list")).content.decode()
