"""Periodic payment limits (VRP): which period a moment falls in, and which limit a payment breaks.

OBIE's VRP control parameters and Fena's VRP consents share the vocabulary: a limit per Day,
Week, Fortnight, Month, Half-year or Year, aligned either with the consent (periods repeat from
the day the consent starts) or with the calendar (days from midnight, weeks from Monday, months
from the 1st, half-years from 1 January and 1 July, years from 1 January; a calendar fortnight
starts every other Monday from the first Monday of ISO week 1). Periods are whole UTC days, as
banks run them: a consent-aligned week starting on a Tuesday runs Tuesday to Monday whatever
the hour the consent was made. A month that lacks the consent's day (the 31st, say) starts its
period on its last day.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

PERIOD_TYPES: tuple[str, ...] = ("Day", "Week", "Fortnight", "Month", "Half-year", "Year")
ALIGNMENTS: tuple[str, ...] = ("Consent", "Calendar")
_MONTHS = {"Month": 1, "Half-year": 6, "Year": 12}
_DAYS = {"Day": 1, "Week": 7, "Fortnight": 14}


@dataclass(frozen=True)
class Limit:
    period: str  # one of PERIOD_TYPES
    alignment: str  # one of ALIGNMENTS
    amount: Decimal
    # Where the limit came from, for the error message (e.g. its JSON path).
    label: str = ""


@dataclass(frozen=True)
class Spend:
    at: datetime
    amount: Decimal


def kind_problem(kinds: list[tuple[str, str]]) -> tuple[int, str, str] | None:
    """The first (period, alignment) a consent may not have, as (index, "alignment" or
    "period", why): the calendar has no fortnights, and a kind may appear only once."""
    seen: set[tuple[str, str]] = set()
    for index, (period, alignment) in enumerate(kinds):
        if period == "Fortnight" and alignment == "Calendar":
            return index, "alignment", "a Fortnight limit must be aligned to the Consent"
        if (period, alignment) in seen:
            return index, "period", f"two {alignment}-aligned {period} limits"
        seen.add((period, alignment))
    return None


def period_bounds(period: str, alignment: str, anchor: date, day: date) -> tuple[date, date]:
    """The first day of the period holding ``day``, and the first day of the next one."""
    if period not in PERIOD_TYPES or alignment not in ALIGNMENTS:
        raise ValueError(f"unknown period {period!r} / alignment {alignment!r}")
    if period in _DAYS:
        step = _DAYS[period]
        origin = anchor if alignment == "Consent" else _calendar_origin(period, day)
        start = origin + timedelta(days=((day - origin).days // step) * step)
        end = start + timedelta(days=step)
        if period == "Fortnight" and alignment == "Calendar":
            # The ISO year's last fortnight may be a single week: the next year starts afresh.
            end = min(end, date.fromisocalendar(day.isocalendar().year + 1, 1, 1))
        return start, end
    months = _MONTHS[period]
    if alignment == "Calendar":
        first_month = ((day.month - 1) // months) * months + 1
        start = date(day.year, first_month, 1)
        return start, _add_months(start, months, start.day)
    # Consent alignment: repeat from the anchor's day of the month, clamped to short months.
    elapsed = (day.year - anchor.year) * 12 + day.month - anchor.month
    k = elapsed // months
    start = _add_months(anchor, k * months, anchor.day)
    if start > day:
        k -= 1
        start = _add_months(anchor, k * months, anchor.day)
    return start, _add_months(anchor, (k + 1) * months, anchor.day)


def spent_in(spends: Iterable[Spend], start: date, end: date) -> Decimal:
    total = Decimal(0)
    for spend in spends:
        if start <= spend.at.astimezone(UTC).date() < end:
            total += spend.amount
    return total


def breached_limit(
    limits: Iterable[Limit],
    anchor: date,
    spends: Iterable[Spend],
    now: datetime,
    amount: Decimal,
) -> tuple[Limit, Decimal] | None:
    """The first limit that ``amount`` paid ``now`` would exceed, and what is left under it."""
    today = now.astimezone(UTC).date()
    history = list(spends)
    for limit in limits:
        start, end = period_bounds(limit.period, limit.alignment, anchor, today)
        left = limit.amount - spent_in(history, start, end)
        if amount > left:
            return limit, max(left, Decimal(0))
    return None


def _calendar_origin(period: str, day: date) -> date:
    if period == "Fortnight":
        # Monday of ISO week 1 of the ISO year holding ``day``.
        return date.fromisocalendar(day.isocalendar().year, 1, 1)
    return date(1970, 1, 5)  # a Monday: days and weeks count from any Monday


def _add_months(start: date, months: int, day_of_month: int) -> date:
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day_of_month, last))
