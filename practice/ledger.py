"""Progress against self-study targets, computed from the entries alone (no time-on-app, no points, no rank).

A target (kind, per, count) splits the year into periods. In each period a member's entries of that kind are
counted: a period is ``met`` once the count reaches the target, ``behind`` when it has ended short of it,
``open`` while it runs short of it, and ``ahead`` before it starts. A member is on target when every period
that has ended is met.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from practice.models import KIND_ORDER
from practice.periods import Period, periods

MET, BEHIND, OPEN, AHEAD = "met", "behind", "open", "ahead"


@dataclass(frozen=True)
class Cell:
    period: Period
    done: int
    needed: int
    state: str


@dataclass(frozen=True)
class TargetProgress:
    kind: str
    per: str
    count: int
    label: str
    cells: list[Cell]
    today: datetime.date

    @property
    def behind(self) -> int:
        return sum(1 for cell in self.cells if cell.state == BEHIND)

    @property
    def current(self) -> Cell | None:
        """The cell of the period running on ``today`` (none once the year is over)."""
        return next((cell for cell in self.cells if cell.period.is_current(self.today)), None)

    @property
    def ended(self) -> list[Cell]:
        return [cell for cell in self.cells if cell.period.has_ended(self.today)]

    @property
    def is_on_target(self) -> bool:
        return self.behind == 0


def cell_state(period: Period, done: int, needed: int, today: datetime.date) -> str:
    if done >= needed:
        return MET
    if period.has_ended(today):
        return BEHIND
    if period.start <= today:
        return OPEN
    return AHEAD


def progress(target, month_counts: dict[int, int], year: int, today: datetime.date) -> TargetProgress:
    """One target's cells for the year; ``month_counts`` maps month → entries of the target's kind."""
    cells = []
    for period in periods(target.per, year):
        done = sum(month_counts.get(month, 0) for month in period.months)
        cells.append(Cell(period, done, target.count, cell_state(period, done, target.count, today)))
    return TargetProgress(target.kind, target.per, target.count, str(target), cells, today)


def sorted_targets(targets) -> list:
    return sorted(targets, key=lambda target: KIND_ORDER.index(target.kind))


def on_target(targets, counts: dict[str, dict[int, int]], year: int, today: datetime.date) -> bool:
    """Whether a member meets every target in every period ended by ``today`` (``counts``: kind → month → n)."""
    return all(progress(t, counts.get(t.kind, {}), year, today).is_on_target for t in targets)
