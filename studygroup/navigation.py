"""What each role is shown: navigation entries and home-page panels.

Apps add their own entries and panels with ``nav_item`` and ``home_panel``
(from their ``AppConfig.ready``); the base template and the home page read
them through ``navigation_for`` and ``panels_for``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from studygroup import access


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    icon: str
    roles: frozenset[str] | None = None  # None: everyone signed in
    order: int = 100
    menu: str | None = None  # items of one menu show as a dropdown under that label
    # Beyond the roles, whether the entry leads anywhere for this user (e.g. only organizations with others
    # below them arrange observer visits). It reads the user's cached scope: no query per page.
    visible: Callable[[Any], bool] | None = None


@dataclass(frozen=True)
class HomePanel:
    key: str
    title: str
    template: str
    roles: frozenset[str]
    context: Callable[[Any, access.Scope], dict | None]
    order: int = 100


NAV_ITEMS: list[NavItem] = []
HOME_PANELS: list[HomePanel] = []


def nav_item(*, label, url_name: str, icon: str, roles=None, order: int = 100, menu=None, visible=None) -> None:
    if any(item.url_name == url_name for item in NAV_ITEMS):
        return
    NAV_ITEMS.append(NavItem(label, url_name, icon, frozenset(roles) if roles else None, order, menu, visible))
    NAV_ITEMS.sort(key=lambda item: item.order)


def home_panel(*, key: str, title, template: str, roles, order: int = 100):
    """Register the decorated function as the context builder of a home panel."""

    def register(function):
        if not any(panel.key == key for panel in HOME_PANELS):
            HOME_PANELS.append(HomePanel(key, title, template, frozenset(roles), function, order))
            HOME_PANELS.sort(key=lambda panel: panel.order)
        return function

    return register


def _roles(user, scope: access.Scope) -> set[str]:
    roles = set(scope.roles)
    if scope.is_superuser:
        roles |= {access.STAFF, access.VIEWER}
    return roles


def navigation_for(user, current_path: str = "") -> list[dict]:
    """Return the entries the user's roles may use; entries of one menu are gathered under it."""
    scope = access.scope_for(user)
    roles = _roles(user, scope)
    entries: list[dict] = []
    menus: dict[str, dict] = {}
    for item in NAV_ITEMS:
        if item.roles is not None and not item.roles & roles:
            continue
        if item.visible is not None and not item.visible(user):
            continue
        url = reverse(item.url_name)
        active = current_path == url if url == "/" else current_path.startswith(url)
        entry = {"label": item.label, "url": url, "icon": item.icon, "active": active}
        if item.menu is None:
            entries.append(entry)
            continue
        menu = menus.get(str(item.menu))
        if menu is None:
            menu = {"label": item.menu, "icon": item.icon, "children": [], "active": False}
            menus[str(item.menu)] = menu
            entries.append(menu)
        menu["children"].append(entry)
        menu["active"] = menu["active"] or active
    # A menu with a single entry is shown as that entry.
    return [e["children"][0] if "children" in e and len(e["children"]) == 1 else e for e in entries]


def panels_for(user) -> list[dict]:
    """Return the home panels of the user's roles, each with its context."""
    scope = access.scope_for(user)
    roles = _roles(user, scope)
    shown = []
    for panel in HOME_PANELS:
        if panel.roles & roles:
            context = panel.context(user, scope)
            if context is not None:
                shown.append({"key": panel.key, "title": panel.title, "template": panel.template, **context})
    return shown
