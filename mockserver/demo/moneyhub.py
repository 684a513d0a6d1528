"""Moneyhub: a user connected to the mock bank, and a completed payment to a payee."""

from __future__ import annotations

import base64
import json
import secrets
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from mockserver.client import SandboxNamespace, bearer, json_body, sandbox_credentials

IDENTITY = "/moneyhub/identity"
CLIENT = sandbox_credentials("moneyhub")
REDIRECT = "http://localhost:3001/callback"
MOCK_BANK = "1ffe704d39629a929c8e293880fb449a"  # one of /oidc/.well-known/test-connections


def play(space: SandboxNamespace) -> list[str]:
    issuer = f"{space.base_url}{IDENTITY}/oidc"
    user = json_body(
        space.client.post(
            f"{IDENTITY}/users",
            json={"clientUserId": "demo-user"},
            headers=bearer(space.token("moneyhub", "user:create")),
        )
    )
    user_id = str(user["userId"])
    claims = {
        "id_token": {"sub": {"essential": True, "value": user_id}, "mh:con_id": {"essential": True}}
    }
    query = {
        "client_id": CLIENT[0],
        "response_type": "code",
        "scope": f"openid id:{MOCK_BANK}",
        "redirect_uri": REDIRECT,
        "state": secrets.token_hex(8),
        "nonce": secrets.token_hex(8),
        "claims": json.dumps(claims),
    }
    connected = _exchange(space, space.approve(f"{issuer}/auth?{urlencode(query)}"), user_id)
    made = [f"Moneyhub user {user_id} (demo-user), connection {connected['mh:con_id']}"]

    payee = json_body(
        space.client.post(
            f"{IDENTITY}/payees",
            json={"sortCode": "040004", "accountNumber": "11397104", "name": "Isaac Harper"},
            headers=bearer(space.token("moneyhub", "payee:create")),
        )
    )["data"]
    now = int(space.clock.now().timestamp())
    payment = {"payeeId": payee["id"], "amount": 1234, "payeeRef": "Invoice 42", "payerRef": "Rent"}
    request_object = _unsigned(
        {
            "iss": CLIENT[0],
            "aud": issuer,
            "client_id": CLIENT[0],
            "scope": f"payment openid id:{MOCK_BANK}",
            "response_type": "code",
            "redirect_uri": REDIRECT,
            "state": secrets.token_hex(8),
            "nonce": secrets.token_hex(8),
            "claims": {
                "id_token": {
                    "sub": {"value": user_id},
                    "mh:con_id": {"essential": True},
                    "mh:payment": {"essential": True, "value": payment},
                }
            },
            "jti": secrets.token_hex(8),
            "iat": now,
            "exp": now + 300,
        }
    )
    posted = space.client.post(
        f"{IDENTITY}/request",
        content=request_object.encode(),
        headers={"Content-Type": "application/jws"},
    )
    posted.raise_for_status()
    code = space.approve(f"{issuer}/auth?request_uri={quote(posted.text, safe=':')}")
    paid = _exchange(space, code, user_id)
    made.append(f"Moneyhub payment {paid['mh:payment']}: GBP 12.34 to {payee['name']}")
    return made


def _exchange(space: SandboxNamespace, redirect: str, user_id: str) -> dict[str, Any]:
    """The authorization_code grant; returns the ID token's claims (the server signed them)."""
    form = {
        "grant_type": "authorization_code",
        "code": parse_qs(urlsplit(redirect).query)["code"][0],
        "redirect_uri": REDIRECT,
        "sub": user_id,
    }
    tokens = json_body(space.client.post(f"{IDENTITY}/oidc/token", data=form, auth=CLIENT))
    payload = tokens["id_token"].split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * 4))
    return claims


def _unsigned(claims: dict[str, Any]) -> str:
    """A request object with ``alg: none`` (the sandbox client registers no signing key)."""
    header = {"alg": "none", "typ": "oauth-authz-req+jwt"}
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}."


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
