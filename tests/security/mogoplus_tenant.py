"""A MogoPlus client (a CDR participant) with an insights request whose report is ready."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.conftest import NamespacedClient
from tests.security.calls import Call, bearer

INSIGHTS = "/mogoplus/cdr-data/v2/banking-data-insights"


@dataclass
class MogoplusTenant:
    api: NamespacedClient
    client: tuple[str, str]
    marker: str
    order: str
    headers: dict[str, str] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)

    def call(self, method: str, path: str, body: Any = None) -> Call:
        return Call(method, f"{INSIGHTS}{path}", self.headers, body)

    def payload(self) -> dict[str, Any]:
        """A small submission: one applicant, one account, two transactions."""
        account = {
            "accountId": f"{self.marker}-acc",
            "creationDate": "2021-06-01",
            "displayName": self.marker,
            "openStatus": "OPEN",
            "isOwned": True,
            "accountOwnership": "ONE_PARTY",
            "maskedNumber": "xxxx1234",
            "productCategory": "TRANS_AND_SAVINGS_ACCOUNTS",
            "productName": "Everyday",
            "transactions": [
                _transaction(f"{self.marker}-acc", n, amount, text)
                for n, (amount, text) in enumerate(
                    [("2850.40", "ACME PTY LTD SALARY"), ("-65.00", "TELSTRA MOBILE")]
                )
            ],
        }
        return {
            "meta": {
                "orderIds": [self.order],
                "clientId": self.client[0],
                "reference": self.marker,
                "applicationType": "PERSONAL_LOAN",
            },
            "applicantsData": [
                {
                    "applicant": {"crn": self.marker, "firstName": "Private", "lastName": "Person"},
                    "bankingTransactionData": [
                        {
                            "consentProperty": {
                                "institutionName": "Commonwealth Bank",
                                "consent": {
                                    "arrangementId": "0a29c52b-df25-4bfd-83e1-c0ba53fc218e",
                                    "scopes": ["bank:transactions:read"],
                                    "sharingStartDateTime": "2026-01-20T10:00:35.947Z",
                                    "sharingDuration": 86400,
                                },
                            },
                            "accountProperty": {"accounts": [account]},
                        }
                    ],
                }
            ],
        }

    def new_insights(self) -> str:
        response = self.call("POST", "", self.payload()).send(self.api)
        assert response.status_code == 202, response.text
        return str(response.json()["data"]["insightsId"]["insightsId"])


def _transaction(account_id: str, n: int, amount: str, description: str) -> dict[str, Any]:
    stamp = f"2026-01-{n + 2:02d}T09:30:00.000Z"
    return {
        "accountId": account_id,
        "transactionId": f"{account_id}-{n}",
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


def mogoplus_tenant(api: NamespacedClient, name: str, order: str) -> MogoplusTenant:
    client = (f"sec-mogo-{name}", f"sec-mogo-{name}-secret")
    registered = api.post(
        "/__admin/clients",
        json={
            "provider": "mogoplus",
            "client_id": client[0],
            "client_secret": client[1],
            "redirect_uris": [],
        },
    )
    assert registered.status_code == 201, registered.text
    token = api.post(
        "/mogoplus/api/v1/oauth2/token", data={"grant_type": "client_credentials"}, auth=client
    )
    assert token.status_code == 200, token.text
    tenant = MogoplusTenant(api, client, f"private-{name}", order)
    tenant.headers = bearer(token.json()["access_token"])
    tenant.ids = {"insights": tenant.new_insights(), "order": order}
    return tenant
