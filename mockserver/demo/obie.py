"""UK Open Banking: AIS consents in three states, a VRP consent with payments."""

from __future__ import annotations

import json
import secrets
import uuid
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from mockserver.client import (
    SandboxError,
    SandboxNamespace,
    bearer,
    json_body,
    sandbox_credentials,
)
from mockserver.demo.signing import Signer

AISP = "/ob/open-banking/v3.1/aisp"
PISP = "/ob/open-banking/v3.1/pisp"
TOKEN = "/ob/oauth2/token"
TPP = sandbox_credentials("ob")
VRP_TPP = ("demo-vrp-tpp", "demo-vrp-tpp-secret")
REDIRECT = "http://localhost:3000/callback"
PERMISSIONS = [
    "ReadAccountsDetail",
    "ReadBalances",
    "ReadTransactionsDetail",
    "ReadTransactionsCredits",
    "ReadTransactionsDebits",
]


def play(space: SandboxNamespace) -> list[str]:
    return [*_account_information(space), *_recurring_payments(space)]


def _account_information(space: SandboxNamespace) -> list[str]:
    tpp = bearer(space.token("ob", "accounts"))
    made = []
    # Authorised: the TPP reads the accounts and a page of transactions.
    consent = _consent(space, tpp)
    psu = bearer(_exchange(space, TPP, space.approve(_authorize_url(space, TPP, consent))))
    accounts = json_body(space.client.get(f"{AISP}/accounts", headers=psu))["Data"]["Account"]
    json_body(
        space.client.get(f"{AISP}/accounts/{accounts[0]['AccountId']}/transactions", headers=psu)
    )
    made.append(f"OBIE account access consent {consent}: Authorised, {len(accounts)} accounts read")
    # Rejected by the PSU.
    rejected = _consent(space, tpp)
    space.deny(_authorize_url(space, TPP, rejected))
    made.append(f"OBIE account access consent {rejected}: Rejected")
    # Waiting: the PSU's browser is at the consent page (approve it from the dashboard).
    waiting = _consent(space, tpp)
    opened = space.client.get(_authorize_url(space, TPP, waiting), follow_redirects=False)
    if opened.status_code not in (302, 303):
        raise SandboxError(f"the authorisation request did not open: {opened.status_code}")
    made.append(f"OBIE account access consent {waiting}: AwaitingAuthorisation, PSU at the page")
    return made


def _recurring_payments(space: SandboxNamespace) -> list[str]:
    signer = Signer(VRP_TPP[0])
    space.admin.post(
        "/__admin/clients",
        json={
            "provider": "ob",
            "client_id": VRP_TPP[0],
            "client_secret": VRP_TPP[1],
            "redirect_uris": [REDIRECT],
            "jwks": signer.jwks(),
        },
    ).raise_for_status()
    issued_at = int(space.clock.now().timestamp()) - 5
    tpp = bearer(_token(space, VRP_TPP, grant_type="client_credentials", scope="payments"))

    def signed_post(path: str, body: dict[str, Any], auth: dict[str, str]) -> Any:
        raw = json.dumps(body).encode()
        headers = {
            **auth,
            "Content-Type": "application/json",
            "x-jws-signature": signer.sign(raw, issued_at),
            "x-idempotency-key": uuid.uuid4().hex,
        }
        return json_body(space.client.post(f"{PISP}{path}", content=raw, headers=headers))["Data"]

    initiation = {
        "CreditorAccount": {
            "SchemeName": "UK.OBIE.SortCodeAccountNumber",
            "Identification": "20000055667788",
            "Name": "Acme Energy Ltd",
        },
        "RemittanceInformation": {"Reference": "ENERGY-123"},
    }
    risk = {"PaymentContextCode": "BillingGoodsAndServicesInArrears"}
    controls = {
        "VRPType": ["UK.OBIE.VRPType.Other"],
        "PSUAuthenticationMethods": ["UK.OBIE.SCANotRequired"],
        "MaximumIndividualAmount": {"Amount": "100.00", "Currency": "GBP"},
        "PeriodicLimits": [
            {
                "PeriodType": "Month",
                "PeriodAlignment": "Calendar",
                "Amount": "300.00",
                "Currency": "GBP",
            }
        ],
    }
    consent = signed_post(
        "/domestic-vrp-consents",
        {"Data": {"ControlParameters": controls, "Initiation": initiation}, "Risk": risk},
        tpp,
    )["ConsentId"]
    code = space.approve(_authorize_url(space, VRP_TPP, consent, scope="openid payments"))
    psu = bearer(_exchange(space, VRP_TPP, code))
    made = [f"OBIE VRP consent {consent}: Authorised (GBP 100 a payment, GBP 300 a month)"]
    for amount in ("42.50", "57.10"):
        instruction = {
            "InstructionIdentification": secrets.token_hex(8),
            "EndToEndIdentification": secrets.token_hex(8),
            "RemittanceInformation": initiation["RemittanceInformation"],
            "CreditorAccount": initiation["CreditorAccount"],
            "InstructedAmount": {"Amount": amount, "Currency": "GBP"},
        }
        payment = signed_post(
            "/domestic-vrps",
            {
                "Data": {
                    "ConsentId": consent,
                    "PSUAuthenticationMethod": "UK.OBIE.SCANotRequired",
                    "VRPType": "UK.OBIE.VRPType.Other",
                    "Initiation": initiation,
                    "Instruction": instruction,
                },
                "Risk": risk,
            },
            psu,
        )
        made.append(
            f"OBIE VRP payment {payment['DomesticVRPId']}: GBP {amount}, {payment['Status']}"
        )
    return made


def _consent(space: SandboxNamespace, tpp: dict[str, str]) -> str:
    body = {"Data": {"Permissions": PERMISSIONS}, "Risk": {}}
    answer = space.client.post(f"{AISP}/account-access-consents", json=body, headers=tpp)
    return str(json_body(answer)["Data"]["ConsentId"])


def _authorize_url(
    space: SandboxNamespace, client: tuple[str, str], consent: str, scope: str = "openid accounts"
) -> str:
    claims = {"id_token": {"openbanking_intent_id": {"value": consent, "essential": True}}}
    query = {
        "client_id": client[0],
        "response_type": "code",
        "scope": scope,
        "redirect_uri": REDIRECT,
        "state": secrets.token_hex(8),
        "claims": json.dumps(claims),
    }
    return f"{space.base_url}/ob/oauth2/authorize?{urlencode(query)}"


def _exchange(space: SandboxNamespace, client: tuple[str, str], redirect: str) -> str:
    code = parse_qs(urlsplit(redirect).query)["code"][0]
    return _token(space, client, grant_type="authorization_code", code=code, redirect_uri=REDIRECT)


def _token(space: SandboxNamespace, client: tuple[str, str], **form: str) -> str:
    return str(json_body(space.client.post(TOKEN, data=form, auth=client))["access_token"])
