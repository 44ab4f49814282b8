"""Core tasks."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail


@shared_task(name="studygroup.ping")
def ping() -> str:
    """Answer ``pong``: proves a worker takes tasks from the broker."""
    return "pong"


@shared_task(
    bind=True,
    name="studygroup.email_notification",
    autoretry_for=(ConnectionError, TimeoutError, OSError),
    retry_backoff=True,
    max_retries=5,
)
def email_notification(self, *, user_ids: list[int], title: str, body: str, url: str) -> int:
    """E-mail one notification to the given users; return how many were sent.

    Published through the outbox, at least once: a message delivered again (a relay's second publish, a
    redelivery after a worker died) finds its row delivered and sends nothing."""
    from studygroup import outbox

    with outbox.deliver_once(self.request.id) as first:
        return _send_emails(user_ids=user_ids, title=title, body=body, url=url) if first else 0


def _send_emails(*, user_ids: list[int], title: str, body: str, url: str) -> int:
    from studygroup.models import User

    addresses = list(
        User.objects.filter(pk__in=user_ids, is_active=True).exclude(email="").values_list("email", flat=True)
    )
    link = f"\n\n{settings.SITE_URL}{url}" if url else ""
    sent = 0
    for address in addresses:
        sent += send_mail(title, f"{body}{link}", None, [address])
    return sent


@shared_task(name="studygroup.beat_tick", ignore_result=True)
def beat_tick() -> None:
    """Store the time: beat sends this every minute, so ``/healthz`` tells when beat (or its path) stopped."""
    from django.utils import timezone

    from studygroup.models import Tick

    Tick.objects.update_or_create(name="beat", defaults={"at": timezone.now()})


@shared_task(name="studygroup.prune_audit_log", acks_late=True)
def prune_audit_log() -> int:
    """Delete the audit entries past the retention period; running it twice deletes nothing more."""
    from studygroup import audit

    return audit.prune()
