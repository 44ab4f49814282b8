"""Requests of a fault scenario, through Django's test client in this process (the run's database and broker)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass

from django.test import Client
from django.urls import reverse


@dataclass
class Slowest:
    seconds: float = 0.0


_timer: list[Slowest] = []


@contextlib.contextmanager
def timed() -> Iterator[Slowest]:
    """Keep the slowest answer of the ``post`` calls made inside."""
    slowest = Slowest()
    _timer.append(slowest)
    try:
        yield slowest
    finally:
        _timer.remove(slowest)


def post(user, name: str, *args, data: dict | None = None):
    """POST as ``user`` to the URL named ``name``; a 500 (or any answer but a redirect) fails the scenario."""
    client = Client()
    client.force_login(user)
    started = time.monotonic()
    response = client.post(reverse(name, args=args), data or {})
    for slowest in _timer:
        slowest.seconds = max(slowest.seconds, time.monotonic() - started)
    if response.status_code != 302:
        raise AssertionError(f"{name} answered {response.status_code}")
    return response


def warm_up(user) -> None:
    """Open the home page once, so that the first timed request is not the one that loads the site."""
    client = Client()
    client.force_login(user)
    client.get(reverse("home"))
