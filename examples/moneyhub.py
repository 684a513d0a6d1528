#!/usr/bin/env python3
"""Moneyhub against the sandbox, with plain HTTP (no Moneyhub client library).

As the sandbox's Moneyhub API client (``moneyhub-sandbox-client``, ``client_secret_basic``):
register a user, connect the mock bank to it with an authorisation URL built by hand (plain
OAuth parameters and a ``claims`` parameter naming the user), the PSU's approval (decided
headlessly through ``POST /__admin/authorize``), the code exchange, then the user's accounts,
transactions and spending analysis from the Data API. Last, a payee and a payment: an unsigned
request object (``alg: none``, the sandbox client's ``request_object_signing_alg``) posted to
``/moneyhub/identity/request``, the PSU's approval of the resulting URL, and the code exchange
that completes the payment.

    python examples/moneyhub.py [--base http://127.0.0.1:8000]

Everything happens in a namespace of its own (``X-Sandbox-Namespace``), reset at the end. Any
unexpected HTTP status stops the script with exit status 1.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import sys
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import requests

CLIENT = ("moneyhub-sandbox-client", "moneyhub-sandbox-secret")
REDIRECT = "http://localhost:3001/callback"
IDENTITY = "/moneyhub/identity"
DATA = "/moneyhub/api/v2.0"
MOCK_BANK = "1ffe704d39629a929c8e293880fb449a"  # GET {IDENTITY}/oidc/.well-known/test-connections
PSU = "alice"


class Unexpected(Exception):
    """The server answered with a status the journey did not expect."""


class Sandbox:
    """An HTTP client bound to one sandbox namespace; every call is printed and checked."""

    def __init__(self, base: str, namespace: str, admin_token: str | None) -> None:
        self.namespace = namespace
        self.admin_headers = {"Authorization": f"Bearer {admin_token}"} if admin_token else {}
        self.base = base
        self.http = requests.Session()
        self.http.headers["X-Sandbox-Namespace"] = namespace

    def call(
        self, method: str, path: str, *, expect: int | tuple[int, ...] = 200, **kwargs: Any
    ) -> requests.Response:
        expected = (expect,) if isinstance(expect, int) else expect
        # Links.Next and the like are absolute URLs; our own paths are relative to the base.
        url = path if "://" in path else f"{self.base}{path}"
        response = self.http.request(method, url, timeout=30, **kwargs)
        shown = urlsplit(path)
        query = f"?{shown.query}" if shown.query else ""
        print(f"   {method} {shown.path}{query} -> {response.status_code}")
        if response.status_code not in expected:
            raise Unexpected(
                f"{method} {path}: expected {' or '.join(map(str, expected))}, got "
                f"{response.status_code}\n{response.text[:2000]}"
            )
        return response

    def admin(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {**self.admin_headers, **kwargs.pop("headers", {})}
        return self.call(method, f"/__admin{path}", headers=headers, **kwargs)


def step(text: str) -> None:
    print(f"\n== {text}")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def basic() -> dict[str, str]:
    raw = base64.b64encode(f"{CLIENT[0]}:{CLIENT[1]}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def pounds(pence: int) -> str:
    return f"{pence / 100:,.2f}"


class Moneyhub:
    """The API client's side: tokens from the identity service, calls with them."""

    def __init__(self, sandbox: Sandbox, base: str) -> None:
        self.sandbox = sandbox
        self.issuer = f"{base}{IDENTITY}/oidc"

    def token(self, scope: str, user_id: str | None = None) -> dict[str, str]:
        """A client_credentials token: for the client itself, or one of its users (``sub``)."""
        form = {"grant_type": "client_credentials", "scope": scope}
        if user_id is not None:
            form["sub"] = user_id
        answer = self.sandbox.call(
            "POST", f"{IDENTITY}/oidc/token", data=form, headers=basic()
        ).json()
        return {"Authorization": f"Bearer {answer['access_token']}"}

    def exchange(self, code: str, user_id: str) -> dict[str, Any]:
        """The authorization_code grant; returns the ID token's claims."""
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "sub": user_id,
        }
        tokens = self.sandbox.call(
            "POST", f"{IDENTITY}/oidc/token", data=form, headers=basic()
        ).json()
        # A real client verifies the ID token's signature with the keys at jwks_uri
        # ({IDENTITY}/oidc/certs); this example only reads its claims.
        payload = tokens["id_token"].split(".")[1]
        claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * 4))
        return claims

    def approve(self, url: str) -> str:
        """The PSU logs in at the bank and approves, headlessly; returns the code."""
        decided = self.sandbox.admin("POST", "/authorize", json={"url": url, "psu": PSU}).json()
        query = parse_qs(urlsplit(decided["redirect"]).query)
        if "code" not in query:
            raise Unexpected(f"no code in the redirect: {decided['redirect']}")
        return str(query["code"][0])


def connect_bank(mh: Moneyhub, sandbox: Sandbox) -> str:
    step("1. Register a user (a client token with scope user:create)")
    user = sandbox.call(
        "POST",
        f"{IDENTITY}/users",
        json={"clientUserId": f"example-{secrets.token_hex(3)}"},
        headers=mh.token("user:create"),
        expect=201,
    ).json()
    user_id = str(user["userId"])
    print(f"   user {user_id} (clientUserId {user['clientUserId']})")

    step("2. Connect the mock bank: an authorisation URL built by hand, approved headlessly")
    claims = {
        "id_token": {
            "sub": {"essential": True, "value": user_id},
            "mh:con_id": {"essential": True},
        }
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
    url = f"{mh.issuer}/auth?{urlencode(query)}"
    print(f"   {url[:110]}...")
    code = mh.approve(url)

    step("3. Exchange the code: the ID token names the user and the new connection")
    id_token = mh.exchange(code, user_id)
    print(f"   sub {id_token['sub']}, mh:con_id {id_token['mh:con_id']}")
    if id_token["sub"] != user_id:
        raise Unexpected(f"the ID token is for {id_token['sub']}, not {user_id}")
    return user_id


def read_data(mh: Moneyhub, sandbox: Sandbox, user_id: str) -> None:
    step("4. The user's accounts (a user token: client_credentials with sub)")
    accounts = sandbox.call(
        "GET", f"{DATA}/accounts", headers=mh.token("accounts:read", user_id)
    ).json()["data"]
    for account in accounts:
        amount = account["balance"]["amount"]
        print(
            f"   {account['id']}  {account['accountName']:<30} "
            f"{amount['currency']} {pounds(amount['value'])}"
        )

    step("5. The last 30 days' transactions (amounts in pence)")
    today = sandbox_now(sandbox).date()
    start = today - timedelta(days=30)
    reader = mh.token("transactions:read:all categories:read", user_id)
    transactions = sandbox.call(
        "GET",
        f"{DATA}/transactions",
        params={"startDate": start.isoformat(), "endDate": today.isoformat(), "limit": 1000},
        headers=reader,
    ).json()["data"]
    print(f"   {len(transactions)} transactions; the latest three:")
    for row in transactions[:3]:
        print(
            f"   {row['date'][:10]} {pounds(row['amount']['value']):>10} "
            f"{row.get('shortDescription') or row.get('longDescription', '')}"
        )

    step("6. Spending analysis: the last 30 days against the 30 before, per category")
    names = {
        c["categoryId"]: c.get("name") or c["key"]
        for c in sandbox.call("GET", f"{DATA}/categories", headers=reader).json()["data"]
    }
    dates = [
        {"name": "last30", "from": start.isoformat(), "to": today.isoformat()},
        {
            "name": "previous30",
            "from": (start - timedelta(days=30)).isoformat(),
            "to": (start - timedelta(days=1)).isoformat(),
        },
    ]
    analysis = sandbox.call(
        "POST",
        f"{DATA}/spending-analysis",
        json={"dates": dates},
        headers=mh.token("spending_analysis:read", user_id),
    ).json()["data"]
    top = sorted(analysis["categories"], key=lambda c: c["last30"])[:5]
    for category in top:
        label = names.get(category["categoryId"], category["categoryId"])
        print(
            f"   {label:<28} {pounds(category['last30']):>10} "
            f"(before: {pounds(category['previous30'])})"
        )
    total = analysis["total"]
    print(
        f"   {'total spent':<28} {pounds(total['last30']):>10} "
        f"(before: {pounds(total['previous30'])})"
    )


def sandbox_now(sandbox: Sandbox) -> datetime:
    """The sandbox's time (its clock may have been moved: dates and JWT times follow it)."""
    now = sandbox.admin("GET", "/clock").json()["now"]
    return datetime.fromisoformat(now.replace("Z", "+00:00"))


def unsigned_request_object(claims: dict[str, Any]) -> str:
    """A JWT with ``alg: none``: header and claims, and an empty signature."""
    header = {"alg": "none", "typ": "oauth-authz-req+jwt"}
    return f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}."


def pay(mh: Moneyhub, sandbox: Sandbox, user_id: str) -> None:
    step("7. A payee (a client token with scope payee:create)")
    payee = sandbox.call(
        "POST",
        f"{IDENTITY}/payees",
        json={"sortCode": "040004", "accountNumber": "11397104", "name": "Isaac Harper"},
        headers=mh.token("payee:create"),
        expect=201,
    ).json()["data"]
    print(f"   payee {payee['id']}: {payee['name']} {payee['sortCode']} {payee['accountNumber']}")

    step("8. A GBP 12.34 payment: an unsigned request object posted to /request")
    now = int(sandbox_now(sandbox).timestamp())
    payment = {"payeeId": payee["id"], "amount": 1234, "payeeRef": "Invoice 42", "payerRef": "Rent"}
    request_object = unsigned_request_object(
        {
            "iss": CLIENT[0],
            "aud": mh.issuer,
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
    request_uri = sandbox.call(
        "POST",
        f"{IDENTITY}/request",
        data=request_object.encode(),
        headers={"Content-Type": "application/jws"},
        expect=201,
    ).text
    print(f"   request_uri {request_uri}")

    step(f"9. {PSU} approves the payment (headless), and the client exchanges the code")
    code = mh.approve(f"{mh.issuer}/auth?request_uri={quote(request_uri, safe=':')}")
    reader = mh.token("payment:read")
    waiting = sandbox.call("GET", f"{IDENTITY}/payments", headers=reader).json()["data"]
    print(f"   before the exchange: {', '.join(p['status'] for p in waiting)}")
    claims = mh.exchange(code, user_id)
    done = sandbox.call(
        "GET", f"{IDENTITY}/payments/{claims['mh:payment']}", headers=reader
    ).json()["data"]
    print(f"   payment {done['id']}: {done['status']}, GBP {pounds(done['amount'])}")
    if done["status"] != "completed":
        raise Unexpected(f"the payment did not complete: {done}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--base",
        default=os.environ.get("MOCKSERVER_URL", "http://127.0.0.1:8000"),
        help="the sandbox's base URL [env MOCKSERVER_URL; default http://127.0.0.1:8000]",
    )
    parser.add_argument(
        "--admin-token",
        default=os.environ.get("MOCKSERVER_ADMIN_TOKEN"),
        help="the server's --admin-token, if it has one [env MOCKSERVER_ADMIN_TOKEN]",
    )
    parser.add_argument("--keep", action="store_true", help="do not reset the namespace at the end")
    args = parser.parse_args(argv)
    base = args.base.rstrip("/")
    sandbox = Sandbox(base, f"example-moneyhub-{secrets.token_hex(4)}", args.admin_token)
    mh = Moneyhub(sandbox, base)
    print(f"Sandbox {base}, namespace {sandbox.namespace}")
    try:
        user_id = connect_bank(mh, sandbox)
        read_data(mh, sandbox, user_id)
        pay(mh, sandbox, user_id)
    except Unexpected as error:
        print(f"\nFAILED: {error}", file=sys.stderr)
        return 1
    except requests.RequestException as error:
        print(f"\nFAILED: cannot talk to the sandbox at {base}: {error}", file=sys.stderr)
        return 1
    finally:
        if not args.keep:
            try:
                step(f"Reset namespace {sandbox.namespace}")
                sandbox.admin("POST", "/reset", params={"namespace": sandbox.namespace})
            except (Unexpected, requests.RequestException) as error:
                print(f"   could not reset it: {error}", file=sys.stderr)
        sandbox.http.close()
    print("\nOK: the Moneyhub journey ran end to end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
