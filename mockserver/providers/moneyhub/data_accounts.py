"""The Data API's accounts: those a connection brought, and those added by hand or by the API.

A token reads the accounts of its user (``sub``). Identifying details (sort code and account
number, IBAN, PAN) appear only with ``accounts_details:read``, as the document says.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mockserver.core.clock import isoformat
from mockserver.core.errors import ApiError
from mockserver.core.sandbox import Sandbox
from mockserver.core.store import Tx
from mockserver.providers.moneyhub import connections
from mockserver.providers.moneyhub.money import amount

KIND = connections.ACCOUNT_KIND
BALANCE_KIND = "moneyhub.balance"
IDENTIFYING = ("sortCodeAccountNumber", "iban", "pan")
# Account fields the swagger also reserves for accounts_details:read.
DETAIL_FIELDS = ("accountHolderName", "accountReference")


def public(
    account: dict[str, Any], *, details: bool, transaction_data: bool = True
) -> dict[str, Any]:
    shown = {k: v for k, v in account.items() if not k.startswith("_")}
    if not details:
        shown["details"] = {k: v for k, v in shown["details"].items() if k not in IDENTIFYING}
        for field in DETAIL_FIELDS:
            shown.pop(field, None)
    if not transaction_data:
        shown.pop("transactionData", None)
    return shown


def listing(tx: Tx, ns: str, user_id: str) -> list[dict[str, Any]]:
    return tx.list(ns, KIND, parent=user_id)


def find(tx: Tx, ns: str, user_id: str, account_id: str) -> dict[str, Any]:
    account = tx.get(ns, KIND, account_id)
    if account is None or account["_user"] != user_id:
        raise ApiError(404, f"Account {account_id} not found", code="NotFound", path="accountId")
    return account


def referenced(tx: Tx, ns: str, user_id: str, account_id: str, field: str) -> dict[str, Any]:
    """An account a request body names. Unknown (or another user's), it is a 400: the
    reference swagger has no 404 for these operations, whose URL names no account."""
    try:
        return find(tx, ns, user_id, account_id)
    except ApiError as exc:
        raise ApiError(400, exc.message, code="BadRequest", path=field) from exc


def _save(tx: Tx, ns: str, account: dict[str, Any], client_id: str, now: datetime) -> None:
    account["dateModified"] = isoformat(now)
    tx.put(ns, KIND, account["id"], account, tenant=client_id, parent=account["_user"])


def create(
    tx: Tx,
    ns: str,
    sandbox: Sandbox,
    client_id: str,
    user_id: str,
    body: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    """An account added through the API (a "manual" account: its provider is ``API``)."""
    currency = body.get("currency") or "GBP"
    stamp = isoformat(now)
    account: dict[str, Any] = {
        "id": sandbox.ids.uuid(tx, ns, KIND),
        "accountName": body["accountName"],
        "currency": currency,
        "balance": {
            "amount": amount(int(body["balance"]["amount"]["value"]), currency),
            "date": body["balance"]["date"],
        },
        "details": dict(body.get("details") or {}),
        "dateAdded": stamp,
        "dateModified": stamp,
        "providerName": body["providerName"],
        "providerId": "API",
        "accountType": body.get("accountType", "personal"),
        "type": body["type"],
        "_user": user_id,
    }
    if body.get("providerAccountIdentifications"):
        account["providerAccountIdentifications"] = body["providerAccountIdentifications"]
    _save(tx, ns, account, client_id, now)
    return account


def update(
    tx: Tx,
    ns: str,
    client_id: str,
    user_id: str,
    account_id: str,
    body: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    account = find(tx, ns, user_id, account_id)
    account["accountName"] = body["accountName"]
    account["providerName"] = body["providerName"]
    if body.get("details"):
        account["details"] = {**account["details"], **body["details"]}
    _save(tx, ns, account, client_id, now)
    return account


def delete(tx: Tx, ns: str, user_id: str, account_id: str) -> None:
    find(tx, ns, user_id, account_id)
    for balance in tx.list(ns, BALANCE_KIND, parent=account_id):
        tx.delete(ns, BALANCE_KIND, balance["id"])
    connections.delete_account_data(tx, ns, user_id, account_id)


def _record(
    tx: Tx, ns: str, sandbox: Sandbox, client_id: str, account_id: str, balance: dict[str, Any]
) -> None:
    balance_id = sandbox.ids.uuid(tx, ns, BALANCE_KIND)
    stored = {"id": balance_id, **balance}
    tx.put(ns, BALANCE_KIND, balance_id, stored, tenant=client_id, parent=account_id)


def balances(tx: Tx, ns: str, account: dict[str, Any]) -> list[dict[str, Any]]:
    """Every balance the account has had (its current one included), newest date first."""
    recorded = [
        {k: v for k, v in b.items() if k != "id"}
        for b in tx.list(ns, BALANCE_KIND, parent=account["id"])
    ]
    current = account["balance"]
    history = [current, *[b for b in recorded if b != current]]
    return sorted(history, key=lambda b: str(b["date"]), reverse=True)


def add_balance(
    tx: Tx,
    ns: str,
    sandbox: Sandbox,
    client_id: str,
    user_id: str,
    account_id: str,
    body: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    """Record a balance; the newest-dated one becomes the account's balance."""
    account = find(tx, ns, user_id, account_id)
    if not tx.list(ns, BALANCE_KIND, parent=account_id, limit=1):
        # The first recorded balance keeps the one the account had until now.
        _record(tx, ns, sandbox, client_id, account_id, account["balance"])
    balance = {
        "amount": amount(int(body["amount"]["value"]), account["currency"]),
        "date": body["date"],
    }
    _record(tx, ns, sandbox, client_id, account_id, balance)
    if balance["date"] >= account["balance"]["date"]:
        account["balance"] = balance
        _save(tx, ns, account, client_id, now)
    return balance
