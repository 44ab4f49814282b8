"""What ``/healthz`` checks: the database, the broker, beat's last tick and the oldest message waiting in the outbox.

Each check answers ``{"ok": bool, ...}`` with figures only (ages in seconds, counts), never an address, a name or
an error text: the endpoint is open to anyone who can reach it (a load balancer, a monitor).
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.utils import timezone

#: beat sends ``studygroup.beat_tick`` every minute; older than this, beat (or the broker, or every worker) stopped.
BEAT_MAX_AGE = int(getattr(settings, "HEALTH_BEAT_MAX_AGE", 300))
#: The relay publishes within seconds when the broker answers; a message waiting longer means it does not.
OUTBOX_MAX_AGE = int(getattr(settings, "HEALTH_OUTBOX_MAX_AGE", 600))
BROKER_TIMEOUT = 0.5


def database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any failure means unreachable; the reason stays in the server's log
        return {"ok": False}
    return {"ok": True}


def broker() -> dict:
    if not settings.REDIS_URL:
        return {"ok": True, "in_process": True}
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    client = redis.Redis.from_url(
        settings.REDIS_URL,
        socket_connect_timeout=BROKER_TIMEOUT,
        socket_timeout=BROKER_TIMEOUT,
        retry=Retry(NoBackoff(), 0),
    )
    try:
        client.ping()
    except Exception:  # refused, timed out, refused our password: unreachable all the same
        return {"ok": False}
    finally:
        client.close()
    return {"ok": True}


def beat(database_ok: bool) -> dict:
    if not settings.REDIS_URL:
        return {"ok": True, "in_process": True}
    if not database_ok:
        return {"ok": False, "age_s": None}
    from studygroup.models import Tick

    tick = Tick.objects.filter(name="beat").first()
    age = round((timezone.now() - tick.at).total_seconds()) if tick else None
    return {"ok": age is not None and age <= BEAT_MAX_AGE, "age_s": age}


def outbox(database_ok: bool) -> dict:
    if not database_ok:
        return {"ok": False, "pending": None, "oldest_age_s": None}
    from studygroup.models import OutboxMessage

    pending = OutboxMessage.objects.filter(sent_at__isnull=True)
    oldest = pending.order_by("created_at").values_list("created_at", flat=True).first()
    age = round((timezone.now() - oldest).total_seconds()) if oldest else 0
    return {"ok": age <= OUTBOX_MAX_AGE, "pending": pending.count(), "oldest_age_s": age}


def report() -> dict:
    """Every check, and ``ok`` when all of them are."""
    checks = {"database": database(), "broker": broker()}
    checks["beat"] = beat(checks["database"]["ok"])
    checks["outbox"] = outbox(checks["database"]["ok"])
    return {"ok": all(check["ok"] for check in checks.values()), "checks": checks}
