"""The Data API's transactions: a user's, filtered and paged as the document says; writable."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mockserver.core.clock import isoformat, parse_instant
from mockserver.core.errors import ApiError
from mockserver.core.sandbox import Sandbox
from mockserver.core.store import Tx
from mockserver.providers.moneyhub import connections, data_accounts, dates
from mockserver.providers.moneyhub.money import amount

KIND = connections.TRANSACTION_KIND
DIRECTIONS = {"transactions:read:in": 1, "transactions:read:out": -1}


def public(transaction: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in transaction.items() if not k.startswith("_")}


def listing(
    tx: Tx, ns: str, user_id: str, query: dict[str, Any], scopes: set[str]
) -> list[dict[str, Any]]:
    """The user's transactions matching ``query``, newest first (Moneyhub's order)."""
    start, end = (
        dates.day(query.get("startDate"), "startDate"),
        dates.day(query.get("endDate"), "endDate"),
    )
    modified_from = dates.day(query.get("startDateModified"), "startDateModified")
    modified_to = dates.day(query.get("endDateModified"), "endDateModified")
    accounts = set(query.get("accountIds") or []) | (
        {query["accountId"]} if query.get("accountId") else set()
    )
    ids = set(query.get("ids") or [])
    text = str(query.get("text") or "").lower()
    sign = next((v for s, v in DIRECTIONS.items() if s in scopes), 0)
    direction = {"credit": 1, "debit": -1}.get(str(query.get("creditDebitIndicator") or ""), 0)
    chosen = []
    for row in tx.list(ns, KIND, parent=user_id):
        day = parse_instant(row["date"]).date()
        modified = parse_instant(row["dateModified"]).date()
        value = row["amount"]["value"]
        if (start and day < start) or (end and day > end):
            continue
        if (modified_from and modified < modified_from) or (modified_to and modified > modified_to):
            continue
        if (accounts and row["accountId"] not in accounts) or (ids and row["id"] not in ids):
            continue
        if query.get("categoryId") and row["categoryId"] != query["categoryId"]:
            continue
        searched = f"{row['longDescription']} {row['shortDescription']} {row.get('notes', '')}"
        if text and text not in searched.lower():
            continue
        if (sign and value * sign <= 0) or (direction and value * direction <= 0):
            continue
        chosen.append(row)
    chosen.sort(key=lambda r: r["date"], reverse=True)
    return chosen


def find(tx: Tx, ns: str, user_id: str, transaction_id: str) -> dict[str, Any]:
    row = tx.get(ns, KIND, transaction_id)
    if row is None or row["_user"] != user_id:
        raise ApiError(
            404, f"Transaction {transaction_id} not found", code="NotFound", path="transactionId"
        )
    return row


def _save(tx: Tx, ns: str, row: dict[str, Any], client_id: str, now: datetime) -> None:
    row["dateModified"] = isoformat(now)
    tx.put(ns, KIND, row["id"], row, tenant=client_id, parent=row["_user"])


def create(
    tx: Tx,
    ns: str,
    sandbox: Sandbox,
    client_id: str,
    user_id: str,
    body: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    account = data_accounts.referenced(tx, ns, user_id, body["accountId"], "accountId")
    stamp = isoformat(now)
    row: dict[str, Any] = {
        "id": sandbox.ids.uuid(tx, ns, KIND),
        "accountId": account["id"],
        "amount": amount(int(body["amount"]["value"]), account["currency"]),
        "categoryId": body["categoryId"],
        "categoryIdConfirmed": bool(body.get("categoryIdConfirmed", False)),
        "date": isoformat(dates.instant(body["date"], "date")),
        "dateModified": stamp,
        "dateCreated": stamp,
        "longDescription": body["longDescription"],
        "shortDescription": body.get("shortDescription") or body["longDescription"][:50],
        "notes": body.get("notes", ""),
        "status": body.get("status", "posted"),
        "_user": user_id,
    }
    for optional in ("projectId", "enhancedCategories"):
        if optional in body:
            row[optional] = body[optional]
    _save(tx, ns, row, client_id, now)
    return row


def update(
    tx: Tx,
    ns: str,
    client_id: str,
    user_id: str,
    transaction_id: str,
    body: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    row = find(tx, ns, user_id, transaction_id)
    for field, value in body.items():
        if field == "amount":
            row["amount"] = amount(int(value["value"]), row["amount"]["currency"])
        elif field == "accountId":
            row["accountId"] = data_accounts.find(tx, ns, user_id, value)["id"]
        elif field == "date":
            row["date"] = isoformat(dates.instant(value, "date"))
        else:
            row[field] = value
    _save(tx, ns, row, client_id, now)
    return row


def delete(tx: Tx, ns: str, user_id: str, transaction_id: str) -> None:
    find(tx, ns, user_id, transaction_id)
    tx.delete(ns, KIND, transaction_id)
