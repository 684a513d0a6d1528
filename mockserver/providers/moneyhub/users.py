"""Moneyhub users: created by an API client, who then connects their banks to them.

Each client sees only its own users (another client's id is a 404). Deleting a user deletes
its connections and all their data.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mockserver.core.clock import isoformat
from mockserver.core.errors import ApiError
from mockserver.core.sandbox import Sandbox
from mockserver.core.store import Tx

KIND = "moneyhub.user"
CONNECTION_KIND = "moneyhub.connection"


def public(user: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in user.items() if not k.startswith("_")}


def create(
    tx: Tx, ns: str, sandbox: Sandbox, client_id: str, body: dict[str, Any], now: datetime
) -> dict[str, Any]:
    stamp = isoformat(now)
    user: dict[str, Any] = {
        "userId": sandbox.ids.hex(tx, ns, KIND, 24),
        "clientId": client_id,
        "scopes": "user:create",
        "managedBy": "client",
        "connectionIds": [],
        "createdAt": stamp,
        "updatedAt": stamp,
    }
    if body.get("clientUserId") is not None:
        user = {"clientUserId": str(body["clientUserId"]), **user}
    tx.put(ns, KIND, user["userId"], user, tenant=client_id)
    return user


def find(tx: Tx, ns: str, client_id: str, user_id: str) -> dict[str, Any]:
    user = tx.get(ns, KIND, user_id, tenant=client_id)
    if user is None:
        raise ApiError(404, f"User {user_id} not found", code="NotFound", path="userId")
    return user


def listing(tx: Tx, ns: str, client_id: str) -> list[dict[str, Any]]:
    return tx.list(ns, KIND, tenant=client_id)


def save(tx: Tx, ns: str, user: dict[str, Any], now: datetime) -> None:
    user["updatedAt"] = isoformat(now)
    tx.put(ns, KIND, user["userId"], user, tenant=user["clientId"])
