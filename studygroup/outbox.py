"""The transactional outbox: every job and e-mail a change asks for is a row written in the change's transaction.

``enqueue("app.task", key=..., **kwargs)`` writes an ``OutboxMessage`` beside the change, so the job exists if
and only if the change committed. After the commit the row is published at once when the broker answers, with
one short connection attempt and no retries: a request never waits on a dead broker. Rows that could not be
published are handed over by the relay (``manage.py relay_outbox``), which takes them with ``SELECT ... FOR
UPDATE SKIP LOCKED`` (several relays never publish one row together) and backs each failing row off.

Delivery is at least once (a relay that dies between publishing and marking a row sent publishes it again), so
consumers are idempotent. Each message is published with the task id ``outbox-<pk>``, the same on every
publish and redelivery; a consumer that must act once (the e-mail task) wraps its work in ``deliver_once``.

Without a broker (``task_always_eager``: development and most tests) the task runs in-process after the commit.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
from collections.abc import Iterable, Iterator

from django.db import transaction
from django.utils import timezone

from studygroup.models import OutboxMessage

logger = logging.getLogger(__name__)

TASK_ID_PREFIX = "outbox-"
#: One connection attempt, this short, when publishing: a dead broker costs a request well under a second.
CONNECT_TIMEOUT = 0.5
#: Backoff of a row that failed to publish: doubling from 2 s, at most 5 minutes.
BACKOFF_MAX_SECONDS = 300
BATCH = 100


def enqueue(task_name: str, *, key: str | None = None, **kwargs) -> OutboxMessage:
    """Write a message for the Celery task ``task_name`` in the caller's transaction; publish it after the commit.

    ``kwargs`` are the task's keyword arguments (plain JSON values). ``key``, if given, makes the message unique:
    a second ``enqueue`` with the same key returns the first message (a message already sent is not sent again).
    """
    if key is None:
        message = OutboxMessage.objects.create(task_name=task_name, kwargs=kwargs)
    else:  # one statement that never fails on the unique key, then the row, whoever wrote it
        OutboxMessage.objects.bulk_create(
            [OutboxMessage(task_name=task_name, kwargs=kwargs, key=key)], ignore_conflicts=True
        )
        message = OutboxMessage.objects.get(key=key)
    pk = message.pk
    transaction.on_commit(lambda: relay(pks=[pk], due_only=False))
    return message


def task_id(message: OutboxMessage | int) -> str:
    return f"{TASK_ID_PREFIX}{getattr(message, 'pk', message)}"


def _celery_app():
    from studygroup.celery import app

    return app


def _publish(message: OutboxMessage, connection) -> None:
    """Hand one message to Celery: run it here when tasks are eager, else send it once over ``connection``."""
    app = _celery_app()
    if app.conf.task_always_eager:
        if message.task_name not in app.tasks:  # the apps' tasks modules are found lazily, as a worker would
            app.loader.import_default_modules()
        app.tasks[message.task_name].apply(kwargs=message.kwargs, task_id=task_id(message), throw=True)
        return
    app.send_task(
        message.task_name,
        kwargs=message.kwargs,
        task_id=task_id(message),
        connection=connection,
        retry=False,
        ignore_result=True,
    )


@contextlib.contextmanager
def _broker_connection() -> Iterator[object | None]:
    """A producer connection that tries once, briefly (``None`` in eager mode, which needs none)."""
    app = _celery_app()
    if app.conf.task_always_eager:
        yield None
        return
    options = {
        "socket_connect_timeout": CONNECT_TIMEOUT,
        "socket_timeout": CONNECT_TIMEOUT * 2,
        "retry_on_timeout": False,
        "max_retries": 0,
    }
    connection = app.connection_for_write(connect_timeout=CONNECT_TIMEOUT, transport_options=options)
    try:
        yield connection
    finally:
        with contextlib.suppress(Exception):
            connection.release()


def backoff(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(seconds=min(2 ** max(attempts, 1), BACKOFF_MAX_SECONDS))


def relay(*, pks: Iterable[int] | None = None, batch: int = BATCH, due_only: bool = True) -> tuple[int, int]:
    """Publish unsent messages (only ``pks`` if given; only those due unless ``due_only`` is off); return
    (published, failed). Rows another relay holds are skipped; after the first failure the broker is taken to be
    down and the rest of the batch waits for the next pass, each row backed off."""
    published = failed = 0
    now = timezone.now()
    with transaction.atomic(), _broker_connection() as connection:
        pending = OutboxMessage.objects.filter(sent_at__isnull=True)
        if pks is not None:
            pending = pending.filter(pk__in=list(pks))
        if due_only:
            pending = pending.filter(next_attempt_at__lte=now)
        rows = list(pending.select_for_update(skip_locked=True).order_by("next_attempt_at", "pk")[:batch])
        for message in rows:
            message.attempts += 1
            if failed:
                message.next_attempt_at = now + backoff(message.attempts)
                message.save(update_fields=["attempts", "next_attempt_at"])
                continue
            try:
                with transaction.atomic():  # a task run in-process that fails leaves the relay's transaction usable
                    _publish(message, connection)
            except Exception as exc:  # any broker or task error: the row stays pending, backed off
                failed += 1
                logger.warning("outbox: publishing %s failed: %r", message, exc)
                message.next_attempt_at = now + backoff(message.attempts)
                message.last_error = repr(exc)[:2000]
                message.save(update_fields=["attempts", "next_attempt_at", "last_error"])
            else:
                published += 1
                message.sent_at, message.last_error = timezone.now(), ""
                message.save(update_fields=["attempts", "sent_at", "last_error"])
    return published, failed


@contextlib.contextmanager
def deliver_once(request_id: str | None) -> Iterator[bool]:
    """Claim the delivery of the outbox message a task runs for (its id is ``outbox-<pk>``); yield whether this
    delivery is the first. Use as ``with outbox.deliver_once(self.request.id) as first: if first: ...``.

    The claim is a conditional UPDATE in a transaction that stays open around the work: a second delivery
    running meanwhile waits on the row, then finds it delivered; if the work raises, the claim is rolled back and
    a retry delivers again. A task not started by the outbox (no such id) always runs.
    """
    pk = _outbox_pk(request_id)
    if pk is None:
        yield True
        return
    with transaction.atomic():
        claimed = OutboxMessage.objects.filter(pk=pk, delivered_at__isnull=True).update(delivered_at=timezone.now())
        yield bool(claimed) or not OutboxMessage.objects.filter(pk=pk).exists()


def _outbox_pk(request_id: str | None) -> int | None:
    if not request_id or not request_id.startswith(TASK_ID_PREFIX):
        return None
    try:
        return int(request_id.removeprefix(TASK_ID_PREFIX))
    except ValueError:
        return None


def oldest_pending() -> OutboxMessage | None:
    return OutboxMessage.objects.filter(sent_at__isnull=True).order_by("created_at").first()
