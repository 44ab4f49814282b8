"""发布 asks first: the digest page links to a confirmation page that says how many members will be notified;
only its POST publishes."""

import pytest
from django.urls import reverse

from reports import services
from reports.models import MonthlyDigest
from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, user_with_role
from studygroup.tests.querycount import assert_queries

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("members", [2, 9])
def test_publish_asks_first_saying_how_many_are_notified(client, members, django_capture_on_commit_callbacks):
    county = OrganizationFactory(kind="county")
    StudyGroupFactory(organization=county)
    for _ in range(members):
        user_with_role("member", OrganizationFactory(parent=county))
    item = services.digest_compile(organization=county, year=2026, month=3)
    client.force_login(user_with_role("staff", county))
    url = reverse("reports:digest-publish", args=[item.pk])
    detail = client.get(item.get_absolute_url()).content.decode()
    assert f'href="{url}" id="publish"' in detail and f'action="{url}"' not in detail

    with assert_queries(11):
        page = client.get(url).content.decode()
    assert f"将发布《{item}》,并通知{members}名成员。发布后不能再修改。" in page
    assert 'id="confirm-publish"' in page and f'href="{item.get_absolute_url()}"' in page  # 取消 goes back
    assert MonthlyDigest.objects.get(pk=item.pk).status == "draft"

    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(url)
    assert response["Location"] == item.get_absolute_url()
    assert MonthlyDigest.objects.get(pk=item.pk).status == "published"
    again = client.get(url)
    assert again["Location"] == item.get_absolute_url()  # already published: nothing to confirm


def test_an_outsider_gets_no_confirmation_page(client):
    county = OrganizationFactory(kind="county")
    StudyGroupFactory(organization=county)
    item = services.digest_compile(organization=county, year=2026, month=3)
    client.force_login(user_with_role("staff", OrganizationFactory(kind="county")))
    assert client.get(reverse("reports:digest-publish", args=[item.pk])).status_code == 404
    client.force_login(user_with_role("viewer", county))
    assert client.get(reverse("reports:digest-publish", args=[item.pk])).status_code == 403
