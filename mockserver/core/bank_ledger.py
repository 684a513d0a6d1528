"""Money moving on the PSUs' accounts after seeding: a payment booked on one side.

Every provider that pays (OBIE VRPs, Fena VRPs) books through here, so balances and transaction
histories stay consistent whoever made the payment, and providers that watch accounts (Fena's
webhooks) hear of every booking through their ``Provider.booking_listener``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from mockserver.core.psu_history.model import format_money
from mockserver.core.sandbox import Sandbox
from mockserver.core.store import Tx

ACCOUNT_KIND = "psu.account"
TRANSACTION_KIND = "psu.transaction"
# Account types that can make a payment, in the order a bank offers them as the source.
PAYING_TYPES = ("current", "business_current", "savings")


@dataclass(frozen=True)
class Booking:
    amount: Decimal  # negative: money out
    description: str
    reference: str
    # The other side: {"name", "sort_code"?, "account_number"?}
    counterparty: dict[str, Any]
    method: str = "faster_payment"


def can_pay(account: dict[str, Any]) -> bool:
    return account["type"] in PAYING_TYPES


def payer_rank(account: dict[str, Any]) -> int:
    return PAYING_TYPES.index(account["type"]) if can_pay(account) else len(PAYING_TYPES)


def spendable(account: dict[str, Any]) -> Decimal:
    """What the account can pay now: available balance plus any arranged overdraft."""
    return Decimal(account["available_balance"]) + Decimal(account.get("overdraft_limit") or 0)


def book(
    tx: Tx, ns: str, sandbox: Sandbox, account: dict[str, Any], booking: Booking, now: datetime
) -> dict[str, Any]:
    """Book ``booking`` on ``account`` now: a new transaction, and the balances moved."""
    amount = booking.amount
    balance = Decimal(account["balance"]) + amount
    account["balance"] = format_money(balance)
    account["available_balance"] = format_money(Decimal(account["available_balance"]) + amount)
    tx.put(ns, ACCOUNT_KIND, account["id"], account, parent=account["psu"])
    # Pending card spend is listed with a running balance that includes it: move those too.
    for row in tx.list(ns, TRANSACTION_KIND, parent=account["id"]):
        if row["status"] == "pending":
            row["balance_after"] = format_money(Decimal(row["balance_after"]) + amount)
            tx.put(ns, TRANSACTION_KIND, row["id"], row, parent=account["id"])
    moment = now.astimezone(UTC)
    row = {
        "id": sandbox.ids.uuid(tx, ns, TRANSACTION_KIND),
        "account_id": account["id"],
        "psu": account["psu"],
        "booked_at": moment.isoformat(timespec="seconds"),
        "value_date": moment.date().isoformat(),
        "amount": format_money(amount),
        "currency": account["currency"],
        "credit_debit": "credit" if amount > 0 else "debit",
        "status": "booked",
        "description": booking.description[:500],
        "merchant": None,
        "category": "transfer_in" if amount > 0 else "transfer_out",
        "method": booking.method,
        "mandate_id": None,
        "reference": booking.reference[:35],
        "balance_after": format_money(balance),
        "counterparty": booking.counterparty,
        "mcc": None,
    }
    tx.put(ns, TRANSACTION_KIND, row["id"], row, parent=account["id"])
    for provider in sandbox.providers:
        if provider.booking_listener is not None:
            provider.booking_listener(tx, ns, sandbox, account, row)
    return row


def find_by_scan(tx: Tx, ns: str, sort_code: str, account_number: str) -> dict[str, Any] | None:
    """The bank's own account with this sort code and account number, if it is one of ours."""
    for account in tx.list(ns, ACCOUNT_KIND):
        if account["sort_code"] == sort_code and account["account_number"] == account_number:
            return account
    return None


def transfer(
    tx: Tx,
    ns: str,
    sandbox: Sandbox,
    debtor: dict[str, Any],
    amount: Decimal,
    creditor: dict[str, Any],
    *,
    reference: str,
    now: datetime,
) -> dict[str, Any]:
    """Pay ``amount`` from ``debtor`` to ``creditor`` ({"name", "sort_code"?, ...}).

    The payee is credited as well when it is one of the bank's own accounts (a sweep to the
    PSU's savings). Returns the debtor's transaction.
    """
    row = book(
        tx,
        ns,
        sandbox,
        debtor,
        Booking(-amount, f"VRP TO {creditor['name']}", reference, dict(creditor)),
        now,
    )
    own = None
    if creditor.get("sort_code") and creditor.get("account_number"):
        own = find_by_scan(tx, ns, creditor["sort_code"], creditor["account_number"])
    if own is not None and own["id"] != debtor["id"]:
        payer = {
            "name": debtor.get("holder_name") or debtor["name"],
            "sort_code": debtor["sort_code"],
            "account_number": debtor["account_number"],
        }
        credit = Booking(amount, f"VRP FROM {payer['name']}", reference, payer)
        book(tx, ns, sandbox, own, credit, now)
    return row
