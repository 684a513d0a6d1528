"""What an access consent opens: the chosen accounts, their balances and transactions.

Fena passes the bank's Open Banking (OBIE v3.1) data through, so the bodies are the OBIE
shapes the sandbox's own bank makes (``providers.ob.resources``), Detail level, wrapped as in
Fena's samples (``{"Data": {"Account": [...]}}`` and so on, without Links or Meta).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mockserver.core.clock import parse_instant
from mockserver.core.errors import ApiError
from mockserver.core.store import Tx
from mockserver.providers.ob import resources

ACCOUNT_KIND = "psu.account"
TRANSACTION_KIND = "psu.transaction"


def _psu(tx: Tx, ns: str, record: dict[str, Any]) -> dict[str, Any]:
    psu = tx.get(ns, "psu", str(record["psu"]))
    if psu is None:
        raise ApiError(500, "The consent's customer is missing.")
    return psu


def account(tx: Tx, ns: str, record: dict[str, Any], account_id: str) -> dict[str, Any]:
    """One of the consent's accounts; any other id is a 404."""
    found = tx.get(ns, ACCOUNT_KIND, account_id) if account_id in record["accounts"] else None
    if found is None:
        raise ApiError(404, f"Account {account_id} not found for this consent.", path="accountId")
    return found


def accounts(tx: Tx, ns: str, record: dict[str, Any]) -> dict[str, Any]:
    psu = _psu(tx, ns, record)
    listed = [tx.get(ns, ACCOUNT_KIND, a) for a in record["accounts"]]
    made = [resources.account(a, psu, detail=True) for a in listed if a is not None]
    return {"Data": {"Account": made}}


def one_account(tx: Tx, ns: str, record: dict[str, Any], account_id: str) -> dict[str, Any]:
    found = account(tx, ns, record, account_id)
    return {"Data": {"Account": [resources.account(found, _psu(tx, ns, record), detail=True)]}}


def balances(
    tx: Tx, ns: str, record: dict[str, Any], account_id: str, now: datetime
) -> dict[str, Any]:
    return {"Data": {"Balance": resources.balances(account(tx, ns, record, account_id), at=now)}}


def transactions(
    tx: Tx,
    ns: str,
    record: dict[str, Any],
    account_id: str,
    start: str | None,
    end: str | None,
) -> dict[str, Any]:
    """The account's transactions booked within [start, end], oldest first."""
    found = account(tx, ns, record, account_id)
    low = parse_instant(start) if start else None
    high = parse_instant(end) if end else None
    chosen = []
    for row in tx.list(ns, TRANSACTION_KIND, parent=account_id):
        booked = parse_instant(row["booked_at"])
        if (low and booked < low) or (high and booked > high):
            continue
        chosen.append((booked, row))
    rows = [row for _, row in sorted(chosen, key=lambda pair: pair[0])]
    made = [resources.transaction(row, found, detail=True) for row in rows]
    return {"Data": {"Transaction": made}}
