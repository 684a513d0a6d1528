"""Drive the Moneyhub emulation as an API client (and its users' PSUs) would, through the test
client: tokens, users, bank connections (decided headlessly), payees and payments."""

from __future__ import annotations

import base64
import json
import secrets
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import jwt

from tests.conftest import NamespacedClient

CLIENT = ("moneyhub-sandbox-client", "moneyhub-sandbox-secret")
REDIRECT = "http://localhost:3001/callback"
IDENTITY = "/moneyhub/identity"
DATA = "/moneyhub/api/v2.0"
ISSUER = f"http://testserver{IDENTITY}/oidc"
TOKEN_PATH = f"{IDENTITY}/oidc/token"
AUTH_URL = f"{ISSUER}/auth"
MOCK_BANK = "1ffe704d39629a929c8e293880fb449a"
ALL_READ = (
    "accounts:read accounts_details:read transactions:read:all categories:read "
    "spending_analysis:read spending_goals:read savings_goals:read"
)

Client = tuple[str, str]


def basic(client: Client = CLIENT) -> dict[str, str]:
    raw = base64.b64encode(f"{client[0]}:{client[1]}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# -- tokens ---------------------------------------------------------------------------------------


def token_response(
    api: NamespacedClient, scope: str, sub: str | None = None, client: Client = CLIENT
) -> Any:
    form = {"grant_type": "client_credentials", "scope": scope}
    if sub is not None:
        form["sub"] = sub
    return api.post(TOKEN_PATH, data=form, headers=basic(client))


def client_token(api: NamespacedClient, scope: str, client: Client = CLIENT) -> str:
    """A client_credentials token for the API client itself (no user)."""
    response = token_response(api, scope, client=client)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def user_token(api: NamespacedClient, user_id: str, scope: str, client: Client = CLIENT) -> str:
    """A client_credentials token for one of the client's users (``sub``)."""
    response = token_response(api, scope, sub=user_id, client=client)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def as_user(
    api: NamespacedClient, user_id: str, scope: str = ALL_READ, client: Client = CLIENT
) -> dict[str, str]:
    return bearer(user_token(api, user_id, scope, client))


def as_client(api: NamespacedClient, scope: str, client: Client = CLIENT) -> dict[str, str]:
    return bearer(client_token(api, scope, client))


def verify_id_token(api: NamespacedClient, token: str, audience: str = CLIENT[0]) -> dict[str, Any]:
    """Verify a sandbox-signed ID token as a client would: with the published JWKS only."""
    jwks = api.get(f"{IDENTITY}/oidc/certs").json()
    kid = jwt.get_unverified_header(token)["kid"]
    jwk = next(k for k in jwks["keys"] if k["kid"] == kid)
    claims: dict[str, Any] = jwt.decode(
        token,
        jwt.PyJWK(jwk).key,
        algorithms=[jwk["alg"]],
        audience=audience,
        issuer=ISSUER,
        options={"verify_exp": False, "verify_iat": False},
    )
    return claims


# -- clients and users ----------------------------------------------------------------------------


def register_client(
    api: NamespacedClient,
    client_id: str,
    secret: str,
    *,
    webhook_url: str | None = None,
) -> Client:
    """Another Moneyhub API client (admin API), unsigned request objects allowed."""
    body: dict[str, Any] = {
        "provider": "moneyhub",
        "client_id": client_id,
        "client_secret": secret,
        "redirect_uris": [REDIRECT],
        "request_object_signing_alg": "none",
    }
    if webhook_url is not None:
        body["webhook_url"] = webhook_url
    response = api.post("/__admin/clients", json=body)
    assert response.status_code == 201, response.text
    return client_id, secret


def register_user(
    api: NamespacedClient, client_user_id: str | None = None, client: Client = CLIENT
) -> dict[str, Any]:
    body = {} if client_user_id is None else {"clientUserId": client_user_id}
    response = api.post(
        f"{IDENTITY}/users", json=body, headers=as_client(api, "user:create", client)
    )
    assert response.status_code == 201, response.text
    user: dict[str, Any] = response.json()
    return user


# -- the sandbox's PSUs (admin state) -------------------------------------------------------------


_PSU_ACCOUNTS: dict[str, dict[str, dict[str, Any]]] = {}


def psu_accounts(api: NamespacedClient, psu: str = "alice") -> dict[str, dict[str, Any]]:
    """The PSU's bank accounts by type (``current``, ``savings``, ``credit_card``, ...), as
    seeded: every namespace is seeded from the same dataset, so the ids, names and numbers are
    read once (exporting the state is slow); balances here are the seeded ones, see
    ``psu_balance`` for the live one."""
    if psu not in _PSU_ACCOUNTS:
        state = api.get("/__admin/state", params={"namespace": api.namespace}).json()
        records = state["namespaces"][api.namespace]["records"]
        _PSU_ACCOUNTS[psu] = {
            r["data"]["type"]: {**r["data"], "id": r["id"]}
            for r in records
            if r["kind"] == "psu.account" and r["parent"] == psu
        }
    return _PSU_ACCOUNTS[psu]


def psu_balance(api: NamespacedClient, account_id: str) -> Decimal:
    state = api.get("/__admin/state", params={"namespace": api.namespace}).json()
    records = state["namespaces"][api.namespace]["records"]
    account = next(r for r in records if r["kind"] == "psu.account" and r["id"] == account_id)
    return Decimal(account["data"]["balance"])


# -- authorisation --------------------------------------------------------------------------------


def connection_claims(user_id: str | None, con_id: str | None = None) -> dict[str, Any]:
    id_token: dict[str, Any] = {"mh:con_id": {"essential": True}}
    if con_id is not None:
        id_token["mh:con_id"]["value"] = con_id
    if user_id is not None:
        id_token["sub"] = {"essential": True, "value": user_id}
    return {"id_token": id_token}


def auth_url(
    scope: str,
    claims: dict[str, Any] | None = None,
    *,
    client: Client = CLIENT,
    response_type: str = "code",
    state: str = "st-1",
    nonce: str = "n-1",
) -> str:
    query = {
        "client_id": client[0],
        "response_type": response_type,
        "scope": scope,
        "redirect_uri": REDIRECT,
        "state": state,
        "nonce": nonce,
    }
    if claims is not None:
        query["claims"] = json.dumps(claims)
    return f"{AUTH_URL}?{urlencode(query)}"


def decide(
    api: NamespacedClient,
    url: str,
    psu: str = "alice",
    accounts: list[str] | None = None,
    decision: str = "approve",
) -> dict[str, str]:
    """What the PSU does on the consent page, headlessly; the redirect's parameters."""
    body: dict[str, Any] = {"url": url, "psu": psu, "decision": decision}
    if accounts is not None:
        body["accounts"] = accounts
    response = api.post("/__admin/authorize", json=body)
    assert response.status_code == 200, response.text
    return redirect_params(response.json()["redirect"])


def redirect_params(location: str) -> dict[str, str]:
    parts = urlsplit(location)
    return {k: v[0] for k, v in parse_qs(parts.fragment or parts.query).items()}


def exchange(
    api: NamespacedClient, code: str, client: Client = CLIENT, sub: str | None = None
) -> dict[str, Any]:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    if sub is not None:
        form["sub"] = sub
    response = api.post(TOKEN_PATH, data=form, headers=basic(client))
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


@dataclass
class Connection:
    id: str
    user_id: str
    id_token: dict[str, Any]


def connect(
    api: NamespacedClient,
    user_id: str,
    accounts: list[str] | None = None,
    *,
    psu: str = "alice",
    client: Client = CLIENT,
    bank: str = MOCK_BANK,
) -> Connection:
    """Connect the PSU's bank to the user; ``accounts``: the PSU's choice (default: all)."""
    url = auth_url(f"openid id:{bank}", connection_claims(user_id), client=client)
    redirected = decide(api, url, psu, accounts)
    assert "code" in redirected, redirected
    tokens = exchange(api, redirected["code"], client)
    claims = verify_id_token(api, tokens["id_token"], client[0])
    return Connection(str(claims["mh:con_id"]), str(claims["sub"]), claims)


# -- payees and payments --------------------------------------------------------------------------


def add_payee(
    api: NamespacedClient,
    client: Client = CLIENT,
    *,
    sort_code: str = "040004",
    account_number: str = "11397104",
    name: str = "Isaac Harper",
) -> dict[str, Any]:
    body = {"sortCode": sort_code, "accountNumber": account_number, "name": name}
    response = api.post(
        f"{IDENTITY}/payees", json=body, headers=as_client(api, "payee:create", client)
    )
    assert response.status_code == 201, response.text
    payee: dict[str, Any] = response.json()["data"]
    return payee


def unsigned(claims: dict[str, Any]) -> str:
    """A request object with ``alg: none`` (the fixture client's request_object_signing_alg)."""
    return jwt.encode(claims, None, algorithm="none", headers={"typ": "oauth-authz-req+jwt"})


def payment_request_object(
    user_id: str,
    payee_id: str,
    amount: int,
    *,
    payee_ref: str = "Invoice 42",
    payer_ref: str = "Sandbox test",
    client: Client = CLIENT,
    bank: str = MOCK_BANK,
) -> str:
    """What the official client's getPaymentAuthorizeUrl signs (here: unsigned)."""
    now = int(time.time())
    payment = {"payeeId": payee_id, "amount": amount, "payeeRef": payee_ref, "payerRef": payer_ref}
    return unsigned(
        {
            "client_id": client[0],
            "iss": client[0],
            "aud": ISSUER,
            "scope": f"payment openid id:{bank}",
            "response_type": "code",
            "redirect_uri": REDIRECT,
            "state": "pay-state",
            "nonce": "pay-nonce",
            "claims": {
                "id_token": {
                    "mh:con_id": {"essential": True},
                    "mh:payment": {"essential": True, "value": payment},
                    "sub": {"value": user_id},
                }
            },
            "jti": secrets.token_hex(8),
            "iat": now,
            "exp": now + 300,
        }
    )


def request_uri(api: NamespacedClient, request_object: str) -> Any:
    """``POST /request``: a request object in (application/jws), a request URI out (text)."""
    return api.post(
        f"{IDENTITY}/request",
        content=request_object.encode(),
        headers={"Content-Type": "application/jws"},
    )


def payment_auth_url(uri: str) -> str:
    return f"{AUTH_URL}?request_uri={quote(uri, safe=':')}"


def payments(api: NamespacedClient, client: Client = CLIENT) -> list[dict[str, Any]]:
    response = api.get(f"{IDENTITY}/payments", headers=as_client(api, "payment:read", client))
    assert response.status_code == 200, response.text
    listed: list[dict[str, Any]] = response.json()["data"]
    return listed


def payment(api: NamespacedClient, payment_id: str, client: Client = CLIENT) -> dict[str, Any]:
    response = api.get(
        f"{IDENTITY}/payments/{payment_id}", headers=as_client(api, "payment:read", client)
    )
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()["data"]
    return found


def deliveries(api: NamespacedClient, event: str | None = None) -> list[dict[str, Any]]:
    params = {"provider": "moneyhub", **({"event": event} if event else {})}
    response = api.get("/__admin/webhooks/deliveries", params=params)
    assert response.status_code == 200, response.text
    listed: list[dict[str, Any]] = response.json()
    return listed
