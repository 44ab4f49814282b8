"""How dates read in Chinese: the one definition for pages, documents, digests, PDFs and messages.

The patterns are Django date formats (the syntax of the ``date`` template filter), so code and templates
write dates alike: ``formats.date_zh(day)`` in code, ``{{ day|date_zh }}`` in a template after
``{% load zh_dates %}``. Aware datetimes are shown in the local time zone; ``None`` gives "".
"""

from __future__ import annotations

import datetime

from django.utils import dateformat, timezone

DATE = "Y年n月j日"  # 2026年12月7日
DATETIME = "Y年n月j日 H:i"  # 2026年12月7日 09:30
MONTH_DAY = "n月j日"  # 12月7日
MONTH_DAY_TIME = "n月j日 H:i"  # 12月7日 09:30
DATE_WITH_WEEKDAY = "Y年n月j日 l"  # 2026年12月7日 星期一 (the weekday in the active language)


def _format(value: datetime.date | None, pattern: str) -> str:
    if not value:  # None, or "" from a template variable that does not exist
        return ""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return dateformat.format(value, pattern)


def date_zh(value: datetime.date | None) -> str:
    """Return "2026年12月7日"."""
    return _format(value, DATE)


def datetime_zh(value: datetime.datetime | None) -> str:
    """Return "2026年12月7日 09:30"."""
    return _format(value, DATETIME)


def month_day_zh(value: datetime.date | None) -> str:
    """Return "12月7日" (the year goes without saying)."""
    return _format(value, MONTH_DAY)


def month_day_time_zh(value: datetime.datetime | None) -> str:
    """Return "12月7日 09:30"."""
    return _format(value, MONTH_DAY_TIME)


def date_with_weekday_zh(value: datetime.date | None) -> str:
    """Return "2026年12月7日 星期一"."""
    return _format(value, DATE_WITH_WEEKDAY)


def month_zh(month: int, year: int | None = None) -> str:
    """Return "12月", or "2026年12月" with ``year``."""
    return f"{year}年{month}月" if year is not None else f"{month}月"
