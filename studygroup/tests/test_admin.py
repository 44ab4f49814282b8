"""Django admin covers every model of the project, and each list page opens."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from studygroup.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
OURS = {"studygroup", "plans", "study_sessions", "audits", "reports"}


def test_every_model_is_in_the_admin_and_its_list_opens(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    models = [m for m in apps.get_models() if m._meta.app_label in OURS]
    missing = [m.__name__ for m in models if m not in admin.site._registry]
    assert missing == []
    for model in models:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url
