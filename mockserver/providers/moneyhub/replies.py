"""Moneyhub over HTTP: the calling client (and user), one store transaction, JSON replies."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from connexion.lifecycle import ConnexionResponse

from mockserver.core import context
from mockserver.core.errors import ApiError
from mockserver.core.responses import empty_reply, json_reply
from mockserver.core.sandbox import Sandbox, current_sandbox
from mockserver.core.store import Tx

JSON = "application/json"
# What Connexion adds to a handler's keyword arguments besides the request's parameters.
CONNEXION_CONTEXT = frozenset({"user", "token_info"})
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


def paged(
    items: list[Any], limit: int | None, offset: int | None, query: dict[str, Any] | None = None
) -> dict[str, Any]:
    """``{data, links, meta}``: a slice of ``items``, with absolute links to this page and its
    neighbours (keeping the request's filters) and the total count."""
    start = offset or 0
    chosen = items[start : start + limit] if limit is not None else items[start:]
    links = {"self": _url(query, limit, offset)}
    if limit is not None and start + limit < len(items):
        links["next"] = _url(query, limit, start + limit)
    if limit is not None and start > 0:
        links["prev"] = _url(query, limit, max(start - limit, 0))
    return {"data": chosen, "links": links, "meta": {"total": len(items)}}


def _url(query: dict[str, Any] | None, limit: int | None, offset: int | None) -> str:
    ctx = context.current()
    params: list[tuple[str, str]] = []
    for key, value in (query or {}).items():
        if value is None or key in CONNEXION_CONTEXT:
            continue
        values = value if isinstance(value, list) else [value]
        params += [(key, _text(v)) for v in values]
    if ctx.namespace != context.DEFAULT_NAMESPACE:
        params.append((context.NAMESPACE_QUERY, ctx.namespace))
    if limit is not None:
        params.append(("limit", str(limit)))
    if offset is not None:
        params.append(("offset", str(offset)))
    suffix = f"?{urlencode(params)}" if params else ""
    return f"{ctx.extra['base_url']}{ctx.path}{suffix}"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
