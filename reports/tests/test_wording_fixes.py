"""What the records page says of what it does not import names no command, and the inspector's home leads to the
八有 check."""

import pytest
from django.urls import reverse

from studygroup.tests.factories import OrganizationFactory, StudyGroupFactory, user_with_role

pytestmark = pytest.mark.django_db


def test_the_records_page_names_no_command(client):
    county = OrganizationFactory()
    client.force_login(user_with_role("staff", county))
    page = client.get(reverse("reports:records")).content.decode()
    assert "须由系统管理员在服务器上导入。" in page and "import_records" not in page


def test_the_inspectors_home_links_to_the_bayou_check(client):
    county = OrganizationFactory()
    StudyGroupFactory(organization=county)
    client.force_login(user_with_role("inspector", county))
    page = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("audits:compliance")}" id="open-compliance"' in page and "查看“八有”“七有”达标情况" in page
    client.force_login(user_with_role("viewer", county))
    assert 'id="open-compliance"' not in client.get(reverse("home")).content.decode()
