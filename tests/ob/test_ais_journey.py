"""The OBIE AIS journey over HTTP: consent, PSU approval, token, accounts and transactions."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

from tests.conftest import NamespacedClient
from tests.identity.oauth_helpers import (
    TPP,
    basic,
    bearer,
    client_token,
    exchange,
    intent_claims,
    psu_accounts,
    redirect_params,
)

AISP = "/ob/open-banking/v3.1/aisp"
FULL = [
    "ReadAccountsDetail",
    "ReadBalances",
    "ReadTransactionsDetail",
    "ReadTransactionsCredits",
    "ReadTransactionsDebits",
]


def create(api: NamespacedClient, permissions: list[str], **data: Any) -> Any:
    body = {"Data": {"Permissions": permissions, **data}, "Risk": {}}
    return api.post(f"{AISP}/account-access-consents", json=body, headers=bearer(client_token(api)))


def authorised_token(
    api: NamespacedClient,
    permissions: list[str],
    psu: str = "alice",
    accounts: list[str] | None = None,
    **data: Any,
) -> tuple[str, str]:
    """(access token, consent id) after the PSU approved the consent headlessly."""
    created = create(api, permissions, **data)
    assert created.status_code == 201, created.text
    consent_id = created.json()["Data"]["ConsentId"]
    params = {
        "client_id": TPP[0],
        "response_type": "code",
        "scope": "openid accounts",
        "redirect_uri": "http://localhost:3000/callback",
        "state": "s",
        "claims": json.dumps(intent_claims(consent_id)),
    }
    url = f"http://testserver/ob/oauth2/authorize?{urlencode(params)}"
    body: dict[str, Any] = {"url": url, "psu": psu}
    if accounts is not None:
        body["accounts"] = accounts
    decided = api.post("/__admin/authorize", json=body)
    assert decided.status_code == 200, decided.text
    code = redirect_params(decided.json()["redirect"])["code"]
    return exchange(api, code).json()["access_token"], consent_id


def test_create_and_read_a_consent(api: NamespacedClient) -> None:
    created = create(api, FULL, ExpirationDateTime="2099-01-01T00:00:00+00:00")
    assert created.status_code == 201
    body = created.json()
    data = body["Data"]
    assert data["Status"] == "AwaitingAuthorisation"
    assert data["Permissions"] == FULL
    self_path = urlsplit(body["Links"]["Self"]).path
    assert self_path == f"{AISP}/account-access-consents/{data['ConsentId']}"
    read = api.get(
        f"{AISP}/account-access-consents/{data['ConsentId']}", headers=bearer(client_token(api))
    )
    assert read.status_code == 200 and read.json()["Data"] == data


@pytest.mark.parametrize(
    "permissions",
    [
        [],
        ["ReadBalances"],
        ["ReadAccountsBasic", "ReadTransactionsBasic"],
        ["ReadAccountsBasic", "ReadTransactionsCredits"],
    ],
)
def test_permission_combinations_the_profile_refuses(
    api: NamespacedClient, permissions: list[str]
) -> None:
    response = create(api, permissions)
    assert response.status_code == 400
    error = response.json()["Errors"][0]
    assert error["ErrorCode"].startswith("UK.OBIE.Field.")


def test_unknown_and_foreign_consents(api: NamespacedClient) -> None:
    consent_id = create(api, FULL).json()["Data"]["ConsentId"]
    unknown = api.get(f"{AISP}/account-access-consents/aac-nope", headers=bearer(client_token(api)))
    assert unknown.status_code == 400
    assert unknown.json()["Errors"][0]["ErrorCode"] == "UK.OBIE.Resource.NotFound"
    api.post(
        "/__admin/clients",
        json={
            "provider": "ob",
            "client_id": "tpp-2",
            "client_secret": "tpp-2-secret",
            "redirect_uris": [],
            "scopes": ["accounts"],
        },
    )
    other = api.post(
        "/ob/oauth2/token",
        data={"grant_type": "client_credentials", "scope": "accounts"},
        headers=basic("tpp-2", "tpp-2-secret"),
    ).json()["access_token"]
    assert (
        api.get(f"{AISP}/account-access-consents/{consent_id}", headers=bearer(other)).status_code
        == 403
    )


def test_accounts_are_the_ones_the_psu_chose(api: NamespacedClient) -> None:
    chosen, other = psu_accounts(api, "alice")[:1], psu_accounts(api, "alice")[1]
    token, _ = authorised_token(api, FULL, accounts=chosen)
    accounts = api.get(f"{AISP}/accounts", headers=bearer(token))
    assert accounts.status_code == 200, accounts.text
    assert [a["AccountId"] for a in accounts.json()["Data"]["Account"]] == chosen
    assert api.get(f"{AISP}/accounts/{chosen[0]}", headers=bearer(token)).status_code == 200
    assert api.get(f"{AISP}/accounts/{other}", headers=bearer(token)).status_code == 403
    assert api.get(f"{AISP}/accounts/no-such-account", headers=bearer(token)).status_code == 400


def test_basic_permission_hides_account_identification(api: NamespacedClient) -> None:
    token, _ = authorised_token(api, ["ReadAccountsBasic"])
    detail_token, _ = authorised_token(api, ["ReadAccountsDetail"])
    basic_accounts = api.get(f"{AISP}/accounts", headers=bearer(token)).json()["Data"]["Account"]
    detail_accounts = api.get(f"{AISP}/accounts", headers=bearer(detail_token)).json()["Data"][
        "Account"
    ]
    assert all("Account" not in a for a in basic_accounts)
    assert all(a["Account"] for a in detail_accounts)


def test_missing_permission_is_403(api: NamespacedClient) -> None:
    token, _ = authorised_token(api, ["ReadAccountsBasic"])
    response = api.get(f"{AISP}/balances", headers=bearer(token))
    assert response.status_code == 403
    assert response.json()["Errors"][0]["ErrorCode"].startswith("UK.OBIE.")


def test_balances(api: NamespacedClient) -> None:
    token, _ = authorised_token(api, FULL)
    balances = api.get(f"{AISP}/balances", headers=bearer(token)).json()["Data"]["Balance"]
    assert {b["AccountId"] for b in balances} == set(psu_accounts(api, "alice"))


def test_transactions_page_by_page_with_links(api: NamespacedClient) -> None:
    account = psu_accounts(api, "alice")[0]
    token, _ = authorised_token(api, FULL, accounts=[account])
    url = f"{AISP}/accounts/{account}/transactions"
    seen: list[str] = []
    pages = 0
    while url:
        page = api.get(url, headers=bearer(token))
        assert page.status_code == 200, page.text
        body = page.json()
        seen += [t["TransactionId"] for t in body["Data"]["Transaction"]]
        pages += 1
        assert body["Meta"]["TotalPages"] >= pages
        next_link = body["Links"].get("Next")
        url = urlsplit(next_link)._replace(scheme="", netloc="").geturl() if next_link else ""
    assert pages > 1 and len(seen) == len(set(seen))
    first = api.get(f"{AISP}/accounts/{account}/transactions", headers=bearer(token)).json()
    assert "Prev" not in first["Links"] and first["Links"]["Self"].startswith("http://testserver/")


def test_booking_date_filters_hold_across_pages(api: NamespacedClient) -> None:
    account = psu_accounts(api, "alice")[0]
    token, _ = authorised_token(api, FULL, accounts=[account])
    everything = api.get(f"{AISP}/transactions", headers=bearer(token)).json()
    some = everything["Data"]["Transaction"][10]["BookingDateTime"]
    params = {"fromBookingDateTime": some[:19]}
    filtered = api.get(
        f"{AISP}/accounts/{account}/transactions", params=params, headers=bearer(token)
    ).json()
    assert all(t["BookingDateTime"][:19] >= some[:19] for t in filtered["Data"]["Transaction"])
    if "Next" in filtered["Links"]:
        assert "fromBookingDateTime" in filtered["Links"]["Next"]


def test_credits_only_consent_sees_only_credits(api: NamespacedClient) -> None:
    token, _ = authorised_token(
        api, ["ReadAccountsBasic", "ReadTransactionsBasic", "ReadTransactionsCredits"]
    )
    rows = api.get(f"{AISP}/transactions", headers=bearer(token)).json()["Data"]["Transaction"]
    assert rows and {t["CreditDebitIndicator"] for t in rows} == {"Credit"}


def test_deleting_the_consent_ends_access(api: NamespacedClient) -> None:
    token, consent_id = authorised_token(api, FULL)
    tpp = bearer(client_token(api))
    assert (
        api.delete(f"{AISP}/account-access-consents/{consent_id}", headers=tpp).status_code == 204
    )
    assert api.get(f"{AISP}/accounts", headers=bearer(token)).status_code == 401
    assert api.get(f"{AISP}/account-access-consents/{consent_id}", headers=tpp).status_code == 400


def test_expired_consent_ends_access(api: NamespacedClient) -> None:
    api.put("/__admin/clock", json={"now": "2026-06-01T12:00:00Z", "frozen": True})
    token, _ = authorised_token(api, FULL, ExpirationDateTime="2026-06-01T12:10:00+00:00")
    assert api.get(f"{AISP}/accounts", headers=bearer(token)).status_code == 200
    # Past the consent's expiry, still within the access token's hour.
    api.post("/__admin/clock/advance", json={"seconds": 11 * 60})
    expired = api.get(f"{AISP}/accounts", headers=bearer(token))
    assert expired.status_code == 401 and expired.content == b""


def test_a_client_token_reads_no_data(api: NamespacedClient) -> None:
    assert api.get(f"{AISP}/accounts", headers=bearer(client_token(api))).status_code == 403


def test_the_party_of_a_business_account_is_the_business(api: NamespacedClient) -> None:
    token, _ = authorised_token(
        api, ["ReadAccountsDetail", "ReadParty", "ReadPartyPSU"], psu="dave"
    )
    accounts = api.get(f"{AISP}/accounts", headers=bearer(token)).json()["Data"]["Account"]
    business = next(a for a in accounts if a["AccountType"] == "Business")
    owner = api.get(f"{AISP}/accounts/{business['AccountId']}/party", headers=bearer(token))
    assert owner.json()["Data"]["Party"]["Name"] == "Okafor Joinery Ltd"
    listed = api.get(f"{AISP}/accounts/{business['AccountId']}/parties", headers=bearer(token))
    names = [p["Name"] for p in listed.json()["Data"]["Party"]]
    assert names == ["Okafor Joinery Ltd", "Dave Okafor"]
    me = api.get(f"{AISP}/party", headers=bearer(token)).json()["Data"]["Party"]
    assert me["Name"] == "Dave Okafor" and me["LegalStructure"] == "UK.OBIE.Individual"
