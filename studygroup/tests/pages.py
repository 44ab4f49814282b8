"""What tests read from a drawn page."""

import re


def hidden(page: str, name: str) -> str:
    """The value of the hidden field ``name`` the page drew (the first form that has one)."""
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, f"the page draws no {name} field"
    return match.group(1)
