"""Registered API clients: listed and added through the admin API, seeded from fixtures."""

from __future__ import annotations

import uuid
from typing import Any

from mockserver.core.determinism import stable_hex
from mockserver.core.errors import ApiError
from mockserver.core.redaction import fingerprint
from mockserver.core.sandbox import Sandbox
from mockserver.core.seeding import CLIENT_KIND, client_record


def list_clients(sandbox: Sandbox, ns: str, provider: str | None) -> list[dict[str, Any]]:
    with sandbox.store.read() as tx:
        clients = tx.list(ns, CLIENT_KIND)
    return [
        {**c, "client_secret": fingerprint(c["client_secret"]) if c.get("client_secret") else None}
        for c in clients
        if provider is None or c["provider"] == provider
    ]


def register_client(sandbox: Sandbox, ns: str, body: dict[str, Any]) -> dict[str, Any]:
    provider = body["provider"]
    with sandbox.store.transaction() as tx:
        client_id = body.get("client_id") or sandbox.ids.uuid(tx, ns, CLIENT_KIND)
        secret = body.get("client_secret") or _new_secret(
            sandbox, tx_counter=client_id, ns=ns, provider=provider
        )
        if provider == "fena":  # Fena sends both as UUID headers
            _require_uuid(client_id, "client_id")
            _require_uuid(secret, "client_secret")
        if tx.get(ns, CLIENT_KIND, client_id) is not None:
            raise ApiError(409, f"a client {client_id!r} is already registered", path="client_id")
        record = client_record(provider, {**body, "client_id": client_id, "client_secret": secret})
        tx.put(ns, CLIENT_KIND, client_id, record)
    return record


def _new_secret(sandbox: Sandbox, tx_counter: str, ns: str, provider: str) -> str:
    raw = stable_hex(32, sandbox.settings.seed, ns, "client_secret", tx_counter)
    return str(uuid.UUID(raw)) if provider == "fena" else raw


def _require_uuid(value: str, field: str) -> None:
    try:
        uuid.UUID(value)
    except ValueError as exc:
        raise ApiError(400, f"Fena's {field} must be a UUID", path=field) from exc
