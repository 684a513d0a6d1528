"""A Fena client with everything it can own: an access consent its customer approved, a VRP
consent with a payment, and a webhook; its credentials travel as headers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.conftest import NamespacedClient
from tests.security.calls import Call

REDIRECT = "http://localhost:3000/callback"
HOOK = "http://127.0.0.1:9/hook"  # nothing listens: registering a webhook sends nothing


@dataclass
class FenaTenant:
    api: NamespacedClient
    client_id: str
    secret: str
    psu: str
    marker: str  # a string only this tenant's resources carry
    ids: dict[str, str] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"client_id": self.client_id, "client_secret": self.secret}

    def call(self, method: str, path: str, body: Any = None) -> Call:
        return Call(method, f"/fena{path}", self.headers, body)

    def approve(self, url: str, psu: str | None = None) -> dict[str, str]:
        """The customer (this tenant's PSU, or ``psu``) approves at the bank, headlessly."""
        decided = self.api.post("/__admin/authorize", json={"url": url, "psu": psu or self.psu})
        assert decided.status_code == 200, decided.text
        query = urlsplit(decided.json()["redirect"]).query
        return {k: v[0] for k, v in parse_qs(query).items()}

    def new_access_consent(self) -> tuple[str, str]:
        """(consent id, bank page URL) of a new access consent awaiting the customer."""
        body = {
            "provider": "ob-lloyds-personal",
            "customerConsentId": self.marker,
            "Option": {"RedirectUri": REDIRECT},
        }
        response = self.call("POST", "/data/access-consents", body).send(self.api)
        assert response.status_code == 201, response.text
        result = response.json()["result"]
        return str(result["consentID"]), str(result["authUrl"])

    def new_vrp_consent(self) -> tuple[str, str]:
        body = {
            "provider": "ob-natwest",
            "reference": self.marker[:18],
            "beneficiary": {
                "identificationType": "SortCodeAccountNumber",
                "sortCode": "040004",
                "accountNumber": "11397104",
                "name": "Isaac Harper",
            },
            "maximumIndividualAmount": "10.00",
            "periodicLimits": [
                {"periodType": "Day", "periodAlignment": "Consent", "amount": "100.00"}
            ],
            "vrpType": ["Sweeping"],
            "psuAuthenticationMethods": ["SCANotRequired"],
            "option": {"redirectUri": REDIRECT},
        }
        response = self.call("POST", "/payment/vrp-consent", body).send(self.api)
        assert response.status_code == 201, response.text
        consent = response.json()["result"]["vrp_consent"]
        return str(consent["id"]), str(response.headers["X-Sandbox-Auth-Url"])

    def payment_body(self, consent_id: str) -> dict[str, Any]:
        return {
            "vrpConsentId": consent_id,
            "amount": "1.00",
            "psuAuthenticationMethod": "SCANotRequired",
        }

    def webhook_body(self, consent_id: str) -> dict[str, Any]:
        return {
            "consentId": consent_id,
            "url": HOOK,
            "event": "ACCOUNT_TRANSACTION",
            "product": "ACCOUNTS",
        }

    def new_webhook(self) -> str:
        """A fresh consent with a webhook registered for it (to be deleted)."""
        consent_id, _ = self.new_access_consent()
        response = self.call("POST", "/data/webhooks", self.webhook_body(consent_id)).send(self.api)
        assert response.status_code == 201, response.text
        return consent_id


def fena_tenant(api: NamespacedClient, name: str, psu: str) -> FenaTenant:
    """Register a Fena client (UUID credentials, as Fena's are) and build what it owns."""
    client_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"security/{name}"))
    secret = str(uuid.uuid5(uuid.NAMESPACE_URL, f"security/{name}/secret"))
    registered = api.post(
        "/__admin/clients",
        json={
            "provider": "fena",
            "client_id": client_id,
            "client_secret": secret,
            "redirect_uris": [REDIRECT],
        },
    )
    assert registered.status_code == 201, registered.text
    tenant = FenaTenant(api, client_id, secret, psu, marker=f"private-{name}")
    consent, page = tenant.new_access_consent()
    assert tenant.approve(page)["status"] == "Authorised"
    accounts = tenant.call("GET", f"/data/access-consents/{consent}/accounts").send(api)
    assert accounts.status_code == 200, accounts.text
    account = accounts.json()["Data"]["Account"][0]["AccountId"]
    vrp, vrp_page = tenant.new_vrp_consent()
    assert tenant.approve(vrp_page)["status"] == "authorized"
    paid = tenant.call("POST", "/payment/vrp", tenant.payment_body(vrp)).send(api)
    assert paid.status_code == 201, paid.text
    hooked = tenant.call("POST", "/data/webhooks", tenant.webhook_body(consent)).send(api)
    assert hooked.status_code == 201, hooked.text
    tenant.ids = {
        "consent": consent,
        "account": account,
        "vrp_consent": vrp,
        "payment": paid.json()["result"]["vrp_payment"]["id"],
    }
    return tenant
