"""Celery jobs of the practice app: each takes plain values and calls one service."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from practice import services

TRANSIENT = (OperationalError, InterfaceError, ConnectionError, TimeoutError)


@shared_task(name="practice.selfstudy_reminders", autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def selfstudy_reminders() -> int:
    """Once a day: remind members behind on a self-study target near the end of its period (once a period)."""
    return services.reminders_send(today=timezone.localdate())
