"""The submitted payload, read once into flat records for the report engine.

Reading rules (the report's documentation repeats them):
- applicants: ``applicantsData[]`` in order; id = ``applicant.crn``, else the 1-based position;
  name = ``firstName lastName``, else "Applicant N";
- institutions: ``bankingTransactionData[].consentProperty.institutionName`` of the applicant
  (several consents at one institution are one institution); its id is the name as a slug;
- accounts: ``accountProperty.accounts[]``; number = ``maskedNumber``, name = ``displayName``
  (else ``nickname``); balances from ``balance`` (``creditLimit`` "0.00" when absent, as CDR
  says; all three null when the account has no balance data);
- transactions: every entry of ``transactions[]``, PENDING as well as POSTED; the date is the
  calendar date written in ``postingDateTime``, else ``valueDateTime``, else
  ``executionDateTime`` (the first ten characters, not converted between time zones); a
  transaction with none of them takes the latest date of the dated ones (it is pending: the
  most recent), or the publish date when nothing is dated; currency ``AUD`` when absent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from mockserver.providers.mogoplus.categories import Category, CategoryTable
from mockserver.providers.mogoplus.report_money import parse_amount, parse_optional

DATE_FIELDS = ("postingDateTime", "valueDateTime", "executionDateTime")
DEFAULT_CURRENCY = "AUD"
_SLUG = re.compile(r"[^a-z0-9]+")


class ReportInputError(ValueError):
    """The payload has a value the report cannot be computed from (``path`` names it)."""

    def __init__(self, message: str, path: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


@dataclass(slots=True, eq=False)
class Entry:
    """One submitted transaction, categorised."""

    order: int  # position in the payload: the tie-break of every sort
    applicant: int
    account: Account
    transaction_id: str
    day: date
    amount: Decimal
    currency: str
    description: str
    reference: str
    merchant: str
    category: Category


@dataclass(slots=True, eq=False)
class Account:
    account_id: str
    number: str
    name: str
    current_balance: Decimal | None
    available_balance: Decimal | None
    credit_limit: Decimal | None
    entries: list[Entry] = field(default_factory=list)


@dataclass(slots=True, eq=False)
class Institution:
    institution_id: str
    name: str
    accounts: list[Account] = field(default_factory=list)


@dataclass(slots=True, eq=False)
class Applicant:
    position: int
    applicant_id: str
    name: str
    employer_names: list[str]
    institutions: dict[str, Institution] = field(default_factory=dict)
    entries: list[Entry] = field(default_factory=list)

    @property
    def accounts(self) -> list[Account]:
        return [a for i in self.institutions.values() for a in i.accounts]


def read_payload(
    payload: Mapping[str, Any], table: CategoryTable, fallback_day: date
) -> list[Applicant]:
    """The applicants with their institutions, accounts and categorised transactions."""
    reader = _Reader(table, fallback_day)
    applicants = [
        reader.applicant(a, raw) for a, raw in enumerate(_items(payload.get("applicantsData")))
    ]
    if reader.latest is not None:
        for entry in reader.undated:
            entry.day = reader.latest
    return applicants


class _Reader:
    def __init__(self, table: CategoryTable, fallback_day: date) -> None:
        self.table = table
        self.fallback_day = fallback_day
        self.order = 0
        self.latest: date | None = None
        self.undated: list[Entry] = []

    def applicant(self, a: int, raw: Mapping[str, Any]) -> Applicant:
        person = _mapping(raw.get("applicant"))
        name = " ".join(_str(person.get(part)).strip() for part in ("firstName", "lastName"))
        applicant = Applicant(
            position=a,
            applicant_id=_str(person.get("crn")) or str(a + 1),
            name=name.strip() or f"Applicant {a + 1}",
            employer_names=[n for n in _items_str(person.get("employerNames")) if n.strip()],
        )
        for d, data in enumerate(_items(raw.get("bankingTransactionData"))):
            consent = _mapping(data.get("consentProperty"))
            institution_name = _str(consent.get("institutionName")).strip() or "Unknown institution"
            key = " ".join(institution_name.lower().split())
            institution = applicant.institutions.get(key)
            if institution is None:
                slug = _SLUG.sub("-", key).strip("-") or "institution"
                institution = applicant.institutions[key] = Institution(slug, institution_name)
            accounts = _items(_mapping(data.get("accountProperty")).get("accounts"))
            for n, raw_account in enumerate(accounts):
                account = _account(raw_account)
                institution.accounts.append(account)
                where = f"applicantsData[{a}].bankingTransactionData[{d}]"
                where += f".accountProperty.accounts[{n}].transactions"
                for t, txn in enumerate(_items(raw_account.get("transactions"))):
                    entry = self.entry(a, account, t, txn, f"{where}[{t}]")
                    account.entries.append(entry)
                    applicant.entries.append(entry)
        return applicant

    def entry(self, a: int, account: Account, t: int, txn: Mapping[str, Any], where: str) -> Entry:
        try:
            amount = parse_amount(txn.get("amount"))
        except ValueError as exc:
            raise ReportInputError(str(exc), f"{where}.amount") from exc
        day = transaction_day(txn)
        description = _str(txn.get("description"))
        reference = _str(txn.get("reference"))
        merchant = _str(txn.get("merchantName"))
        entry = Entry(
            order=self.order,
            applicant=a,
            account=account,
            transaction_id=_str(txn.get("transactionId")) or f"{account.account_id}#{t + 1}",
            day=day or self.fallback_day,
            amount=amount,
            currency=_str(txn.get("currency")) or DEFAULT_CURRENCY,
            description=description,
            reference=reference,
            merchant=merchant,
            category=self.table.classify(
                debit=amount < 0,
                transaction_type=_str(txn.get("type")),
                description=description,
                reference=reference,
                merchant=(merchant, _str(txn.get("billerName"))),
                mcc=_str(txn.get("merchantCategoryCode")).strip(),
            ),
        )
        self.order += 1
        if day is None:
            self.undated.append(entry)
        elif self.latest is None or day > self.latest:
            self.latest = day
        return entry


def transaction_day(txn: Mapping[str, Any]) -> date | None:
    """The calendar date of a CDR transaction (see the module docstring), or None."""
    for name in DATE_FIELDS:
        value = txn.get(name)
        if isinstance(value, str) and len(value) >= 10:
            try:
                return date.fromisoformat(value[:10])
            except ValueError:
                continue
    return None


def _account(raw: Mapping[str, Any]) -> Account:
    balance = raw.get("balance")
    if isinstance(balance, Mapping):
        current = parse_optional(balance.get("currentBalance"))
        available = parse_optional(balance.get("availableBalance"))
        limit = parse_optional(balance.get("creditLimit", "0.00"))
    else:
        current = available = limit = None
    account_id = _str(raw.get("accountId"))
    return Account(
        account_id=account_id,
        number=_str(raw.get("maskedNumber")),
        name=_str(raw.get("displayName")) or _str(raw.get("nickname")),
        current_balance=current,
        available_balance=available,
        credit_limit=limit,
    )


def _items(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _items_str(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""
