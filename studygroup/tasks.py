"""Core tasks."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from studygroup import jobs


@shared_task(name="studygroup.ping")
def ping() -> str:
    """Answer ``pong``: proves a worker takes tasks from the broker."""
    return "pong"


@shared_task(
    bind=True, name="studygroup.email_notification", **{**jobs.RETRY, "autoretry_for": (*jobs.TRANSIENT, OSError)}
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
    from studygroup.models import Tick

    Tick.objects.update_or_create(name="beat", defaults={"at": timezone.now()})


@shared_task(bind=True, name="studygroup.prune_audit_log", **jobs.RETRY)
def prune_audit_log(self) -> int:
    """Delete the audit entries past the retention period, once a night (the day's key is claimed first, so a
    second beat does nothing); also forget the jobs' claims of long-past days."""
    from studygroup import audit

    if not jobs.claim(f"beat:prune_audit_log:{timezone.localdate():%Y-%m-%d}", jobs.holder_of(self)):
        return 0
    jobs.prune_claims()
    return audit.prune()
