"""Income streams: an applicant's recurring income credits, grouped by payer.

The exact rule (what ``inferentialIncomeInsights`` lists):

1. Candidates: the applicant's credits (amount > 0) whose category is an income category
   (``income: true`` in the category table: salary and wages, government benefits, pensions,
   other income). Other credits (transfers, refunds, uncategorised) never form a stream.
2. Payer: the transaction's ``merchantName`` when present, else its ``description``, in
   normalised words (``categories.words``), without the words that contain a digit (dates,
   reference numbers) and without the noise words in ``NOISE_WORDS`` (banking verbs, months,
   pay-type words, so "ACME PAYROLL 0423" and "ACME SALARY MAR" are one payer, "ACME"). When no
   word is left the payer is the category code.
3. Candidates are grouped by payer, across all of the applicant's accounts and institutions.
4. A group is an income stream when:
   a. its credits fall on at least ``MIN_DATES`` (3) distinct dates;
   b. the intervals in days between consecutive distinct dates have a median m with
      ``MIN_INTERVAL`` (5) <= m <= ``MAX_INTERVAL`` (100): weekly to quarterly; and
   c. at least two thirds of those intervals lie within max(3, m / 4) days of m (so monthly
      pay moved across weekends, or one missed pay, still counts).
   The credits of other groups remain income (in the basic income insights), not a stream.
5. What a stream reports:
   - type: the category code most of its credits have (table order on a tie); employer: the
     payer;
   - regularity: ``incomeDates`` one date per credit, ascending (same-day credits, such as pay
     split across two accounts, repeat their date); ``statisticsOfDayIntervals`` over the
     intervals between consecutive distinct dates: max, min and mode whole days, mean, median
     and standard deviation (population) rounded half-even to two decimals;
   - reliability: ``incomeAmounts`` one ``{date, amount}`` per credit, in date order;
     ``statisticsOfSalaryAmount`` average, median, mode, range, standard deviation (population)
     of those amounts, rounded half-even to two decimals;
   - recency: ``daysInLastPeriod`` = min(90, days in the reporting period), and
     ``numberOfTransactionsInLastPeriod`` = the stream's credits dated within that many days
     up to the end of the reporting period (inclusive).
   Streams are listed by total amount, largest first, then by payer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

from mockserver.providers.mogoplus import income_stats
from mockserver.providers.mogoplus.categories import CategoryTable, words
from mockserver.providers.mogoplus.report_input import Entry
from mockserver.providers.mogoplus.report_money import number, round2

MIN_DATES = 3
MIN_INTERVAL = 5
MAX_INTERVAL = 100
LAST_PERIOD_DAYS = 90

NOISE_WORDS = frozenset(
    {
        # banking verbs and channels
        "DIRECT", "CREDIT", "DEPOSIT", "DEP", "TRANSFER", "TFR", "TRF", "XFER", "FROM", "TO",
        "OSKO", "NPP", "PAYID", "PAYMENT", "PYMT", "PMT", "REF", "REFERENCE", "INTERNET",
        "ONLINE", "FAST", "EFT", "BANK", "RECEIVED", "INWARD", "FOR", "AND", "THE",
        # pay-type words
        "SALARY", "SALARIES", "WAGE", "WAGES", "PAY", "PAYROLL", "PAYRUN", "PAYSLIP", "NET",
        "WEEKLY", "FORTNIGHTLY", "MONTHLY",
        # months
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "SEPT", "OCT", "NOV",
        "DEC", "JANUARY", "FEBRUARY", "MARCH", "APRIL", "JUNE", "JULY", "AUGUST", "SEPTEMBER",
        "OCTOBER", "NOVEMBER", "DECEMBER",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class IncomeStream:
    payer: str
    type: str
    entries: tuple[Entry, ...]  # by date, then payload order
    intervals: tuple[int, ...]  # between consecutive distinct dates

    @property
    def total(self) -> Decimal:
        return sum((e.amount for e in self.entries), Decimal(0))


def payer_of(entry: Entry) -> str:
    """The normalised payer of an income credit (rule 2 of the module docstring)."""
    kept = [
        w
        for w in words(entry.merchant or entry.description)
        if w not in NOISE_WORDS and not any(c.isdigit() for c in w)
    ]
    return " ".join(kept) or entry.category.code


def detect(entries: Iterable[Entry], table: CategoryTable) -> list[IncomeStream]:
    """The income streams among one applicant's transactions."""
    groups: dict[str, list[Entry]] = {}
    for entry in entries:
        if entry.amount > 0 and entry.category.income:
            groups.setdefault(payer_of(entry), []).append(entry)
    order = {c.code: i for i, c in enumerate(table.categories)}
    streams = []
    for payer, members in groups.items():
        members.sort(key=lambda e: (e.day, e.order))
        days = sorted({e.day for e in members})
        intervals = tuple((b - a).days for a, b in pairwise(days))
        if len(days) < MIN_DATES or not is_regular(intervals):
            continue
        counts = Counter(e.category.code for e in members)
        kind = min(counts, key=lambda code: (-counts[code], order[code]))
        streams.append(IncomeStream(payer, kind, tuple(members), intervals))
    streams.sort(key=lambda s: (-s.total, s.payer))
    return streams


def is_regular(intervals: Sequence[int]) -> bool:
    """Rule 4b and 4c of the module docstring."""
    if not intervals:
        return False
    ordered = sorted(intervals)
    middle = len(ordered) // 2
    m = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    if not MIN_INTERVAL <= m <= MAX_INTERVAL:
        return False
    tolerance = max(3.0, m / 4)
    close = sum(1 for i in intervals if abs(i - m) <= tolerance)
    return 3 * close >= 2 * len(intervals)


def stream_json(stream: IncomeStream, period_end: date, period_days: int) -> dict[str, Any]:
    days_in_last = min(LAST_PERIOD_DAYS, period_days)
    last_start = period_end - timedelta(days=days_in_last - 1)
    amounts = [e.amount for e in stream.entries]
    gaps = [Decimal(i) for i in stream.intervals]
    return {
        "type": stream.type,
        "employer": stream.payer,
        "recency": {
            "daysInLastPeriod": days_in_last,
            "numberOfTransactionsInLastPeriod": sum(
                1 for e in stream.entries if last_start <= e.day <= period_end
            ),
        },
        "regularity": {
            "numberOfTransactions": len(stream.entries),
            "incomeDates": [e.day.isoformat() for e in stream.entries],
            "statisticsOfDayIntervals": {
                "max": max(stream.intervals),
                "min": min(stream.intervals),
                "mean": number(round2(income_stats.mean(gaps))),
                "median": number(round2(income_stats.median(gaps))),
                "mode": int(income_stats.mode(gaps)),
                "standardDeviation": number(round2(income_stats.standard_deviation(gaps))),
            },
        },
        "reliability": {
            "numberOfTransactions": len(stream.entries),
            "incomeAmounts": [
                {"date": e.day.isoformat(), "amount": number(e.amount)} for e in stream.entries
            ],
            "statisticsOfSalaryAmount": {
                "average": number(round2(income_stats.mean(amounts))),
                "median": number(round2(income_stats.median(amounts))),
                "mode": number(round2(income_stats.mode(amounts))),
                "range": number(round2(income_stats.value_range(amounts))),
                "standardDeviation": number(round2(income_stats.standard_deviation(amounts))),
            },
        },
    }
