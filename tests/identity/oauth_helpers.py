"""Drives the OBIE authorisation server as a TPP and a PSU would, through the test client."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.conftest import NamespacedClient

TPP = ("ob-sandbox-client", "ob-sandbox-secret")
REDIRECT = "http://localhost:3000/callback"
ISSUER = "http://testserver/ob"
TOKEN_URL = "http://testserver/ob/oauth2/token"
CONSENTS = "/ob/__authprobe/consents"


def basic(client_id: str, secret: str) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def client_token(api: NamespacedClient, scope: str = "accounts") -> str:
    response = api.post(
        "/ob/oauth2/token",
        data={"grant_type": "client_credentials", "scope": scope},
        headers=basic(*TPP),
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def create_consent(api: NamespacedClient, permissions: list[str] | None = None) -> str:
    body = {"Permissions": permissions or ["ReadAccountsBasic", "ReadBalances"]}
    response = api.post(CONSENTS, json=body, headers=bearer(client_token(api)))
    assert response.status_code == 201, response.text
    return str(response.json()["ConsentId"])


@dataclass
class Pkce:
    verifier: str
    challenge: str

    @classmethod
    def new(cls) -> Pkce:
        verifier = secrets.token_urlsafe(48)
        digest = hashlib.sha256(verifier.encode()).digest()
        return cls(verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode())


def intent_claims(consent_id: str) -> dict[str, Any]:
    return {"id_token": {"openbanking_intent_id": {"value": consent_id, "essential": True}}}


def authorize_params(
    consent_id: str,
    *,
    response_type: str = "code id_token",
    pkce: Pkce | None = None,
    state: str = "st-1",
    nonce: str = "n-1",
    redirect_uri: str = REDIRECT,
) -> dict[str, str]:
    params = {
        "client_id": TPP[0],
        "response_type": response_type,
        "scope": "openid accounts",
        "redirect_uri": redirect_uri,
        "state": state,
        "nonce": nonce,
        "claims": json.dumps(intent_claims(consent_id)),
    }
    if pkce is not None:
        params |= {"code_challenge": pkce.challenge, "code_challenge_method": "S256"}
    return params


def start(api: NamespacedClient, params: dict[str, str]) -> str:
    """GET the authorisation endpoint; returns the consent page URL it redirects to."""
    response = api.get("/ob/oauth2/authorize", params=params, follow_redirects=False)
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def page_login(api: NamespacedClient, page: str, username: str, password: str | None = None) -> Any:
    return api.post(
        page,
        data={"action": "login", "username": username, "password": password or username},
        follow_redirects=False,
    )


def page_decide(
    api: NamespacedClient, page: str, approve: bool, accounts: list[str] | None = None
) -> Any:
    data: dict[str, Any] = {"action": "approve" if approve else "deny"}
    if accounts is not None:
        data["accounts"] = accounts
    return api.post(page, data=data, follow_redirects=False)


def redirect_params(location: str) -> dict[str, str]:
    parts = urlsplit(location)
    raw = parts.fragment or parts.query
    return {k: v[0] for k, v in parse_qs(raw).items()}


def psu_accounts(api: NamespacedClient, psu: str) -> list[str]:
    state = api.get("/__admin/state", params={"namespace": api.namespace}).json()
    records = state["namespaces"][api.namespace]["records"]
    return [r["id"] for r in records if r["kind"] == "psu.account" and r["parent"] == psu]


def approve_via_page(
    api: NamespacedClient,
    params: dict[str, str],
    psu: str = "alice",
    accounts: list[str] | None = None,
) -> dict[str, str]:
    page = start(api, params)
    assert page_login(api, page, psu).status_code == 200
    decided = page_decide(api, page, True, accounts)
    assert decided.status_code == 303, decided.text
    return redirect_params(decided.headers["location"])


def exchange(api: NamespacedClient, code: str, verifier: str | None = None) -> Any:
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    if verifier is not None:
        data["code_verifier"] = verifier
    return api.post("/ob/oauth2/token", data=data, headers=basic(*TPP))


def verify_with_jwks(api: NamespacedClient, token: str, audience: str) -> dict[str, Any]:
    """Verify a sandbox-signed JWT as a client would: with the published JWKS only."""
    jwks = api.get("/ob/oauth2/jwks").json()
    kid = jwt.get_unverified_header(token)["kid"]
    jwk = next(k for k in jwks["keys"] if k["kid"] == kid)
    key = jwt.PyJWK(jwk).key
    claims: dict[str, Any] = jwt.decode(
        token,
        key,
        algorithms=[jwk["alg"]],
        audience=audience,
        issuer=ISSUER,
        options={"verify_exp": False, "verify_iat": False},
    )
    return claims


def rsa_client_keys(kid: str = "tpp-key-1") -> tuple[Any, dict[str, Any]]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(RSAAlgorithm.to_jwk(private.public_key()))
    return private, {"keys": [{**public, "kid": kid, "alg": "PS256", "use": "sig"}]}


def assertion(
    client_id: str,
    key: Any,
    alg: str,
    *,
    audience: str = TOKEN_URL,
    jti: str | None = None,
    exp: int | None = None,
    kid: str | None = None,
) -> str:
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "jti": jti or secrets.token_hex(8),
        "exp": exp if exp is not None else int(time.time()) + 300,
        "iat": int(time.time()),
    }
    headers = {"kid": kid} if kid else None
    return jwt.encode(claims, key, algorithm=alg, headers=headers)
