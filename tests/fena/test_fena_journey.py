"""Fena over HTTP: consents approved at the bank, data, VRPs until a limit, webhooks, providers."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.conftest import NamespacedClient
from tests.identity.oauth_helpers import page_decide, page_login

CLIENT = {
    "client_id": "8f7a4d52-1c3e-4b9a-9d2f-3e5b6c7d8e01",
    "client_secret": "2b9c6e14-7f3a-4d85-a1c2-9e8f7d6c5b02",
}
CALLBACK = "https://merchant.example/fena/back"
HOOK = "https://merchant.example/fena/hook"


def fena(api: NamespacedClient, method: str, path: str, **kwargs: Any) -> Any:
    headers = {**CLIENT, **kwargs.pop("headers", {})}
    return api.request(method, f"/fena{path}", headers=headers, **kwargs)


def create_consent(api: NamespacedClient, **fields: Any) -> dict[str, Any]:
    body = {
        "provider": "ob-lloyds-personal",
        "customerConsentId": "my-ref-1",
        "Option": {"RedirectUri": CALLBACK, "WebhookUri": HOOK},
        **fields,
    }
    created = fena(api, "POST", "/data/access-consents", json=body)
    assert created.status_code == 201, created.text
    result: dict[str, Any] = created.json()["result"]
    return result


def decide(api: NamespacedClient, auth_url: str, approve: bool = True, **extra: Any) -> Any:
    body = {"url": auth_url, "psu": "alice", "decision": "approve" if approve else "deny", **extra}
    decided = api.post("/__admin/authorize", json=body)
    assert decided.status_code == 200, decided.text
    return decided.json()["redirect"]


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def deliveries(api: NamespacedClient, event: str | None = None) -> list[dict[str, Any]]:
    params = {"provider": "fena", **({"event": event} if event else {})}
    listed: list[dict[str, Any]] = api.get("/__admin/webhooks/deliveries", params=params).json()
    return listed


def authorised(api: NamespacedClient, **fields: Any) -> str:
    result = create_consent(api, **fields)
    decide(api, result["authUrl"])
    return str(result["consentID"])


# -- auth ----------------------------------------------------------------------------------------


def test_every_call_needs_the_clients_pair(api: NamespacedClient) -> None:
    missing = api.get("/fena/providers")
    assert missing.status_code == 401
    assert set(missing.json()) >= {"statusCode", "error", "message"}
    wrong = api.get("/fena/providers", headers={**CLIENT, "client_secret": CLIENT["client_id"]})
    assert wrong.status_code == 401
    assert fena(api, "GET", "/providers").status_code == 200


# -- access consents -----------------------------------------------------------------------------


def test_a_consent_is_approved_at_the_bank_and_redirects_back(api: NamespacedClient) -> None:
    result = create_consent(api)
    assert result["customerConsentId"] == "my-ref-1"
    consent_id = result["consentID"]
    read = fena(api, "GET", f"/data/access-consents/{consent_id}").json()
    assert read["Data"]["Status"] == "AwaitingAuthorisation"
    # The authUrl is the bank's page: alice logs in and picks the accounts to share.
    page = urlsplit(result["authUrl"])
    page_path = f"{page.path}?{page.query}" if page.query else page.path
    shown = page_login(api, page_path, "alice")
    assert shown.status_code == 200
    assert "Share your Lloyds Personal account information" in shown.text
    accounts = re.findall(r'name="accounts" value="([^"]+)"', shown.text)
    assert len(accounts) == 3
    decided = page_decide(api, page_path, True, accounts[:1])
    assert decided.status_code == 303
    back = decided.headers["location"]
    assert back.startswith(CALLBACK)
    assert query(back) == {
        "id": consent_id,
        "status": "Authorised",
        "customerConsentId": "my-ref-1",
    }
    read = fena(api, "GET", f"/data/access-consents/{consent_id}").json()
    assert read["Data"]["Status"] == "Authorised"
    listed = fena(api, "GET", f"/data/access-consents/{consent_id}/accounts").json()
    assert [a["AccountId"] for a in listed["Data"]["Account"]] == accounts[:1]
    hook = [d for d in deliveries(api, "ACCOUNT_ACCESS_CONSENT") if d["url"] == HOOK]
    assert hook and hook[0]["payload"]["status"] == "Authorised"
    assert hook[0]["payload"]["consentId"] == consent_id


def test_a_rejected_consent_reads_no_data(api: NamespacedClient) -> None:
    result = create_consent(api)
    back = decide(api, result["authUrl"], approve=False)
    assert query(back)["status"] == "Rejected"
    refused = fena(api, "GET", f"/data/access-consents/{result['consentID']}/accounts")
    assert refused.status_code == 403


def test_inactive_and_unknown_providers_are_refused(api: NamespacedClient) -> None:
    inactive = fena(api, "POST", "/data/access-consents", json={"provider": "ob-metro-personal"})
    assert inactive.status_code == 400 and inactive.json()["field"] == "provider"
    bad = fena(api, "POST", "/data/access-consents", json={"provider": "ob-nowhere"})
    assert bad.status_code == 400
    flow = fena(
        api, "POST", "/data/access-consents", json={"provider": "ob-monzo", "flow": "balances"}
    )
    assert flow.status_code == 400 and flow.json()["field"] == "accountId"


def test_balances_and_transactions_with_date_filters(api: NamespacedClient) -> None:
    consent_id = authorised(api)
    base = f"/data/access-consents/{consent_id}"
    account_id = fena(api, "GET", f"{base}/accounts").json()["Data"]["Account"][0]["AccountId"]
    balances = fena(api, "GET", f"{base}/accounts/{account_id}/balances").json()["Data"]["Balance"]
    assert {b["Type"] for b in balances} >= {"InterimBooked"}
    everything = fena(api, "GET", f"{base}/accounts/{account_id}/transactions").json()
    rows = everything["Data"]["Transaction"]
    assert len(rows) > 50
    middle = rows[len(rows) // 2]["BookingDateTime"]
    later = fena(
        api,
        "GET",
        f"{base}/accounts/{account_id}/transactions",
        params={"transactionStartDate": middle},
    ).json()["Data"]["Transaction"]
    assert 0 < len(later) < len(rows)
    assert all(t["BookingDateTime"] >= middle for t in later)
    unknown = fena(api, "GET", f"{base}/accounts/not-an-account/balances")
    assert unknown.status_code == 404


def test_another_clients_consent_is_not_found(api: NamespacedClient) -> None:
    consent_id = authorised(api)
    other = {
        "provider": "fena",
        "client_id": "0b6f3c55-2d1e-4c8a-9f7b-6a5e4d3c2b10",
        "client_secret": "1c7e4d66-3e2f-4d9b-8a8c-7b6f5e4d3c21",
        "redirect_uris": [CALLBACK],
    }
    assert api.post("/__admin/clients", json=other).status_code == 201
    pair = {"client_id": other["client_id"], "client_secret": other["client_secret"]}
    seen = api.get(f"/fena/data/access-consents/{consent_id}", headers=pair)
    assert seen.status_code == 404


def test_revoke_and_the_ninety_day_reconfirmation(api: NamespacedClient) -> None:
    api.put("/__admin/clock", json={"frozen": True})
    consent_id = authorised(api)
    base = f"/data/access-consents/{consent_id}"
    assert fena(api, "GET", f"{base}/accounts").status_code == 200
    api.post("/__admin/clock/advance", json={"seconds": 91 * 86400})
    stale = fena(api, "GET", f"{base}/accounts")
    assert stale.status_code == 403 and "reconfirm" in stale.json()["message"]
    renewed = fena(api, "POST", f"{base}/reconfirm")
    assert renewed.status_code == 200
    assert renewed.json()["lastAuthorizationAt"] == api.get("/__admin/clock").json()["now"]
    assert fena(api, "GET", f"{base}/accounts").status_code == 200
    assert fena(api, "DELETE", base).status_code == 200
    assert fena(api, "GET", base).json()["Data"]["Status"] == "Revoked"
    assert fena(api, "GET", f"{base}/accounts").status_code == 403
    assert fena(api, "POST", f"{base}/reconfirm").status_code == 400
    assert fena(api, "GET", "/data/access-consents/nope").status_code == 404


def test_a_flow_delivers_its_data_on_approval(api: NamespacedClient) -> None:
    result = create_consent(api, flow="accounts")
    decide(api, result["authUrl"])
    (delivery,) = deliveries(api, "ACCOUNTS")
    assert delivery["url"] == HOOK
    accounts = delivery["payload"]["data"]["Data"]["Account"]
    assert len(accounts) == 3  # alice shared all her accounts (headless, none chosen)
    account_id = accounts[0]["AccountId"]
    second = create_consent(
        api,
        flow="transactions",
        accountId=account_id,
        transactionStartDate="2026-01-01T00:00:00.000Z",
        customerConsentId="tx-flow",
    )
    decide(api, second["authUrl"])
    (delivery,) = deliveries(api, "ACCOUNT_TRANSACTIONS")
    payload = delivery["payload"]
    assert payload["accountId"] == account_id and payload["customerConsentId"] == "tx-flow"
    rows = payload["data"]["Data"]["Transaction"]
    assert rows and all(r["BookingDateTime"] >= "2026-01-01" for r in rows)


# -- webhooks ------------------------------------------------------------------------------------


def test_webhooks_are_registered_per_consent(api: NamespacedClient) -> None:
    result = create_consent(api, Option={"RedirectUri": CALLBACK})
    consent_id = result["consentID"]
    hook = {
        "consentId": consent_id,
        "url": "https://merchant.example/registered",
        "event": "ACCOUNT_ACCESS_CONSENT",
        "product": "ACCOUNTS",
    }
    assert fena(api, "POST", "/data/webhooks", json=hook).status_code == 201
    assert fena(api, "GET", f"/data/webhooks/{consent_id}").json() == hook
    decide(api, result["authUrl"])
    (delivery,) = deliveries(api, "ACCOUNT_ACCESS_CONSENT")
    assert delivery["url"] == hook["url"] and delivery["payload"]["status"] == "Authorised"
    assert fena(api, "DELETE", f"/data/webhooks/{consent_id}").status_code == 200
    assert fena(api, "GET", f"/data/webhooks/{consent_id}").status_code == 404
    unknown = {**hook, "consentId": "00000000-0000-4000-8000-000000000000"}
    assert fena(api, "POST", "/data/webhooks", json=unknown).status_code == 404


# -- VRP -----------------------------------------------------------------------------------------


def vrp_body(**fields: Any) -> dict[str, Any]:
    return {
        "provider": "ob-natwest",
        "reference": "SWEEP-1",
        "beneficiary": {
            "identificationType": "SortCodeAccountNumber",
            "sortCode": "040004",
            "accountNumber": "11397104",
            "name": "Isaac Harper",
        },
        "maximumIndividualAmount": "10.00",
        "periodicLimits": [
            {"periodType": "Day", "periodAlignment": "Consent", "amount": "20.00"},
            {"periodType": "Month", "periodAlignment": "Calendar", "amount": "100.00"},
        ],
        "vrpType": ["Sweeping"],
        "psuAuthenticationMethods": ["SCANotRequired"],
        "option": {"redirectUri": CALLBACK, "webhookUri": HOOK},
        **fields,
    }


def vrp_consent(api: NamespacedClient, **fields: Any) -> tuple[str, str]:
    created = fena(api, "POST", "/payment/vrp-consent", json=vrp_body(**fields))
    assert created.status_code == 201, created.text
    consent = created.json()["result"]["vrp_consent"]
    return consent["id"], created.headers["X-Sandbox-Auth-Url"]


def pay(api: NamespacedClient, consent_id: str, amount: str) -> Any:
    body = {
        "vrpConsentId": consent_id,
        "amount": amount,
        "psuAuthenticationMethod": "SCANotRequired",
    }
    return fena(api, "POST", "/payment/vrp", json=body)


def test_a_vrp_consent_has_the_documents_shape(api: NamespacedClient) -> None:
    created = fena(api, "POST", "/payment/vrp-consent", json=vrp_body())
    consent = created.json()["result"]["vrp_consent"]
    assert consent["status"] == "awaiting_authorization"
    assert consent["provider"] == {
        "id": "ob-natwest",
        "name": "Natwest",
        "sortCodeRange": "[600000,610000)",
    }
    assert json.loads(consent["periodicLimits"]) == vrp_body()["periodicLimits"]
    assert consent["vrpType"] == '["Sweeping"]'
    assert consent["psuAuthenticationMethods"] == '["SCANotRequired"]'
    bank = consent["providerData"]["Data"]
    assert bank["Status"] == "AwaitingAuthorisation"
    assert bank["Initiation"]["CreditorAccount"]["Identification"] == "04000411397104"
    assert bank["ControlParameters"]["VRPType"] == ["UK.OBIE.VRPType.Sweeping"]
    read = fena(api, "GET", f"/payment/vrp-consent/{consent['id']}").json()
    assert read == consent


def test_vrp_consents_are_validated(api: NamespacedClient) -> None:
    cases = [
        ({"provider": "ob-revolut"}, "provider"),  # no VRPs at that bank
        ({"vrpType": ["Other"]}, "vrpType"),
        ({"psuAuthenticationMethods": ["SCA"]}, "psuAuthenticationMethods"),
        ({"maximumIndividualAmount": "0.00"}, "maximumIndividualAmount"),
        ({"validTo": "2001-01-01T00:00:00Z"}, "validTo"),
        (
            {
                "periodicLimits": [
                    {"periodType": "Fortnight", "periodAlignment": "Calendar", "amount": "9.00"}
                ]
            },
            "periodicLimits[0].periodAlignment",
        ),
    ]
    for fields, field in cases:
        refused = fena(api, "POST", "/payment/vrp-consent", json=vrp_body(**fields))
        assert refused.status_code == 400, fields
        assert refused.json()["field"] == field
    bad_amount = fena(
        api, "POST", "/payment/vrp-consent", json=vrp_body(maximumIndividualAmount="10")
    )
    assert bad_amount.status_code == 400


def test_vrp_payments_until_a_limit_refuses_one(api: NamespacedClient) -> None:
    consent_id, auth_url = vrp_consent(api)
    early = pay(api, consent_id, "5.00")
    assert early.status_code == 400 and "awaiting_authorization" in early.json()["message"]
    back = decide(api, auth_url)
    assert query(back) == {"id": consent_id, "status": "authorized"}
    consent = fena(api, "GET", f"/payment/vrp-consent/{consent_id}").json()
    assert consent["status"] == "authorized" and consent["remitterSortCode"]
    first = pay(api, consent_id, "10.00")
    assert first.status_code == 201, first.text
    payment = first.json()["result"]["vrp_payment"]
    assert payment["status"] == "executed" and payment["vrpConsent"]["id"] == consent_id
    assert "provider" not in payment["vrpConsent"]
    assert (
        pay(api, consent_id, "10.01")
        .json()["message"]
        .endswith("maximumIndividualAmount of 10.00.")
    )
    assert pay(api, consent_id, "10.00").status_code == 201
    over = pay(api, consent_id, "0.01")
    assert over.status_code == 400 and "Day limit" in over.json()["message"]
    read = fena(api, "GET", f"/payment/vrp/{payment['id']}").json()
    assert read["id"] == payment["id"] and read["status"] == "executed"
    assert fena(api, "GET", "/payment/vrp/00000000-0000-4000-8000-000000000000").status_code == 404
    # A new day: the day limit is whole again.
    api.post("/__admin/clock/advance", json={"seconds": 86400})
    assert pay(api, consent_id, "10.00").status_code == 201


def test_the_magic_amount_is_rejected_and_moves_nothing(api: NamespacedClient) -> None:
    consent_id, auth_url = vrp_consent(api)
    decide(api, auth_url)
    rejected = pay(api, consent_id, "6.66").json()["result"]["vrp_payment"]
    assert rejected["status"] == "rejected" and rejected["completedAt"] is None
    # Rejected payments do not count against the limits.
    assert pay(api, consent_id, "10.00").status_code == 201
    assert pay(api, consent_id, "10.00").status_code == 201


def test_a_vrp_debits_the_customers_account_seen_through_an_access_consent(
    api: NamespacedClient,
) -> None:
    access_id = authorised(api)
    base = f"/data/access-consents/{access_id}"
    current = fena(api, "GET", f"{base}/accounts").json()["Data"]["Account"][0]["AccountId"]
    hook = {
        "consentId": access_id,
        "url": "https://merchant.example/tx",
        "event": "ACCOUNT_TRANSACTION",
        "product": "ACCOUNTS",
    }
    assert fena(api, "POST", "/data/webhooks", json=hook).status_code == 201

    def booked() -> Decimal:
        balances = fena(api, "GET", f"{base}/accounts/{current}/balances").json()["Data"]["Balance"]
        entry = next(b for b in balances if b["Type"] == "InterimBooked")
        value = Decimal(entry["Amount"]["Amount"])
        return -value if entry["CreditDebitIndicator"] == "Debit" else value

    before = booked()
    consent_id, auth_url = vrp_consent(api)
    decide(api, auth_url, accounts=[current])
    assert pay(api, consent_id, "7.50").status_code == 201
    assert booked() == before - Decimal("7.50")
    (delivery,) = deliveries(api, "ACCOUNT_TRANSACTION")
    (row,) = delivery["payload"]["data"]["Data"]["Transaction"]
    assert row["Amount"]["Amount"] == "7.50" and row["CreditDebitIndicator"] == "Debit"


def test_deleting_a_vrp_consent(api: NamespacedClient) -> None:
    consent_id, auth_url = vrp_consent(api)
    decide(api, auth_url)
    payment = pay(api, consent_id, "1.00").json()["result"]["vrp_payment"]
    deleted = fena(api, "DELETE", f"/payment/vrp-consent/{consent_id}")
    assert deleted.json() == {
        "successfullyDeleted": True,
        "message": "Request is completed successfully",
    }
    assert fena(api, "GET", f"/payment/vrp-consent/{consent_id}").status_code == 404
    assert pay(api, consent_id, "1.00").status_code == 404
    kept = fena(api, "GET", f"/payment/vrp/{payment['id']}").json()
    assert kept["vrpConsent"]["status"] == "revoked"


# -- providers -----------------------------------------------------------------------------------


def test_providers(api: NamespacedClient) -> None:
    listed = fena(api, "GET", "/providers").json()
    assert len(listed) == 26
    assert {"id": "ob-metro-personal", "name": "Metro Personal", "active": False}.items() <= next(
        p for p in listed if p["id"] == "ob-metro-personal"
    ).items()
    vrp_ids = {p["id"] for p in fena(api, "GET", "/providers/vrp").json()}
    assert (
        "ob-natwest" in vrp_ids and "ob-revolut" not in vrp_ids and "ob-sandbox-natwest" in vrp_ids
    )
    live = {
        p["id"] for p in fena(api, "GET", "/providers/vrp", params={"filterSandbox": "true"}).json()
    }
    assert "ob-sandbox-natwest" not in live and "ob-natwest" in live
    assert fena(api, "GET", "/providers/ob-monzo").json()["sortCodeRange"] == "[40003,40006)"
    missing = fena(api, "GET", "/providers/ob-nowhere")
    assert missing.status_code == 404 and missing.json()["statusCode"] == 404
