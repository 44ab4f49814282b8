"""Small pieces the services share."""

from __future__ import annotations

import uuid


def new_code(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def lock(model, pk: int):
    """Lock one row for the rest of the transaction and return it fresh, so a second click waits and sees it."""
    return model.objects.select_for_update().get(pk=pk)
