"""Reads from a replica: dashboards, exports and reports read inside ``use_replica()``; everything else, and every
write, uses the primary (``default``). With no ``replica`` database configured, everything uses ``default``."""

from __future__ import annotations

import functools
from contextvars import ContextVar

from django.conf import settings

REPLICA = "replica"
_reading_replica: ContextVar[bool] = ContextVar("reading_replica", default=False)


class use_replica:  # a decorator and a ``with`` block, like ``atomic``
    """Send the reads inside to the replica (a view or command whose output does not follow its own writes).

    As a decorator, every call enters a ``with`` block of its own: one shared object would keep one token for
    requests served at once by threads, and reset another request's (a 500 on a threaded server)."""

    def __call__(self, function):
        @functools.wraps(function)
        def inner(*args, **kwargs):
            with use_replica():
                return function(*args, **kwargs)

        return inner

    def __enter__(self):
        self._token = _reading_replica.set(True)
        return self

    def __exit__(self, *exc):
        _reading_replica.reset(self._token)
        return False


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if _reading_replica.get() and REPLICA in settings.DATABASES:
            return REPLICA
        return "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
