"""What one scope of a report adds up (all applicants together, or one applicant), in one pass.

A ``Summary`` takes every transaction of its scope once (``add``) and keeps: the credit and
debit tallies in total, per category group and per category; the net (credits - debits) per
calendar month; income (credits of income categories) in total and per income category; the
transactions of alert categories; the currencies seen. The ``*_json`` functions write its
parts in the report's shape, groups and categories in category-table order, those with no
transaction left out.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

from mockserver.providers.mogoplus.categories import CategoryTable
from mockserver.providers.mogoplus.report_input import DEFAULT_CURRENCY, Entry
from mockserver.providers.mogoplus.report_money import ZERO, money_text, monthly_average, number
from mockserver.providers.mogoplus.report_tally import Tally

Month = tuple[int, int]


class Summary:
    __slots__ = (
        "alerts",
        "buckets",
        "categories",
        "currencies",
        "groups",
        "income",
        "income_count",
        "months",
        "total",
    )

    def __init__(self) -> None:
        self.total = Tally()
        self.groups: dict[str, Tally] = {}
        self.categories: dict[str, Tally] = {}
        self.months: dict[Month, Decimal] = {}
        self.income = ZERO
        self.income_count = 0
        self.buckets: dict[str, Decimal] = {}
        self.alerts: dict[str, list[Entry]] = {}
        self.currencies: Counter[str] = Counter()

    def add(self, entry: Entry) -> None:
        amount = entry.amount
        category = entry.category
        self.total.add(amount)
        group = self.groups.get(category.group)
        if group is None:
            group = self.groups[category.group] = Tally()
        group.add(amount)
        tally = self.categories.get(category.code)
        if tally is None:
            tally = self.categories[category.code] = Tally()
        tally.add(amount)
        month = (entry.day.year, entry.day.month)
        self.months[month] = self.months.get(month, ZERO) + amount
        if category.income and amount > 0:
            self.income += amount
            self.income_count += 1
            self.buckets[category.code] = self.buckets.get(category.code, ZERO) + amount
        if category.alert:
            self.alerts.setdefault(category.code, []).append(entry)
        self.currencies[entry.currency] += 1

    @property
    def currency(self) -> str:
        """The currency of most transactions (alphabetical on a tie); AUD when there are none."""
        if not self.currencies:
            return DEFAULT_CURRENCY
        return min(self.currencies, key=lambda c: (-self.currencies[c], c))


def months_between(start: date, end: date) -> list[Month]:
    months = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def totals_json(tally: Tally, days: int) -> dict[str, Any]:
    return {"credit": tally.credit_json(days), "debit": tally.debit_json(days)}


def groups_json(summary: Summary, table: CategoryTable, days: int) -> list[dict[str, Any]]:
    return [
        {
            "categoryGroup": group.code,
            "categoryGroupDescription": group.description,
            "debit": tally.debit_json(days),
            "credit": tally.credit_json(days),
        }
        for group in table.groups
        if (tally := summary.groups.get(group.code)) is not None
    ]


def categories_json(summary: Summary, table: CategoryTable, days: int) -> list[dict[str, Any]]:
    return [
        {
            "categoryCode": category.code,
            "categoryCodeDescription": category.description,
            "credit": tally.credit_json(days),
            "debit": tally.debit_json(days),
        }
        for category in table.categories
        if (tally := summary.categories.get(category.code)) is not None
    ]


def net_monthly_json(summary: Summary, months: list[Month]) -> dict[str, str]:
    """Every calendar month of the reporting period, "YYYY-MM": credits - debits as a string."""
    return {f"{y:04d}-{m:02d}": money_text(summary.months.get((y, m), ZERO)) for y, m in months}


def basic_income_json(summary: Summary, table: CategoryTable, days: int) -> dict[str, Any]:
    """Income = credits of income categories; buckets: every income category, its total."""
    return {
        "currency": summary.currency,
        "income": {
            "sumAmount": number(summary.income),
            "numberOfTransactions": summary.income_count,
            "averageMonthly": number(monthly_average(summary.income, days)),
        },
        "incomeBuckets": {
            c.code: money_text(summary.buckets.get(c.code, ZERO))
            for c in table.categories
            if c.income
        },
    }


def transaction_json(entry: Entry) -> dict[str, Any]:
    return {
        "transactionId": entry.transaction_id,
        "transactionDate": entry.day.isoformat(),
        "transactionCategoryGroup": entry.category.group,
        "transactionCategoryCode": entry.category.code,
        "transactionDescription": entry.description,
        "transactionAmount": number(entry.amount),
        "transactionCurrency": entry.currency,
    }


def alerts_json(summary: Summary, table: CategoryTable, days: int) -> list[dict[str, Any]]:
    """One entry per alert category with transactions: its tallies and its transactions."""
    alerts = []
    for category in table.categories:
        entries = summary.alerts.get(category.code)
        if not entries:
            continue
        entries = sorted(entries, key=lambda e: (e.day, e.order))
        alerts.append(
            {
                "categoryCode": category.code,
                "categoryCodeDescription": category.description,
                "credit": summary.categories[category.code].credit_json(days),
                "debit": summary.categories[category.code].debit_json(days),
                "transactions": [transaction_json(e) for e in entries],
            }
        )
    return alerts
