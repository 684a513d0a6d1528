"""A TPP that makes variable recurring payments: a client with a signing key, and its requests."""

from __future__ import annotations

import copy
import json
import time
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import jwt

from tests.conftest import NamespacedClient
from tests.identity.oauth_helpers import (
    REDIRECT,
    basic,
    bearer,
    intent_claims,
    redirect_params,
    rsa_client_keys,
)

PISP = "/ob/open-banking/v3.1/pisp"
CLIENT = ("vrp-tpp", "vrp-tpp-secret")
KID = "vrp-signing-key"
# One key for the whole test session: RSA key generation is slow.
PRIVATE_KEY, JWKS = rsa_client_keys(KID)
CREDITOR = {
    "SchemeName": "UK.OBIE.SortCodeAccountNumber",
    "Identification": "20000055667788",
    "Name": "Acme Energy Ltd",
}


def consent_body(**controls: Any) -> dict[str, Any]:
    """A VRP consent request: GBP 100 a payment, GBP 150 a day (consent-aligned) by default."""
    parameters: dict[str, Any] = {
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
    parameters.update(controls)
    return {
        "Data": {
            "ControlParameters": parameters,
            "Initiation": {
                "CreditorAccount": CREDITOR,
                "RemittanceInformation": {"Reference": "ENERGY-123"},
            },
        },
        "Risk": {"PaymentContextCode": "BillingGoodsAndServicesInArrears"},
    }


def signature(
    body: bytes, *, key: Any = PRIVATE_KEY, now: float | None = None, **header: Any
) -> str:
    """A detached JWS of ``body`` with the OBIE protected header (override claims by keyword).

    ``now`` is the sandbox's time (the bank checks that ``iat`` is in the past by its clock).
    """
    protected = {
        "alg": "PS256",
        "kid": KID,
        "typ": "JOSE",
        "cty": "application/json",
        "http://openbanking.org.uk/iat": int(now if now is not None else time.time()) - 60,
        "http://openbanking.org.uk/iss": f"0015800001041RHAAY/{CLIENT[0]}",
        "http://openbanking.org.uk/tan": "openbanking.org.uk",
        "crit": [
            "http://openbanking.org.uk/iat",
            "http://openbanking.org.uk/iss",
            "http://openbanking.org.uk/tan",
        ],
    }
    protected.update(header)
    protected = {k: v for k, v in protected.items() if v is not None}
    token = jwt.api_jws.PyJWS().encode(
        body, key, algorithm=str(protected["alg"]), headers=protected
    )
    head, _, sig = token.split(".")
    return f"{head}..{sig}"


class Tpp:
    """The VRP TPP of one test namespace (registered on first use)."""

    def __init__(self, api: NamespacedClient) -> None:
        self.api = api
        body = {
            "provider": "ob",
            "client_id": CLIENT[0],
            "client_secret": CLIENT[1],
            "redirect_uris": [REDIRECT],
            "jwks": JWKS,
            "scopes": ["openid", "accounts", "payments"],
        }
        registered = api.post("/__admin/clients", json=body)
        assert registered.status_code == 201, registered.text
        self._token: str | None = None
        self._keys = 0
        self.refresh_token = ""

    def client_token(self) -> str:
        if self._token is None:
            response = self.api.post(
                "/ob/oauth2/token",
                data={"grant_type": "client_credentials", "scope": "payments"},
                headers=basic(*CLIENT),
            )
            assert response.status_code == 200, response.text
            self._token = str(response.json()["access_token"])
        return self._token

    def sandbox_time(self) -> float:
        clock = self.api.get("/__admin/clock").json()
        return datetime.fromisoformat(clock["now"].replace("Z", "+00:00")).timestamp()

    def next_key(self) -> str:
        self._keys += 1
        return f"idem-{self._keys}"

    def post(
        self,
        path: str,
        body: dict[str, Any],
        token: str,
        *,
        key: str | None = None,
        signed: bool = True,
        idempotent: bool = True,
        headers: dict[str, str] | None = None,
    ) -> Any:
        raw = json.dumps(body).encode()
        sent = {**bearer(token), "Content-Type": "application/json"}
        if signed:
            sent["x-jws-signature"] = signature(raw, now=self.sandbox_time())
        if idempotent:
            sent["x-idempotency-key"] = key or self.next_key()
        sent.update(headers or {})
        return self.api.post(f"{PISP}{path}", content=raw, headers=sent)

    def create_consent(self, body: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        return self.post(
            "/domestic-vrp-consents", body or consent_body(), self.client_token(), **kwargs
        )

    def consent_id(self, body: dict[str, Any] | None = None) -> str:
        created = self.create_consent(body)
        assert created.status_code == 201, created.text
        return str(created.json()["Data"]["ConsentId"])

    def authorize_url(self, consent_id: str) -> str:
        params = {
            "client_id": CLIENT[0],
            "response_type": "code",
            "scope": "openid payments",
            "redirect_uri": REDIRECT,
            "state": "vrp",
            "claims": json.dumps(intent_claims(consent_id)),
        }
        return f"http://testserver/ob/oauth2/authorize?{urlencode(params)}"

    def approve(
        self, consent_id: str, psu: str = "alice", accounts: list[str] | None = None
    ) -> Any:
        body: dict[str, Any] = {"url": self.authorize_url(consent_id), "psu": psu}
        if accounts is not None:
            body["accounts"] = accounts
        return self.api.post("/__admin/authorize", json=body)

    def exchange(self, redirect: str) -> str:
        code = redirect_params(redirect)["code"]
        response = self.api.post(
            "/ob/oauth2/token",
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
            headers=basic(*CLIENT),
        )
        assert response.status_code == 200, response.text
        self.refresh_token = str(response.json()["refresh_token"])
        return str(response.json()["access_token"])

    def renew(self) -> str:
        """A fresh PSU access token from the last grant (access tokens live an hour)."""
        response = self.api.post(
            "/ob/oauth2/token",
            data={"grant_type": "refresh_token", "refresh_token": self.refresh_token},
            headers=basic(*CLIENT),
        )
        assert response.status_code == 200, response.text
        self.refresh_token = str(response.json().get("refresh_token", self.refresh_token))
        return str(response.json()["access_token"])

    def authorised(
        self,
        body: dict[str, Any] | None = None,
        psu: str = "alice",
        accounts: list[str] | None = None,
    ) -> tuple[str, str, dict[str, Any]]:
        """(PSU token, consent id, consent request) once the PSU approved headlessly."""
        body = body or consent_body()
        consent_id = self.consent_id(body)
        decided = self.approve(consent_id, psu, accounts)
        assert decided.status_code == 200, decided.text
        return self.exchange(decided.json()["redirect"]), consent_id, body

    def pay(
        self,
        token: str,
        consent_id: str,
        consent: dict[str, Any],
        amount: str,
        **kwargs: Any,
    ) -> Any:
        return self.post(
            "/domestic-vrps", payment_body(consent_id, consent, amount), token, **kwargs
        )


def payment_body(consent_id: str, consent: dict[str, Any], amount: str) -> dict[str, Any]:
    initiation = copy.deepcopy(consent["Data"]["Initiation"])
    controls = consent["Data"]["ControlParameters"]
    return {
        "Data": {
            "ConsentId": consent_id,
            "PSUAuthenticationMethod": controls["PSUAuthenticationMethods"][0],
            "VRPType": controls["VRPType"][0],
            "Initiation": initiation,
            "Instruction": {
                "InstructionIdentification": f"INSTR-{amount}",
                "EndToEndIdentification": f"E2E-{amount}",
                "RemittanceInformation": {"Reference": "ENERGY-123"},
                "InstructedAmount": {"Amount": amount, "Currency": "GBP"},
                "CreditorAccount": initiation.get("CreditorAccount", CREDITOR),
            },
        },
        "Risk": copy.deepcopy(consent["Risk"]),
    }
