"""OBIE v3.1.11 account-information resources made from the generated PSU records.

Pure functions: one record of :mod:`mockserver.core.psu_history` (plus what it needs) in, one
entry of a response's ``Data`` array out. No HTTP, no store, no clock: the caller passes the
time where a resource needs one, and every id is derived from the records' ids, so the same
records always give the same resources.

Conventions of the OBIE specification applied throughout:

- money is an unsigned decimal string (``^\\d{1,13}\\.\\d{1,5}$``); the sign goes into a
  ``CreditDebitIndicator``;
- every date-time carries an offset; a date without a time becomes midnight UTC, as the profile
  asks ("the time portion ... defaulted to 00:00:00+00:00");
- ``detail=False`` (the Basic permission) leaves out exactly the fields the profile's "Detail
  Permissions" table reserves for Detail (see ``DETAIL_ONLY``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from mockserver.core.determinism import stable_uuid

Record = dict[str, Any]

SCAN = "UK.OBIE.SortCodeAccountNumber"
PAN = "UK.OBIE.PAN"
# Fields only a Detail permission returns, per resource (profile, "Detail Permissions").
DETAIL_ONLY: dict[str, frozenset[str]] = {
    "account": frozenset({"Account", "Servicer"}),
    "beneficiary": frozenset({"CreditorAgent", "CreditorAccount"}),
    "standing_order": frozenset({"CreditorAgent", "CreditorAccount"}),
    "transaction": frozenset(
        {
            "TransactionInformation",
            "Balance",
            "MerchantDetails",
            "CreditorAgent",
            "CreditorAccount",
            "DebtorAgent",
            "DebtorAccount",
        }
    ),
    "statement": frozenset({"StatementAmount"}),
    "scheduled_payment": frozenset({"CreditorAgent", "CreditorAccount"}),
}

_CENT = Decimal("0.01")
_ZERO = Decimal("0.00")
_SUB_TYPES = {
    "current": "CurrentAccount",
    "business_current": "CurrentAccount",
    "savings": "Savings",
    "credit_card": "CreditCard",
}
# OBReadProduct2's ProductType has no savings or personal-card value: those are "Other".
_PRODUCT_TYPES = {"current": "PersonalCurrentAccount", "business_current": "BusinessCurrentAccount"}
_OTHER_PRODUCTS = {
    "savings": "Instant access savings account paying monthly interest.",
    "credit_card": "Personal credit card with a monthly statement and a credit limit.",
}
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


# -- accounts and balances ---------------------------------------------------------------------


def account(account: Record, psu: Record, *, detail: bool) -> Record:
    """OBAccount6. The account has been Enabled since the day it was opened."""
    opened = _midnight(account["opened_on"])
    result: Record = {
        "AccountId": account["id"],
        "Status": "Enabled",
        "StatusUpdateDateTime": opened,
        "Currency": account["currency"],
        "AccountType": "Business" if account["type"] == "business_current" else "Personal",
        "AccountSubType": _SUB_TYPES[account["type"]],
        "Nickname": account["name"][:70],
        "OpeningDate": opened,
    }
    if detail:
        result["Account"] = _identifications(account, account.get("holder_name") or psu["name"])
    return result


def _identifications(account: Record, holder: str) -> list[Record]:
    """Sort code and account number first (what UK TPPs match on), then a card's masked PAN."""
    items = [
        {
            "SchemeName": SCAN,
            "Identification": account["sort_code"] + account["account_number"],
            "Name": holder[:350],
        }
    ]
    if account.get("masked_pan"):
        # Without ReadPAN only a masked PAN may leave the bank (profile, ReadPAN).
        items.append({"SchemeName": PAN, "Identification": account["masked_pan"], "Name": holder})
    return items


def balances(account: Record, *, at: datetime) -> list[Record]:
    """InterimAvailable and InterimBooked at ``at``.

    InterimBooked is the booked balance. InterimAvailable is what the PSU can spend: the booked
    balance less pending card spend, plus any arranged overdraft or credit limit, which its
    ``CreditLine`` (``Included: true``) declares so a TPP can take it back out.
    """
    when = _instant(at)
    currency = account["currency"]
    available = Decimal(account["available_balance"])
    line = _credit_line(account)
    if line is not None:
        available += Decimal(line["Amount"]["Amount"])
    interim_available = _balance(account["id"], "InterimAvailable", available, currency, when)
    if line is not None:
        interim_available["CreditLine"] = [line]
    booked = Decimal(account["balance"])
    return [interim_available, _balance(account["id"], "InterimBooked", booked, currency, when)]


def _balance(account_id: str, kind: str, value: Decimal, currency: str, when: str) -> Record:
    return {
        "AccountId": account_id,
        "CreditDebitIndicator": _indicator(value),
        "Type": kind,
        "DateTime": when,
        "Amount": _money(value, currency),
    }


def _credit_line(account: Record) -> Record | None:
    """An overdraft is a "Pre-Agreed" limit, a card's limit a "Credit" limit (OBIE's codes)."""
    if account.get("overdraft_limit"):
        kind, limit = "Pre-Agreed", account["overdraft_limit"]
    elif account.get("credit_limit"):
        kind, limit = "Credit", account["credit_limit"]
    else:
        return None
    return {"Included": True, "Type": kind, "Amount": _money(limit, account["currency"])}


# -- transactions ------------------------------------------------------------------------------

# ISO 20022 bank transaction families: received/issued credit transfers, received direct
# debits, customer card transactions, miscellaneous credit/debit operations.
_FAMILIES: dict[tuple[str, bool], str] = {
    ("faster_payment", True): "RCDT",
    ("faster_payment", False): "ICDT",
    ("bacs", True): "RCDT",
    ("bacs", False): "ICDT",
    ("transfer", True): "RCDT",
    ("transfer", False): "ICDT",
    ("standing_order", True): "RCDT",
    ("standing_order", False): "ICDT",
    ("direct_debit", True): "RDDT",
    ("direct_debit", False): "RDDT",
    ("card", True): "CCRD",
    ("card", False): "CCRD",
    ("interest", True): "MCOP",
    ("interest", False): "MDOP",
    ("fee", True): "MCOP",
    ("fee", False): "MDOP",
}
_SUB_FAMILIES = {
    "faster_payment": "DMCT",  # domestic credit transfer
    "bacs": "DMCT",
    "transfer": "BOOK",  # internal book transfer between the PSU's own accounts
    "standing_order": "STDO",
    "direct_debit": "PMDD",
    "interest": "INTR",
    "fee": "CHRG",
}
# The codes UK banks print on paper statements.
_PROPRIETARY = {
    "card": "DEB",
    "direct_debit": "DD",
    "standing_order": "SO",
    "transfer": "TFR",
    "fee": "CHG",
    "interest": "INT",
}
_CASH_MCC = "6011"  # ATM withdrawal


def transaction(tx: Record, account: Record, *, detail: bool) -> Record:
    """OBTransaction6; Basic leaves out the description, running balance and counterparties."""
    amount = Decimal(tx["amount"])
    booked = tx["status"] == "booked"
    result: Record = {"AccountId": account["id"], "TransactionId": tx["id"]}
    if tx.get("reference"):
        result["TransactionReference"] = tx["reference"][:210]
    result |= {
        "CreditDebitIndicator": "Credit" if tx["credit_debit"] == "credit" else "Debit",
        "Status": "Booked" if booked else "Pending",
        # A pending card payment may still change amount or disappear; booked entries do not.
        "TransactionMutability": "Immutable" if booked else "Mutable",
        "BookingDateTime": _instant(tx["booked_at"]),
    }
    if booked:  # pending card spend has not settled, so it has no value date yet
        result["ValueDateTime"] = _midnight(tx["value_date"])
    result |= {
        "Amount": _money(amount, tx["currency"]),
        "BankTransactionCode": _bank_code(tx, account),
        "ProprietaryBankTransactionCode": _proprietary_code(tx, account),
    }
    if detail:
        result |= _transaction_detail(tx, booked)
    return result


def _transaction_detail(tx: Record, booked: bool) -> Record:
    balance = Decimal(tx["balance_after"])
    result: Record = {
        "TransactionInformation": tx["description"][:500],
        # The running balance after a pending row also counts the other pending card spend.
        "Balance": {
            "CreditDebitIndicator": _indicator(balance),
            "Type": "InterimBooked" if booked else "Expected",
            "Amount": _money(balance, tx["currency"]),
        },
    }
    if tx["method"] == "card" and tx.get("merchant"):
        merchant: Record = {"MerchantName": tx["merchant"][:350]}
        if tx.get("mcc"):
            merchant["MerchantCategoryCode"] = tx["mcc"]
        result["MerchantDetails"] = merchant
    counterparty = _counterparty_account(tx.get("counterparty"))
    if counterparty is not None:
        side = "DebtorAccount" if tx["credit_debit"] == "credit" else "CreditorAccount"
        result[side] = counterparty
    return result


def _counterparty_account(party: Record | None) -> Record | None:
    """The other side's account as far as it is known: a direct debit's payee has only a name."""
    if not party:
        return None
    scan = _scan_account(party)
    if scan is not None:
        return scan
    return {"Name": party["name"][:350]} if party.get("name") else None


def _bank_code(tx: Record, account: Record) -> Record:
    method, credit = tx["method"], tx["credit_debit"] == "credit"
    family = _FAMILIES.get((method, credit), "MCOP" if credit else "MDOP")
    sub = _SUB_FAMILIES.get(method, "OTHR")
    if method == "card":
        sub = _card_sub_family(tx, account)
    elif method == "direct_debit" and credit:
        sub = "UPDD"  # an unpaid direct debit handed back
    elif method == "bacs" and tx["category"] in ("salary", "payroll"):
        sub = "SALA"
    elif method == "fee" and "INTEREST" in tx["description"].upper():
        sub = "INTR"  # overdraft interest is charged as a fee row
    return {"Code": family, "SubCode": sub}


def _card_sub_family(tx: Record, account: Record) -> str:
    if tx.get("mcc") == _CASH_MCC:
        return "CWDL"  # cash withdrawal
    return "POSC" if account["type"] == "credit_card" else "POSD"  # credit / debit card payment


def _proprietary_code(tx: Record, account: Record) -> Record:
    method, credit = tx["method"], tx["credit_debit"] == "credit"
    if method == "faster_payment":
        code = "FPI" if credit else "FPO"
    elif method == "bacs":
        code = "BGC" if credit else "BACS"  # a Bacs credit is a "bank giro credit"
    elif method == "card" and tx.get("mcc") == _CASH_MCC:
        code = "CPT"  # cashpoint
    elif method == "card" and account["type"] == "credit_card":
        code = "CRD"
    else:
        code = _PROPRIETARY.get(method, method.upper()[:35])
    result: Record = {"Code": code}
    issuer = _bank_code_of(account)
    if issuer:
        result["Issuer"] = issuer
    return result


def _bank_code_of(account: Record) -> str | None:
    """The 4-letter bank code inside a UK IBAN (GBkk BBBB ...): who issued the codes."""
    iban = account.get("iban") or ""
    return iban[4:8] if len(iban) >= 8 else None


# -- standing orders, direct debits, scheduled payments ----------------------------------------

_DIRECT_DEBIT_FREQUENCIES = {
    "weekly": "UK.OBIE.Weekly",
    "fortnightly": "UK.OBIE.Fortnightly",
    "monthly": "UK.OBIE.Monthly",
    "quarterly": "UK.OBIE.Quarterly",
    "annually": "UK.OBIE.Annual",
}
_WEEK_INTERVALS = {"weekly": 1, "fortnightly": 2, "four_weekly": 4}
_MONTH_INTERVALS = {"monthly": 1, "quarterly": 3, "annually": 12}


def standing_order(mandate: Record, *, detail: bool) -> Record:
    """OBStandingOrder6; Basic leaves out the payee's account."""
    _expect_kind(mandate, "standing_order")
    currency = mandate["currency"]
    result: Record = {
        "AccountId": mandate["account_id"],
        "StandingOrderId": mandate["id"],
        "Frequency": frequency_code(mandate),
    }
    if mandate.get("reference"):
        result["Reference"] = mandate["reference"][:35]
    # The record keeps one amount: the fixed amount, or what a variable order last paid.
    payments = {
        "First": mandate.get("first_payment_date"),
        "Next": mandate.get("next_payment_date"),
        "Last": mandate.get("last_payment_date"),
    }
    for name, day in payments.items():
        if day:
            result[f"{name}PaymentDateTime"] = _midnight(day)
    result["StandingOrderStatusCode"] = _status(mandate)
    for name, day in payments.items():
        if day:
            result[f"{name}PaymentAmount"] = _money(mandate["amount"], currency)
    if detail:
        creditor = _scan_account(mandate.get("counterparty"))
        if creditor is not None:
            result["CreditorAccount"] = creditor
    return result


def frequency_code(mandate: Record) -> str:
    """The standing order's schedule in OBIE's coded form (Frequency_1), else ``NotKnown``.

    Weekly schedules are ``IntrvlWkDay:<weeks>:<ISO weekday>``; monthly, quarterly and annual
    ones ``IntrvlMnthDay:<months>:<day>`` where day -01 is the last day of the month.
    """
    frequency = mandate.get("frequency")
    weekday, day = mandate.get("day_of_week"), mandate.get("day_of_month")
    if frequency in _WEEK_INTERVALS and weekday is not None:
        return f"IntrvlWkDay:{_WEEK_INTERVALS[frequency]:02d}:{weekday:02d}"
    if frequency in _MONTH_INTERVALS and day is not None:
        day_code = "-01" if day == -1 else f"{day:02d}"
        return f"IntrvlMnthDay:{_MONTH_INTERVALS[frequency]:02d}:{day_code}"
    return "NotKnown"


def direct_debit(mandate: Record) -> Record:
    """OBReadDirectDebit2's item: the mandate with its most recent collection."""
    _expect_kind(mandate, "direct_debit")
    result: Record = {
        "AccountId": mandate["account_id"],
        "DirectDebitId": mandate["id"],
        # A direct debit always has a reference (the payer's number at the biller).
        "MandateIdentification": (mandate.get("reference") or mandate["id"])[:35],
        "DirectDebitStatusCode": _status(mandate),
        "Name": mandate["name"][:70],
    }
    if mandate.get("last_payment_date"):
        result["PreviousPaymentDateTime"] = _midnight(mandate["last_payment_date"])
    # Four-weekly collections have no code of their own.
    result["Frequency"] = _DIRECT_DEBIT_FREQUENCIES.get(mandate["frequency"], "UK.OBIE.NotKnown")
    if mandate.get("last_payment_date"):
        result["PreviousPaymentAmount"] = _money(mandate["amount"], mandate["currency"])
    return result


def scheduled_payment(payment: Record, *, detail: bool) -> Record:
    """OBScheduledPayment3: a future one-off payment, dated by its execution day."""
    result: Record = {
        "AccountId": payment["account_id"],
        "ScheduledPaymentId": payment["id"],
        "ScheduledPaymentDateTime": _midnight(payment["execution_date"]),
        "ScheduledType": "Execution",
    }
    if payment.get("reference"):
        result["Reference"] = payment["reference"][:35]
    result["InstructedAmount"] = _money(payment["amount"], payment["currency"])
    if detail:
        creditor = _scan_account(payment.get("payee"))
        if creditor is not None:
            result["CreditorAccount"] = creditor
    return result


def _status(mandate: Record) -> str:
    return "Active" if mandate.get("status") == "active" else "Inactive"


def _expect_kind(mandate: Record, kind: str) -> None:
    if mandate.get("kind") != kind:
        raise ValueError(f"mandate {mandate.get('id')} is a {mandate.get('kind')}, not a {kind}")


# -- beneficiaries -----------------------------------------------------------------------------

_BENEFICIARY_METHODS = frozenset({"faster_payment", "standing_order"})


def beneficiaries(account: Record, transactions: Iterable[Record], *, detail: bool) -> list[Record]:
    """OBBeneficiary5: the distinct payees the account pays by faster payment or standing order.

    A payee is a sort code and account number; its reference is the latest one used. Payees
    come out sorted by name, then account, so the list is stable.
    """
    payees: dict[tuple[str, str], Record] = {}
    for tx in transactions:
        if tx["account_id"] != account["id"] or tx["credit_debit"] != "debit":
            continue
        party = tx.get("counterparty") or {}
        if tx["method"] in _BENEFICIARY_METHODS and party.get("sort_code"):
            key = (party["sort_code"], party["account_number"])
            payees[key] = {**party, "reference": tx.get("reference")}  # later rows win
    ordered = sorted(payees.items(), key=lambda item: (item[1]["name"], item[0]))
    return [_beneficiary(account, payee, detail=detail) for _, payee in ordered]


def _beneficiary(account: Record, payee: Record, *, detail: bool) -> Record:
    result: Record = {
        "AccountId": account["id"],
        "BeneficiaryId": stable_uuid(
            "ob.beneficiary", account["id"], payee["sort_code"], payee["account_number"]
        ),
        "BeneficiaryType": "Ordinary",
    }
    if payee.get("reference"):
        result["Reference"] = payee["reference"][:35]
    if detail:
        result["CreditorAccount"] = _scan_account(payee)
    return result


# -- party, product, offers --------------------------------------------------------------------


def party(psu: Record, *, delegate: bool = False) -> Record:
    """OBParty2: the PSU, an individual; the sole owner, or (``delegate``) one who acts for it."""
    result: Record = {
        "PartyId": stable_uuid("ob.party", psu["id"]),
        "PartyType": "Delegate" if delegate else "Sole",
        "Name": psu["name"][:350],
        "FullLegalName": psu["name"][:350],
        "LegalStructure": "UK.OBIE.Individual",
    }
    if delegate:
        result["AccountRole"] = "UK.OBIE.SeniorManagingOfficial"
    if psu.get("email"):
        result["EmailAddress"] = psu["email"][:256]
    phone = _phone(psu.get("phone"))
    if phone is not None:
        # The fixtures hold one number per PSU, a mobile, which is also their contact phone.
        result["Phone"] = phone
        result["Mobile"] = phone
    if psu.get("address"):
        result["Address"] = [_address(psu["address"])]
    return result


def is_business(account: Record) -> bool:
    return bool(account["type"] == "business_current")


def business_party(account: Record, psu: Record) -> Record:
    """OBParty2: the business that owns a business account (the PSU runs it, from home)."""
    holder = str(account.get("holder_name") or psu["name"])
    result: Record = {
        "PartyId": stable_uuid("ob.party", account["id"]),
        "PartyType": "Sole",
        "Name": holder[:350],
        "FullLegalName": holder[:350],
        "LegalStructure": _legal_structure(holder),
        "AccountRole": "UK.OBIE.Principal",
    }
    if psu.get("email"):
        result["EmailAddress"] = psu["email"][:256]
    if psu.get("address"):
        result["Address"] = [{**_address(psu["address"]), "AddressType": "Business"}]
    return result


def account_parties(account: Record, psu: Record) -> list[Record]:
    """Everyone on the account: its owner, and for a business account the PSU acting for it."""
    if is_business(account):
        return [business_party(account, psu), party(psu, delegate=True)]
    return [party(psu)]


def _legal_structure(name: str) -> str:
    """The company's legal form, as its name declares it; a bare trading name is a sole trader."""
    words = name.upper().replace(".", "").split()
    last = words[-1] if words else ""
    if last in ("LTD", "LIMITED"):
        return "UK.OBIE.PrivateLimitedCompany"
    if last == "PLC":
        return "UK.OBIE.PublicLimitedCompany"
    if last == "LLP":
        return "UK.OBIE.LimitedLiabilityPartnership"
    return "UK.OBIE.Sole"


def _phone(number: str | None) -> str | None:
    """OBIE writes phones as ``+<country>-<number>``; only UK numbers can be split reliably."""
    digits = "".join(ch for ch in number or "" if ch.isdigit() or ch == "+")
    if digits.startswith("+44"):
        return f"+44-{digits[3:]}"
    if digits.startswith("0") and len(digits) > 1:
        return f"+44-{digits[1:]}"
    return None


def _address(address: Record) -> Record:
    result: Record = {"AddressType": "Residential"}
    lines = [str(line)[:70] for line in address.get("lines", []) if line]
    if lines:
        result["AddressLine"] = lines[:5]
    if address.get("postcode"):
        result["PostCode"] = address["postcode"][:16]
    if address.get("town"):
        result["TownName"] = address["town"][:35]
    if address.get("county"):
        result["CountrySubDivision"] = address["county"][:35]
    result["Country"] = address.get("country") or "GB"
    return result


def product(account: Record) -> Record:
    """OBReadProduct2's item: the account's product, one per account type and name."""
    kind = account["type"]
    result: Record = {
        "ProductName": account["name"][:350],
        "ProductId": stable_uuid("ob.product", kind, account["name"]),
        "AccountId": account["id"],
        "ProductType": _PRODUCT_TYPES.get(kind, "Other"),
    }
    if result["ProductType"] == "Other":
        description = _OTHER_PRODUCTS.get(kind, account["name"])
        result["OtherProductType"] = {"Name": account["name"][:350], "Description": description}
    return result


def offers(account: Record) -> list[Record]:
    """OBReadOffer1's items: an overdraft limit increase for a current account in credit.

    Nothing else: the sandbox has no marketing to show, and a bank would not offer more
    borrowing to a customer already using their overdraft.
    """
    limit = Decimal(account.get("overdraft_limit") or 0)
    if account["type"] not in _PRODUCT_TYPES or limit <= 0:
        return []
    if Decimal(account["balance"]) < 0:
        return []
    increase = (limit / 2).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    currency = account["currency"]
    return [
        {
            "AccountId": account["id"],
            "OfferId": stable_uuid("ob.offer", account["id"], "overdraft-limit-increase"),
            "OfferType": "LimitIncrease",
            "Description": (
                f"Increase your arranged overdraft limit from {currency} {limit:,.2f} "
                f"to {currency} {limit + increase:,.2f}."
            ),
            "Term": "Subject to status and affordability. Arranged overdraft interest applies.",
            "Amount": _money(increase, currency),
        }
    ]


# -- statements --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """One calendar month of an account's booked transactions."""

    start: date  # the first day of the month
    end: date  # the last day
    rows: tuple[Record, ...]
    opening: Decimal
    closing: Decimal
    credits: Decimal  # the sum of the credits, unsigned
    debits: Decimal  # the sum of the debits, unsigned


def statements(
    account: Record,
    transactions: Iterable[Record],
    *,
    detail: bool = True,
    at: datetime | None = None,
) -> list[Record]:
    """OBStatement2, one per complete calendar month of history, oldest first.

    A month counts when the history covers all of it: the history starts mid-month (13 months
    back from its day), so the first month is partial unless it starts on the 1st. A month is
    complete once ``at`` is past it; without ``at``, once a later month has transactions.
    Basic leaves out ``StatementAmount``.
    """
    rows = booked_rows(account, transactions)
    if not rows:
        return []
    first = _booking_day(rows[0])
    month = first if first.day == 1 else _next_month(first)
    current = (_as_utc(at).date() if at else _booking_day(rows[-1])).replace(day=1)
    result = []
    while _next_month(month) <= current:  # the month has ended
        result.append(_statement(account, period(rows, month), detail=detail))
        month = _next_month(month)
    return result


def booked_rows(account: Record, transactions: Iterable[Record]) -> list[Record]:
    """The account's booked transactions in booking order (pending rows are on no statement)."""
    rows = [t for t in transactions if t["account_id"] == account["id"] and t["status"] == "booked"]
    return sorted(rows, key=_booked_at)  # stable: same-minute rows keep the ledger's order


def period(rows: Sequence[Record], start: date) -> Period:
    """The month from ``start`` (its first day), with balances from the rows' running balance."""
    end = _next_month(start)
    before = [r for r in rows if _booking_day(r) < start]
    inside = tuple(r for r in rows if start <= _booking_day(r) < end)
    if before:
        opening = Decimal(before[-1]["balance_after"])
    else:  # nothing earlier: the balance before the first row
        opening = Decimal(rows[0]["balance_after"]) - Decimal(rows[0]["amount"])
    closing = Decimal(inside[-1]["balance_after"]) if inside else opening
    credits = sum((Decimal(r["amount"]) for r in inside if r["credit_debit"] == "credit"), _ZERO)
    debits = sum((-Decimal(r["amount"]) for r in inside if r["credit_debit"] == "debit"), _ZERO)
    return Period(start, end - timedelta(days=1), inside, opening, closing, credits, debits)


def _statement(account: Record, p: Period, *, detail: bool) -> Record:
    month = f"{p.start:%Y-%m}"
    result: Record = {
        "AccountId": account["id"],
        "StatementId": stable_uuid("ob.statement", account["id"], month),
        "StatementReference": month,
        "Type": "RegularPeriodic",
        "StartDateTime": _midnight(p.start.isoformat()),
        "EndDateTime": f"{p.end.isoformat()}T23:59:59+00:00",
        # Issued as the month closes, so a statement is never dated after it could exist.
        "CreationDateTime": _midnight(_next_month(p.start).isoformat()),
        "StatementDescription": [f"{account['name']} statement for {_month_name(p.start)}"],
    }
    if detail:
        result["StatementAmount"] = _statement_amounts(account, p)
    return result


def _statement_amounts(account: Record, p: Period) -> list[Record]:
    currency = account["currency"]
    amounts = [
        ("UK.OBIE.PreviousClosingBalance", _indicator(p.opening), p.opening),
        ("UK.OBIE.ClosingBalance", _indicator(p.closing), p.closing),
        ("UK.OBIE.TotalCredits", "Credit", p.credits),
        ("UK.OBIE.TotalDebits", "Debit", p.debits),
    ]
    if account.get("credit_limit"):
        amounts.append(("UK.OBIE.CreditLimit", "Credit", Decimal(account["credit_limit"])))
    return [
        {"CreditDebitIndicator": side, "Type": kind, "Amount": _money(value, currency)}
        for kind, side, value in amounts
    ]


def statement_transactions(
    statement: Record, account: Record, transactions: Iterable[Record]
) -> list[Record]:
    """The booked transactions a statement covers, in booking order."""
    return list(_statement_period(statement, account, transactions).rows)


def _statement_period(statement: Record, account: Record, transactions: Iterable[Record]) -> Period:
    start = datetime.fromisoformat(statement["StartDateTime"]).date()
    rows = booked_rows(account, transactions)
    if not rows:
        end = _next_month(start) - timedelta(days=1)
        return Period(start, end, (), _ZERO, _ZERO, _ZERO, _ZERO)
    return period(rows, start)


# -- the statement file ------------------------------------------------------------------------

_PAGE_WIDTH, _PAGE_HEIGHT = 595, 842  # A4 in points
_MARGIN, _FONT_SIZE, _LEADING = 40, 9, 11
_LINES_PER_PAGE = (_PAGE_HEIGHT - 2 * _MARGIN) // _LEADING
_RULE = "-" * 91


def statement_pdf(statement: Record, account: Record, transactions: Iterable[Record]) -> bytes:
    """The statement as a small PDF: a header, then one line per transaction."""
    p = _statement_period(statement, account, transactions)
    header = _pdf_header(statement, account, p)
    body = [_pdf_row(row) for row in p.rows] or ["No transactions in this period."]
    room = _LINES_PER_PAGE - 2  # each page starts with its page number and a blank line
    lines = [*header, *body]
    chunks = [lines[i : i + room] for i in range(0, len(lines), room)]
    title = f"{account['name']} statement for {_month_name(p.start)}"
    pages = [
        [f"{title} - page {n} of {len(chunks)}", "", *chunk] for n, chunk in enumerate(chunks, 1)
    ]
    return _pdf_document(pages, title, statement["CreationDateTime"])


def _pdf_header(statement: Record, account: Record, p: Period) -> list[str]:
    currency = account["currency"]
    return [
        f"Account:          {account['name']}",
        f"Account holder:   {account.get('holder_name', '')}",
        f"Sort code:        {_sort_code(account['sort_code'])}    "
        f"Account number: {account['account_number']}",
        f"Period:           {p.start:%d/%m/%Y} to {p.end:%d/%m/%Y}",
        f"Statement:        {statement.get('StatementId', '')}",
        "",
        f"Opening balance:  {currency} {_figure(p.opening):>14}",
        f"Money in:         {currency} {p.credits:>14,.2f}",
        f"Money out:        {currency} {p.debits:>14,.2f}",
        f"Closing balance:  {currency} {_figure(p.closing):>14}",
        "",
        f"{'Date':<10} {'Description':<40} {'Paid out':>12} {'Paid in':>12} {'Balance':>13}",
        _RULE,
    ]


def _pdf_row(row: Record) -> str:
    amount = Decimal(row["amount"])
    paid_out = f"{-amount:,.2f}" if row["credit_debit"] == "debit" else ""
    paid_in = f"{amount:,.2f}" if row["credit_debit"] == "credit" else ""
    day, text = _booking_day(row), row["description"][:40]
    balance = _figure(Decimal(row["balance_after"]))
    return f"{day:%d/%m/%Y} {text:<40} {paid_out:>12} {paid_in:>12} {balance:>13}"


def _pdf_document(pages: list[list[str]], title: str, created: str) -> bytes:
    """PDF 1.4 by hand: catalog, page tree, font, info, then a page and its content per page."""
    first_page = 5
    page_ids = [first_page + 2 * n for n in range(len(pages))]
    kids = " ".join(f"{n} 0 R" for n in page_ids)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>",
        b"<< /Title " + _pdf_string(title) + b" /Producer (mockserver)"
        b" /CreationDate " + _pdf_string(_pdf_date(created)) + b" >>",
    ]
    for page_id, lines in zip(page_ids, pages, strict=True):
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {_PAGE_WIDTH} {_PAGE_HEIGHT}] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {page_id + 1} 0 R >>".encode()
        )
        content = _pdf_content(lines)
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    return _pdf_assemble(objects)


def _pdf_content(lines: list[str]) -> bytes:
    top = _PAGE_HEIGHT - _MARGIN
    ops = [b"BT", b"/F1 %d Tf" % _FONT_SIZE, b"%d TL" % _LEADING, b"%d %d Td" % (_MARGIN, top)]
    for line in lines:
        ops.append(_pdf_string(line) + b" Tj T*")
    ops.append(b"ET")
    return b"\n".join(ops)


def _pdf_assemble(objects: list[bytes]) -> bytes:
    """Numbers the objects from 1, then writes the cross-reference table at their offsets."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")  # binary comment: "this file is binary"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 4 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF" % xref
    return bytes(out)


def _pdf_string(text: str) -> bytes:
    """A literal string in the font's WinAnsi encoding; what it cannot hold becomes '?'."""
    raw = text.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _pdf_date(instant: str) -> str:
    moment = _as_utc(datetime.fromisoformat(instant))
    return f"D:{moment:%Y%m%d%H%M%S}Z"


# -- small helpers -----------------------------------------------------------------------------


def _money(value: Decimal | str, currency: str) -> Record:
    """OBIE's amount object: unsigned, two places (the sign is the CreditDebitIndicator)."""
    amount = abs(Decimal(value)).quantize(_CENT, rounding=ROUND_HALF_UP)
    return {"Amount": f"{amount:f}", "Currency": currency}


def _indicator(value: Decimal) -> str:
    return "Debit" if value < 0 else "Credit"


def _scan_account(party: Record | None) -> Record | None:
    """An OBIE cash account by sort code and account number, when both are known."""
    if not party or not party.get("sort_code") or not party.get("account_number"):
        return None
    result: Record = {
        "SchemeName": SCAN,
        "Identification": f"{party['sort_code']}{party['account_number']}",
    }
    if party.get("name"):
        result["Name"] = party["name"][:350]
    return result


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _instant(value: datetime | str) -> str:
    """A date-time in UTC with an explicit ``+00:00`` offset, to the second."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return _as_utc(moment).isoformat(timespec="seconds")


def _midnight(day: str) -> str:
    """A date as a date-time: midnight UTC, the profile's default for a missing time."""
    return f"{date.fromisoformat(day).isoformat()}T00:00:00+00:00"


def _booked_at(row: Record) -> datetime:
    return _as_utc(datetime.fromisoformat(row["booked_at"]))


def _booking_day(row: Record) -> date:
    return _booked_at(row).date()


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _month_name(day: date) -> str:
    return f"{_MONTHS[day.month - 1]} {day.year}"  # not strftime("%B"): that follows the locale


def _sort_code(digits: str) -> str:
    return f"{digits[0:2]}-{digits[2:4]}-{digits[4:6]}"


def _figure(value: Decimal) -> str:
    """A signed amount with thousands separators, as a statement prints it."""
    return f"{value:,.2f}"
