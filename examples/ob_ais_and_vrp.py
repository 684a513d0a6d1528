#!/usr/bin/env python3
"""UK Open Banking v3.1 against the sandbox, with plain HTTP: account information, then VRPs.

AIS, as the sandbox TPP (``ob-sandbox-client``): a client_credentials token, an account access
consent, the PSU's approval (decided headlessly through ``POST /__admin/authorize``), the code
exchange, the PSU's accounts and one account's transactions page by page (following
``Links.Next``).

VRP, as a TPP of our own: we make an RSA key, register a client with its public JWK
(``POST /__admin/clients``), and sign every VRP POST with a detached PS256 JWS in
``x-jws-signature`` (so this works against a default server, no ``--relax-jws`` needed). Then a
consent for at most GBP 100 a payment and GBP 150 a day, the PSU's approval, a funds check, and
GBP 60 payments until the daily limit refuses one.

    python examples/ob_ais_and_vrp.py [--base http://127.0.0.1:8000]

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
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

AISP = "/ob/open-banking/v3.1/aisp"
PISP = "/ob/open-banking/v3.1/pisp"
REDIRECT = "http://localhost:3000/callback"
SANDBOX_TPP = ("ob-sandbox-client", "ob-sandbox-secret")
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


def basic(client_id: str, secret: str) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def authorize_url(base: str, client_id: str, scope: str, consent_id: str) -> str:
    """The authorisation URL a TPP sends the PSU's browser to (``claims`` names the consent)."""
    claims = {"id_token": {"openbanking_intent_id": {"value": consent_id, "essential": True}}}
    query = {
        "client_id": client_id,
        "response_type": "code",
        "scope": scope,
        "redirect_uri": REDIRECT,
        "state": secrets.token_hex(8),
        "claims": json.dumps(claims),
    }
    return f"{base}/ob/oauth2/authorize?{urlencode(query)}"


def approve(sandbox: Sandbox, url: str) -> str:
    """The PSU logs in and approves, headlessly; returns the authorisation code."""
    decided = sandbox.admin("POST", "/authorize", json={"url": url, "psu": PSU}).json()
    query = parse_qs(urlsplit(decided["redirect"]).query)
    if "code" not in query:
        raise Unexpected(f"no code in the redirect: {decided['redirect']}")
    return str(query["code"][0])


def token(sandbox: Sandbox, client: tuple[str, str], **form: str) -> str:
    answer = sandbox.call("POST", "/ob/oauth2/token", data=form, headers=basic(*client)).json()
    return str(answer["access_token"])


# -- signing (the Read/Write API profile's x-jws-signature) ---------------------------------------


class Signer:
    """A TPP's signing key: the public half as a JWK to register, detached PS256 signatures."""

    def __init__(self, client_id: str) -> None:
        self.client_id = client_id
        self.kid = f"{client_id}-signing"
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwks(self) -> dict[str, Any]:
        numbers = self.key.public_key().public_numbers()

        def encode(n: int) -> str:
            return b64url(n.to_bytes((n.bit_length() + 7) // 8, "big"))

        jwk = {
            "kty": "RSA",
            "kid": self.kid,
            "use": "sig",
            "alg": "PS256",
            "n": encode(numbers.n),
            "e": encode(numbers.e),
        }
        return {"keys": [jwk]}

    def sign(self, body: bytes, issued_at: int) -> str:
        """``<protected header>..<signature>``: a JWS over ``body`` with the payload cut out."""
        header = {
            "alg": "PS256",
            "kid": self.kid,
            "typ": "JOSE",
            "cty": "application/json",
            "http://openbanking.org.uk/iat": issued_at,
            # <organisation id>/<software statement id>: the sandbox takes the client id as the
            # software statement.
            "http://openbanking.org.uk/iss": f"0015800001041RHAAY/{self.client_id}",
            "http://openbanking.org.uk/tan": "openbanking.org.uk",
            "crit": [
                "http://openbanking.org.uk/iat",
                "http://openbanking.org.uk/iss",
                "http://openbanking.org.uk/tan",
            ],
        }
        protected = b64url(json.dumps(header).encode())
        signing_input = f"{protected}.{b64url(body)}".encode()
        signature = self.key.sign(
            signing_input,
            padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
            hashes.SHA256(),
        )
        return f"{protected}..{b64url(signature)}"


# -- the journeys ---------------------------------------------------------------------------------


def account_information(sandbox: Sandbox, base: str) -> None:
    step("AIS 1. A client_credentials token for the sandbox TPP")
    tpp = token(sandbox, SANDBOX_TPP, grant_type="client_credentials", scope="accounts")

    step("AIS 2. An account access consent")
    permissions = [
        "ReadAccountsDetail",
        "ReadBalances",
        "ReadTransactionsDetail",
        "ReadTransactionsCredits",
        "ReadTransactionsDebits",
    ]
    consent = sandbox.call(
        "POST",
        f"{AISP}/account-access-consents",
        json={"Data": {"Permissions": permissions}, "Risk": {}},
        headers=bearer(tpp),
        expect=201,
    ).json()["Data"]
    print(f"   consent {consent['ConsentId']}: {consent['Status']}")

    step(f"AIS 3. {PSU} approves it (headless), and the TPP exchanges the code")
    url = authorize_url(base, SANDBOX_TPP[0], "openid accounts", consent["ConsentId"])
    code = approve(sandbox, url)
    psu = token(
        sandbox, SANDBOX_TPP, grant_type="authorization_code", code=code, redirect_uri=REDIRECT
    )
    status = sandbox.call(
        "GET", f"{AISP}/account-access-consents/{consent['ConsentId']}", headers=bearer(tpp)
    ).json()["Data"]["Status"]
    print(f"   consent is now {status}")

    step("AIS 4. The accounts the PSU shared")
    accounts = sandbox.call("GET", f"{AISP}/accounts", headers=bearer(psu)).json()["Data"][
        "Account"
    ]
    for account in accounts:
        print(
            f"   {account['AccountId']}  {account['AccountSubType']:<14} "
            f"{account.get('Nickname', '')}"
        )
    current = next(a for a in accounts if a["AccountSubType"] == "CurrentAccount")
    balances = sandbox.call(
        "GET", f"{AISP}/accounts/{current['AccountId']}/balances", headers=bearer(psu)
    ).json()["Data"]["Balance"]
    for balance in balances:
        amount = balance["Amount"]
        print(f"   {balance['Type']}: {amount['Currency']} {amount['Amount']}")

    step("AIS 5. The current account's transactions, page by page (Links.Next)")
    url = f"{AISP}/accounts/{current['AccountId']}/transactions"
    pages = total = 0
    while url:
        page = sandbox.call("GET", url, headers=bearer(psu)).json()
        pages += 1
        rows = page["Data"].get("Transaction", [])
        total += len(rows)
        if rows:
            first, last = rows[0]["BookingDateTime"][:10], rows[-1]["BookingDateTime"][:10]
            print(
                f"   page {pages}/{page['Meta']['TotalPages']}: {len(rows)} transactions, "
                f"{first} .. {last}"
            )
        url = page["Links"].get("Next")
    print(f"   {total} transactions in {pages} pages")


def variable_recurring_payments(sandbox: Sandbox, base: str) -> None:
    client_id = f"example-vrp-tpp-{secrets.token_hex(4)}"
    client = (client_id, secrets.token_urlsafe(24))

    step("VRP 1. A TPP of our own: an RSA signing key, registered with POST /__admin/clients")
    signer = Signer(client_id)
    sandbox.admin(
        "POST",
        "/clients",
        json={
            "provider": "ob",
            "client_id": client[0],
            "client_secret": client[1],
            "redirect_uris": [REDIRECT],
            "jwks": signer.jwks(),
        },
        expect=201,
    )
    print(f"   client {client_id}, key {signer.kid}")

    # The bank checks that the signature's iat is in the past by the *sandbox's* clock, which
    # a test may have moved: sign with its time, not ours.
    clock = sandbox.admin("GET", "/clock").json()["now"]
    issued_at = int(datetime.fromisoformat(clock.replace("Z", "+00:00")).timestamp()) - 5

    def signed_post(
        path: str, body: dict[str, Any], token: str, **kwargs: Any
    ) -> requests.Response:
        raw = json.dumps(body).encode()
        headers = {
            **bearer(token),
            "Content-Type": "application/json",
            "x-jws-signature": signer.sign(raw, issued_at),
            "x-idempotency-key": secrets.token_hex(16),
        }
        return sandbox.call("POST", f"{PISP}{path}", data=raw, headers=headers, **kwargs)

    step("VRP 2. A payments token, and a consent: at most GBP 100 a payment, GBP 150 a day")
    tpp = token(sandbox, client, grant_type="client_credentials", scope="payments")
    creditor = {
        "SchemeName": "UK.OBIE.SortCodeAccountNumber",
        "Identification": "20000055667788",
        "Name": "Acme Energy Ltd",
    }
    initiation = {"CreditorAccount": creditor, "RemittanceInformation": {"Reference": "ENERGY-123"}}
    risk = {"PaymentContextCode": "BillingGoodsAndServicesInArrears"}
    controls = {
        "VRPType": ["UK.OBIE.VRPType.Other"],
        "PSUAuthenticationMethods": ["UK.OBIE.SCANotRequired"],
        "MaximumIndividualAmount": {"Amount": "100.00", "Currency": "GBP"},
        "PeriodicLimits": [
            {
                "PeriodType": "Day",
                "PeriodAlignment": "Consent",
                "Amount": "150.00",
                "Currency": "GBP",
            }
        ],
    }
    consent = signed_post(
        "/domestic-vrp-consents",
        {"Data": {"ControlParameters": controls, "Initiation": initiation}, "Risk": risk},
        tpp,
        expect=201,
    ).json()["Data"]
    consent_id = consent["ConsentId"]
    print(f"   consent {consent_id}: {consent['Status']}")

    step(f"VRP 3. {PSU} approves it (headless: her current account pays), code exchange")
    code = approve(sandbox, authorize_url(base, client_id, "openid payments", consent_id))
    psu = token(sandbox, client, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)
    authorised = sandbox.call(
        "GET", f"{PISP}/domestic-vrp-consents/{consent_id}", headers=bearer(tpp)
    ).json()["Data"]
    debtor = authorised.get("DebtorAccount", {}).get("Identification", "?")
    print(f"   consent is now {authorised['Status']}, paying from {debtor}")

    step("VRP 4. Funds confirmation for GBP 60")
    funds = signed_post(
        f"/domestic-vrp-consents/{consent_id}/funds-confirmation",
        {
            "Data": {
                "ConsentId": consent_id,
                "InstructedAmount": {"Amount": "60.00", "Currency": "GBP"},
            }
        },
        psu,
        expect=201,
    ).json()["Data"]
    print(f"   funds available: {funds['FundsAvailableResult']['FundsAvailable']}")

    step("VRP 5. GBP 60 payments until the daily limit refuses one")
    for n in range(1, 6):
        instruction = {
            "InstructionIdentification": f"INSTR-{n}",
            "EndToEndIdentification": f"E2E-{n}",
            "RemittanceInformation": {"Reference": "ENERGY-123"},
            "InstructedAmount": {"Amount": "60.00", "Currency": "GBP"},
            "CreditorAccount": creditor,
        }
        body = {
            "Data": {
                "ConsentId": consent_id,
                "PSUAuthenticationMethod": "UK.OBIE.SCANotRequired",
                "VRPType": "UK.OBIE.VRPType.Other",
                "Initiation": initiation,
                "Instruction": instruction,
            },
            "Risk": risk,
        }
        answer = signed_post("/domestic-vrps", body, psu, expect=(201, 400))
        if answer.status_code == 201:
            payment = answer.json()["Data"]
            print(f"   payment {n}: {payment['DomesticVRPId']} {payment['Status']}")
            continue
        errors = answer.json().get("Errors", [])
        codes = [e.get("ErrorCode") for e in errors]
        if "UK.OBIE.Rules.FailsControlParameters" not in codes:
            raise Unexpected(f"payment {n} refused, but not by a limit:\n{answer.text}")
        print(f"   payment {n} refused: {errors[0]['Path']}: {errors[0]['Message']}")
        if n == 1:
            raise Unexpected("the very first payment was refused")
        return
    raise Unexpected("no payment was refused: the daily limit was not enforced")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
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
    sandbox = Sandbox(base, f"example-ob-{secrets.token_hex(4)}", args.admin_token)
    print(f"Sandbox {base}, namespace {sandbox.namespace}")
    try:
        account_information(sandbox, base)
        variable_recurring_payments(sandbox, base)
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
    print("\nOK: the AIS and VRP journeys ran end to end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
