"""Periods of VRP limits: consent- and calendar-aligned, and which limit a payment breaks."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from mockserver.core.periodic_limits import (
    Limit,
    Spend,
    breached_limit,
    kind_problem,
    period_bounds,
)

D = date


@pytest.mark.parametrize(
    ("period", "alignment", "anchor", "day", "expected"),
    [
        ("Day", "Calendar", D(2026, 5, 1), D(2026, 5, 20), (D(2026, 5, 20), D(2026, 5, 21))),
        ("Day", "Consent", D(2026, 5, 1), D(2026, 5, 20), (D(2026, 5, 20), D(2026, 5, 21))),
        # 20 May 2026 is a Wednesday: calendar weeks start on Monday the 18th.
        ("Week", "Calendar", D(2026, 5, 1), D(2026, 5, 20), (D(2026, 5, 18), D(2026, 5, 25))),
        # Consent weeks repeat from Friday 1 May: 15 May to 22 May.
        ("Week", "Consent", D(2026, 5, 1), D(2026, 5, 20), (D(2026, 5, 15), D(2026, 5, 22))),
        ("Fortnight", "Consent", D(2026, 5, 1), D(2026, 5, 20), (D(2026, 5, 15), D(2026, 5, 29))),
        # ISO week 1 of 2026 starts Monday 29 December 2025.
        ("Fortnight", "Calendar", D(2026, 5, 1), D(2026, 1, 5), (D(2025, 12, 29), D(2026, 1, 12))),
        ("Month", "Calendar", D(2026, 5, 1), D(2026, 2, 28), (D(2026, 2, 1), D(2026, 3, 1))),
        ("Month", "Consent", D(2026, 1, 16), D(2026, 5, 10), (D(2026, 4, 16), D(2026, 5, 16))),
        # The 31st: short months start their period on their last day.
        ("Month", "Consent", D(2026, 1, 31), D(2026, 3, 1), (D(2026, 2, 28), D(2026, 3, 31))),
        ("Month", "Consent", D(2026, 1, 31), D(2026, 2, 27), (D(2026, 1, 31), D(2026, 2, 28))),
        ("Half-year", "Calendar", D(2026, 1, 1), D(2026, 9, 30), (D(2026, 7, 1), D(2027, 1, 1))),
        ("Half-year", "Consent", D(2026, 3, 10), D(2026, 9, 9), (D(2026, 3, 10), D(2026, 9, 10))),
        ("Year", "Calendar", D(2025, 6, 1), D(2026, 6, 1), (D(2026, 1, 1), D(2027, 1, 1))),
        ("Year", "Consent", D(2024, 2, 29), D(2025, 3, 1), (D(2025, 2, 28), D(2026, 2, 28))),
    ],
)
def test_period_bounds(
    period: str, alignment: str, anchor: date, day: date, expected: tuple[date, date]
) -> None:
    start, end = period_bounds(period, alignment, anchor, day)
    assert (start, end) == expected
    assert start <= day < end


def test_the_last_calendar_fortnight_of_an_iso_year_ends_with_it() -> None:
    # ISO 2026 has 53 weeks; the 27th fortnight is a single week before ISO 2027's week 1.
    start, end = period_bounds("Fortnight", "Calendar", D(2026, 1, 1), D(2026, 12, 30))
    assert end == date.fromisocalendar(2027, 1, 1)
    assert start == D(2026, 12, 28)


def test_unknown_periods_are_refused() -> None:
    with pytest.raises(ValueError):
        period_bounds("Quarter", "Calendar", D(2026, 1, 1), D(2026, 1, 1))


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 5, day, hour, tzinfo=UTC)


def test_the_first_limit_a_payment_breaks_and_what_is_left() -> None:
    day = Limit("Day", "Calendar", Decimal("50"), "day")
    week = Limit("Week", "Calendar", Decimal("120"), "week")
    spends = [
        Spend(at(18), Decimal("40")),
        Spend(at(19), Decimal("45")),
        Spend(at(20), Decimal("20")),
    ]
    # Wednesday 20 May: 20 spent today, 105 this week.
    assert breached_limit([day, week], D(2026, 5, 1), spends, at(20), Decimal("15")) is None
    assert breached_limit([day, week], D(2026, 5, 1), spends, at(20), Decimal("16")) == (
        week,
        Decimal("15"),
    )
    assert breached_limit([day, week], D(2026, 5, 1), spends, at(20), Decimal("31")) == (
        day,
        Decimal("30"),
    )
    # Monday 25 May starts a new week; last week's spending no longer counts.
    assert breached_limit([day, week], D(2026, 5, 1), spends, at(25), Decimal("50")) is None


def test_periods_are_whole_utc_days() -> None:
    day = Limit("Day", "Consent", Decimal("10"))
    late = [Spend(datetime(2026, 5, 20, 23, 59, tzinfo=UTC), Decimal("10"))]
    assert breached_limit([day], D(2026, 5, 1), late, at(21, 0), Decimal("10")) is None
    assert breached_limit([day], D(2026, 5, 1), late, at(20, 23), Decimal("0.01")) is not None


def test_the_limit_kinds_a_consent_may_have() -> None:
    assert kind_problem([("Day", "Consent"), ("Month", "Calendar")]) is None
    fortnight = kind_problem([("Day", "Consent"), ("Fortnight", "Calendar")])
    assert fortnight is not None and fortnight[:2] == (1, "alignment")
    assert kind_problem([("Fortnight", "Consent")]) is None
    twice = kind_problem([("Week", "Consent"), ("Week", "Calendar"), ("Week", "Consent")])
    assert twice is not None and twice[:2] == (2, "period")
