"""Moneyhub over HTTP: the calling client (and user), one store transaction, JSON replies."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from connexion.lifecycle import ConnexionResponse

from mockserver.core import context
from mockserver.core.errors import ApiError
from mockserver.core.responses import empty_reply, json_reply
from mockserver.core.sandbox import Sandbox, current_sandbox
from mockserver.core.store import Tx

JSON = "application/json"
Work = Callable[[Tx, str, Sandbox, datetime], Any]


def token() -> dict[str, Any]:
    claims: dict[str, Any] = context.current().extra["token"]
    return claims


def client_id() -> str:
    return str(token()["client_id"])


def user_id() -> str:
    """The user a Data API token reads: its ``sub`` (a client_credentials token with ``sub``,
    or the token a user granted); a bare client token reads no one's data."""
    claims = token()
    subject = str(claims.get("sub") or "")
    if not subject or subject == claims["client_id"]:
        raise ApiError(
            403, "this token is not for a user: ask for it with sub=<userId>", code="Forbidden"
        )
    return subject


def scopes() -> set[str]:
    return set(str(token().get("scope") or "").split())


def run(work: Work, *, write: bool = False) -> Any:
    sandbox, ns = current_sandbox(), context.current_namespace()
    transaction = sandbox.store.transaction() if write else sandbox.store.read()
    with transaction as tx:
        return work(tx, ns, sandbox, sandbox.clock.now(ns, tx))


def reply(body: Any, status: int = 200) -> ConnexionResponse:
    return json_reply(body, status=status, media_type=JSON)


def no_content() -> ConnexionResponse:
    return empty_reply(204)


def page(
    items: list[Any], limit: int | None, offset: int | None
) -> tuple[list[Any], dict[str, Any]]:
    """A slice of ``items`` and the ``meta`` Moneyhub sends with lists."""
    start = offset or 0
    chosen = items[start : start + limit] if limit is not None else items[start:]
    return chosen, {"total": len(items)}
