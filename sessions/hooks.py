"""What apps above sessions do when a session is scheduled or changed, registered at start-up.

``session_create`` and ``session_update`` call ``scheduled(...)`` explicitly at their end (inside their
transaction); an app above registers a function with ``@on_scheduled`` from its ``AppConfig.ready`` (e.g.
reporting the session upward, 学习报备). Sessions never import the apps that listen.
"""

from __future__ import annotations

from collections.abc import Callable

SCHEDULED: list[Callable[..., None]] = []


def on_scheduled(function: Callable[..., None]) -> Callable[..., None]:
    """Register ``function(*, session, by, created)`` to run after a session is scheduled or saved."""
    if not any(known.__qualname__ == function.__qualname__ for known in SCHEDULED):
        SCHEDULED.append(function)
    return function


def scheduled(*, session, by, created: bool) -> None:
    for function in SCHEDULED:
        function(session=session, by=by, created=created)
