"""The Celery app. Without ``REDIS_URL`` every task runs in-process (settings)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studygroup.settings")

app = Celery("studygroup")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
