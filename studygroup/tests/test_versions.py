"""Edits never overwrite: the version of one record, and of rows a form edits together (``rows=``), and the
membership page refusing a stale edit beside the form."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from studygroup import services, versions
from studygroup.models import Membership
from studygroup.tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    PersonFactory,
    StudyGroupFactory,
    user_with_role,
)
from studygroup.tests.pages import hidden

pytestmark = pytest.mark.django_db


@pytest.fixture
def group():
    return StudyGroupFactory(organization=OrganizationFactory(name="城关镇党委"))


def test_adding_changing_or_removing_any_of_the_rows_makes_their_version_stale(group):
    staff = user_with_role("staff", group.organization)
    first, second = (MembershipFactory(group=group) for _ in range(2))
    rows = Membership.objects.filter(group=group).exclude(person=staff.person)
    drawn = versions.rows_token(rows)
    versions.check_rows(rows, drawn)  # nothing changed: accepted

    def refused_after(change) -> str:
        before = versions.rows_token(rows)
        change()
        with pytest.raises(ValidationError) as stale:
            versions.check_rows(rows, before)
        assert stale.value.code == versions.CONFLICT
        return stale.value.messages[0]

    message = refused_after(
        lambda: services.membership_update(
            membership=first, role="deputy", start_on=first.start_on, end_on=None, by=staff
        )
    )
    assert message.startswith(f"该记录已被他人修改:{staff.person.name}于")
    refused_after(lambda: MembershipFactory(group=group))
    refused_after(lambda: second.delete())
    versions.check_rows(rows, versions.rows_token(rows))
    versions.check_rows(rows, "")  # a post without a version (an older page) is not checked


def test_a_membership_edited_meanwhile_by_a_colleague_is_not_overwritten(client, group):
    seat = MembershipFactory(group=group, person=PersonFactory(organization=group.organization, name="李委员"))
    mine, colleague = (user_with_role("staff", group.organization) for _ in range(2))
    url = reverse("core:membership-edit", args=[seat.pk])
    client.force_login(mine)
    page = client.get(url).content.decode()
    client.force_login(colleague)
    colleagues = client.get(url).content.decode()
    body = {"start_on": "2026-01-01", "end_on": ""}
    assert client.post(url, {**body, "role": "deputy", "version": hidden(colleagues, "version")}).status_code == 302
    client.force_login(mine)

    refused = client.post(url, {**body, "role": "secretary", "version": hidden(page, "version")})

    assert refused.status_code == 200
    text = refused.content.decode()
    assert f"该记录已被他人修改:{colleague.person.name}于" in text
    assert '<option value="secretary" selected>' in text  # what I chose stays on the page
    seat.refresh_from_db()
    assert seat.role == "deputy"
    fresh = client.get(url).content.decode()
    assert client.post(url, {**body, "role": "secretary", "version": hidden(fresh, "version")}).status_code == 302
    seat.refresh_from_db()
    assert seat.role == "secretary"
