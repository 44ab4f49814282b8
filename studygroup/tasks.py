"""Core tasks."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail


@shared_task(name="studygroup.ping")
def ping() -> str:
    """Answer ``pong``: proves a worker takes tasks from the broker."""
    return "pong"


@shared_task(
    name="studygroup.email_notification",
    autoretry_for=(ConnectionError, TimeoutError, OSError),
    retry_backoff=True,
    max_retries=5,
)
def email_notification(*, user_ids: list[int], title: str, body: str, url: str) -> int:
    """E-mail one notification to the given users; return how many were sent."""
    from studygroup.models import User

    addresses = list(
        User.objects.filter(pk__in=user_ids, is_active=True).exclude(email="").values_list("email", flat=True)
    )
    link = f"\n\n{settings.SITE_URL}{url}" if url else ""
    sent = 0
    for address in addresses:
        sent += send_mail(title, f"{body}{link}", None, [address])
    return sent


@shared_task(name="studygroup.prune_audit_log", acks_late=True)
def prune_audit_log() -> int:
    """Delete the audit entries past the retention period; running it twice deletes nothing more."""
    from studygroup import audit

    return audit.prune()
