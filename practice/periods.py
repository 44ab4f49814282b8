"""Periods of a year for self-study targets: twelve months, four quarters or the whole year."""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

from practice.models import Per
from studygroup import formats

MONTHS_PER = {Per.MONTH: 1, Per.QUARTER: 3, Per.YEAR: 12}


@dataclass(frozen=True)
class Period:
    per: str
    year: int
    index: int  # 1..12 for months, 1..4 for quarters, 1 for the year

    @property
    def first_month(self) -> int:
        return (self.index - 1) * MONTHS_PER[self.per] + 1

    @property
    def months(self) -> range:
        return range(self.first_month, self.first_month + MONTHS_PER[self.per])

    @property
    def start(self) -> datetime.date:
        return datetime.date(self.year, self.first_month, 1)

    @property
    def end(self) -> datetime.date:
        last = self.months[-1]
        return datetime.date(self.year, last, calendar.monthrange(self.year, last)[1])

    @property
    def label(self) -> str:
        if self.per == Per.MONTH:
            return formats.month_zh(self.index)
        if self.per == Per.QUARTER:
            return _("Q%(quarter)d") % {"quarter": self.index}
        return _("%(year)d (whole year)") % {"year": self.year}

    def has_ended(self, today: datetime.date) -> bool:
        """Whether the period is over on ``today`` (its last day is behind)."""
        return self.end < today

    def is_current(self, today: datetime.date) -> bool:
        return self.start <= today <= self.end


def periods(per: str, year: int) -> list[Period]:
    return [Period(per, year, index) for index in range(1, 12 // MONTHS_PER[per] + 1)]


def period_of(per: str, day: datetime.date) -> Period:
    return Period(per, day.year, (day.month - 1) // MONTHS_PER[per] + 1)


def judging_day(year: int, today: datetime.date) -> datetime.date:
    """The day a year is judged on: the day after its end once it is over, else today."""
    return min(today, datetime.date(year, 12, 31) + datetime.timedelta(days=1))
