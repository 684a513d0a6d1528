"""Operation handlers of specs/moneyhub_identity.yaml and specs/moneyhub_data.yaml."""

from __future__ import annotations

from typing import Any

import jwt
from connexion.lifecycle import ConnexionResponse

from mockserver.core import context
from mockserver.core.errors import ApiError, oauth_error
from mockserver.core.oauth import endpoints, requests
from mockserver.core.responses import json_reply
from mockserver.core.sandbox import current_sandbox
from mockserver.core.seeding import CLIENT_KIND
from mockserver.core.urls import absolute_url
from mockserver.providers.moneyhub import bank_icons, catalog, connections, payees, payments, users
from mockserver.providers.moneyhub.data_handlers import *  # noqa: F403 (the Data API's operations)
from mockserver.providers.moneyhub.identity_profile import BASE, MONEYHUB_AUTH
from mockserver.providers.moneyhub.replies import client_id, no_content, paged, reply, run

REQUEST_URI_PREFIX = "urn:x-mh-request:"
CONNECTION_LISTS = ("all", "api", "legacy", "test", "beta")


# -- OpenID Connect -------------------------------------------------------------------------------


async def discovery() -> ConnexionResponse:
    base = str(context.current().extra["base_url"])
    document = endpoints.discovery_document(MONEYHUB_AUTH, base)
    for name in CONNECTION_LISTS:
        document[f"{name}_connections_endpoint"] = (
            f"{base}{BASE}/oidc/.well-known/{name}-connections"
        )
    return json_reply(document, media_type="application/json")


async def jwks() -> ConnexionResponse:
    return endpoints.jwks()


async def authorize(**params: Any) -> ConnexionResponse:
    return endpoints.authorize(MONEYHUB_AUTH, {k: str(v) for k, v in params.items()})


async def token(body: dict[str, Any]) -> ConnexionResponse:
    return endpoints.token(MONEYHUB_AUTH, body)


async def pushed_authorization(body: dict[str, Any]) -> ConnexionResponse:
    return endpoints.pushed_authorization(MONEYHUB_AUTH, body)


async def create_request_uri(body: Any = None) -> ConnexionResponse:
    """Moneyhub's request-object endpoint: a signed request object in, a request URI out."""
    # Bytes that are not UTF-8 are no JWS either: replaced, they fail to decode below.
    raw = bytes(context.current().extra.get("body") or b"").decode(errors="replace").strip()
    try:
        claims = jwt.decode(raw, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise oauth_error(400, "invalid_request_object", f"not a request object: {exc}") from exc
    client = str(claims.get("client_id") or claims.get("iss") or "")
    sandbox, ns = current_sandbox(), context.current_namespace()
    issuer = MONEYHUB_AUTH.issuer(str(context.current().extra["base_url"]))
    with sandbox.store.transaction() as tx:
        registered = tx.get(ns, CLIENT_KIND, client)
        if registered is None or registered["provider"] != "moneyhub":
            raise oauth_error(401, "invalid_client", f"unknown client {client!r}")
        params = {"client_id": client, "request": raw}
        uri, _ = requests.push_request(
            tx,
            ns,
            MONEYHUB_AUTH,
            registered,
            params,
            issuer=issuer,
            now=sandbox.clock.now(ns, tx),
            ids=sandbox.ids,
            prefix=REQUEST_URI_PREFIX,
        )
    return ConnexionResponse(
        status_code=201, body=uri.encode(), headers={"Content-Type": "text/plain; charset=utf-8"}
    )


# -- bank connections -----------------------------------------------------------------------------


def _connection_list(kind: str) -> ConnexionResponse:
    listed = []
    for bank in catalog.banks():
        if kind == "beta" or (kind in ("api", "legacy") and bank["type"] != kind):
            continue
        entry = {k: bank[k] for k in ("id", "name", "type", "bankRef", "accountTypes")}
        entry |= {k: bank[k] for k in ("userTypes", "payments") if k in bank}
        entry["iconUrl"] = absolute_url(f"{BASE}/bank-icons/{bank['bankRef']}")
        if kind != "payments" or bank.get("payments"):
            listed.append(entry)
    return reply(listed)


async def list_all_connections(**_: Any) -> ConnexionResponse:
    return _connection_list("all")


async def list_api_connections(**_: Any) -> ConnexionResponse:
    return _connection_list("api")


async def list_legacy_connections(**_: Any) -> ConnexionResponse:
    return _connection_list("legacy")


async def list_test_connections(**_: Any) -> ConnexionResponse:
    return _connection_list("test")


async def list_beta_connections(**_: Any) -> ConnexionResponse:
    return _connection_list("beta")


async def list_payments_connections(**_: Any) -> ConnexionResponse:
    return _connection_list("payments")


async def get_bank_icon(bankRef: str, defaultIcon: bool = False) -> ConnexionResponse:
    svg = bank_icons.icon(bankRef, default=defaultIcon)
    if svg is None:
        raise ApiError(404, f"No icon for {bankRef}", code="NotFound", path="bankRef")
    return ConnexionResponse(
        status_code=200, body=svg.encode(), headers={"Content-Type": "image/svg+xml"}
    )


# -- users and connections ------------------------------------------------------------------------


async def register_user(body: dict[str, Any] | None = None) -> ConnexionResponse:
    user = run(
        lambda tx, ns, sb, now: users.create(tx, ns, sb, client_id(), body or {}, now), write=True
    )
    return reply(users.public(user), 201)


async def get_users(limit: int | None = None, offset: int | None = None) -> ConnexionResponse:
    listed = run(lambda tx, ns, sb, now: users.listing(tx, ns, client_id()))
    return reply(paged([users.public(u) for u in listed], limit, offset))


async def get_user(userId: str) -> ConnexionResponse:
    return reply(users.public(run(lambda tx, ns, sb, now: users.find(tx, ns, client_id(), userId))))


async def delete_user(userId: str) -> ConnexionResponse:
    def work(tx: Any, ns: str, sb: Any, now: Any) -> None:
        connections.delete_user(tx, ns, users.find(tx, ns, client_id(), userId))

    run(work, write=True)
    return no_content()


async def get_user_connections(userId: str) -> ConnexionResponse:
    def work(tx: Any, ns: str, sb: Any, now: Any) -> list[dict[str, Any]]:
        return connections.for_user(tx, ns, users.find(tx, ns, client_id(), userId))

    return reply({"data": [connections.public(c) for c in run(work)]})


async def delete_user_connection(userId: str, connectionId: str) -> ConnexionResponse:
    def work(tx: Any, ns: str, sb: Any, now: Any) -> None:
        connections.disconnect(tx, ns, users.find(tx, ns, client_id(), userId), connectionId, now)

    run(work, write=True)
    return no_content()


# -- payees and payments --------------------------------------------------------------------------


async def add_payee(body: dict[str, Any]) -> ConnexionResponse:
    payee = run(
        lambda tx, ns, sb, now: payees.create(tx, ns, sb, client_id(), body, now), write=True
    )
    return reply({"data": payee, "meta": {}}, 201)


async def get_payees(limit: int | None = None, offset: int | None = None) -> ConnexionResponse:
    listed = run(lambda tx, ns, sb, now: payees.listing(tx, ns, client_id(), None, 0))
    return reply(paged(listed, limit, offset))


async def get_payments(limit: int | None = None, offset: int | None = None) -> ConnexionResponse:
    listed = run(lambda tx, ns, sb, now: payments.listing(tx, ns, client_id(), None, 0))
    return reply(paged([payments.public(p) for p in listed], limit, offset))


async def get_payment(id: str) -> ConnexionResponse:
    found = run(lambda tx, ns, sb, now: payments.find(tx, ns, client_id(), id))
    return reply({"data": payments.public(found), "meta": {}})
