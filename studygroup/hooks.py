"""Hooks: where a lower app asks for what a higher app provides (ARCHITECTURE.md, "Apps and their order").

The lower app declares a ``Hook`` and calls it; the higher app registers the function that answers from its
``AppConfig.ready``. Without a registration the hook answers with its default, or, when it has none, says which
hook is missing instead of failing somewhere further on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured


class Hook:
    """One function a lower app calls and a higher app provides."""

    def __init__(self, name: str, *, default: Callable[..., Any] | None = None) -> None:
        self.name = name
        self.default = default
        self.function: Callable[..., Any] | None = None

    def __repr__(self) -> str:
        return f"<Hook {self.name}>"

    def register(self, function: Callable[..., Any]) -> Callable[..., Any]:
        """Make ``function`` the hook's answer; registering another one is a configuration error."""
        if self.function is not None and self.function != function:
            raise ImproperlyConfigured(f"The hook {self.name} is registered twice.")
        self.function = function
        return function

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        function = self.function or self.default
        if function is None:
            raise ImproperlyConfigured(f"Nothing is registered for the hook {self.name}.")
        return function(*args, **kwargs)
