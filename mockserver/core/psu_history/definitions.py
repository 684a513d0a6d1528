"""psus.yaml in, validated profile specs out: the YAML schema of a PSU.

:func:`load_psu_definitions` reads the file (each PSU inherits the file-wide ``bank``);
:func:`parse_psus` checks every field, fills in the defaults and returns the frozen
:class:`PsuSpec` dataclasses of :mod:`.model`. Anything the generator cannot build is a
:class:`PsuDefinitionError` naming where in the file it is.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from mockserver.core.psu_history.fields import Fields
from mockserver.core.psu_history.model import (
    ACCOUNT_TYPES,
    CATEGORIES,
    FREQUENCIES,
    METHODS,
    MINUTES,
    WEEKLY_PERIODS,
    ZERO,
    AccountSpec,
    Bank,
    Loan,
    Party,
    PsuDefinitionError,
    PsuSpec,
    RandomEntry,
    Recurring,
    Scheduled,
)

_DEFAULT_BANK = {"name": "Sandbox Bank", "code": "SBOX", "sort_code_prefix": "77"}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Payments that settle through the clearing systems move off weekends and bank holidays.
_DEFAULT_BUSINESS_DAY = {"bacs": "next", "direct_debit": "next", "standing_order": "next"}
_LOAN_MCC = "6012"

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


def parse_psus(definitions: list[dict[str, Any]]) -> list[PsuSpec]:
    """Validate PSU definitions into specs; usernames must be unique."""
    specs = [_parse_psu(raw, f"psus[{i}]") for i, raw in enumerate(definitions)]
    _check_unique([p.username for p in specs], "username")
    return specs


def _check_unique(values: list[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise PsuDefinitionError(f"duplicate {what}: {value!r}")
        seen.add(value)


def _parse_psu(raw: object, where: str) -> PsuSpec:
    f = Fields(raw, where, _PSU_FIELDS)
    username = f.text("username")
    where = f"psus[{username}]"
    accounts = tuple(
        _parse_account(item, f"{where}.accounts[{i}]") for i, item in enumerate(f.items("accounts"))
    )
    if not accounts:
        raise PsuDefinitionError(f"{where}: needs at least one account")
    _check_unique([a.key for a in accounts], f"account key of {username}")
    _check_account_links(accounts, where)
    return PsuSpec(
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


def _parse_bank(raw: object, where: str) -> Bank:
    f = Fields(raw, where, _BANK_FIELDS)
    code = f.text("code", _DEFAULT_BANK["code"])
    if len(code) != 4 or not (code.isascii() and code.isalpha() and code.isupper()):
        raise f.fail("code", "expected four capital letters")
    prefix = f.digits("sort_code_prefix", 2) or _DEFAULT_BANK["sort_code_prefix"]
    return Bank(name=f.text("name", _DEFAULT_BANK["name"]), code=code, sort_code_prefix=prefix)


def _parse_address(raw: object, where: str) -> dict[str, Any]:
    f = Fields(raw, where, _ADDRESS_FIELDS)
    lines = f.items("lines")
    address: dict[str, Any] = {"lines": [str(line) for line in lines]}
    if f.has("county"):
        address["county"] = f.text("county")
    address |= {"town": f.text("town"), "postcode": f.text("postcode")}
    address["country"] = f.text("country", "GB")
    return address


def _parse_account(raw: object, where: str) -> AccountSpec:
    f = Fields(raw, where, _ACCOUNT_FIELDS)
    key = f.text("key")
    where = f"{where}({key})"
    f.where = where
    kind = f.choice("type", ACCOUNT_TYPES)
    spec = AccountSpec(
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
        spend_cushion=f.money("spend_cushion", ZERO),
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


def _parse_party(raw: object, where: str, default_mcc: str | None = None) -> Party:
    """A merchant written either as a bare name or as a mapping."""
    if isinstance(raw, str):
        raw = {"name": raw}
    f = Fields(raw, where, _PARTY_FIELDS)
    name = f.text("name")
    return Party(
        name=name,
        statement=f.text("statement", name.upper()),
        mcc=f.digits("mcc", 4) or default_mcc,
        weight=f.number("weight", 1.0),
        sort_code=f.digits("sort_code", 6),
        account_number=f.digits("account_number", 8),
    )


def _parse_common(f: Fields, default_method: str, default_credit: bool) -> tuple[str, str, bool]:
    category = f.choice("category", CATEGORIES)
    method = f.choice("method", METHODS, default_method)
    credit = f.choice("direction", ("credit", "debit"), "credit" if default_credit else "debit")
    return category, method, credit == "credit"


def _parse_recurring(raw: object, where: str, index: int) -> Recurring:
    f = Fields(raw, where, _RECURRING_FIELDS)
    category, method, credit = _parse_common(f, "direct_debit", False)
    frequency = f.choice("frequency", FREQUENCIES, "monthly")
    to_account = f.optional_text("to_account")
    monthly = frequency not in WEEKLY_PERIODS
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
    return Recurring(
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
        week_offset=f.integer("week_offset", 0) % WEEKLY_PERIODS.get(frequency, 1),
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


def _parse_random(raw: object, where: str, index: int, section: str) -> RandomEntry:
    f = Fields(raw, where, _RANDOM_FIELDS)
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
    parties = parties or (Party(name="transfer", statement="TRANSFER"),)  # own-account moves
    hours = f.int_pair("hours")
    if hours is not None and not hours[0] < hours[1] <= 24:
        raise f.fail("hours", "expected [from, to] hours of the day with from < to <= 24")
    return RandomEntry(
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
        minutes=(hours[0] * 60, hours[1] * 60 - 1) if hours else MINUTES[method],
        refund_probability=f.probability("refund_probability", 0.0),
        reference=f.optional_text("reference"),
        counter_start=f.integer("counter_start", 1),
        to_account=to_account,
    )


def _parse_loan(raw: object, where: str, index: int) -> Loan:
    f = Fields(raw, where, _LOAN_FIELDS)
    party = {k: f.raw(k) for k in ("statement", "sort_code", "account_number") if f.has(k)}
    days = f.int_pair("days") or (1, 28)
    if not 1 <= days[0] <= days[1] <= 31:
        raise f.fail("days", "expected [first, last] days of month")
    return Loan(
        index=index,
        lender=_parse_party({"name": f.text("lender"), **party}, where, _LOAN_MCC),
        amount=f.amount(),
        probability=f.probability("probability", 0.3),
        cost_rate=f.decimal("cost_rate", Decimal("0.24")),
        days=days,
    )


def _parse_scheduled(raw: object, where: str, index: int) -> Scheduled:
    f = Fields(raw, where, _SCHEDULED_FIELDS)
    in_days = f.integer("in_days")
    if not 1 <= in_days <= 30:
        raise f.fail("in_days", "scheduled payments lie 1 to 30 days ahead")
    payee = _parse_party(f.raw("payee"), f"{where}.payee")
    return Scheduled(
        index=index,
        payee=payee,
        amount=f.money("amount"),
        in_days=in_days,
        reference=f.text("reference", payee.statement[:18]),
    )


def _check_account_links(accounts: tuple[AccountSpec, ...], where: str) -> None:
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
