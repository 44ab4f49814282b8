"""Panels a higher app adds to a lower app's page, registered at start-up.

A page that offers room for other apps' panels names the place (``"sessions.session_detail"``) and renders
``{% page_panels "sessions.session_detail" session %}`` there. An app above registers a panel for it from its
``AppConfig.ready`` with ``@page_panel(...)``, as it registers navigation entries and home panels: the lower
app never imports the higher one. The context function answers ``None`` when the panel has nothing to show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PagePanel:
    place: str
    key: str
    template: str
    context: Callable[[Any, Any], dict | None]
    order: int = 100


PAGE_PANELS: list[PagePanel] = []


def page_panel(*, place: str, key: str, template: str, order: int = 100):
    """Register the decorated ``(request, obj) -> dict | None`` as the context of a panel at ``place``."""

    def register(function):
        if not any(panel.place == place and panel.key == key for panel in PAGE_PANELS):
            PAGE_PANELS.append(PagePanel(place, key, template, function, order))
            PAGE_PANELS.sort(key=lambda panel: panel.order)
        return function

    return register


def panels_at(place: str, request, obj) -> list[tuple[str, dict]]:
    """Return ``(template, context)`` of every panel registered at ``place`` that has something to show."""
    shown = []
    for panel in PAGE_PANELS:
        if panel.place != place:
            continue
        context = panel.context(request, obj)
        if context is not None:
            shown.append((panel.template, context))
    return shown
