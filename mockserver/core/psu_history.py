"""Provider-agnostic PSU (bank customer) test data: seeded, deterministic 13-month histories.

``fixtures/psus.yaml`` describes each PSU as a *profile*: accounts, recurring payments, a spend
and income profile, payday loans, upcoming scheduled payments. This module expands the profiles
into booked transactions, direct debits / standing orders and scheduled payments. Every provider
emulation (OBIE, Fena, Moneyhub, ...) maps this one dataset onto its own API shapes, so balances,
transfer legs and mandates must agree with each other.

Each PSU is built in two steps:

1. *plan*: every pattern in the profile yields dated events from its own seeded random stream,
   so editing one pattern never reshuffles the others;
2. *simulate*: the events of all the PSU's accounts are replayed in time order against running
   balances. State-dependent behaviour lives here: card spend is declined and standing orders
   are not paid when there is no room, direct debits come back unpaid (with a fee and a
   representment), savings and overdraft interest accrue daily, credit-card repayments pay the
   last statement balance.

Money is ``decimal.Decimal`` throughout and leaves as two-place strings ("-12.30"). The output
depends only on ``(definitions, seed, today)``.
"""

from __future__ import annotations

import calendar
import dataclasses
import heapq
import itertools
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from random import Random
from typing import Any

import yaml

from mockserver.core.determinism import faker, rng, stable_uuid

__all__ = [
    "ACCOUNT_TYPES",
    "CATEGORIES",
    "FREQUENCIES",
    "METHODS",
    "PsuDataset",
    "PsuDefinitionError",
    "build_psu_dataset",
    "load_psu_definitions",
]

WINDOW_MONTHS = 13
# Card spend of today and yesterday has not been booked by the bank yet.
PENDING_DAYS = 2

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
_WEEKLY_PERIODS = {"weekly": 1, "fortnightly": 2, "four_weekly": 4}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTH_ABBR = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_MANDATE_METHODS = ("direct_debit", "standing_order")
# Payments that settle through the clearing systems move off weekends and bank holidays.
_DEFAULT_BUSINESS_DAY = {"bacs": "next", "direct_debit": "next", "standing_order": "next"}
# Minute-of-day ranges: batch payments settle overnight, people spend while shops are open.
# Keeping them apart keeps same-day ordering believable: Bacs credits (salaries) land before the
# day's direct debits are collected, and both before the morning coffee.
_MINUTES: dict[str, tuple[int, int]] = {
    "bacs": (60, 119),
    "fee": (120, 149),
    "interest": (120, 149),
    "direct_debit": (150, 359),
    "standing_order": (150, 359),
    "faster_payment": (480, 1199),
    "transfer": (480, 1199),
    "card": (420, 1379),
}
# Bank-generated interest and charges post at 00:30, before any planned event of the day.
_SYSTEM_TIME = time(0, 30)
# Payday lenders collect by card (continuous payment authority) just after the salary lands.
_LOAN_COLLECTION_MINUTES = (390, 419)
_LOAN_MCC = "6012"
_REPRESENT_AFTER_WORKING_DAYS = 3
_EPOCH_MONDAY = date(2000, 1, 3)  # fixes the phase of fortnightly and four-weekly patterns
_CENT = Decimal("0.01")
_ZERO = Decimal(0)
_DAYS_PER_YEAR = Decimal(365)
_MIRROR_CATEGORY = {"transfer_out": "transfer_in", "transfer_in": "transfer_out"}
_DEFAULT_BANK = {"name": "Sandbox Bank", "code": "SBOX", "sort_code_prefix": "77"}


class PsuDefinitionError(ValueError):
    """fixtures/psus.yaml describes something the generator cannot build."""


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PsuDataset:
    """Everything generated for the PSUs, as plain JSON-serialisable dicts."""

    psus: tuple[dict[str, Any], ...]
    accounts: tuple[dict[str, Any], ...]
    transactions: tuple[dict[str, Any], ...]
    mandates: tuple[dict[str, Any], ...]
    scheduled_payments: tuple[dict[str, Any], ...]

    def records(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """``(kind, id, data)`` for the store; parents come before their children."""
        groups = (
            ("psu", self.psus),
            ("psu.account", self.accounts),
            ("psu.transaction", self.transactions),
            ("psu.mandate", self.mandates),
            ("psu.scheduled_payment", self.scheduled_payments),
        )
        for kind, items in groups:
            for item in items:
                yield kind, str(item["id"]), item


def load_psu_definitions(path: Path) -> list[dict[str, Any]]:
    """The PSU definitions of a psus.yaml; each gets the file-wide ``bank`` unless it has one."""
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(document, dict) or not isinstance(document.get("psus"), list):
        raise PsuDefinitionError(f"{path}: expected a mapping with a 'psus' list")
    bank = document.get("bank")
    definitions: list[dict[str, Any]] = []
    for item in document["psus"]:
        if not isinstance(item, dict):
            raise PsuDefinitionError(f"{path}: every entry of 'psus' must be a mapping")
        definition = dict(item)
        if bank is not None:
            definition.setdefault("bank", bank)
        definitions.append(definition)
    return definitions


def build_psu_dataset(definitions: list[dict[str, Any]], seed: int, today: date) -> PsuDataset:
    """Expand PSU definitions into the 13 months of history ending at ``today``."""
    specs = [_parse_psu(raw, f"psus[{i}]") for i, raw in enumerate(definitions)]
    _check_unique([p.username for p in specs], "username")
    window = _Window(start=_add_months(today, -WINDOW_MONTHS), end=today)
    taken: set[tuple[str, str]] = set()  # (sort code, account number) already handed out
    parts = [_build_psu(spec, seed, window, taken) for spec in specs]
    return PsuDataset(
        psus=tuple(p.psu for p in parts),
        accounts=tuple(a for p in parts for a in p.accounts),
        transactions=tuple(t for p in parts for t in p.transactions),
        mandates=tuple(m for p in parts for m in p.mandates),
        scheduled_payments=tuple(s for p in parts for s in p.scheduled_payments),
    )


# --------------------------------------------------------------------------------------------
# Profile specs (parsed, validated YAML)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Bank:
    name: str
    code: str  # the 4-letter bank code inside the IBAN
    sort_code_prefix: str


@dataclass(frozen=True)
class _Amount:
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
class _Party:
    """A merchant, employer, payee or payer."""

    name: str
    statement: str  # how it reads on a bank statement
    mcc: str | None = None
    weight: float = 1.0
    sort_code: str | None = None
    account_number: str | None = None


@dataclass(frozen=True)
class _Recurring:
    index: int
    party: _Party
    category: str
    method: str
    credit: bool
    amount: _Amount
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
        return self.method in _MANDATE_METHODS


@dataclass(frozen=True)
class _Random:
    """A spend or income profile entry: a number of events per week or month."""

    index: int
    section: str
    category: str
    method: str
    credit: bool
    amount: _Amount
    per: str  # "week" or "month"
    count: tuple[int, int]
    parties: tuple[_Party, ...]
    weekdays_only: bool
    minutes: tuple[int, int]
    refund_probability: float
    reference: str | None
    counter_start: int
    to_account: str | None


@dataclass(frozen=True)
class _Loan:
    index: int
    lender: _Party
    amount: _Amount
    probability: float  # chance of a new loan in any given month
    cost_rate: Decimal  # interest and fees as a fraction of the principal
    days: tuple[int, int]  # day-of-month range the loan is taken out


@dataclass(frozen=True)
class _Scheduled:
    index: int
    payee: _Party
    amount: Decimal
    in_days: int
    reference: str


@dataclass(frozen=True)
class _AccountSpec:
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
    recurring: tuple[_Recurring, ...]
    randoms: tuple[_Random, ...]
    loans: tuple[_Loan, ...]
    scheduled: tuple[_Scheduled, ...]

    @property
    def floor(self) -> Decimal:
        """The lowest balance the bank lets payments take the account to."""
        return -(self.overdraft_limit or self.credit_limit or _ZERO)


@dataclass(frozen=True)
class _PsuSpec:
    username: str
    password: str
    name: str | None
    email: str | None
    phone: str | None
    address: dict[str, Any] | None
    birth_date: date | None
    persona: str
    bank: _Bank
    accounts: tuple[_AccountSpec, ...]


# --------------------------------------------------------------------------------------------
# YAML parsing and validation
# --------------------------------------------------------------------------------------------

_BANK_FIELDS = ("name", "code", "sort_code_prefix")
_ADDRESS_FIELDS = ("lines", "town", "county", "postcode", "country")
_PARTY_FIELDS = ("name", "statement", "mcc", "weight", "sort_code", "account_number")


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


_PSU_FIELDS = _names("username password name email phone address birth_date persona bank accounts")
_ACCOUNT_FIELDS = _names(
    "key type name holder_name currency opening_balance overdraft_limit credit_limit "
    "sort_code account_number opened_on interest_rate interest_day overdraft_rate "
    "charge_day unpaid_item_fee statement_day spend_cushion recurring spend income loans "
    "scheduled_payments"
)
_RECURRING_FIELDS = _names(
    "name statement mcc sort_code account_number category method direction amount step "
    "frequency day_of_month months weekday week_offset business_day probability from_month "
    "until_month reference to_account mirror_statement"
)
_RANDOM_FIELDS = _names(
    "category method direction amount step per_week per_month merchants mcc weekdays_only "
    "hours refund_probability reference counter_start to_account"
)
_LOAN_FIELDS = _names("lender statement sort_code account_number amount probability cost_rate days")
_SCHEDULED_FIELDS = ("payee", "amount", "in_days", "reference")
_MISSING: Any = object()


class _Fields:
    """Typed access to one YAML mapping; errors name the path of the offending value."""

    def __init__(self, data: object, where: str, allowed: Collection[str]) -> None:
        if not isinstance(data, dict):
            raise PsuDefinitionError(f"{where}: expected a mapping, got {type(data).__name__}")
        unknown = sorted(str(k) for k in data if k not in allowed)
        if unknown:
            raise PsuDefinitionError(f"{where}: unknown field(s): {', '.join(unknown)}")
        self._data: dict[str, Any] = data
        self.where = where

    def has(self, key: str) -> bool:
        return self._data.get(key) is not None

    def raw(self, key: str, default: Any = _MISSING) -> Any:
        if self.has(key):
            return self._data[key]
        if default is _MISSING:
            raise PsuDefinitionError(f"{self.where}: {key!r} is required")
        return default

    def fail(self, key: str, problem: str) -> PsuDefinitionError:
        return PsuDefinitionError(f"{self.where}.{key}: {problem}")

    def text(self, key: str, default: str | None = None) -> str:
        value = self.raw(key, _MISSING if default is None else default)
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise self.fail(key, "expected text")
        return str(value)

    def optional_text(self, key: str) -> str | None:
        return self.text(key) if self.has(key) else None

    def integer(self, key: str, default: int | None = None) -> int:
        value = self.raw(key, _MISSING if default is None else default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, "expected a whole number")
        return value

    def number(self, key: str, default: float) -> float:
        """A probability or weight: internal tuning only, never money."""
        value = self.raw(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(key, "expected a number")
        return float(value)

    def probability(self, key: str, default: float) -> float:
        value = self.number(key, default)
        if not 0 <= value <= 1:
            raise self.fail(key, "expected a probability between 0 and 1")
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.raw(key, default)
        if not isinstance(value, bool):
            raise self.fail(key, "expected true or false")
        return value

    def decimal(self, key: str, default: Decimal | None = None) -> Decimal:
        """Money or a rate: a quoted decimal string (a YAML float would lose precision)."""
        return _to_decimal(self.raw(key, _MISSING if default is None else default), self, key)

    def optional_decimal(self, key: str) -> Decimal | None:
        return self.decimal(key) if self.has(key) else None

    def money(self, key: str, default: Decimal | None = None) -> Decimal:
        value = self.decimal(key, default)
        if value != value.quantize(_CENT):
            raise self.fail(key, "money has at most two decimal places")
        return value

    def optional_money(self, key: str) -> Decimal | None:
        return self.money(key) if self.has(key) else None

    def choice(self, key: str, options: Collection[str], default: str | None = None) -> str:
        value = self.text(key, default)
        if value not in options:
            raise self.fail(key, f"{value!r} is not one of {', '.join(sorted(options))}")
        return value

    def items(self, key: str) -> list[Any]:
        value = self.raw(key, [])
        if not isinstance(value, list):
            raise self.fail(key, "expected a list")
        return value

    def int_pair(self, key: str) -> tuple[int, int] | None:
        if not self.has(key):
            return None
        value = self._data[key]
        valid = isinstance(value, list) and len(value) == 2
        if not valid or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            raise self.fail(key, "expected [low, high] whole numbers")
        low, high = value
        if not 0 <= low <= high:
            raise self.fail(key, "expected 0 <= low <= high")
        return low, high

    def day(self, key: str, default: int | None = None) -> int:
        value = self.integer(key, default)
        if not 1 <= value <= 31:
            raise self.fail(key, "expected a day of month, 1 to 31")
        return value

    def iso_date(self, key: str) -> date | None:
        if not self.has(key):
            return None
        value = self._data[key]
        if isinstance(value, date):  # an unquoted date in YAML
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise self.fail(key, "expected an ISO date, e.g. '1990-04-12'") from None

    def digits(self, key: str, length: int) -> str | None:
        value = self.optional_text(key)
        if value is not None:
            value = value.replace("-", "")
            if len(value) != length or not value.isdigit():
                raise self.fail(key, f"expected {length} digits")
        return value

    def amount(self, key: str = "amount", *, dynamic: bool = False) -> _Amount:
        """Money as "12.30" or a ["low", "high"] range.

        Transfers between the PSU's own accounts may instead be sized when they run:
        "statement_balance" pays off a credit card, {excess_over: "9000.00", max: "3000.00"}
        sweeps out what the balance holds above a working level.
        """
        step = self.money("step", _CENT) if self.has("step") else _CENT
        value = self.raw(key)
        if (value == "statement_balance" or isinstance(value, dict)) and not dynamic:
            raise self.fail(key, "only transfers to another own account have dynamic amounts")
        if value == "statement_balance":
            return _Amount(_ZERO, _ZERO, step, statement_balance=True)
        if isinstance(value, dict):
            sweep = _Fields(value, f"{self.where}.{key}", ("excess_over", "max"))
            cap = sweep.money("max")
            return _Amount(cap, cap, step, excess_over=sweep.money("excess_over"))
        bounds = value if isinstance(value, list) else [value, value]
        if len(bounds) != 2:
            raise self.fail(key, "expected an amount or a [low, high] range")
        low, high = (_to_decimal(v, self, key) for v in bounds)
        if not _ZERO < low <= high or low != low.quantize(_CENT) or high != high.quantize(_CENT):
            raise self.fail(key, "expected positive money with 0 < low <= high")
        return _Amount(low, high, step)


def _to_decimal(value: object, fields: _Fields, key: str) -> Decimal:
    if isinstance(value, Decimal):  # a default given in code
        return value
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise fields.fail(key, f"expected a quoted decimal string, got {value!r}")
    try:
        result = Decimal(str(value).strip())
    except InvalidOperation:
        raise fields.fail(key, f"{value!r} is not a decimal number") from None
    if not result.is_finite():
        raise fields.fail(key, f"{value!r} is not a finite number")
    return result


def _check_unique(values: list[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise PsuDefinitionError(f"duplicate {what}: {value!r}")
        seen.add(value)


def _parse_psu(raw: object, where: str) -> _PsuSpec:
    f = _Fields(raw, where, _PSU_FIELDS)
    username = f.text("username")
    where = f"psus[{username}]"
    accounts = tuple(
        _parse_account(item, f"{where}.accounts[{i}]") for i, item in enumerate(f.items("accounts"))
    )
    if not accounts:
        raise PsuDefinitionError(f"{where}: needs at least one account")
    _check_unique([a.key for a in accounts], f"account key of {username}")
    _check_account_links(accounts, where)
    return _PsuSpec(
        username=username,
        password=f.text("password", username),
        name=f.optional_text("name"),
        email=f.optional_text("email"),
        phone=f.optional_text("phone"),
        address=_parse_address(f.raw("address"), f"{where}.address") if f.has("address") else None,
        birth_date=f.iso_date("birth_date"),
        persona=f.text("persona", "custom"),
        bank=_parse_bank(f.raw("bank", _DEFAULT_BANK), f"{where}.bank"),
        accounts=accounts,
    )


def _parse_bank(raw: object, where: str) -> _Bank:
    f = _Fields(raw, where, _BANK_FIELDS)
    code = f.text("code", _DEFAULT_BANK["code"])
    if len(code) != 4 or not (code.isascii() and code.isalpha() and code.isupper()):
        raise f.fail("code", "expected four capital letters")
    prefix = f.digits("sort_code_prefix", 2) or _DEFAULT_BANK["sort_code_prefix"]
    return _Bank(name=f.text("name", _DEFAULT_BANK["name"]), code=code, sort_code_prefix=prefix)


def _parse_address(raw: object, where: str) -> dict[str, Any]:
    f = _Fields(raw, where, _ADDRESS_FIELDS)
    lines = f.items("lines")
    address: dict[str, Any] = {"lines": [str(line) for line in lines]}
    if f.has("county"):
        address["county"] = f.text("county")
    address |= {"town": f.text("town"), "postcode": f.text("postcode")}
    address["country"] = f.text("country", "GB")
    return address


def _parse_account(raw: object, where: str) -> _AccountSpec:
    f = _Fields(raw, where, _ACCOUNT_FIELDS)
    key = f.text("key")
    where = f"{where}({key})"
    f.where = where
    kind = f.choice("type", ACCOUNT_TYPES)
    spec = _AccountSpec(
        key=key,
        type=kind,
        name=f.text("name"),
        holder_name=f.text("holder_name", ""),
        currency=f.text("currency", "GBP"),
        opening_balance=f.money("opening_balance"),
        overdraft_limit=f.optional_money("overdraft_limit"),
        credit_limit=f.optional_money("credit_limit"),
        sort_code=f.digits("sort_code", 6),
        account_number=f.digits("account_number", 8),
        opened_on=f.iso_date("opened_on"),
        interest_rate=f.optional_decimal("interest_rate"),
        interest_day=f.day("interest_day", 1),
        overdraft_rate=f.optional_decimal("overdraft_rate"),
        charge_day=f.day("charge_day", 1),
        unpaid_item_fee=f.optional_money("unpaid_item_fee"),
        statement_day=f.day("statement_day") if f.has("statement_day") else None,
        spend_cushion=f.money("spend_cushion", _ZERO),
        recurring=tuple(
            _parse_recurring(item, f"{where}.recurring[{i}]", i)
            for i, item in enumerate(f.items("recurring"))
        ),
        randoms=tuple(
            _parse_random(item, f"{where}.{section}[{i}]", i, section)
            for section in ("spend", "income")
            for i, item in enumerate(f.items(section))
        ),
        loans=tuple(
            _parse_loan(item, f"{where}.loans[{i}]", i) for i, item in enumerate(f.items("loans"))
        ),
        scheduled=tuple(
            _parse_scheduled(item, f"{where}.scheduled_payments[{i}]", i)
            for i, item in enumerate(f.items("scheduled_payments"))
        ),
    )
    if kind == "credit_card" and spec.credit_limit is None:
        raise PsuDefinitionError(f"{where}: a credit_card needs a credit_limit")
    if kind == "credit_card" and spec.overdraft_limit is not None:
        raise PsuDefinitionError(f"{where}: a credit_card has a credit_limit, not an overdraft")
    return spec


def _parse_party(raw: object, where: str, default_mcc: str | None = None) -> _Party:
    """A merchant written either as a bare name or as a mapping."""
    if isinstance(raw, str):
        raw = {"name": raw}
    f = _Fields(raw, where, _PARTY_FIELDS)
    name = f.text("name")
    return _Party(
        name=name,
        statement=f.text("statement", name.upper()),
        mcc=f.digits("mcc", 4) or default_mcc,
        weight=f.number("weight", 1.0),
        sort_code=f.digits("sort_code", 6),
        account_number=f.digits("account_number", 8),
    )


def _parse_common(f: _Fields, default_method: str, default_credit: bool) -> tuple[str, str, bool]:
    category = f.choice("category", CATEGORIES)
    method = f.choice("method", METHODS, default_method)
    credit = f.choice("direction", ("credit", "debit"), "credit" if default_credit else "debit")
    return category, method, credit == "credit"


def _parse_recurring(raw: object, where: str, index: int) -> _Recurring:
    f = _Fields(raw, where, _RECURRING_FIELDS)
    category, method, credit = _parse_common(f, "direct_debit", False)
    frequency = f.choice("frequency", FREQUENCIES, "monthly")
    to_account = f.optional_text("to_account")
    monthly = frequency not in _WEEKLY_PERIODS
    day_of_month: int | None = None
    if monthly:
        day_of_month = -1 if f.raw("day_of_month") == "last" else f.day("day_of_month")
    months = frozenset(f.items("months")) or None
    if months is not None and not months <= frozenset(range(1, 13)):
        raise f.fail("months", "expected month numbers 1 to 12")
    if frequency in ("quarterly", "annually") and months is None:
        raise f.fail("months", f"a {frequency} pattern must list its months")
    weekday = None if monthly else _WEEKDAYS.index(f.choice("weekday", _WEEKDAYS))
    probability = f.probability("probability", 1.0)
    party_fields = {k: f.raw(k) for k in _PARTY_FIELDS if k != "weight" and f.has(k)}
    if to_account is None:
        party_fields["name"] = f.text("name")
    party_fields.setdefault("name", "")  # own-account transfers need no payee name
    return _Recurring(
        index=index,
        party=_parse_party(party_fields, where),
        category=category,
        method=method,
        credit=credit,
        amount=f.amount(dynamic=to_account is not None),
        frequency=frequency,
        day_of_month=day_of_month,
        months=months,
        weekday=weekday,
        week_offset=f.integer("week_offset", 0) % _WEEKLY_PERIODS.get(frequency, 1),
        business_day=f.choice(
            "business_day", ("previous", "next", "none"), _DEFAULT_BUSINESS_DAY.get(method, "none")
        ),
        probability=probability,
        from_month=f.integer("from_month", 0),
        until_month=f.integer("until_month") if f.has("until_month") else None,
        reference=f.optional_text("reference"),
        to_account=to_account,
        mirror_statement=f.optional_text("mirror_statement"),
    )


def _parse_random(raw: object, where: str, index: int, section: str) -> _Random:
    f = _Fields(raw, where, _RANDOM_FIELDS)
    income = section == "income"
    to_account = f.optional_text("to_account")
    category, method, credit = _parse_common(f, "faster_payment" if income else "card", income)
    per_week, per_month = f.int_pair("per_week"), f.int_pair("per_month")
    if (per_week is None) == (per_month is None):
        raise PsuDefinitionError(f"{where}: give exactly one of per_week and per_month")
    default_mcc = f.digits("mcc", 4)
    parties = tuple(
        _parse_party(item, f"{where}.merchants[{i}]", default_mcc)
        for i, item in enumerate(f.items("merchants"))
    )
    if not parties and to_account is None:
        raise f.fail("merchants", "needs at least one merchant or payer")
    parties = parties or (_Party(name="transfer", statement="TRANSFER"),)  # own-account moves
    hours = f.int_pair("hours")
    if hours is not None and not hours[0] < hours[1] <= 24:
        raise f.fail("hours", "expected [from, to] hours of the day with from < to <= 24")
    return _Random(
        index=index,
        section=section,
        category=category,
        method=method,
        credit=credit,
        amount=f.amount(),
        per="week" if per_week else "month",
        count=per_week or per_month or (0, 0),
        parties=parties,
        weekdays_only=f.flag("weekdays_only", False),
        minutes=(hours[0] * 60, hours[1] * 60 - 1) if hours else _MINUTES[method],
        refund_probability=f.probability("refund_probability", 0.0),
        reference=f.optional_text("reference"),
        counter_start=f.integer("counter_start", 1),
        to_account=to_account,
    )


def _parse_loan(raw: object, where: str, index: int) -> _Loan:
    f = _Fields(raw, where, _LOAN_FIELDS)
    party = {k: f.raw(k) for k in ("statement", "sort_code", "account_number") if f.has(k)}
    days = f.int_pair("days") or (1, 28)
    if not 1 <= days[0] <= days[1] <= 31:
        raise f.fail("days", "expected [first, last] days of month")
    return _Loan(
        index=index,
        lender=_parse_party({"name": f.text("lender"), **party}, where, _LOAN_MCC),
        amount=f.amount(),
        probability=f.probability("probability", 0.3),
        cost_rate=f.decimal("cost_rate", Decimal("0.24")),
        days=days,
    )


def _parse_scheduled(raw: object, where: str, index: int) -> _Scheduled:
    f = _Fields(raw, where, _SCHEDULED_FIELDS)
    in_days = f.integer("in_days")
    if not 1 <= in_days <= 30:
        raise f.fail("in_days", "scheduled payments lie 1 to 30 days ahead")
    payee = _parse_party(f.raw("payee"), f"{where}.payee")
    return _Scheduled(
        index=index,
        payee=payee,
        amount=f.money("amount"),
        in_days=in_days,
        reference=f.text("reference", payee.statement[:18]),
    )


def _check_account_links(accounts: tuple[_AccountSpec, ...], where: str) -> None:
    """Transfers must name another account of the same PSU; card payoffs must target a card."""
    types = {a.key: a.type for a in accounts}
    for account in accounts:
        links = [(p.to_account, p.amount.statement_balance) for p in account.recurring]
        links += [(r.to_account, False) for r in account.randoms]
        for target, pays_statement in links:
            if target is None:
                continue
            if target not in types or target == account.key:
                raise PsuDefinitionError(
                    f"{where}: account {account.key!r} transfers to unknown account {target!r}"
                )
            if pays_statement and types[target] != "credit_card":
                raise PsuDefinitionError(
                    f"{where}: statement_balance needs a credit_card target, not {target!r}"
                )


# --------------------------------------------------------------------------------------------
# Dates and money
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Window:
    start: date
    end: date  # "today", inclusive

    def month_index(self, day: date) -> int:
        """Whole months from the window's first month: what from_month/until_month count."""
        return (day.year - self.start.year) * 12 + day.month - self.start.month

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


def _add_months(day: date, months: int) -> date:
    """The same calendar day ``months`` away, clamped to the end of shorter months."""
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    return _clamped(year, month + 1, day.day)


def _clamped(year: int, month: int, day: int) -> date:
    """Day ``day`` of a month (-1: the last), pulled back to the month's last day if needed."""
    last = calendar.monthrange(year, month)[1]
    return date(year, month, last if day == -1 else min(day, last))


def _month_starts(start: date, end: date) -> Iterator[date]:
    current = start.replace(day=1)
    while current <= end:
        yield current
        current = _add_months(current, 1)


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
    last = _clamped(year, month, -1)
    return last - timedelta(days=last.weekday())


def _is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def _to_working_day(day: date, rule: str) -> date:
    """Move a payment off a weekend or bank holiday: salaries earlier, collections later."""
    if rule == "none":
        return day
    step = timedelta(days=-1 if rule == "previous" else 1)
    while not _is_working_day(day):
        day += step
    return day


def _add_working_days(day: date, count: int) -> date:
    for _ in range(count):
        day = _to_working_day(day + timedelta(days=1), "next")
    return day


def _at(day: date, minutes: tuple[int, int], r: Random) -> datetime:
    minute = r.randint(*minutes)
    return datetime.combine(day, time(minute // 60, minute % 60), UTC)


def _draw(r: Random, amount: _Amount) -> Decimal:
    """An amount from the range, skewed to the low end (most shops are small ones)."""
    if amount.low == amount.high:
        return amount.low
    low, high = int(amount.low * 100), int(amount.high * 100)
    pennies = round(r.triangular(low, high, low + (high - low) / 4))
    step = int(amount.step * 100)
    pennies = max(step, round(pennies / step) * step)
    return Decimal(pennies).scaleb(-2)


def _money(value: Decimal) -> str:
    text = str(value.quantize(_CENT, rounding=ROUND_HALF_UP))
    return "0.00" if text == "-0.00" else text


def _render(template: str | None, counter: int, day: date) -> str | None:
    """Fill a reference template: {n} counts occurrences, {month} and {year} date them."""
    if template is None:
        return None
    try:
        return template.format(n=counter, month=_MONTH_ABBR[day.month - 1], year=day.year)
    except (KeyError, IndexError, ValueError) as error:
        raise PsuDefinitionError(f"bad reference template {template!r}: {error}") from None


# --------------------------------------------------------------------------------------------
# Identifiers
# --------------------------------------------------------------------------------------------


def _iban(bank_code: str, sort_code: str, account_number: str) -> str:
    """A GB IBAN with valid ISO 13616 (mod-97) check digits."""
    bban = f"{bank_code}{sort_code}{account_number}"
    numeric = "".join(str(int(c, 36)) for c in f"{bban}GB00")
    return f"GB{98 - int(numeric) % 97:02d}{bban}"


def _external_account(seed: int, party: _Party) -> tuple[str, str]:
    """A stable sort code and account number for someone outside the sandbox bank."""
    r = rng(seed, "psu.counterparty", party.name)
    sort_code = party.sort_code or f"{r.randrange(10**6):06d}"
    return sort_code, party.account_number or str(r.randrange(10**7, 10**8))


def _mandate_reference(seed: int, username: str, account: str, pattern: _Recurring) -> str | None:
    """The YAML's reference, else one like a customer number: payee initials and digits."""
    if pattern.reference is not None or not pattern.party.name:
        return pattern.reference
    r = rng(seed, "psu.mandate.reference", username, account, pattern.index)
    initials = "".join(w[0] for w in pattern.party.name.split() if w[:1].isalpha())[:3].upper()
    return f"{initials or 'REF'}{r.randrange(10**7, 10**8)}"


# --------------------------------------------------------------------------------------------
# Planning: profile patterns -> dated events
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Event:
    """Something that will (try to) happen to an account at ``when``."""

    when: datetime
    account: str
    amount: Decimal | None  # signed; None: sized when it runs, by ``sizing``
    category: str
    method: str
    description: str
    merchant: str
    counterparty: dict[str, str] | None = None
    mcc: str | None = None
    reference: str | None = None
    mandate: str | None = None
    to_account: str | None = None
    mirror_description: str | None = None
    sizing: _Amount | None = None  # a dynamic amount (card statement, sweep)
    discretionary: bool = False  # declined (not an error) when funds are short
    restraint: float = 0.0  # 0..1: how much of the account's spend cushion this purchase respects
    represented: bool = False
    follow_ups: tuple[_Event, ...] = ()


@dataclass(frozen=True)
class _Context:
    seed: int
    username: str
    bank: _Bank
    window: _Window
    ledgers: dict[str, _Ledger]

    @property
    def played(self) -> _Window:
        """What is simulated: from the 1st of the window's first month.

        The YAML's opening balances apply on that 1st, so the monthly cycle (rent before payday)
        starts in the right place whatever day the window opens; earlier rows are dropped.
        """
        return _Window(start=self.window.start.replace(day=1), end=self.window.end)


def _plan(ctx: _Context) -> Iterator[_Event]:
    for ledger in ctx.ledgers.values():
        spec = ledger.spec
        paydays = sorted(
            d
            for p in spec.recurring
            if p.category == "salary" and p.credit
            for d in _recurring_dates(p, ctx.played, ctx.played.start, ctx.played.end)
        )
        for pattern in spec.recurring:
            yield from _plan_recurring(ctx, ledger, pattern)
        for entry in spec.randoms:
            yield from _plan_random(ctx, ledger, entry)
        for loan in spec.loans:
            yield from _plan_loan(ctx, ledger, loan, paydays)


def _recurring_dates(
    p: _Recurring, window: _Window, start: date, end: date, *, bounded: bool = True
) -> list[date]:
    """Payment dates of a pattern in [start, end], moved off non-working days as configured.

    ``bounded`` applies from_month/until_month (counted from the window start); without it the
    pattern is imagined running indefinitely, to date mandates set up before the window.
    """
    margin = timedelta(days=7)  # a nominal date just outside may be moved inside
    if p.frequency in _WEEKLY_PERIODS:
        nominal = _weekly_dates(p, start - margin, end + margin)
    else:
        nominal = _monthly_dates(p, start - margin, end + margin)
    dates = []
    for day in nominal:
        month = window.month_index(day)
        if bounded and (
            month < p.from_month or (p.until_month is not None and month >= p.until_month)
        ):
            continue
        actual = _to_working_day(day, p.business_day)
        if start <= actual <= end:
            dates.append(actual)
    return dates


def _monthly_dates(p: _Recurring, start: date, end: date) -> Iterator[date]:
    assert p.day_of_month is not None
    for first in _month_starts(start, end):
        if p.months is None or first.month in p.months:
            day = _clamped(first.year, first.month, p.day_of_month)
            if start <= day <= end:
                yield day


def _weekly_dates(p: _Recurring, start: date, end: date) -> Iterator[date]:
    assert p.weekday is not None
    period = _WEEKLY_PERIODS[p.frequency]
    day = start + timedelta(days=(p.weekday - start.weekday()) % 7)
    while day <= end:
        if ((day - _EPOCH_MONDAY).days // 7) % period == p.week_offset:
            yield day
        day += timedelta(days=7)


def _plan_recurring(ctx: _Context, ledger: _Ledger, p: _Recurring) -> Iterator[_Event]:
    r = rng(ctx.seed, "psu.recurring", ctx.username, ledger.spec.key, p.index)
    mandate = ledger.mandate_ids.get(p.index)
    reference = ledger.mandate_refs.get(p.index, p.reference)
    target = ctx.ledgers[p.to_account] if p.to_account else None
    merchant, counterparty = _payee(ctx, p, target)
    for n, day in enumerate(_recurring_dates(p, ctx.played, ctx.played.start, ctx.played.end)):
        # Draw everything before the probability check so skipping never shifts later draws.
        happens = r.random() < p.probability
        amount = None if p.amount.dynamic else _draw(r, p.amount)
        when = _at(day, _MINUTES[p.method], r)
        if not happens:
            continue
        ref = _render(reference, n + 1, day)
        yield _Event(
            when=when,
            account=ledger.spec.key,
            amount=None if amount is None else (amount if p.credit else -amount),
            sizing=p.amount if p.amount.dynamic else None,
            category=p.category,
            method=p.method,
            description=_describe(p.party.statement or None, target, ref),
            merchant=merchant,
            counterparty=counterparty,
            mcc=p.party.mcc if p.method == "card" else None,
            reference=ref,
            mandate=mandate,
            to_account=p.to_account,
            mirror_description=p.mirror_statement or _mirror_description(p.category, ledger),
            # Without funds card subscriptions are declined, standing orders and transfers to own
            # accounts not made; direct debits have their own fate (returned unpaid).
            discretionary=p.method in ("standing_order", "card")
            or (target is not None and p.method != "direct_debit"),
        )


def _payee(
    ctx: _Context, p: _Recurring, target: _Ledger | None
) -> tuple[str, dict[str, str] | None]:
    """Who a recurring payment names: its payee, else (own-account transfers) the own account.

    A named payee wins even for an own-account transfer: a card is paid off by direct debit to
    the card issuer, not to the cardholder.
    """
    if target is None or p.party.name:
        return p.party.name, _counterparty(ctx, p.party, p.method)
    return target.holder, dict(target.counterparty)


def _describe(statement: str | None, target: _Ledger | None, ref: str | None) -> str:
    """Statement text: the payee as the bank prints it (or the own account), then the reference."""
    base = statement or f"TRANSFER TO {target.spec.name.upper() if target else 'ACCOUNT'}"
    return f"{base} {ref}" if ref else base


def _mirror_description(category: str, source: _Ledger) -> str:
    if category == "credit_card_repayment":
        return "PAYMENT RECEIVED - THANK YOU"
    return f"TRANSFER FROM {source.spec.name.upper()}"


def _counterparty(ctx: _Context, party: _Party, method: str) -> dict[str, str] | None:
    """Who the money went to or came from, as far as the bank knows."""
    if method in ("card", "fee", "interest"):
        return None
    if method == "direct_debit":  # only the originator's name travels with a direct debit
        return {"name": party.name}
    sort_code, account_number = _external_account(ctx.seed, party)
    return {"name": party.name, "sort_code": sort_code, "account_number": account_number}


def _random_dates(r: Random, entry: _Random, window: _Window) -> list[date]:
    """``count`` random days in each week or month overlapping the window."""
    days: list[date] = []
    if entry.per == "week":
        monday = window.start - timedelta(days=window.start.weekday())
        periods = [
            (monday + timedelta(weeks=w), 7) for w in range((window.end - monday).days // 7 + 1)
        ]
    else:
        periods = [
            (first, calendar.monthrange(first.year, first.month)[1])
            for first in _month_starts(window.start, window.end)
        ]
    for first, length in periods:
        candidates = [first + timedelta(days=i) for i in range(length)]
        if entry.weekdays_only:
            candidates = [d for d in candidates if d.weekday() < 5]
        count = r.randint(*entry.count)
        days.extend(d for d in (r.choice(candidates) for _ in range(count)) if d in window)
    return sorted(days)


def _plan_random(ctx: _Context, ledger: _Ledger, entry: _Random) -> Iterator[_Event]:
    r = rng(ctx.seed, "psu.random", ctx.username, ledger.spec.key, entry.section, entry.index)
    weights = [p.weight for p in entry.parties]
    target = ctx.ledgers[entry.to_account] if entry.to_account else None
    for n, day in enumerate(_random_dates(r, entry, ctx.played), start=entry.counter_start):
        party = r.choices(entry.parties, weights)[0]
        amount = _draw(r, entry.amount)
        when = _at(day, entry.minutes, r)
        refund_after = r.randint(2, 12) if r.random() < entry.refund_probability else None
        restraint = r.random()
        ref = _render(entry.reference, n, day)
        event = _Event(
            when=when,
            account=ledger.spec.key,
            amount=amount if entry.credit else -amount,
            category=entry.category,
            method=entry.method,
            description=_describe(None if target else party.statement, target, ref),
            merchant=target.holder if target else party.name,
            counterparty=target.counterparty if target else _counterparty(ctx, party, entry.method),
            mcc=party.mcc if entry.method == "card" else None,
            reference=ref,
            to_account=entry.to_account,
            mirror_description=_mirror_description(entry.category, ledger),
            discretionary=not entry.credit,
            restraint=restraint,
        )
        if refund_after is not None and not entry.credit:
            refund = dataclasses.replace(
                event,
                when=_at(day + timedelta(days=refund_after), _MINUTES[entry.method], r),
                amount=amount,
                category="refund",
                description=f"REFUND {party.statement}",
                discretionary=False,
            )
            event = dataclasses.replace(event, follow_ups=(refund,))
        yield event


def _plan_loan(
    ctx: _Context, ledger: _Ledger, loan: _Loan, paydays: list[date]
) -> Iterator[_Event]:
    """Payday loans: paid out mid-month, collected in one go on the next payday."""
    r = rng(ctx.seed, "psu.loan", ctx.username, ledger.spec.key, loan.index)
    lender = loan.lender
    for first in _month_starts(ctx.played.start, ctx.played.end):
        takes_loan = r.random() < loan.probability
        day = _clamped(first.year, first.month, r.randint(*loan.days))
        principal = _draw(r, loan.amount)
        paid_out = _at(day, _MINUTES["faster_payment"], r)
        if not takes_loan or day not in ctx.played:
            continue
        payday = next((d for d in paydays if d > day), day + timedelta(days=30))
        due = (principal * (1 + loan.cost_rate)).quantize(_CENT, rounding=ROUND_HALF_UP)
        repayment = _Event(
            when=_at(payday, _LOAN_COLLECTION_MINUTES, r),
            account=ledger.spec.key,
            amount=-due,
            category="loan_repayment",
            method="card",
            description=f"{lender.statement} REPAYMENT",
            merchant=lender.name,
            mcc=lender.mcc,
        )
        yield _Event(
            when=paid_out,
            account=ledger.spec.key,
            amount=principal,
            category="loan_credit",
            method="faster_payment",
            description=f"{lender.statement} LOAN",
            merchant=lender.name,
            counterparty=_counterparty(ctx, lender, "faster_payment"),
            follow_ups=(repayment,),
        )


# --------------------------------------------------------------------------------------------
# Simulation: events -> booked rows with running balances
# --------------------------------------------------------------------------------------------


@dataclass
class _Ledger:
    """One account while its history is being replayed."""

    spec: _AccountSpec
    psu: str
    account_id: str
    holder: str
    counterparty: dict[str, str]  # how the account appears to the other side of a transfer
    iban: str
    opened_on: date
    masked_pan: str | None
    mandate_ids: dict[int, str]  # recurring pattern index -> mandate id
    mandate_refs: dict[int, str | None]
    balance: Decimal
    statement_balance: Decimal
    window_opening: Decimal = _ZERO  # the balance as the window opens, before its first row
    rows: list[dict[str, Any]] = field(default_factory=list)
    credit_interest: Decimal = _ZERO  # accrued, owed to the customer
    debit_interest: Decimal = _ZERO  # accrued, owed to the bank


class _Simulation:
    """Replays one PSU's events, all accounts together, in time order (a priority queue).

    Follow-ups (refunds, loan collections, unpaid-DD reversals, fees, representments) join the
    queue as they arise, so every account's rows come out already sorted by time.
    """

    def __init__(self, ctx: _Context, psu: str) -> None:
        self.ctx = ctx
        self.psu = psu
        self.ledgers = ctx.ledgers
        self.queue: list[tuple[datetime, int, _Event]] = []
        self.order = itertools.count()
        # mandate id -> (date, amount) of every successful collection
        self.collections: dict[str, list[tuple[date, Decimal]]] = {}
        self.now = datetime.combine(ctx.played.start, time(0), UTC)

    def push(self, event: _Event) -> None:
        if event.when < self.now:
            raise AssertionError(f"event in the past: {event}")
        heapq.heappush(self.queue, (event.when, next(self.order), event))

    def run(self) -> None:
        """Replay every day up to today; events beyond today stay unplayed."""
        day = self.ctx.played.start
        while day <= self.ctx.window.end:
            if day == self.ctx.window.start:
                for ledger in self.ledgers.values():
                    ledger.window_opening = ledger.balance
            self._start_of_day(day)
            while self.queue and self.queue[0][0].date() <= day:
                self.now, _, event = heapq.heappop(self.queue)
                self._apply(event)
            self._end_of_day()
            day += timedelta(days=1)

    def _apply(self, event: _Event) -> None:
        ledger = self.ledgers[event.account]
        amount = event.amount if event.amount is not None else self._dynamic_amount(event)
        if amount is None or amount == 0:
            return  # nothing to pay off or sweep this time
        headroom = ledger.balance + amount - ledger.spec.floor
        if amount < 0 and headroom < 0:
            if event.method == "direct_debit":
                self._return_direct_debit(ledger, event, amount)
                return
            if event.discretionary:
                return  # card declined, standing order not paid: nothing is booked
        if event.discretionary and headroom < ledger.spec.spend_cushion * Decimal(event.restraint):
            return  # close to the limit, people put off what they can
        self._post(ledger, event, amount)
        if event.mandate and amount < 0:
            self.collections.setdefault(event.mandate, []).append((event.when.date(), -amount))
        if event.to_account:
            self._post_mirror(ledger, event, amount)
        for follow_up in event.follow_ups:
            self.push(follow_up)

    def _dynamic_amount(self, event: _Event) -> Decimal | None:
        """Pay off a credit card's last statement, or sweep what a balance holds above a level."""
        assert event.to_account is not None and event.sizing is not None
        if event.sizing.excess_over is not None:
            excess = self.ledgers[event.account].balance - event.sizing.excess_over
            return -min(excess, event.sizing.high) if excess > 0 else None
        card = self.ledgers[event.to_account]
        owed = -card.statement_balance
        if owed <= 0:
            return None
        card.statement_balance = _ZERO  # paid: a second collection this cycle finds nothing
        return -owed

    def _post_mirror(self, source: _Ledger, event: _Event, amount: Decimal) -> None:
        """The other leg of a transfer between two of the PSU's own accounts."""
        assert event.to_account is not None
        target = self.ledgers[event.to_account]
        mirror = _Event(
            when=event.when,
            account=target.spec.key,
            amount=-amount,
            category=_MIRROR_CATEGORY.get(event.category, event.category),
            method="transfer",
            description=event.mirror_description or "TRANSFER",
            merchant=source.holder,
            counterparty=source.counterparty,
            reference=event.reference,
        )
        self._post(target, mirror, -amount)

    def _return_direct_debit(self, ledger: _Ledger, event: _Event, amount: Decimal) -> None:
        """Unpaid: the collection is presented and reversed, a fee charged, and it comes again."""
        self._post(ledger, event, amount)
        minute = timedelta(minutes=1)
        self.push(
            dataclasses.replace(
                event,
                when=event.when + minute,
                amount=-amount,
                category="returned_direct_debit",
                description=f"UNPAID DD {event.description}",
                to_account=None,
                follow_ups=(),
            )
        )
        fee = ledger.spec.unpaid_item_fee
        if fee:
            self.push(self._bank_event(ledger, event.when + 2 * minute, -fee, "UNPAID ITEM FEE"))
        if not event.represented:
            again = _add_working_days(event.when.date(), _REPRESENT_AFTER_WORKING_DAYS)
            self.push(
                dataclasses.replace(
                    event,
                    when=datetime.combine(again, event.when.timetz()),
                    amount=amount,
                    description=f"{event.description} REPRESENTED",
                    represented=True,
                )
            )

    def _bank_event(
        self, ledger: _Ledger, when: datetime, amount: Decimal, text: str, *, interest: bool = False
    ) -> _Event:
        return _Event(
            when=when,
            account=ledger.spec.key,
            amount=amount,
            category="interest" if interest and amount > 0 else "fees",
            method="interest" if interest else "fee",
            description=text,
            merchant=self.ctx.bank.name,
        )

    def _start_of_day(self, day: date) -> None:
        """Statements are cut and accrued interest paid or charged before the day's business."""
        at = datetime.combine(day, _SYSTEM_TIME, UTC)
        for ledger in self.ledgers.values():
            spec = ledger.spec
            if spec.statement_day and day == _clamped(day.year, day.month, spec.statement_day):
                ledger.statement_balance = ledger.balance
            if spec.interest_rate is not None and day.day == spec.interest_day:
                paid = ledger.credit_interest.quantize(_CENT, rounding=ROUND_HALF_UP)
                if paid > 0:
                    ledger.credit_interest -= paid
                    self._post(
                        ledger,
                        self._bank_event(ledger, at, paid, "CREDIT INTEREST", interest=True),
                        paid,
                    )
            if spec.overdraft_rate is not None and day.day == spec.charge_day:
                charged = ledger.debit_interest.quantize(_CENT, rounding=ROUND_HALF_UP)
                if charged > 0:
                    ledger.debit_interest -= charged
                    event = self._bank_event(ledger, at, -charged, "OVERDRAFT INTEREST")
                    self._post(ledger, event, -charged)

    def _end_of_day(self) -> None:
        """Interest accrues daily on the closing balance."""
        for ledger in self.ledgers.values():
            spec, balance = ledger.spec, ledger.balance
            if spec.interest_rate is not None and balance > 0:
                ledger.credit_interest += balance * spec.interest_rate / _DAYS_PER_YEAR
            if spec.overdraft_rate is not None and balance < 0:
                ledger.debit_interest += -balance * spec.overdraft_rate / _DAYS_PER_YEAR

    def _post(self, ledger: _Ledger, event: _Event, amount: Decimal) -> None:
        ledger.balance += amount
        ledger.rows.append(
            {
                "id": "",  # numbered once the account's history is complete
                "account_id": ledger.account_id,
                "psu": self.psu,
                "booked_at": event.when.isoformat(),
                "value_date": event.when.date().isoformat(),
                "amount": _money(amount),
                "currency": ledger.spec.currency,
                "credit_debit": "credit" if amount > 0 else "debit",
                "status": "booked",
                "description": event.description,
                "merchant": event.merchant,
                "category": event.category,
                "method": event.method,
                "mandate_id": event.mandate if event.method in _MANDATE_METHODS else None,
                "reference": event.reference,
                "balance_after": _money(ledger.balance),
                "counterparty": dict(event.counterparty) if event.counterparty else None,
                "mcc": event.mcc if event.method == "card" else None,
            }
        )


# --------------------------------------------------------------------------------------------
# Assembly


@dataclass(frozen=True)
class _PsuParts:
    psu: dict[str, Any]
    accounts: list[dict[str, Any]]
    transactions: list[dict[str, Any]]
    mandates: list[dict[str, Any]]
    scheduled_payments: list[dict[str, Any]]


def _build_psu(
    spec: _PsuSpec, seed: int, window: _Window, taken: set[tuple[str, str]]
) -> _PsuParts:
    psu = _psu_record(spec, seed)
    ledgers = {a.key: _new_ledger(spec, a, seed, window, psu["name"], taken) for a in spec.accounts}
    ctx = _Context(seed, spec.username, spec.bank, window, ledgers)
    sim = _Simulation(ctx, spec.username)
    for event in _plan(ctx):
        sim.push(event)
    sim.run()
    # Rows first: dropping the lead-in and marking pending rows settle the account balances.
    transactions = [row for ledger in ledgers.values() for row in _finish_rows(ledger, ctx)]
    return _PsuParts(
        psu=psu,
        accounts=[_account_record(ledger, spec) for ledger in ledgers.values()],
        transactions=transactions,
        mandates=[
            _mandate_record(ledger, pattern, sim)
            for ledger in ledgers.values()
            for pattern in ledger.spec.recurring
            if pattern.has_mandate
        ],
        scheduled_payments=[
            _scheduled_record(ledger, item, ctx)
            for ledger in ledgers.values()
            for item in ledger.spec.scheduled
        ],
    )


def _psu_record(spec: _PsuSpec, seed: int) -> dict[str, Any]:
    """The PSU; anything the YAML leaves out is made up from the seed."""
    made_up = (
        _made_up_identity(seed, spec.username) if spec.name is None or spec.address is None else {}
    )
    r = rng(seed, "psu.profile", spec.username)
    born = date(1950, 1, 1) + timedelta(days=r.randrange(365 * 50))
    phone = f"+447700900{r.randrange(1000):03d}"  # Ofcom's range reserved for drama
    return {
        "id": spec.username,
        "username": spec.username,
        "password": spec.password,
        "name": spec.name or made_up["name"],
        "email": spec.email or f"{spec.username}@example.com",
        "phone": spec.phone or phone,
        "address": spec.address or made_up["address"],
        "birth_date": (spec.birth_date or born).isoformat(),
        "persona": spec.persona,
    }


def _made_up_identity(seed: int, username: str) -> dict[str, Any]:
    """A fake name and address; only called when the YAML leaves them out (Faker is slow)."""
    fake = faker(seed, "psu", username)
    # The Faker is shared and re-seeded per call: take every value before anything else runs.
    name, street, town, postcode = fake.name(), fake.street_address(), fake.city(), fake.postcode()
    lines = str(street).split("\n")
    address = {"lines": lines, "town": str(town), "postcode": str(postcode), "country": "GB"}
    return {"name": str(name), "address": address}


def _new_ledger(
    psu: _PsuSpec,
    spec: _AccountSpec,
    seed: int,
    window: _Window,
    psu_name: str,
    taken: set[tuple[str, str]],
) -> _Ledger:
    sort_code, account_number = _own_account_number(psu, spec, seed, taken)
    holder = spec.holder_name or psu_name
    r = rng(seed, "psu.account.profile", psu.username, spec.key)
    return _Ledger(
        spec=spec,
        psu=psu.username,
        account_id=stable_uuid(seed, "psu.account", psu.username, spec.key),
        holder=holder,
        counterparty={"name": holder, "sort_code": sort_code, "account_number": account_number},
        iban=_iban(psu.bank.code, sort_code, account_number),
        opened_on=spec.opened_on or window.start - timedelta(days=r.randint(400, 3650)),
        masked_pan=f"{'*' * 12}{r.randrange(10**4):04d}" if spec.type == "credit_card" else None,
        mandate_ids={
            p.index: stable_uuid(seed, "psu.mandate", psu.username, spec.key, p.index)
            for p in spec.recurring
            if p.has_mandate
        },
        mandate_refs={
            p.index: _mandate_reference(seed, psu.username, spec.key, p)
            for p in spec.recurring
            if p.has_mandate
        },
        balance=spec.opening_balance,
        statement_balance=spec.opening_balance,
    )


def _own_account_number(
    psu: _PsuSpec, spec: _AccountSpec, seed: int, taken: set[tuple[str, str]]
) -> tuple[str, str]:
    """Sort code of the PSU's home branch and an account number no other account has."""
    branch = rng(seed, "psu.branch", psu.username).randrange(10**4)
    sort_code = spec.sort_code or f"{psu.bank.sort_code_prefix}{branch:04d}"
    for attempt in itertools.count():
        r = rng(seed, "psu.account.number", psu.username, spec.key, attempt)
        number = spec.account_number or str(r.randrange(10**7, 10**8))
        if (sort_code, number) not in taken:
            taken.add((sort_code, number))
            return sort_code, number
        if spec.account_number:
            raise PsuDefinitionError(f"{psu.username}/{spec.key}: account number already in use")
    raise AssertionError("unreachable")


def _finish_rows(ledger: _Ledger, ctx: _Context) -> list[dict[str, Any]]:
    """Drop the lead-in, number the rows, mark the trailing card spend of the last days pending.

    Only a *trailing* run is pending, so every pending row comes after the last booked one and
    the account's booked balance is simply the last booked row's running balance.
    """
    first_day = ctx.window.start.isoformat()
    rows = ledger.rows = [row for row in ledger.rows if row["value_date"] >= first_day]
    for n, row in enumerate(rows):
        row["id"] = stable_uuid(ctx.seed, "psu.transaction", ledger.psu, ledger.spec.key, n)
    cutoff = (ctx.window.end - timedelta(days=PENDING_DAYS - 1)).isoformat()
    for row in reversed(rows):
        if row["method"] != "card" or row["value_date"] < cutoff:
            break
        row["status"] = "pending"
    return rows


def _account_record(ledger: _Ledger, psu: _PsuSpec) -> dict[str, Any]:
    spec = ledger.spec
    booked = [row for row in ledger.rows if row["status"] == "booked"]
    record: dict[str, Any] = {
        "id": ledger.account_id,
        "psu": psu.username,
        "key": spec.key,
        "type": spec.type,
        "name": spec.name,
        "holder_name": ledger.holder,
        "currency": spec.currency,
        "sort_code": ledger.counterparty["sort_code"],
        "account_number": ledger.counterparty["account_number"],
        "iban": ledger.iban,
        "opened_on": ledger.opened_on.isoformat(),
        "opening_balance": _money(ledger.window_opening),
        "balance": booked[-1]["balance_after"] if booked else _money(ledger.window_opening),
        # Booked balance plus pending card spend; any credit line is the provider's business.
        "available_balance": _money(ledger.balance),
    }
    if ledger.masked_pan is not None:
        record["masked_pan"] = ledger.masked_pan
    if spec.overdraft_limit is not None:
        record["overdraft_limit"] = _money(spec.overdraft_limit)
    if spec.credit_limit is not None:
        record["credit_limit"] = _money(spec.credit_limit)
    return record


def _mandate_record(ledger: _Ledger, p: _Recurring, sim: _Simulation) -> dict[str, Any]:
    """A direct debit or standing order, dated from its collections and its schedule."""
    window = sim.ctx.window
    mandate_id = ledger.mandate_ids[p.index]
    collected = [c for c in sim.collections.get(mandate_id, []) if c[0] >= window.start]
    upcoming = _recurring_dates(
        p, window, window.end + timedelta(days=1), window.end + timedelta(days=400)
    )
    target = sim.ledgers[p.to_account] if p.to_account else None
    reference = ledger.mandate_refs.get(p.index, p.reference)
    name, counterparty = _payee(sim.ctx, p, target)
    target_name = target.spec.name.upper() if target else ""
    fixed = p.amount.low == p.amount.high and not p.amount.dynamic
    # A variable collection (card payoff, metered bill) shows what it last took.
    amount = p.amount.low if fixed or not collected else collected[-1][1]
    first = _first_payment_date(ledger, p, sim, collected, upcoming)
    record: dict[str, Any] = {
        "id": mandate_id,
        "account_id": ledger.account_id,
        "psu": ledger.psu,
        "kind": p.method,
        "name": name,
        # An own-account standing order without a reference shows the account it feeds.
        "reference": _render(reference, 1, window.end) if reference else (target_name or None),
        "amount": _money(amount),
        "currency": ledger.spec.currency,
        "category": p.category,
        "frequency": p.frequency,
        "first_payment_date": first.isoformat() if first else None,
        "last_payment_date": collected[-1][0].isoformat() if collected else None,
        "next_payment_date": upcoming[0].isoformat() if upcoming else None,
        "status": "active" if upcoming else "cancelled",
        "counterparty": counterparty,
    }
    if p.day_of_month is not None:
        record["day_of_month"] = p.day_of_month
    if p.weekday is not None:
        record["day_of_week"] = p.weekday + 1  # ISO: Monday is 1
    return record


def _first_payment_date(
    ledger: _Ledger,
    p: _Recurring,
    sim: _Simulation,
    collected: list[tuple[date, Decimal]],
    upcoming: list[date],
) -> date | None:
    """Patterns running from the window start were set up some months before it."""
    window = sim.ctx.window
    if p.from_month > 0 or not collected:
        return collected[0][0] if collected else (upcoming[0] if upcoming else None)
    r = rng(sim.ctx.seed, "psu.mandate.since", ledger.psu, ledger.spec.key, p.index)
    since = max(ledger.opened_on, _add_months(window.start, -r.randint(1, 36)))
    earlier = _recurring_dates(p, window, since, window.start, bounded=False)
    return earlier[0] if earlier else collected[0][0]


def _scheduled_record(ledger: _Ledger, item: _Scheduled, ctx: _Context) -> dict[str, Any]:
    """A future one-off payment, on a working day no more than 30 days ahead."""
    sort_code, account_number = _external_account(ctx.seed, item.payee)
    execution = _to_working_day(ctx.window.end + timedelta(days=item.in_days), "next")
    if execution > ctx.window.end + timedelta(days=30):
        execution = _to_working_day(ctx.window.end + timedelta(days=item.in_days), "previous")
    uid = stable_uuid(ctx.seed, "psu.scheduled_payment", ledger.psu, ledger.spec.key, item.index)
    return {
        "id": uid,
        "account_id": ledger.account_id,
        "psu": ledger.psu,
        "execution_date": execution.isoformat(),
        "amount": _money(item.amount),
        "currency": ledger.spec.currency,
        "payee": {
            "name": item.payee.name,
            "sort_code": sort_code,
            "account_number": account_number,
        },
        "reference": item.reference,
    }
