"""What each benchmarked request needs first, done over HTTP as a client would do it.

Each ``*_target`` function prepares one provider request in a namespace of its own (tokens, a
consent the PSU approved headlessly, a connected Moneyhub user, a CDR payload) and returns a
``Target``: how to make the request, and the status a good answer has. ``Target.connect()``
prepares what one client connection needs: the GETs share their token, while each VRP
connection gets a consent of its own (16 TPP customers paying at once, not one consent's lock
taken in turn).

The sandbox identities and magic values are the README's; the PSU is ``alice`` (a current,
a savings and a credit card account, about 900 transactions on the current one).
"""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from cdr_payload import make_payload
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from harness import Call, check

from mockserver.client import sandbox_credentials

AISP = "/ob/open-banking/v3.1/aisp"
PISP = "/ob/open-banking/v3.1/pisp"
OB_CLIENT = sandbox_credentials("ob")
OB_REDIRECT = "http://localhost:3000/callback"
MONEYHUB_CLIENT = sandbox_credentials("moneyhub")
MONEYHUB_REDIRECT = "http://localhost:3001/callback"
MONEYHUB_IDENTITY = "/moneyhub/identity"
MONEYHUB_DATA = "/moneyhub/api/v2.0"
MONEYHUB_MOCK_BANK = "1ffe704d39629a929c8e293880fb449a"
MOGOPLUS_CLIENT = sandbox_credentials("mogoplus")
INSIGHTS = "/mogoplus/cdr-data/v2/banking-data-insights"
PSU = "alice"
PAGE = 100  # OBIE pages hold 100; the Moneyhub request asks for as many


@dataclass(frozen=True)
class Target:
    label: str
    expect: int
    connect: Callable[[], Call]  # what one client connection needs; returns its request


def in_namespace(namespace: str) -> dict[str, str]:
    return {"X-Sandbox-Namespace": namespace}


def admin_client(base: str, namespace: str) -> httpx.Client:
    """A client for the set-up requests, in ``namespace``."""
    return httpx.Client(base_url=base, timeout=60.0, headers=in_namespace(namespace))


def _form_token(client: httpx.Client, path: str, auth: tuple[str, str], **form: str) -> str:
    answer = check(client.post(path, data=form, auth=auth), 200).json()
    return str(answer["access_token"])


def _approve(client: httpx.Client, url: str) -> str:
    """The PSU approves the authorisation URL, headlessly; returns the code."""
    redirect = check(client.post("/__admin/authorize", json={"url": url, "psu": PSU}), 200)
    query = parse_qs(urlsplit(redirect.json()["redirect"]).query)
    return str(query["code"][0])


def _ob_authorize_url(client_id: str, scope: str, consent_id: str) -> str:
    claims = {"id_token": {"openbanking_intent_id": {"value": consent_id, "essential": True}}}
    query = {
        "client_id": client_id,
        "response_type": "code",
        "scope": scope,
        "redirect_uri": OB_REDIRECT,
        "state": secrets.token_hex(8),
        "claims": json.dumps(claims),
    }
    return f"/ob/oauth2/authorize?{urlencode(query)}"


def _ob_psu_token(client: httpx.Client, auth: tuple[str, str], scope: str, consent: str) -> str:
    code = _approve(client, _ob_authorize_url(auth[0], f"openid {scope}", consent))
    return _form_token(
        client,
        "/ob/oauth2/token",
        auth,
        grant_type="authorization_code",
        code=code,
        redirect_uri=OB_REDIRECT,
    )


def _get(path: str, headers: dict[str, str], params: dict[str, Any] | None = None) -> Call:
    return lambda client: client.get(path, headers=headers, params=params)


# --- OBIE AIS: a page of transactions -----------------------------------------------------


def fapi_headers(token: str) -> dict[str, str]:
    """What a TPP sends with a PSU's request (the v3.1.11 header set)."""
    return {
        "Authorization": f"Bearer {token}",
        "Accept": "application/json",
        "x-fapi-auth-date": "Sun, 10 Sep 2017 19:43:31 UTC",
        "x-fapi-customer-ip-address": "104.25.212.99",
        "x-fapi-interaction-id": "93bac548-d2de-4546-b106-880a5018460d",
    }


@dataclass(frozen=True)
class ObTransactions:
    """An authorised consent's first page of transactions of alice's current account."""

    account_id: str
    token: str

    @property
    def path(self) -> str:
        return f"{AISP}/accounts/{self.account_id}/transactions"


def ob_transactions(base: str, namespace: str) -> ObTransactions:
    with admin_client(base, namespace) as client:
        tpp = _form_token(
            client,
            "/ob/oauth2/token",
            OB_CLIENT,
            grant_type="client_credentials",
            scope="accounts",
        )
        permissions = [
            "ReadAccountsDetail",
            "ReadTransactionsDetail",
            "ReadTransactionsCredits",
            "ReadTransactionsDebits",
        ]
        consent = check(
            client.post(
                f"{AISP}/account-access-consents",
                json={"Data": {"Permissions": permissions}, "Risk": {}},
                headers={"Authorization": f"Bearer {tpp}"},
            ),
            201,
        ).json()["Data"]["ConsentId"]
        psu = _ob_psu_token(client, OB_CLIENT, "accounts", consent)
        accounts = check(client.get(f"{AISP}/accounts", headers=fapi_headers(psu)), 200)
        current = next(
            a for a in accounts.json()["Data"]["Account"] if a["AccountSubType"] == "CurrentAccount"
        )
        found = ObTransactions(current["AccountId"], psu)
        page = check(client.get(found.path, headers=fapi_headers(psu)), 200).json()
        if len(page["Data"]["Transaction"]) != PAGE:
            raise RuntimeError(f"expected a full page of {PAGE} transactions: {page['Meta']}")
        return found


def ob_transactions_target(base: str, namespace: str) -> Target:
    found = ob_transactions(base, namespace)
    call = _get(found.path, {**fapi_headers(found.token), **in_namespace(namespace)})
    return Target("OBIE GET transactions (a page of 100)", 200, lambda: call)


# --- OBIE VRP: a payment --------------------------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Signer:
    """A TPP's RSA key: its public JWK to register, and detached PS256 signatures."""

    def __init__(self, client_id: str) -> None:
        self.client_id = client_id
        self.kid = f"{client_id}-signing"
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwks(self) -> dict[str, Any]:
        numbers = self.key.public_key().public_numbers()

        def encode(n: int) -> str:
            return _b64url(n.to_bytes((n.bit_length() + 7) // 8, "big"))

        key = {"kty": "RSA", "kid": self.kid, "use": "sig", "alg": "PS256"}
        return {"keys": [{**key, "n": encode(numbers.n), "e": encode(numbers.e)}]}

    def sign(self, body: bytes, issued_at: int) -> str:
        claims = ("iat", "iss", "tan")
        header = {
            "alg": "PS256",
            "kid": self.kid,
            "typ": "JOSE",
            "cty": "application/json",
            "http://openbanking.org.uk/iat": issued_at,
            "http://openbanking.org.uk/iss": f"0015800001041RHAAY/{self.client_id}",
            "http://openbanking.org.uk/tan": "openbanking.org.uk",
            "crit": [f"http://openbanking.org.uk/{c}" for c in claims],
        }
        protected = _b64url(json.dumps(header).encode())
        signature = self.key.sign(
            f"{protected}.{_b64url(body)}".encode(),
            padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
            hashes.SHA256(),
        )
        return f"{protected}..{_b64url(signature)}"


CREDITOR = {
    "SchemeName": "UK.OBIE.SortCodeAccountNumber",
    "Identification": "20000055667788",
    "Name": "Acme Energy Ltd",
}
INITIATION = {"CreditorAccount": CREDITOR, "RemittanceInformation": {"Reference": "BENCH"}}
RISK = {"PaymentContextCode": "BillingGoodsAndServicesInArrears"}


def _vrp_consent_body() -> dict[str, Any]:
    # Limits no benchmark reaches: a payment is checked against them, never refused.
    controls = {
        "VRPType": ["UK.OBIE.VRPType.Other"],
        "PSUAuthenticationMethods": ["UK.OBIE.SCANotRequired"],
        "MaximumIndividualAmount": {"Amount": "100.00", "Currency": "GBP"},
        "PeriodicLimits": [
            {"PeriodType": "Day", "PeriodAlignment": "Consent", "Amount": "100000.00",
             "Currency": "GBP"}
        ],
    }  # fmt: skip
    return {"Data": {"ControlParameters": controls, "Initiation": INITIATION}, "Risk": RISK}


def _vrp_payment_body(consent_id: str) -> bytes:
    instruction = {
        "InstructionIdentification": "BENCH-1",
        "EndToEndIdentification": "BENCH-E2E-1",
        "RemittanceInformation": {"Reference": "BENCH"},
        "InstructedAmount": {"Amount": "0.01", "Currency": "GBP"},
        "CreditorAccount": CREDITOR,
    }
    data = {
        "ConsentId": consent_id,
        "PSUAuthenticationMethod": "UK.OBIE.SCANotRequired",
        "VRPType": "UK.OBIE.VRPType.Other",
        "Initiation": INITIATION,
        "Instruction": instruction,
    }
    return json.dumps({"Data": data, "Risk": RISK}).encode()


def _sandbox_time(client: httpx.Client) -> int:
    now = check(client.get("/__admin/clock"), 200).json()["now"]
    return int(datetime.fromisoformat(now.replace("Z", "+00:00")).timestamp())


def vrp_payment_target(base: str, namespace: str) -> Target:
    """Each ``connect()``: a consent of its own, approved; its request is a GBP 0.01 payment.

    The body and its signature are made once per consent (the signature covers the body only;
    its ``iat`` is in the past by the sandbox clock); each request has a fresh
    ``x-idempotency-key``, so each is a new payment that the server checks and books.
    """
    client_id = f"bench-vrp-{secrets.token_hex(4)}"
    auth = (client_id, secrets.token_urlsafe(24))
    signer = Signer(client_id)
    with admin_client(base, namespace) as client:
        registration = {
            "provider": "ob",
            "client_id": auth[0],
            "client_secret": auth[1],
            "redirect_uris": [OB_REDIRECT],
            "jwks": signer.jwks(),
        }
        check(client.post("/__admin/clients", json=registration), 201)
        issued_at = _sandbox_time(client) - 5

    def connect() -> Call:
        with admin_client(base, namespace) as client:
            tpp = _form_token(
                client,
                "/ob/oauth2/token",
                auth,
                grant_type="client_credentials",
                scope="payments",
            )
            raw = json.dumps(_vrp_consent_body()).encode()
            headers = {
                "Authorization": f"Bearer {tpp}",
                "Content-Type": "application/json",
                "x-jws-signature": signer.sign(raw, issued_at),
                "x-idempotency-key": uuid.uuid4().hex,
            }
            consent = check(
                client.post(f"{PISP}/domestic-vrp-consents", content=raw, headers=headers), 201
            ).json()["Data"]["ConsentId"]
            psu = _ob_psu_token(client, auth, "payments", consent)
        body = _vrp_payment_body(consent)
        fixed = {
            "Authorization": f"Bearer {psu}",
            "Content-Type": "application/json",
            "x-jws-signature": signer.sign(body, issued_at),
            "x-fapi-interaction-id": "93bac548-d2de-4546-b106-880a5018460d",
            **in_namespace(namespace),
        }

        def pay(c: httpx.Client) -> httpx.Response:
            headers = {**fixed, "x-idempotency-key": uuid.uuid4().hex}
            return c.post(f"{PISP}/domestic-vrps", content=body, headers=headers)

        return pay

    return Target("OBIE POST VRP payment", 201, connect)


# --- Moneyhub: a page of a connected user's transactions ------------------------------------


def moneyhub_transactions_target(base: str, namespace: str) -> Target:
    token_path = f"{MONEYHUB_IDENTITY}/oidc/token"
    with admin_client(base, namespace) as client:
        creator = _form_token(
            client,
            token_path,
            MONEYHUB_CLIENT,
            grant_type="client_credentials",
            scope="user:create",
        )
        user = check(
            client.post(
                f"{MONEYHUB_IDENTITY}/users",
                json={"clientUserId": f"bench-{secrets.token_hex(3)}"},
                headers={"Authorization": f"Bearer {creator}"},
            ),
            201,
        ).json()["userId"]
        claims = {"id_token": {"sub": {"essential": True, "value": user},
                               "mh:con_id": {"essential": True}}}  # fmt: skip
        query = {
            "client_id": MONEYHUB_CLIENT[0],
            "response_type": "code",
            "scope": f"openid id:{MONEYHUB_MOCK_BANK}",
            "redirect_uri": MONEYHUB_REDIRECT,
            "state": secrets.token_hex(8),
            "nonce": secrets.token_hex(8),
            "claims": json.dumps(claims),
        }
        code = _approve(client, f"{MONEYHUB_IDENTITY}/oidc/auth?{urlencode(query)}")
        exchange = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": MONEYHUB_REDIRECT,
            "sub": user,
        }
        check(client.post(token_path, data=exchange, auth=MONEYHUB_CLIENT), 200)
        reader = _form_token(
            client,
            token_path,
            MONEYHUB_CLIENT,
            grant_type="client_credentials",
            scope="transactions:read:all",
            sub=user,
        )
        headers = {
            "Authorization": f"Bearer {reader}",
            "Accept": "application/json",
            **in_namespace(namespace),
        }
        call = _get(f"{MONEYHUB_DATA}/transactions", headers, {"limit": PAGE})
        rows = check(call(client), 200).json()["data"]
        if len(rows) != PAGE:
            raise RuntimeError(f"expected a page of {PAGE} transactions, got {len(rows)}")
    return Target("Moneyhub GET transactions (limit 100)", 200, lambda: call)


# --- MogoPlus: a submission of 1,000 transactions -------------------------------------------


def mogoplus_submission_target(base: str, namespace: str, transactions: int = 1_000) -> Target:
    body = json.dumps(make_payload(transactions)).encode()
    with admin_client(base, namespace) as client:
        token = _form_token(
            client,
            "/mogoplus/api/v1/oauth2/token",
            MOGOPLUS_CLIENT,
            grant_type="client_credentials",
        )
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        **in_namespace(namespace),
    }

    def submit(c: httpx.Client) -> httpx.Response:
        return c.post(INSIGHTS, content=body, headers=headers)

    label = f"MogoPlus POST insights ({transactions:,} transactions, {len(body) / 1e3:,.0f} kB)"
    return Target(label, 202, lambda: submit)


TARGETS: dict[str, Callable[[str, str], Target]] = {
    "obie-transactions": ob_transactions_target,
    "obie-vrp-payment": vrp_payment_target,
    "moneyhub-transactions": moneyhub_transactions_target,
    "mogoplus-submission": mogoplus_submission_target,
}
