"""Payees: the accounts an API client lets its users pay (its Auth API document, POST /payees)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mockserver.core.clock import isoformat
from mockserver.core.errors import ApiError
from mockserver.core.sandbox import Sandbox
from mockserver.core.store import Tx

KIND = "moneyhub.payee"


def create(
    tx: Tx, ns: str, sandbox: Sandbox, client_id: str, body: dict[str, Any], now: datetime
) -> dict[str, Any]:
    for field, size in (("sortCode", 6), ("accountNumber", 8)):
        value = str(body.get(field) or "")
        if len(value) != size or not value.isdigit():
            raise ApiError(400, f"{field} must be {size} digits", code="BadRequest", path=field)
    stamp = isoformat(now)
    payee = {
        "id": sandbox.ids.uuid(tx, ns, KIND),
        "clientId": client_id,
        "sortCode": body["sortCode"],
        "accountNumber": body["accountNumber"],
        "createdAt": stamp,
        "modifiedAt": stamp,
        "active": True,
        "name": str(body.get("name") or ""),
    }
    tx.put(ns, KIND, payee["id"], payee, tenant=client_id)
    return payee


def listing(
    tx: Tx, ns: str, client_id: str, limit: int | None, offset: int
) -> list[dict[str, Any]]:
    return tx.list(ns, KIND, tenant=client_id, limit=limit, offset=offset)


def find(tx: Tx, ns: str, client_id: str, payee_id: str) -> dict[str, Any] | None:
    return tx.get(ns, KIND, payee_id, tenant=client_id)
