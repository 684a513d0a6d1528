"""The provider calls the durability tests make, as a client would make them over HTTP.

Every function takes an ``httpx.Client`` whose ``base_url`` and namespace header are set (see
``sandbox_client``): which process answers is the caller's choice of client. The identities
are the README's sandbox clients; the PSU is ``alice``.
"""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from mockserver.client import FENA_CLIENT, sandbox_credentials

AISP = "/ob/open-banking/v3.1/aisp"
PISP = "/ob/open-banking/v3.1/pisp"
OB_CLIENT = sandbox_credentials("ob")
OB_REDIRECT = "http://localhost:3000/callback"
FENA_HEADERS = FENA_CLIENT
MONEYHUB_CLIENT = sandbox_credentials("moneyhub")
MONEYHUB_REDIRECT = "http://localhost:3001/callback"
IDENTITY = "/moneyhub/identity"
MONEYHUB_DATA = "/moneyhub/api/v2.0"
MOCK_BANK = "1ffe704d39629a929c8e293880fb449a"
MOGOPLUS_CLIENT = sandbox_credentials("mogoplus")
INSIGHTS = "/mogoplus/cdr-data/v2/banking-data-insights"
PSU = "alice"
CREDITOR = {
    "SchemeName": "UK.OBIE.SortCodeAccountNumber",
    "Identification": "20000055667788",
    "Name": "Acme Energy Ltd",
}
OB_INITIATION = {"CreditorAccount": CREDITOR, "RemittanceInformation": {"Reference": "DURABLE"}}
OB_RISK = {"PaymentContextCode": "BillingGoodsAndServicesInArrears"}


def sandbox_client(base: str, namespace: str) -> httpx.Client:
    return httpx.Client(base_url=base, headers={"X-Sandbox-Namespace": namespace}, timeout=60)


def expect(response: httpx.Response, status: int) -> httpx.Response:
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url}: {response.status_code} "
        f"{response.text[:2000]}"
    )
    return response


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def approve(client: httpx.Client, url: str) -> dict[str, str]:
    """The PSU approves an authorisation URL, headless; returns the redirect's query."""
    decided = expect(client.post("/__admin/authorize", json={"url": url, "psu": PSU}), 200)
    query = parse_qs(urlsplit(decided.json()["redirect"]).query)
    return {key: values[0] for key, values in query.items()}


# -- UK Open Banking --------------------------------------------------------------------------


def ob_token(client: httpx.Client, form: dict[str, str]) -> dict[str, Any]:
    answer: dict[str, Any] = expect(
        client.post("/ob/oauth2/token", data=form, auth=OB_CLIENT), 200
    ).json()
    return answer


def ob_client_token(client: httpx.Client, scope: str) -> str:
    return str(
        ob_token(client, {"grant_type": "client_credentials", "scope": scope})["access_token"]
    )


def ob_authorize_url(consent_id: str, scope: str) -> str:
    claims = {"id_token": {"openbanking_intent_id": {"value": consent_id, "essential": True}}}
    query = {
        "client_id": OB_CLIENT[0],
        "response_type": "code",
        "scope": f"openid {scope}",
        "redirect_uri": OB_REDIRECT,
        "state": "durable",
        "claims": json.dumps(claims),
    }
    return f"/ob/oauth2/authorize?{urlencode(query)}"


def ob_exchange(client: httpx.Client, code: str) -> str:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": OB_REDIRECT}
    return str(ob_token(client, form)["access_token"])


def ob_ais_consent_body() -> dict[str, Any]:
    permissions = ["ReadAccountsDetail", "ReadBalances", "ReadTransactionsDetail"]
    permissions += ["ReadTransactionsCredits", "ReadTransactionsDebits"]
    return {"Data": {"Permissions": permissions}, "Risk": {}}


def ob_ais_consent(client: httpx.Client, token: str) -> httpx.Response:
    path = f"{AISP}/account-access-consents"
    return client.post(path, json=ob_ais_consent_body(), headers=bearer(token))


def ob_vrp_consent_body() -> dict[str, Any]:
    """Limits the tests never reach: GBP 10 a payment, GBP 100,000 a day."""
    controls = {
        "VRPType": ["UK.OBIE.VRPType.Other"],
        "PSUAuthenticationMethods": ["UK.OBIE.SCANotRequired"],
        "MaximumIndividualAmount": {"Amount": "10.00", "Currency": "GBP"},
        "PeriodicLimits": [
            {
                "PeriodType": "Day",
                "PeriodAlignment": "Consent",
                "Amount": "100000.00",
                "Currency": "GBP",
            }
        ],
    }
    return {"Data": {"ControlParameters": controls, "Initiation": OB_INITIATION}, "Risk": OB_RISK}


def ob_vrp_psu_token(client: httpx.Client) -> tuple[str, str]:
    """A VRP consent the PSU approved: (consent id, the PSU's token). Needs ``--relax-jws``."""
    headers = {**bearer(ob_client_token(client, "payments")), "x-idempotency-key": "consent"}
    created = client.post(
        f"{PISP}/domestic-vrp-consents", json=ob_vrp_consent_body(), headers=headers
    )
    consent_id = str(expect(created, 201).json()["Data"]["ConsentId"])
    code = approve(client, ob_authorize_url(consent_id, "payments"))["code"]
    return consent_id, ob_exchange(client, code)


def ob_vrp_payment_body(consent_id: str, amount: str) -> dict[str, Any]:
    instruction = {
        "InstructionIdentification": f"I-{uuid.uuid4().hex[:12]}",
        "EndToEndIdentification": "E2E-DURABLE",
        "RemittanceInformation": {"Reference": "DURABLE"},
        "InstructedAmount": {"Amount": amount, "Currency": "GBP"},
        "CreditorAccount": CREDITOR,
    }
    data = {
        "ConsentId": consent_id,
        "PSUAuthenticationMethod": "UK.OBIE.SCANotRequired",
        "VRPType": "UK.OBIE.VRPType.Other",
        "Initiation": OB_INITIATION,
        "Instruction": instruction,
    }
    return {"Data": data, "Risk": OB_RISK}


# -- Fena -------------------------------------------------------------------------------------


def fena(client: httpx.Client, method: str, path: str, **kwargs: Any) -> httpx.Response:
    return client.request(method, f"/fena{path}", headers=FENA_HEADERS, **kwargs)


def fena_access_consent(client: httpx.Client) -> dict[str, Any]:
    """A new account access consent: its ``consentID`` and ``authUrl``."""
    body = {"provider": "ob-lloyds-personal", "customerConsentId": "durable"}
    result: dict[str, Any] = expect(
        fena(client, "POST", "/data/access-consents", json=body), 201
    ).json()["result"]
    return result


def fena_vrp_consent(client: httpx.Client) -> tuple[str, str]:
    """A new VRP consent (GBP 10 a payment, GBP 100,000 a day): its id and bank page URL."""
    body = {
        "provider": "ob-natwest",
        "reference": "DURABLE",
        "beneficiary": {
            "identificationType": "SortCodeAccountNumber",
            "sortCode": "040004",
            "accountNumber": "11397104",
            "name": "Isaac Harper",
        },
        "maximumIndividualAmount": "10.00",
        "periodicLimits": [
            {"periodType": "Day", "periodAlignment": "Consent", "amount": "100000.00"}
        ],
        "vrpType": ["Sweeping"],
        "psuAuthenticationMethods": ["SCANotRequired"],
    }
    created = expect(fena(client, "POST", "/payment/vrp-consent", json=body), 201)
    return str(created.json()["result"]["vrp_consent"]["id"]), created.headers["X-Sandbox-Auth-Url"]


def fena_vrp_payment_body(consent_id: str, amount: str) -> dict[str, Any]:
    return {
        "vrpConsentId": consent_id,
        "amount": amount,
        "psuAuthenticationMethod": "SCANotRequired",
    }


# -- Moneyhub ---------------------------------------------------------------------------------


def moneyhub_token(client: httpx.Client, scope: str, sub: str | None = None) -> str:
    form = {"grant_type": "client_credentials", "scope": scope}
    if sub is not None:
        form["sub"] = sub
    response = client.post(f"{IDENTITY}/oidc/token", data=form, auth=MONEYHUB_CLIENT)
    return str(expect(response, 200).json()["access_token"])


def moneyhub_register(client: httpx.Client, token: str, client_user_id: str) -> httpx.Response:
    body = {"clientUserId": client_user_id}
    return client.post(f"{IDENTITY}/users", json=body, headers=bearer(token))


def moneyhub_connect_path(user_id: str) -> str:
    """The authorisation URL (its path) that connects the mock bank to the user."""
    claims = {
        "id_token": {"sub": {"essential": True, "value": user_id}, "mh:con_id": {"essential": True}}
    }
    query = {
        "client_id": MONEYHUB_CLIENT[0],
        "response_type": "code",
        "scope": f"openid id:{MOCK_BANK}",
        "redirect_uri": MONEYHUB_REDIRECT,
        "state": "durable",
        "nonce": "durable",
        "claims": json.dumps(claims),
    }
    return f"{IDENTITY}/oidc/auth?{urlencode(query)}"


def moneyhub_exchange(client: httpx.Client, code: str, user_id: str) -> dict[str, Any]:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": MONEYHUB_REDIRECT,
        "sub": user_id,
    }
    response = client.post(f"{IDENTITY}/oidc/token", data=form, auth=MONEYHUB_CLIENT)
    tokens: dict[str, Any] = expect(response, 200).json()
    return tokens


# -- MogoPlus ---------------------------------------------------------------------------------


def mogoplus_token(client: httpx.Client) -> str:
    form = {"grant_type": "client_credentials"}
    response = client.post("/mogoplus/api/v1/oauth2/token", data=form, auth=MOGOPLUS_CLIENT)
    return str(expect(response, 200).json()["access_token"])


def cdr_submission(order_id: str, reference: str) -> dict[str, Any]:
    """A small CDR submission: one applicant, one account, a month of pay, rent and food."""
    rows = []
    for n, (day, amount, description) in enumerate(
        [
            ("2026-01-02", "2850.40", "HARBOUR LOGISTICS SALARY"),
            ("2026-01-03", "-1200.00", "RENT 14 GEORGE ST"),
            ("2026-01-09", "-142.60", "WOOLWORTHS 1234 SYDNEY"),
            ("2026-01-16", "2850.40", "HARBOUR LOGISTICS SALARY"),
            ("2026-01-23", "-98.15", "COLES 0420 NEWTOWN"),
        ]
    ):
        stamp = f"{day}T09:30:00.000Z"
        rows.append(
            {
                "accountId": "ACC-1",
                "transactionId": f"ACC-1-{n}",
                "isDetailAvailable": False,
                "type": "PAYMENT",
                "status": "POSTED",
                "description": description,
                "postingDateTime": stamp,
                "valueDateTime": stamp,
                "amount": amount,
                "currency": "AUD",
                "reference": "",
            }
        )
    account = {
        "accountId": "ACC-1",
        "creationDate": "2021-06-01",
        "displayName": "Everyday",
        "openStatus": "OPEN",
        "isOwned": True,
        "accountOwnership": "ONE_PARTY",
        "maskedNumber": "xxx-xxx xxxx4821",
        "productCategory": "TRANS_AND_SAVINGS_ACCOUNTS",
        "productName": "Everyday",
        "balance": {
            "accountId": "ACC-1",
            "currency": "AUD",
            "currentBalance": "4260.05",
            "availableBalance": "4260.05",
        },
        "transactions": rows,
    }
    consent = {
        "institutionName": "Westpac",
        "consent": {
            "arrangementId": "0a29c52b-df25-4bfd-83e1-c0ba53fc218e",
            "scopes": ["bank:accounts.basic:read", "bank:transactions:read"],
            "sharingStartDateTime": "2026-02-01T10:00:00.000Z",
            "sharingDuration": 86400,
        },
    }
    applicant = {"crn": "CRN-1", "firstName": "Priya", "lastName": "Sharma"}
    return {
        "meta": {
            "orderIds": [order_id],
            "clientId": MOGOPLUS_CLIENT[0],
            "reference": reference,
            "applicationType": "PERSONAL_LOAN",
        },
        "applicantsData": [
            {
                "applicant": applicant,
                "bankingTransactionData": [
                    {"consentProperty": consent, "accountProperty": {"accounts": [account]}}
                ],
            }
        ],
    }
