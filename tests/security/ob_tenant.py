"""A TPP of the emulated OBIE bank with everything it can own: an account access consent its PSU
approved (every permission), a VRP consent with a payment, the tokens for each, and the ids."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from tests.conftest import NamespacedClient
from tests.identity.oauth_helpers import basic, intent_claims, redirect_params, rsa_client_keys
from tests.ob.vrp_helpers import consent_body, payment_body, signature
from tests.security.calls import Call, bearer

AISP = "/ob/open-banking/v3.1/aisp"
PISP = "/ob/open-banking/v3.1/pisp"
REDIRECT = "http://localhost:3000/callback"
ISS = "http://openbanking.org.uk/iss"
ALL_PERMISSIONS = [
    "ReadAccountsDetail",
    "ReadBalances",
    "ReadBeneficiariesDetail",
    "ReadDirectDebits",
    "ReadOffers",
    "ReadPAN",
    "ReadParty",
    "ReadPartyPSU",
    "ReadProducts",
    "ReadScheduledPaymentsDetail",
    "ReadStandingOrdersDetail",
    "ReadStatementsDetail",
    "ReadTransactionsDetail",
    "ReadTransactionsCredits",
    "ReadTransactionsDebits",
]


@dataclass
class ObTenant:
    api: NamespacedClient
    client_id: str
    secret: str
    psu: str
    private_key: Any
    kid: str
    tpp_token: str = ""
    ais_token: str = ""
    vrp_token: str = ""
    vrp_request: dict[str, Any] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)
    refresh_tokens: dict[str, str] = field(default_factory=dict)  # by scope
    accounts: dict[str, str] = field(default_factory=dict)  # the PSU's, by AccountSubType
    _keys: int = 0

    @property
    def marker(self) -> str:
        """A string only this tenant's resources carry."""
        return self.client_id

    # -- requests as this TPP --------------------------------------------------------------------
    def token(self, grant: dict[str, str]) -> dict[str, Any]:
        response = self.api.post(
            "/ob/oauth2/token", data=grant, headers=basic(self.client_id, self.secret)
        )
        assert response.status_code == 200, response.text
        tokens: dict[str, Any] = response.json()
        return tokens

    def signed(self, path: str, body: dict[str, Any], token: str) -> Call:
        """A VRP POST of the body, signed with this TPP's key."""
        raw = json.dumps(body).encode()
        return self.vrp_post(path, raw, token, self.signature(raw))

    def vrp_post(self, path: str, raw: bytes, token: str, jws: str | None) -> Call:
        """A VRP POST of exactly ``raw`` with the signature given (if any) and a fresh
        idempotency key."""
        self._keys += 1
        headers = {**bearer(token), "x-idempotency-key": f"{self.client_id}-{self._keys}"}
        if jws is not None:
            headers["x-jws-signature"] = jws
        return Call("POST", f"{PISP}{path}", headers, content=raw)

    def signature(self, raw: bytes, **header: Any) -> str:
        """This TPP's detached JWS of ``raw`` (its namespace's clock is the real one, so the
        signature's ``iat`` is a minute ago by either); ``header`` overrides claims, ``key``
        the signing key."""
        claims = {"kid": self.kid, ISS: f"0015800001041RHAAY/{self.client_id}", **header}
        return signature(raw, key=claims.pop("key", self.private_key), **claims)

    def approve(self, consent_id: str, scope: str, psu: str | None = None) -> str:
        """The PSU (this tenant's, or ``psu``) approves the consent headlessly (every
        account); returns the PSU's token."""
        params = {
            "client_id": self.client_id,
            "response_type": "code",
            "scope": f"openid {scope}",
            "redirect_uri": REDIRECT,
            "state": "s",
            "claims": json.dumps(intent_claims(consent_id)),
        }
        url = f"http://testserver/ob/oauth2/authorize?{urlencode(params)}"
        decided = self.api.post("/__admin/authorize", json={"url": url, "psu": psu or self.psu})
        assert decided.status_code == 200, decided.text
        code = redirect_params(decided.json()["redirect"])["code"]
        grant = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
        tokens = self.token(grant)
        self.refresh_tokens[scope] = str(tokens["refresh_token"])
        return str(tokens["access_token"])

    # -- what it owns ----------------------------------------------------------------------------
    def new_ais_consent(self) -> str:
        body = {"Data": {"Permissions": ALL_PERMISSIONS}, "Risk": {}}
        made = Call("POST", f"{AISP}/account-access-consents", bearer(self.tpp_token), body)
        response = made.send(self.api)
        assert response.status_code == 201, response.text
        return str(response.json()["Data"]["ConsentId"])

    def new_vrp_consent(self) -> str:
        response = self.signed("/domestic-vrp-consents", self.vrp_request, self.tpp_token).send(
            self.api
        )
        assert response.status_code == 201, response.text
        return str(response.json()["Data"]["ConsentId"])

    def payment(self, amount: str) -> dict[str, Any]:
        return payment_body(self.ids["vrp_consent"], self.vrp_request, amount)


def ob_tenant(api: NamespacedClient, client_id: str, psu: str) -> ObTenant:
    """Register the TPP (with a signing key), then build and approve what it owns."""
    kid = f"{client_id}-key"
    private_key, jwks = rsa_client_keys(kid)
    registered = api.post(
        "/__admin/clients",
        json={
            "provider": "ob",
            "client_id": client_id,
            "client_secret": f"{client_id}-secret",
            "redirect_uris": [REDIRECT],
            "jwks": jwks,
            "scopes": ["openid", "accounts", "payments"],
        },
    )
    assert registered.status_code == 201, registered.text
    tenant = ObTenant(api, client_id, f"{client_id}-secret", psu, private_key, kid)
    tenant.tpp_token = str(
        tenant.token({"grant_type": "client_credentials", "scope": "accounts payments"})[
            "access_token"
        ]
    )
    ais = tenant.new_ais_consent()
    tenant.ais_token = tenant.approve(ais, "accounts")
    accounts = Call("GET", f"{AISP}/accounts", bearer(tenant.ais_token)).send(api)
    assert accounts.status_code == 200, accounts.text
    listed = accounts.json()["Data"]["Account"]
    tenant.accounts = {a["AccountSubType"]: a["AccountId"] for a in listed}
    account = listed[0]["AccountId"]
    statements = Call(
        "GET", f"{AISP}/accounts/{account}/statements", bearer(tenant.ais_token)
    ).send(api)
    assert statements.status_code == 200, statements.text
    statement = statements.json()["Data"]["Statement"][0]["StatementId"]
    tenant.vrp_request = consent_body()
    vrp = tenant.new_vrp_consent()
    party = Call("GET", f"{AISP}/party", bearer(tenant.ais_token)).send(api)
    assert party.status_code == 200, party.text
    tenant.ids = {
        "ais_consent": ais,
        "account": account,
        "statement": statement,
        "party": party.json()["Data"]["Party"]["PartyId"],
        "vrp_consent": vrp,
    }
    tenant.vrp_token = tenant.approve(vrp, "payments")
    paid = tenant.signed("/domestic-vrps", tenant.payment("1.00"), tenant.vrp_token).send(api)
    assert paid.status_code == 201, paid.text
    tenant.ids["payment"] = paid.json()["Data"]["DomesticVRPId"]
    return tenant
