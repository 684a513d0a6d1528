"""A user's bank connections, and the data each brings into the Data API.

Approving a connection on the consent page (as one of the sandbox PSUs) links the accounts the
PSU chose to the Moneyhub user: each becomes a Data API account, its history Data API
transactions (amounts in pence, Moneyhub categories). Later payments booked on those PSU
accounts arrive as new transactions (and a ``newTransactions`` webhook). Deleting a connection
deletes its accounts and transactions.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from mockserver.core.clock import isoformat, parse_instant
from mockserver.core.errors import ApiError
from mockserver.core.sandbox import Sandbox
from mockserver.core.store import Tx
from mockserver.providers.moneyhub import catalog, users
from mockserver.providers.moneyhub.money import amount, pence

KIND = users.CONNECTION_KIND
ACCOUNT_KIND = "moneyhub.account"
TRANSACTION_KIND = "moneyhub.transaction"
CONSENT_DAYS = 90
_ACCOUNT_TYPES = {
    "current": "cash:current",
    "business_current": "cash:current",
    "savings": "savings",
    "credit_card": "card",
}


def public(connection: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in connection.items() if not k.startswith("_")}


def _day(instant: str) -> str:
    return parse_instant(instant).date().isoformat()


def account_from_psu(
    psu_account: dict[str, Any],
    user_id: str,
    connection: dict[str, Any],
    account_id: str,
    now: datetime,
) -> dict[str, Any]:
    stamp = isoformat(now)
    details: dict[str, Any] = {
        "sortCodeAccountNumber": psu_account["sort_code"] + psu_account["account_number"],
        "iban": psu_account["iban"],
    }
    if psu_account.get("overdraft_limit"):
        details["overdraftLimit"] = pence(psu_account["overdraft_limit"])
    if psu_account.get("credit_limit"):
        details["creditLimit"] = pence(psu_account["credit_limit"])
    return {
        "id": account_id,
        "accountName": psu_account["name"],
        "currency": psu_account["currency"],
        "balance": {
            "amount": amount(pence(psu_account["balance"]), psu_account["currency"]),
            "date": now.date().isoformat(),
        },
        "details": details,
        "dateAdded": stamp,
        "dateModified": stamp,
        "providerName": connection["name"],
        "providerReference": connection["_bank"].get("bankRef", connection["bankId"]),
        "connectionId": connection["id"],
        "providerId": connection["bankId"],
        "providerAccountId": psu_account["account_number"],
        "accountHolderName": psu_account.get("holder_name") or "",
        "accountOpeningDate": f"{psu_account['opened_on']}T00:00:00.000Z",
        "accountType": "business" if psu_account["type"] == "business_current" else "personal",
        "type": _ACCOUNT_TYPES.get(psu_account["type"], "cash:current"),
        "_user": user_id,
        "_psu_account": psu_account["id"],
    }


def transaction_from_psu(
    row: dict[str, Any], account: dict[str, Any], transaction_id: str, now: datetime
) -> dict[str, Any]:
    stamp = isoformat(now)
    booked = isoformat(parse_instant(row["booked_at"]))
    result: dict[str, Any] = {
        "id": transaction_id,
        "accountId": account["id"],
        "amount": amount(pence(row["amount"]), row["currency"]),
        "categoryId": catalog.category_for(row["category"]),
        "categoryIdConfirmed": False,
        "date": booked,
        "dateModified": stamp,
        "dateCreated": stamp,
        "longDescription": row["description"],
        "shortDescription": (row.get("merchant") or row["description"])[:50],
        "notes": "",
        "status": "posted" if row["status"] == "booked" else "pending",
    }
    if row.get("merchant"):
        result["merchantName"] = row["merchant"]
    if row.get("mcc"):
        result["merchantCategoryCode"] = row["mcc"]
    if row["status"] == "booked":
        result["valueDate"] = f"{row['value_date']}T00:00:00.000Z"
    result["_user"] = account["_user"]
    result["_psu_transaction"] = row["id"]
    return result


def connect(
    tx: Tx,
    ns: str,
    sandbox: Sandbox,
    user: dict[str, Any],
    bank_id: str,
    psu: str,
    psu_accounts: list[str],
    now: datetime,
) -> dict[str, Any]:
    bank = catalog.bank(bank_id) or catalog.bank(catalog.MOCK_BANK_ID)
    assert bank is not None
    connection: dict[str, Any] = {
        "id": f"{bank['id']}:{sandbox.ids.uuid(tx, ns, KIND)}",
        "name": bank["name"],
        "type": bank.get("type", "api"),
        "bankId": bank["id"],
        "userId": user["userId"],
        "status": "ok",
        "connectedOn": isoformat(now),
        "lastUpdated": isoformat(now),
        "expiresAt": isoformat(now + timedelta(days=CONSENT_DAYS)),
        "accountIds": [],
        "_bank": bank,
        "_psu": psu,
    }
    for psu_account_id in psu_accounts:
        psu_account = tx.get(ns, "psu.account", psu_account_id)
        if psu_account is None:
            continue
        account = account_from_psu(
            psu_account, user["userId"], connection, sandbox.ids.uuid(tx, ns, ACCOUNT_KIND), now
        )
        rows = tx.list(ns, "psu.transaction", parent=psu_account_id)
        for row in rows:
            made = transaction_from_psu(
                row, account, sandbox.ids.uuid(tx, ns, TRANSACTION_KIND), now
            )
            tx.put(
                ns,
                TRANSACTION_KIND,
                made["id"],
                made,
                tenant=user["clientId"],
                parent=user["userId"],
            )
        dates = [parse_instant(r["booked_at"]) for r in rows]
        if dates:
            account["transactionData"] = {
                "count": len(rows),
                "earliestDate": isoformat(min(dates)),
                "lastDate": isoformat(max(dates)),
            }
        tx.put(
            ns, ACCOUNT_KIND, account["id"], account, tenant=user["clientId"], parent=user["userId"]
        )
        connection["accountIds"].append(account["id"])
    tx.put(ns, KIND, connection["id"], connection, tenant=user["clientId"], parent=user["userId"])
    user["connectionIds"] = [*user.get("connectionIds", []), connection["id"]]
    users.save(tx, ns, user, now)
    return connection


def covering(
    tx: Tx, ns: str, user: dict[str, Any], bank_id: str, psu_account_id: str
) -> dict[str, Any] | None:
    """The user's connection to ``bank_id`` that already brings this PSU account, if any."""
    linked = {
        a["connectionId"]
        for a in tx.list(ns, ACCOUNT_KIND, parent=user["userId"])
        if a.get("_psu_account") == psu_account_id
    }
    for connection in for_user(tx, ns, user):
        if connection["bankId"] == bank_id and connection["id"] in linked:
            return connection
    return None


def for_user(tx: Tx, ns: str, user: dict[str, Any]) -> list[dict[str, Any]]:
    return tx.list(ns, KIND, parent=user["userId"])


def disconnect(tx: Tx, ns: str, user: dict[str, Any], connection_id: str, now: datetime) -> None:
    connection = tx.get(ns, KIND, connection_id)
    if connection is None or connection["userId"] != user["userId"]:
        raise ApiError(
            404, f"Connection {connection_id} not found", code="NotFound", path="connectionId"
        )
    for account in tx.list(ns, ACCOUNT_KIND, parent=user["userId"]):
        if account.get("connectionId") == connection_id:
            delete_account_data(tx, ns, user["userId"], account["id"])
    tx.delete(ns, KIND, connection_id)
    user["connectionIds"] = [c for c in user.get("connectionIds", []) if c != connection_id]
    users.save(tx, ns, user, now)


def delete_account_data(tx: Tx, ns: str, user_id: str, account_id: str) -> None:
    for row in tx.list(ns, TRANSACTION_KIND, parent=user_id):
        if row["accountId"] == account_id:
            tx.delete(ns, TRANSACTION_KIND, row["id"])
    tx.delete(ns, ACCOUNT_KIND, account_id)


def delete_user(tx: Tx, ns: str, user: dict[str, Any]) -> None:
    for kind in (TRANSACTION_KIND, ACCOUNT_KIND, KIND):
        for record in tx.list(ns, kind, parent=user["userId"]):
            tx.delete(ns, kind, record["id"])
    tx.delete(ns, users.KIND, user["userId"])


def balance_value(account: dict[str, Any]) -> Decimal:
    return Decimal(account["balance"]["amount"]["value"])
