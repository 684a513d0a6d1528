"""Firing a webhook by hand: choose the receiving client, its URL and secret, queue the delivery."""

from __future__ import annotations

from typing import Any

from mockserver.core.errors import ApiError
from mockserver.core.sandbox import Sandbox
from mockserver.core.seeding import CLIENT_KIND
from mockserver.core.store import Tx


def fire(sandbox: Sandbox, ns: str, body: dict[str, Any]) -> dict[str, Any]:
    """Queue ``body["payload"]`` for the provider's client; returns the pending delivery."""
    provider = body["provider"]
    url = body.get("url")
    with sandbox.store.transaction() as tx:
        client = _client(tx, ns, provider, body.get("client_id"), needs_url=url is None)
        url = url or (client or {}).get("webhook_url")
        if not url:
            raise ApiError(
                400,
                f"no webhook URL: pass url, or register a {provider} client with a webhook_url",
                path="url",
            )
        return sandbox.webhooks.enqueue(
            tx,
            ns,
            provider=provider,
            event=body["event"],
            url=url,
            payload=body["payload"],
            # Signed with the receiving client's secret, as a provider signs for its client.
            secret=(client or {}).get("client_secret") or "",
            tenant=client["client_id"] if client else "",
        )


def _client(
    tx: Tx, ns: str, provider: str, client_id: str | None, needs_url: bool
) -> dict[str, Any] | None:
    """The named client; else the provider's first with a webhook URL (or first at all)."""
    clients = [c for c in tx.list(ns, CLIENT_KIND) if c["provider"] == provider]
    if client_id is not None:
        named = next((c for c in clients if c["client_id"] == client_id), None)
        if named is None:
            raise ApiError(
                400, f"no {provider} client {client_id!r} in this namespace", path="client_id"
            )
        return named
    if needs_url:
        return next((c for c in clients if c.get("webhook_url")), None)
    return clients[0] if clients else None
