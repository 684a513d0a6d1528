"""A payment booked on a PSU's account reaches the Moneyhub user connected to that account."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.conftest import NamespacedClient

CLIENT = ("mh-live-client", "mh-live-secret")
REDIRECT = "http://localhost:3001/callback"
MOCK_BANK = "1ffe704d39629a929c8e293880fb449a"
FENA = {
    "client_id": "8f7a4d52-1c3e-4b9a-9d2f-3e5b6c7d8e01",
    "client_secret": "2b9c6e14-7f3a-4d85-a1c2-9e8f7d6c5b02",
}


def token(api: NamespacedClient, scope: str, sub: str | None = None) -> str:
    form = {"grant_type": "client_credentials", "scope": scope, **({"sub": sub} if sub else {})}
    response = api.post("/moneyhub/identity/oidc/token", data=form, auth=CLIENT)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def alice_current(api: NamespacedClient) -> str:
    state = api.get("/__admin/state", params={"namespace": api.namespace}).json()
    records = state["namespaces"][api.namespace]["records"]
    return next(
        r["id"]
        for r in records
        if r["kind"] == "psu.account" and r["parent"] == "alice" and r["data"]["type"] == "current"
    )


def connect(api: NamespacedClient, user_id: str, account: str) -> None:
    claims = {
        "id_token": {"sub": {"essential": True, "value": user_id}, "mh:con_id": {"essential": True}}
    }
    query = {
        "client_id": CLIENT[0],
        "response_type": "code",
        "scope": f"openid id:{MOCK_BANK}",
        "redirect_uri": REDIRECT,
        "state": "s",
        "claims": json.dumps(claims),
    }
    url = f"http://testserver/moneyhub/identity/oidc/auth?{urlencode(query)}"
    decided = api.post(
        "/__admin/authorize", json={"url": url, "psu": "alice", "accounts": [account]}
    )
    assert decided.status_code == 200, decided.text
    assert "code" in parse_qs(urlsplit(decided.json()["redirect"]).query)


def pay_with_fena(api: NamespacedClient, account: str, amount: str) -> None:
    body = {
        "provider": "ob-natwest",
        "beneficiary": {"sortCode": "040004", "accountNumber": "11397104", "name": "Isaac Harper"},
        "maximumIndividualAmount": "50.00",
        "periodicLimits": [{"periodType": "Day", "periodAlignment": "Consent", "amount": "50.00"}],
        "vrpType": ["Sweeping"],
        "psuAuthenticationMethods": ["SCANotRequired"],
    }
    created = api.post("/fena/payment/vrp-consent", json=body, headers=FENA)
    assert created.status_code == 201, created.text
    page = created.headers["X-Sandbox-Auth-Url"]
    approved = api.post(
        "/__admin/authorize", json={"url": page, "psu": "alice", "accounts": [account]}
    )
    assert approved.status_code == 200, approved.text
    payment = {
        "vrpConsentId": created.json()["result"]["vrp_consent"]["id"],
        "amount": amount,
        "psuAuthenticationMethod": "SCANotRequired",
    }
    assert api.post("/fena/payment/vrp", json=payment, headers=FENA).status_code == 201


def test_a_payment_elsewhere_arrives_as_a_new_transaction(api: NamespacedClient) -> None:
    registered = {
        "provider": "moneyhub",
        "client_id": CLIENT[0],
        "client_secret": CLIENT[1],
        "redirect_uris": [REDIRECT],
        "webhook_url": "https://client.example/moneyhub/hooks",
    }
    assert api.post("/__admin/clients", json=registered).status_code == 201
    created = api.post(
        "/moneyhub/identity/users",
        json={"clientUserId": "live-1"},
        headers={"Authorization": f"Bearer {token(api, 'user:create')}"},
    )
    user_id = created.json()["userId"]
    account = alice_current(api)
    connect(api, user_id, account)
    reader = {
        "Authorization": f"Bearer {token(api, 'accounts:read transactions:read:all', user_id)}"
    }
    (mh_account,) = api.get("/moneyhub/api/v2.0/accounts", headers=reader).json()["data"]
    before = mh_account["balance"]["amount"]["value"]

    pay_with_fena(api, account, "7.50")

    deliveries = api.get(
        "/__admin/webhooks/deliveries", params={"provider": "moneyhub", "event": "newTransactions"}
    ).json()
    (delivery,) = deliveries
    assert delivery["url"] == registered["webhook_url"]
    payload: dict[str, Any] = delivery["payload"]
    assert payload["eventType"] == "newTransactions" and payload["userId"] == user_id
    ((changed,),) = [payload["payload"]["accounts"]]
    assert changed["id"] == mh_account["id"]
    (transaction_id,) = changed["transactions"]
    row = api.get(f"/moneyhub/api/v2.0/transactions/{transaction_id}", headers=reader).json()[
        "data"
    ]
    assert row["amount"]["value"] == -750 and row["accountId"] == mh_account["id"]
    after = api.get(f"/moneyhub/api/v2.0/accounts/{mh_account['id']}", headers=reader).json()
    assert after["data"]["balance"]["amount"]["value"] == before - 750
