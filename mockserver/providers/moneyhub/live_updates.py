"""New bookings on a PSU's bank account reach the Moneyhub users connected to it.

Every payment the sandbox books on a PSU's account (an OBIE or Fena VRP, a Moneyhub payment)
becomes a transaction of each Data API account linked to that bank account, the account's
balance follows, and the API client hears ``newTransactions`` (the document's payload) at its
webhook URL.
"""

from __future__ import annotations

from typing import Any

from mockserver.core.clock import isoformat
from mockserver.core.sandbox import Sandbox
from mockserver.core.seeding import CLIENT_KIND
from mockserver.core.store import Tx
from mockserver.providers.moneyhub import connections
from mockserver.providers.moneyhub.money import amount, pence


def on_booking(
    tx: Tx, ns: str, sandbox: Sandbox, psu_account: dict[str, Any], row: dict[str, Any]
) -> None:
    now = sandbox.clock.now(ns, tx)
    for account in tx.list(ns, connections.ACCOUNT_KIND):
        if account.get("_psu_account") != psu_account["id"]:
            continue
        user_id = account["_user"]
        user = tx.get(ns, "moneyhub.user", user_id) or {}
        client_id = str(user.get("clientId") or "")
        made = connections.transaction_from_psu(
            row, account, sandbox.ids.uuid(tx, ns, connections.TRANSACTION_KIND), now
        )
        tx.put(ns, connections.TRANSACTION_KIND, made["id"], made, tenant=client_id, parent=user_id)
        account["balance"] = {
            "amount": amount(pence(psu_account["balance"]), psu_account["currency"]),
            "date": now.date().isoformat(),
        }
        data = account.get("transactionData")
        if data is not None:
            data["count"] += 1
            data["lastDate"] = made["date"]
        account["dateModified"] = isoformat(now)
        kind = connections.ACCOUNT_KIND
        tx.put(ns, kind, account["id"], account, tenant=client_id, parent=user_id)
        _notify(tx, ns, sandbox, client_id, user_id, account["id"], made["id"])


def _notify(
    tx: Tx, ns: str, sandbox: Sandbox, client_id: str, user_id: str, account_id: str, row_id: str
) -> None:
    client = tx.get(ns, CLIENT_KIND, client_id) or {}
    if not client.get("webhook_url"):
        return
    event = "newTransactions"
    payload = {"accounts": [{"id": account_id, "transactions": [row_id]}]}
    sandbox.webhooks.enqueue(
        tx,
        ns,
        provider="moneyhub",
        event=event,
        url=str(client["webhook_url"]),
        payload={
            "id": sandbox.ids.uuid(tx, ns, "moneyhub.webhook"),
            "eventType": event,
            "userId": user_id,
            "payload": payload,
        },
        secret=str(client.get("client_secret") or ""),
        tenant=client_id,
    )
