"""Celery jobs of the practice app: each takes plain values and calls one service."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from practice import services
from studygroup import jobs


@shared_task(bind=True, name="practice.selfstudy_reminders", **jobs.RETRY)
def selfstudy_reminders(self) -> int:
    """Once a day: remind members behind on a self-study target near the end of its period (once a period). The
    day's key is claimed first, so a second beat sends nothing."""
    today = timezone.localdate()
    if not jobs.claim(f"beat:selfstudy_reminders:{today:%Y-%m-%d}", jobs.holder_of(self)):
        return 0
    return services.reminders_send(today=today)
