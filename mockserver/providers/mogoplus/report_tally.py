"""Credit and debit tallies: the ``{sumAmount, numberOfTransactions, monthlyAverage}`` pairs.

A transaction is a debit when its amount is negative (CDR: money out), a credit otherwise.
A debit's ``sumAmount`` is the size of the money that went out (positive), so that a net
position is credits minus debits.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from mockserver.providers.mogoplus.report_money import ZERO, monthly_average, number


class Tally:
    __slots__ = ("credit", "credits", "debit", "debits")

    def __init__(self) -> None:
        self.credit = ZERO
        self.credits = 0
        self.debit = ZERO
        self.debits = 0

    def add(self, amount: Decimal) -> None:
        if amount < 0:
            self.debit -= amount
            self.debits += 1
        else:
            self.credit += amount
            self.credits += 1

    @property
    def count(self) -> int:
        return self.credits + self.debits

    @property
    def net(self) -> Decimal:
        return self.credit - self.debit

    def credit_json(self, days: int) -> dict[str, Any]:
        return side_json(self.credit, self.credits, days)

    def debit_json(self, days: int) -> dict[str, Any]:
        return side_json(self.debit, self.debits, days)


def side_json(total: Decimal, count: int, days: int) -> dict[str, Any]:
    return {
        "sumAmount": number(total),
        "numberOfTransactions": count,
        "monthlyAverage": number(monthly_average(total, days)),
    }
