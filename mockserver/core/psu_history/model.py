"""The generator's data model: vocabularies, money, and the parsed PSU profile.

The vocabularies (``CATEGORIES``, ``METHODS``, ``ACCOUNT_TYPES``, ``FREQUENCIES``) are public:
fixtures/psus.yaml is written in them and every provider emulation maps them onto its own codes.
The frozen dataclasses (``PsuSpec`` down to ``Party``) are what :mod:`.definitions` makes of the
YAML; planning, simulation and assembly only read them. Money is ``Decimal`` throughout and
leaves as two-place strings (:func:`format_money`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CATEGORIES: tuple[str, ...] = (
    # money in
    "salary",
    "gig_income",
    "business_income",
    "interest",
    "refund",
    "loan_credit",
    "transfer_in",
    # home and bills
    "rent",
    "mortgage",
    "utilities",
    "council_tax",
    "insurance",
    "subscriptions",
    # everyday spend
    "groceries",
    "eating_out",
    "transport",
    "shopping",
    "entertainment",
    "health",
    "cash",
    "gambling",
    # moving and owing money
    "transfer_out",
    "credit_card_repayment",
    "loan_repayment",
    "fees",
    "returned_direct_debit",
    # business
    "tax",
    "suppliers",
    "supplies",
    "payroll",
)
METHODS: tuple[str, ...] = (
    "card",
    "direct_debit",
    "standing_order",
    "faster_payment",
    "bacs",
    "transfer",
    "fee",
    "interest",
)
ACCOUNT_TYPES: tuple[str, ...] = ("current", "savings", "credit_card", "business_current")
FREQUENCIES: tuple[str, ...] = (
    "weekly",
    "fortnightly",
    "four_weekly",
    "monthly",
    "quarterly",
    "annually",
)
WEEKLY_PERIODS = {"weekly": 1, "fortnightly": 2, "four_weekly": 4}
MANDATE_METHODS = ("direct_debit", "standing_order")
# Minute-of-day ranges: batch payments settle overnight, people spend while shops are open.
# Keeping them apart keeps same-day ordering believable: Bacs credits (salaries) land before the
# day's direct debits are collected, and both before the morning coffee.
MINUTES: dict[str, tuple[int, int]] = {
    "bacs": (60, 119),
    "fee": (120, 149),
    "interest": (120, 149),
    "direct_debit": (150, 359),
    "standing_order": (150, 359),
    "faster_payment": (480, 1199),
    "transfer": (480, 1199),
    "card": (420, 1379),
}
CENT = Decimal("0.01")
ZERO = Decimal(0)


class PsuDefinitionError(ValueError):
    """fixtures/psus.yaml describes something the generator cannot build."""


@dataclass(frozen=True)
class Bank:
    name: str
    code: str  # the 4-letter bank code inside the IBAN
    sort_code_prefix: str


@dataclass(frozen=True)
class Amount:
    low: Decimal
    high: Decimal
    step: Decimal  # drawn amounts are multiples of this (cash comes in tens)
    statement_balance: bool = False  # pay off the target credit card's last statement
    excess_over: Decimal | None = None  # move out what the balance holds above this (up to high)

    @property
    def dynamic(self) -> bool:
        """Decided when the payment runs, from the balances at that moment."""
        return self.statement_balance or self.excess_over is not None


@dataclass(frozen=True)
class Party:
    """A merchant, employer, payee or payer."""

    name: str
    statement: str  # how it reads on a bank statement
    mcc: str | None = None
    weight: float = 1.0
    sort_code: str | None = None
    account_number: str | None = None


@dataclass(frozen=True)
class Recurring:
    index: int
    party: Party
    category: str
    method: str
    credit: bool
    amount: Amount
    frequency: str
    day_of_month: int | None  # -1 is the last day of the month
    months: frozenset[int] | None
    weekday: int | None
    week_offset: int
    business_day: str  # "previous", "next" or "none"
    probability: float
    from_month: int  # months counted from the start of the window
    until_month: int | None
    reference: str | None
    to_account: str | None
    mirror_statement: str | None

    @property
    def has_mandate(self) -> bool:
        return self.method in MANDATE_METHODS


@dataclass(frozen=True)
class RandomEntry:
    """A spend or income profile entry: a number of events per week or month."""

    index: int
    section: str
    category: str
    method: str
    credit: bool
    amount: Amount
    per: str  # "week" or "month"
    count: tuple[int, int]
    parties: tuple[Party, ...]
    weekdays_only: bool
    minutes: tuple[int, int]
    refund_probability: float
    reference: str | None
    counter_start: int
    to_account: str | None


@dataclass(frozen=True)
class Loan:
    index: int
    lender: Party
    amount: Amount
    probability: float  # chance of a new loan in any given month
    cost_rate: Decimal  # interest and fees as a fraction of the principal
    days: tuple[int, int]  # day-of-month range the loan is taken out


@dataclass(frozen=True)
class Scheduled:
    index: int
    payee: Party
    amount: Decimal
    in_days: int
    reference: str


@dataclass(frozen=True)
class AccountSpec:
    key: str
    type: str
    name: str
    holder_name: str
    currency: str
    opening_balance: Decimal
    overdraft_limit: Decimal | None
    credit_limit: Decimal | None
    sort_code: str | None
    account_number: str | None
    opened_on: date | None
    interest_rate: Decimal | None  # credit interest on positive balances, paid monthly
    interest_day: int
    overdraft_rate: Decimal | None  # debit interest on negative balances, charged monthly
    charge_day: int
    unpaid_item_fee: Decimal | None
    statement_day: int | None
    spend_cushion: Decimal  # discretionary spend thins out this close to the limit
    recurring: tuple[Recurring, ...]
    randoms: tuple[RandomEntry, ...]
    loans: tuple[Loan, ...]
    scheduled: tuple[Scheduled, ...]

    @property
    def floor(self) -> Decimal:
        """The lowest balance the bank lets payments take the account to."""
        return -(self.overdraft_limit or self.credit_limit or ZERO)


@dataclass(frozen=True)
class PsuSpec:
    username: str
    password: str
    name: str | None
    email: str | None
    phone: str | None
    address: dict[str, Any] | None
    birth_date: date | None
    persona: str
    bank: Bank
    accounts: tuple[AccountSpec, ...]


def format_money(value: Decimal) -> str:
    """Money as it leaves the generator: a two-place string, never "-0.00"."""
    text = str(value.quantize(CENT, rounding=ROUND_HALF_UP))
    return "0.00" if text == "-0.00" else text
