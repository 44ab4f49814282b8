"""The core's safeguards on the plans pages: downloads are never stored, ``next`` never leaves the site."""

import pytest
from django.urls import reverse

from plans.tests.factories import FileMaterialFactory, MaterialFactory
from studygroup.tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    StudyGroupFactory,
    UserFactory,
    user_with_role,
)

pytestmark = pytest.mark.django_db


def test_signed_in_pages_and_downloads_are_never_stored(client):
    organization = OrganizationFactory()
    material = FileMaterialFactory(group=StudyGroupFactory(organization=organization))
    client.force_login(user_with_role("staff", organization))
    for url in (reverse("home"), reverse("plans:material-download", args=[material.pk])):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
        assert "private" in response["Cache-Control"], url


@pytest.mark.parametrize(
    "target",
    ["//evil.example", "https://evil.example/", "/\\evil.example", "\\\\evil.example", "http:evil.example", " //evil"],
)
def test_next_never_leaves_the_site(client, target):
    seat = MembershipFactory(person__user=UserFactory())
    material = MaterialFactory(group=seat.group)
    client.force_login(seat.person.user)
    response = client.post(reverse("plans:material-confirm", args=[material.pk]), {"next": target})
    assert response.status_code == 302
    assert response.url == material.get_absolute_url()


def test_next_within_the_site_is_followed(client):
    seat = MembershipFactory(person__user=UserFactory())
    material = MaterialFactory(group=seat.group)
    client.force_login(seat.person.user)
    response = client.post(reverse("plans:material-confirm", args=[material.pk]), {"next": "/plans/materials/?x=1"})
    assert response.url == "/plans/materials/?x=1"
