"""Keyset pagination of a list sorted latest first: no count over every row, no OFFSET.

A long list (the root's 160,000 sessions of a year) is cut where the previous page ended, on an index of the
sort key and the primary key: the page costs the same at page 1 and page 3,000, and no query counts the rows.
A page knows whether there is an older and a newer page by reading one row more than it shows.

The cursor in the address is ``<ISO timestamp>_<pk>`` (``?before=`` for older rows, ``?after=`` for newer);
a cursor that does not parse gives the first page.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet


@dataclass
class KeysetPage:
    """The rows of a page, latest first, and the cursors of the pages around it (``None``: no such page)."""

    object_list: list = field(default_factory=list)
    older: str | None = None
    newer: str | None = None

    @property
    def is_first(self) -> bool:
        return self.newer is None

    @property
    def has_other_pages(self) -> bool:
        return self.older is not None or self.newer is not None


def cursor_of(value: datetime.datetime, pk: int) -> str:
    return f"{value.isoformat()}_{pk}"


def parse_cursor(text: str | None) -> tuple[datetime.datetime, int] | None:
    """``(timestamp, pk)`` from a cursor, or ``None`` for anything else (bad input gives the first page)."""
    stamp, _separator, pk = (text or "").rpartition("_")
    if not pk.isdigit():
        return None
    try:
        value = datetime.datetime.fromisoformat(stamp)
    except ValueError:
        return None
    return (value, int(pk)) if value.tzinfo is not None else None


def page_latest_first(
    queryset: QuerySet, *, key: str, size: int, before: str | None = None, after: str | None = None
) -> KeysetPage:
    """The page of ``queryset`` sorted by ``key`` then ``pk``, latest first, that ends before the cursor
    ``before`` (older rows) or starts after ``after`` (newer rows); neither: the latest ``size`` rows.

    One query: ``size + 1`` rows read from the index of ``(key, pk)``; the extra one says a next page exists.
    """
    older_than, newer_than = parse_cursor(before), parse_cursor(after)
    if newer_than is not None:
        value, pk = newer_than
        # An upper bound on the key alone lets the index range scan start at the cursor.
        newer_rows = queryset.filter(
            Q(**{f"{key}__gt": value}) | Q(**{key: value, "pk__gt": pk}), **{f"{key}__gte": value}
        )
        rows = list(newer_rows.order_by(key, "pk")[: size + 1])
        has_more, rows = len(rows) > size, rows[:size]
        rows.reverse()
        page = KeysetPage(rows, older=None, newer=None)
        page.newer = _cursor(rows[0], key) if has_more and rows else None
        page.older = _cursor(rows[-1], key) if rows else None
        return page
    if older_than is not None:
        value, pk = older_than
        queryset = queryset.filter(
            Q(**{f"{key}__lt": value}) | Q(**{key: value, "pk__lt": pk}), **{f"{key}__lte": value}
        )
    latest = list(queryset.order_by(f"-{key}", "-pk")[: size + 1])
    has_more, rows = len(latest) > size, latest[:size]
    return KeysetPage(
        rows,
        older=_cursor(rows[-1], key) if has_more else None,
        newer=_cursor(rows[0], key) if older_than is not None and rows else None,
    )


def _cursor(row, key: str) -> str:
    return cursor_of(getattr(row, key), row.pk)
