"""Calendar arithmetic: the history window, month arithmetic, bank holidays and working days.

Payments that settle through the clearing systems (Bacs, direct debits, standing orders) move
off weekends and England and Wales bank holidays; :func:`to_working_day` does the moving.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache


@dataclass(frozen=True)
class Window:
    """A span of days, both ends inclusive: the history window, or the part of it played."""

    start: date
    end: date  # "today", inclusive

    def month_index(self, day: date) -> int:
        """Whole months from the window's first month: what from_month/until_month count."""
        return (day.year - self.start.year) * 12 + day.month - self.start.month

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


def add_months(day: date, months: int) -> date:
    """The same calendar day ``months`` away, clamped to the end of shorter months."""
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    return clamped(year, month + 1, day.day)


def clamped(year: int, month: int, day: int) -> date:
    """Day ``day`` of a month (-1: the last), pulled back to the month's last day if needed."""
    last = calendar.monthrange(year, month)[1]
    return date(year, month, last if day == -1 else min(day, last))


def month_starts(start: date, end: date) -> Iterator[date]:
    current = start.replace(day=1)
    while current <= end:
        yield current
        current = add_months(current, 1)


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    """England and Wales bank holidays (the fixed rules; one-off royal holidays are ignored)."""
    easter = _easter_sunday(year)
    days = {easter - timedelta(days=2), easter + timedelta(days=1)}
    days.add(_nth_monday(year, 5, 1))  # early May
    days.add(_nth_monday(year, 5, -1))  # spring
    days.add(_nth_monday(year, 8, -1))  # summer
    # Fixed-date holidays falling on a weekend (or on each other) move to the next weekday.
    for fixed in (date(year, 1, 1), date(year, 12, 25), date(year, 12, 26)):
        while fixed.weekday() >= 5 or fixed in days:
            fixed += timedelta(days=1)
        days.add(fixed)
    return frozenset(days)


def _easter_sunday(year: int) -> date:
    """Gregorian Easter (the anonymous "Meeus/Jones/Butcher" algorithm)."""
    golden = year % 19
    century, rest = divmod(year, 100)
    leap_skip, century_rest = divmod(century, 4)
    moon_fix = (century + 8) // 25
    moon_adjust = (century - moon_fix + 1) // 3
    epact = (19 * golden + century - leap_skip - moon_adjust + 15) % 30
    quarter, rest_rest = divmod(rest, 4)
    weekday_fix = (32 + 2 * century_rest + 2 * quarter - epact - rest_rest) % 7
    shift = (golden + 11 * epact + 22 * weekday_fix) // 451
    month, day = divmod(epact + weekday_fix - 7 * shift + 114, 31)
    return date(year, month, day + 1)


def _nth_monday(year: int, month: int, nth: int) -> date:
    """The first (nth=1) or last (nth=-1) Monday of a month."""
    if nth == 1:
        first = date(year, month, 1)
        return first + timedelta(days=(7 - first.weekday()) % 7)
    last = clamped(year, month, -1)
    return last - timedelta(days=last.weekday())


def _is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def to_working_day(day: date, rule: str) -> date:
    """Move a payment off a weekend or bank holiday: salaries earlier, collections later."""
    if rule == "none":
        return day
    step = timedelta(days=-1 if rule == "previous" else 1)
    while not _is_working_day(day):
        day += step
    return day


def add_working_days(day: date, count: int) -> date:
    for _ in range(count):
        day = to_working_day(day + timedelta(days=1), "next")
    return day
