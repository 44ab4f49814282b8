"""Notifications: an in-app list with an unread count, and e-mail through Django's backend.

Every app tells people about what happened with ``send``; nothing else
writes ``Notification`` rows. E-mail is a message of the outbox
(``studygroup.outbox``), written in the change's transaction and handed to the ``email_notification`` task after
the commit, so a rolled-back change never mails anybody and a broker that is down delays the mail, never the
change.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils import timezone

from studygroup import outbox
from studygroup.models import Notification, User


def send(*, to: Iterable[User | None], verb: str, title: str, body: str = "", url: str = "") -> list[Notification]:
    """Notify each distinct active user in ``to``; e-mail those with an address."""
    recipients = {user.pk: user for user in to if user is not None and user.is_active}
    notifications = Notification.objects.bulk_create(
        Notification(recipient=user, verb=verb, title=str(title)[:200], body=str(body), url=url)
        for user in recipients.values()
    )
    addressed = [user.pk for user in recipients.values() if user.email]
    if addressed:
        outbox.enqueue("studygroup.email_notification", user_ids=addressed, title=str(title), body=str(body), url=url)
    return notifications


def unread(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user, read_at__isnull=True)


def mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications (or only ``ids`` of them) read; return how many changed."""
    queryset = unread(user)
    if ids is not None:
        queryset = queryset.filter(pk__in=list(ids))
    return queryset.update(read_at=timezone.now())
