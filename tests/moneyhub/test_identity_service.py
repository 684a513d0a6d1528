"""Moneyhub's identity service as an API client meets it: discovery, bank lists and icons, the
scope rules, users and their connections, payees and the payment journey (issue 7)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.conftest import NamespacedClient
from tests.moneyhub.helpers import (
    CLIENT,
    DATA,
    IDENTITY,
    ISSUER,
    MOCK_BANK,
    REDIRECT,
    add_payee,
    as_client,
    as_user,
    auth_url,
    basic,
    connect,
    connection_claims,
    decide,
    deliveries,
    exchange,
    payment,
    payment_auth_url,
    payment_request_object,
    payments,
    psu_accounts,
    psu_balance,
    register_client,
    register_user,
    request_uri,
    token_response,
    verify_id_token,
)

CONNECTION_LISTS = ("all", "api", "legacy", "test", "beta")
OTHER = ("mh-other-client", "mh-other-secret")
HOOKS_URL = "https://client.example/moneyhub/hooks"


def assert_error(response: Any, status: int) -> dict[str, Any]:
    """Moneyhub's error envelope: ``{code, message}`` (and a correlation id)."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert isinstance(body["code"], str) and body["code"]
    assert isinstance(body["message"], str) and body["message"]
    return body


def moment(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


# -- discovery ------------------------------------------------------------------------------------


def test_discovery_names_the_issuer_and_its_endpoints(api: NamespacedClient) -> None:
    response = api.get(f"{IDENTITY}/oidc/.well-known/openid-configuration")
    assert response.status_code == 200
    document = response.json()
    assert document["issuer"] == ISSUER
    assert document["authorization_endpoint"] == f"{ISSUER}/auth"
    assert document["token_endpoint"] == f"{ISSUER}/token"
    assert document["jwks_uri"] == f"{ISSUER}/certs"
    assert document["pushed_authorization_request_endpoint"] == f"{ISSUER}/request"
    assert {"code", "code id_token", "id_token"} <= set(document["response_types_supported"])
    assert {"client_credentials", "authorization_code"} <= set(document["grant_types_supported"])
    assert {"client_secret_basic", "private_key_jwt"} <= set(
        document["token_endpoint_auth_methods_supported"]
    )
    assert {"openid", "id:all", "payment", "reauth", "refresh", "user:create"} <= set(
        document["scopes_supported"]
    )
    assert {"sub", "mh:con_id", "mh:payment"} <= set(document["claims_supported"])
    assert document["claims_parameter_supported"] is True
    assert document["request_parameter_supported"] is True


def test_discovery_lists_the_five_connection_lists_and_they_answer(api: NamespacedClient) -> None:
    document = api.get(f"{IDENTITY}/oidc/.well-known/openid-configuration").json()
    for name in CONNECTION_LISTS:
        url = document[f"{name}_connections_endpoint"]
        assert url == f"{ISSUER}/.well-known/{name}-connections"
        listed = api.get(urlsplit(url).path)
        assert listed.status_code == 200, (name, listed.text)
        assert isinstance(listed.json(), list)


def test_the_jwks_publishes_public_signing_keys_only(api: NamespacedClient) -> None:
    keys = api.get(f"{IDENTITY}/oidc/certs").json()["keys"]
    assert any(k["alg"] == "RS256" for k in keys)  # the ID tokens' (id_token_signed_response_alg)
    assert all(k["kid"] and not {"d", "p", "q"} & set(k) for k in keys)


# -- bank connection lists and icons --------------------------------------------------------------


def _connections(api: NamespacedClient, name: str) -> list[dict[str, Any]]:
    response = api.get(f"{IDENTITY}/oidc/.well-known/{name}-connections")
    assert response.status_code == 200, response.text
    listed: list[dict[str, Any]] = response.json()
    return listed


def test_the_mock_bank_is_a_test_and_api_connection(api: NamespacedClient) -> None:
    test = {b["id"]: b for b in _connections(api, "test")}
    mock = test[MOCK_BANK]
    assert mock["name"] == "Moneyhub Open Banking Mock"
    assert mock["type"] == "api"
    assert urlsplit(mock["iconUrl"]).path == f"{IDENTITY}/bank-icons/{mock['bankRef']}"
    assert mock["accountTypes"]
    assert MOCK_BANK in {b["id"] for b in _connections(api, "api")}
    assert MOCK_BANK in {b["id"] for b in _connections(api, "all")}


def test_api_and_legacy_lists_split_by_type(api: NamespacedClient) -> None:
    api_list, legacy = _connections(api, "api"), _connections(api, "legacy")
    assert api_list and all(b["type"] == "api" for b in api_list)
    assert legacy and all(b["type"] == "legacy" for b in legacy)
    every = {b["id"] for b in _connections(api, "all")}
    assert {b["id"] for b in api_list} | {b["id"] for b in legacy} <= every


def _is_svg(response: Any) -> bool:
    return bool(
        response.status_code == 200
        and response.headers["content-type"].startswith("image/svg+xml")
        and response.text.lstrip().startswith("<svg")
    )


def test_a_listed_banks_icon_is_svg(api: NamespacedClient) -> None:
    mock = next(b for b in _connections(api, "test") if b["id"] == MOCK_BANK)
    assert _is_svg(api.get(f"{IDENTITY}/bank-icons/{mock['bankRef']}"))
    icon = urlsplit(mock["iconUrl"])
    assert _is_svg(api.get(f"{icon.path}?{icon.query}"))


def test_an_unknown_bank_icon_is_a_404_unless_the_default_is_asked_for(
    api: NamespacedClient,
) -> None:
    body = assert_error(api.get(f"{IDENTITY}/bank-icons/no-such-bank"), 404)
    assert set(body) <= {"code", "message", "correlationId"}
    assert _is_svg(api.get(f"{IDENTITY}/bank-icons/no-such-bank", params={"defaultIcon": "true"}))
    assert_error(api.get(f"{IDENTITY}/bank-icons/no-such-bank?defaultIcon=false"), 404)


def test_default_is_the_generic_icon(api: NamespacedClient) -> None:
    default = api.get(f"{IDENTITY}/bank-icons/default")
    assert _is_svg(default)
    fallback = api.get(f"{IDENTITY}/bank-icons/no-such-bank", params={"defaultIcon": "true"})
    assert fallback.text == default.text


# -- scope rules ----------------------------------------------------------------------------------


def _refused(api: NamespacedClient, scope: str, claims: dict[str, Any] | None) -> dict[str, str]:
    redirected = decide(api, auth_url(scope, claims))
    assert "code" not in redirected, redirected
    assert redirected["state"] == "st-1"
    return redirected


@pytest.mark.parametrize(
    "scope",
    [
        f"openid id:{MOCK_BANK} id:all",
        "openid id:all id:test",
        f"openid id:{MOCK_BANK} id:5a1d7a0f4ca7e0c58d3e1f2c9b6a4d81",
    ],
)
def test_two_bank_scopes_are_an_invalid_scope(api: NamespacedClient, scope: str) -> None:
    user = register_user(api)
    assert _refused(api, scope, connection_claims(user["userId"]))["error"] == "invalid_scope"


@pytest.mark.parametrize(
    "reads",
    [
        "transactions:read:all transactions:read:in",
        "transactions:read:in transactions:read:out",
        "transactions:read:all transactions:read:out",
    ],
)
def test_two_transaction_read_scopes_are_an_invalid_scope(
    api: NamespacedClient, reads: str
) -> None:
    user = register_user(api)
    scope = f"openid id:{MOCK_BANK} accounts:read {reads}"
    assert _refused(api, scope, connection_claims(user["userId"]))["error"] == "invalid_scope"


@pytest.mark.parametrize("lifecycle", ["reauth", "refresh"])
@pytest.mark.parametrize("extra", ["accounts:read", f"id:{MOCK_BANK}", "transactions:read:all"])
def test_reauth_and_refresh_come_with_openid_only(
    api: NamespacedClient, lifecycle: str, extra: str
) -> None:
    user = register_user(api)
    claims = connection_claims(user["userId"], f"{MOCK_BANK}:00000000-0000-4000-8000-000000000000")
    refused = _refused(api, f"openid {lifecycle} {extra}", claims)
    assert refused["error"] == "invalid_scope"


@pytest.mark.parametrize("lifecycle", ["reauth", "refresh"])
def test_reauth_and_refresh_need_the_sub_and_connection_values(
    api: NamespacedClient, lifecycle: str
) -> None:
    user_id = register_user(api)["userId"]
    con_id = f"{MOCK_BANK}:00000000-0000-4000-8000-000000000000"
    for claims in (
        None,
        connection_claims(user_id),  # mh:con_id essential, but without a value
        connection_claims(None, con_id),  # no sub
    ):
        refused = _refused(api, f"openid {lifecycle}", claims)
        assert refused["error"] == "invalid_scope", claims


def test_an_unknown_scope_is_refused(api: NamespacedClient) -> None:
    # (The sandbox lets any scope with a colon through, so that id:<bankId> passes: an unknown
    # "fly:away" is not refused here. Only the colon-free case is checked.)
    assert _refused(api, "openid id:all flyaway", None)["error"] == "invalid_scope"


# -- client credentials tokens and users ----------------------------------------------------------


def test_a_user_token_must_name_one_of_the_clients_users(api: NamespacedClient) -> None:
    response = token_response(api, "accounts:read", sub="000000000000000000000000")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    user_id = register_user(api)["userId"]
    assert token_response(api, "accounts:read", sub=user_id).status_code == 200


def test_users_crud(api: NamespacedClient) -> None:
    made = register_user(api, "crm-42")
    assert made["clientUserId"] == "crm-42"
    assert made["clientId"] == CLIENT[0]
    assert made["connectionIds"] == []
    user_id = made["userId"]
    second = register_user(api)["userId"]
    reader = as_client(api, "user:read")
    listed = api.get(f"{IDENTITY}/users", headers=reader)
    assert listed.status_code == 200
    assert {u["userId"] for u in listed.json()["data"]} == {user_id, second}
    page = api.get(f"{IDENTITY}/users", params={"limit": 1, "offset": 1}, headers=reader).json()
    assert len(page["data"]) == 1
    fetched = api.get(f"{IDENTITY}/users/{user_id}", headers=reader)
    assert fetched.status_code == 200
    assert fetched.json()["userId"] == user_id and fetched.json()["clientUserId"] == "crm-42"

    deleted = api.delete(f"{IDENTITY}/users/{user_id}", headers=as_client(api, "user:delete"))
    assert deleted.status_code == 204
    assert_error(api.get(f"{IDENTITY}/users/{user_id}", headers=reader), 404)
    remaining = api.get(f"{IDENTITY}/users", headers=reader).json()["data"]
    assert [u["userId"] for u in remaining] == [second]
    assert_error(
        api.delete(f"{IDENTITY}/users/{user_id}", headers=as_client(api, "user:delete")), 404
    )


def test_each_user_route_needs_its_scope(api: NamespacedClient) -> None:
    user_id = register_user(api)["userId"]
    wrong = as_client(api, "payee:read")
    assert_error(api.post(f"{IDENTITY}/users", json={}, headers=as_client(api, "user:read")), 403)
    assert_error(api.get(f"{IDENTITY}/users", headers=wrong), 403)
    assert_error(api.get(f"{IDENTITY}/users/{user_id}", headers=wrong), 403)
    assert_error(api.get(f"{IDENTITY}/users/{user_id}/connections", headers=wrong), 403)
    assert_error(
        api.delete(f"{IDENTITY}/users/{user_id}", headers=as_client(api, "user:read")), 403
    )
    assert_error(api.get(f"{IDENTITY}/users"), 401)


def test_another_client_neither_sees_nor_deletes_the_first_clients_users(
    api: NamespacedClient,
) -> None:
    user_id = register_user(api, "mine")["userId"]
    other = register_client(api, *OTHER)
    theirs = register_user(api, "theirs", client=other)["userId"]

    reader = as_client(api, "user:read", other)
    listed = api.get(f"{IDENTITY}/users", headers=reader).json()["data"]
    assert [u["userId"] for u in listed] == [theirs]
    assert_error(api.get(f"{IDENTITY}/users/{user_id}", headers=reader), 404)
    assert_error(api.get(f"{IDENTITY}/users/{user_id}/connections", headers=reader), 404)
    deleter = as_client(api, "user:delete", other)
    assert_error(api.delete(f"{IDENTITY}/users/{user_id}", headers=deleter), 404)
    # ... nor get a token for it
    refused = token_response(api, "accounts:read", sub=user_id, client=other)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_request"

    mine = api.get(f"{IDENTITY}/users/{user_id}", headers=as_client(api, "user:read"))
    assert mine.status_code == 200
    assert [
        u["userId"]
        for u in api.get(f"{IDENTITY}/users", headers=as_client(api, "user:read")).json()["data"]
    ] == [user_id]


# -- connections ----------------------------------------------------------------------------------


def test_a_connection_reaches_the_id_token_and_the_users_connections(
    api: NamespacedClient,
) -> None:
    user_id = register_user(api)["userId"]
    savings = psu_accounts(api)["savings"]["id"]
    connection = connect(api, user_id, [savings])
    claims = connection.id_token
    assert claims["sub"] == user_id
    assert claims["iss"] == ISSUER and claims["aud"] == CLIENT[0]
    assert claims["nonce"] == "n-1"
    bank, _, uuid = claims["mh:con_id"].partition(":")
    assert bank == MOCK_BANK
    assert len(uuid) == 36 and uuid.count("-") == 4

    listed = api.get(f"{IDENTITY}/users/{user_id}/connections", headers=as_client(api, "user:read"))
    assert listed.status_code == 200
    (shown,) = listed.json()["data"]
    assert shown["id"] == connection.id
    assert shown["bankId"] == MOCK_BANK
    assert len(shown["accountIds"]) == 1
    user = api.get(f"{IDENTITY}/users/{user_id}", headers=as_client(api, "user:read")).json()
    assert user["connectionIds"] == [connection.id]


def test_a_code_id_token_connection_carries_the_id_token_in_the_fragment(
    api: NamespacedClient,
) -> None:
    user_id = register_user(api)["userId"]
    savings = psu_accounts(api)["savings"]["id"]
    url = auth_url(
        f"openid id:{MOCK_BANK}", connection_claims(user_id), response_type="code id_token"
    )
    redirected = decide(api, url, accounts=[savings])
    assert {"code", "id_token", "state"} <= set(redirected)
    front = verify_id_token(api, redirected["id_token"])
    assert front["sub"] == user_id and front["nonce"] == "n-1"
    back = verify_id_token(api, exchange(api, redirected["code"])["id_token"])
    assert back["mh:con_id"].startswith(f"{MOCK_BANK}:")


def test_the_psus_chosen_accounts_become_exactly_the_data_api_accounts(
    api: NamespacedClient,
) -> None:
    user_id = register_user(api)["userId"]
    mine = psu_accounts(api)
    chosen = [mine["savings"], mine["credit_card"]]
    connection = connect(api, user_id, [a["id"] for a in chosen])
    response = api.get(f"{DATA}/accounts", headers=as_user(api, user_id))
    assert response.status_code == 200
    accounts = response.json()["data"]
    assert sorted(a["accountName"] for a in accounts) == sorted(a["name"] for a in chosen)
    assert {a["connectionId"] for a in accounts} == {connection.id}
    numbers = {a["details"]["sortCodeAccountNumber"] for a in accounts if "details" in a}
    assert {a["sort_code"] + a["account_number"] for a in chosen} >= numbers
    listed = api.get(
        f"{IDENTITY}/users/{user_id}/connections", headers=as_client(api, "user:read")
    ).json()["data"]
    assert sorted(listed[0]["accountIds"]) == sorted(a["id"] for a in accounts)
    balances = {a["accountName"]: a["balance"]["amount"]["value"] for a in accounts}
    for psu_account in chosen:
        assert balances[psu_account["name"]] == int(Decimal(psu_account["balance"]) * 100)


def test_deleting_a_connection_removes_its_accounts_and_transactions(
    api: NamespacedClient,
) -> None:
    user_id = register_user(api)["userId"]
    mine = psu_accounts(api)
    kept = connect(api, user_id, [mine["credit_card"]["id"]])
    gone = connect(api, user_id, [mine["savings"]["id"]])
    reader = as_user(api, user_id)
    accounts = api.get(f"{DATA}/accounts", headers=reader).json()["data"]
    (gone_account,) = [a for a in accounts if a["connectionId"] == gone.id]
    rows = api.get(
        f"{DATA}/transactions", params={"accountId": gone_account["id"]}, headers=reader
    ).json()["data"]
    assert rows

    deleted = api.delete(
        f"{IDENTITY}/users/{user_id}/connection/{gone.id}", headers=as_client(api, "user:delete")
    )
    assert deleted.status_code == 204
    after = api.get(f"{DATA}/accounts", headers=reader).json()["data"]
    assert {a["connectionId"] for a in after} == {kept.id}
    assert_error(api.get(f"{DATA}/accounts/{gone_account['id']}", headers=reader), 404)
    assert_error(api.get(f"{DATA}/transactions/{rows[0]['id']}", headers=reader), 404)
    remaining = api.get(f"{DATA}/transactions", headers=reader).json()["data"]
    assert remaining and gone_account["id"] not in {r["accountId"] for r in remaining}
    connections = api.get(
        f"{IDENTITY}/users/{user_id}/connections", headers=as_client(api, "user:read")
    ).json()["data"]
    assert [c["id"] for c in connections] == [kept.id]
    again = api.delete(
        f"{IDENTITY}/users/{user_id}/connection/{gone.id}", headers=as_client(api, "user:delete")
    )
    assert_error(again, 404)


def test_deleting_a_user_removes_their_data(api: NamespacedClient) -> None:
    user_id = register_user(api)["userId"]
    connect(api, user_id, [psu_accounts(api)["savings"]["id"]])
    reader = as_user(api, user_id)
    (account,) = api.get(f"{DATA}/accounts", headers=reader).json()["data"]
    assert (
        api.delete(f"{IDENTITY}/users/{user_id}", headers=as_client(api, "user:delete")).status_code
        == 204
    )
    # The user is gone: no token can be had for them any more, and their data is gone with them.
    assert token_response(api, "accounts:read", sub=user_id).status_code == 400
    state = api.get("/__admin/state", params={"namespace": api.namespace}).json()
    records = state["namespaces"][api.namespace]["records"]
    assert not [
        r for r in records if r["kind"].startswith("moneyhub.") and r["id"] == account["id"]
    ]


@pytest.mark.parametrize("lifecycle", ["reauth", "refresh"])
def test_reauth_and_refresh_renew_the_connection(api: NamespacedClient, lifecycle: str) -> None:
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert (
        api.put("/__admin/clock", json={"now": start.isoformat(), "frozen": True}).status_code
        == 200
    )
    user_id = register_user(api)["userId"]
    connection = connect(api, user_id, [psu_accounts(api)["savings"]["id"]])
    reader = as_client(api, "user:read")
    (before,) = api.get(f"{IDENTITY}/users/{user_id}/connections", headers=reader).json()["data"]
    assert moment(before["expiresAt"]) == start + timedelta(days=90)

    later = start + timedelta(days=40)
    assert (
        api.put("/__admin/clock", json={"now": later.isoformat(), "frozen": True}).status_code
        == 200
    )
    claims = connection_claims(user_id, connection.id)
    redirected = decide(api, auth_url(f"openid {lifecycle}", claims))
    assert "code" in redirected, redirected
    renewed = verify_id_token(api, exchange(api, redirected["code"])["id_token"])
    assert renewed["sub"] == user_id and renewed["mh:con_id"] == connection.id

    reader = as_client(api, "user:read")
    (after,) = api.get(f"{IDENTITY}/users/{user_id}/connections", headers=reader).json()["data"]
    assert after["id"] == connection.id
    assert moment(after["expiresAt"]) == later + timedelta(days=90)
    assert after["accountIds"] == before["accountIds"]


def test_reauth_of_another_users_connection_is_refused(api: NamespacedClient) -> None:
    owner = register_user(api)["userId"]
    stranger = register_user(api)["userId"]
    connection = connect(api, owner, [psu_accounts(api)["savings"]["id"]])
    reader = as_client(api, "user:read")
    (before,) = api.get(f"{IDENTITY}/users/{owner}/connections", headers=reader).json()["data"]
    api.post("/__admin/clock/advance", json={"seconds": 86400})
    response = api.post(
        "/__admin/authorize",
        json={
            "url": auth_url("openid reauth", connection_claims(stranger, connection.id)),
            "psu": "alice",
        },
    )
    # Refused on the consent page (400) or back at the client with an error: never a code.
    assert response.status_code in (200, 400), response.text
    assert "code=" not in response.json().get("redirect", ""), response.text
    reader = as_client(api, "user:read")
    (after,) = api.get(f"{IDENTITY}/users/{owner}/connections", headers=reader).json()["data"]
    assert after["expiresAt"] == before["expiresAt"]
    assert api.get(f"{IDENTITY}/users/{stranger}/connections", headers=reader).json()["data"] == []


def test_a_denied_connection_makes_nothing(api: NamespacedClient) -> None:
    user_id = register_user(api)["userId"]
    url = auth_url(f"openid id:{MOCK_BANK}", connection_claims(user_id))
    redirected = decide(api, url, decision="deny")
    assert redirected["error"] == "access_denied" and "code" not in redirected
    reader = as_client(api, "user:read")
    assert api.get(f"{IDENTITY}/users/{user_id}/connections", headers=reader).json()["data"] == []


def test_a_connection_for_someone_not_a_user_of_the_client_is_refused(
    api: NamespacedClient,
) -> None:
    other = register_client(api, *OTHER)
    theirs = register_user(api, client=other)["userId"]
    url = auth_url(f"openid id:{MOCK_BANK}", connection_claims(theirs))
    response = api.post("/__admin/authorize", json={"url": url, "psu": "alice"})
    assert response.status_code in (200, 400), response.text
    assert "code=" not in response.json().get("redirect", ""), response.text
    reader = as_client(api, "user:read", other)
    assert api.get(f"{IDENTITY}/users/{theirs}/connections", headers=reader).json()["data"] == []


def test_a_connection_without_sub_makes_a_new_user(api: NamespacedClient) -> None:
    """Moneyhub's first use case: no registered user named, so the connection makes one."""
    url = auth_url(f"openid id:{MOCK_BANK}", connection_claims(None))
    redirected = decide(api, url, accounts=[psu_accounts(api)["savings"]["id"]])
    claims = verify_id_token(api, exchange(api, redirected["code"])["id_token"])
    listed = api.get(f"{IDENTITY}/users", headers=as_client(api, "user:read")).json()["data"]
    assert [u["userId"] for u in listed] == [claims["sub"]]
    assert listed[0]["connectionIds"] == [claims["mh:con_id"]]


# -- payees ---------------------------------------------------------------------------------------


def test_payees_are_added_and_listed(api: NamespacedClient) -> None:
    payee = add_payee(api, name="Harbour Lettings Ltd")
    assert payee["sortCode"] == "040004" and payee["accountNumber"] == "11397104"
    assert payee["name"] == "Harbour Lettings Ltd" and payee["id"]
    listed = api.get(f"{IDENTITY}/payees", headers=as_client(api, "payee:read"))
    assert listed.status_code == 200
    assert [p["id"] for p in listed.json()["data"]] == [payee["id"]]
    other = register_client(api, *OTHER)
    theirs = api.get(f"{IDENTITY}/payees", headers=as_client(api, "payee:read", other))
    assert theirs.json()["data"] == []


@pytest.mark.parametrize(
    ("sort_code", "account_number"),
    [
        ("04000", "11397104"),
        ("0400045", "11397104"),
        ("04-00-04", "11397104"),
        ("040004", "1139710"),
        ("040004", "113971045"),
        ("040004", "1139710a"),
    ],
)
def test_payee_sort_code_and_account_number_are_6_and_8_digits(
    api: NamespacedClient, sort_code: str, account_number: str
) -> None:
    body = {"sortCode": sort_code, "accountNumber": account_number, "name": "Bad"}
    response = api.post(f"{IDENTITY}/payees", json=body, headers=as_client(api, "payee:create"))
    assert_error(response, 400)
    listed = api.get(f"{IDENTITY}/payees", headers=as_client(api, "payee:read")).json()["data"]
    assert listed == []


def test_payee_routes_need_their_scopes(api: NamespacedClient) -> None:
    body = {"sortCode": "040004", "accountNumber": "11397104", "name": "X"}
    assert_error(
        api.post(f"{IDENTITY}/payees", json=body, headers=as_client(api, "payee:read")), 403
    )
    assert_error(api.get(f"{IDENTITY}/payees", headers=as_client(api, "payee:create")), 403)
    assert_error(api.get(f"{IDENTITY}/payments", headers=as_client(api, "payee:read")), 403)


# -- payments -------------------------------------------------------------------------------------


def _authorise_payment(
    api: NamespacedClient,
    user_id: str,
    payee_id: str,
    amount: int,
    account: str,
    payer_ref: str = "Sandbox test",
    client: tuple[str, str] = CLIENT,
) -> dict[str, str]:
    """Request object -> POST /request -> the auth URL -> the PSU's decision; the redirect."""
    made = request_uri(
        api, payment_request_object(user_id, payee_id, amount, payer_ref=payer_ref, client=client)
    )
    assert made.status_code == 201, made.text
    assert made.headers["content-type"].startswith("text/plain")
    assert made.text.startswith("urn:x-mh-request:")
    return decide(api, payment_auth_url(made.text), accounts=[account])


def test_a_payment_journey_completes_on_the_code_exchange(api: NamespacedClient) -> None:
    user_id = register_user(api)["userId"]
    payee = add_payee(api)
    current = psu_accounts(api)["current"]["id"]
    before = psu_balance(api, current)

    redirected = _authorise_payment(api, user_id, payee["id"], 1234, current)
    assert redirected["state"] == "pay-state" and "code" in redirected
    (waiting,) = payments(api)
    assert waiting["status"] == "inProgress"
    assert "exchangedAt" not in waiting
    assert psu_balance(api, current) == before

    tokens = exchange(api, redirected["code"])
    claims = verify_id_token(api, tokens["id_token"])
    assert claims["sub"] == user_id and claims["nonce"] == "pay-nonce"
    assert claims["mh:payment"] == waiting["id"]
    assert claims["mh:con_id"].startswith(f"{MOCK_BANK}:")

    done = payment(api, waiting["id"])
    assert done["status"] == "completed"
    assert done["amount"] == 1234
    assert done["payeeId"] == payee["id"]
    assert done["payeeRef"] == "Invoice 42" and done["payerRef"] == "Sandbox test"
    assert done["exchangedAt"] and done["connectionId"] == claims["mh:con_id"]
    assert "charges" not in done
    # The code is spent: exchanging it again fails, and pays nothing more.
    again = api.post(
        f"{IDENTITY}/oidc/token",
        data={
            "grant_type": "authorization_code",
            "code": redirected["code"],
            "redirect_uri": REDIRECT,
        },
        headers=basic(),
    )
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    assert payment(api, waiting["id"])["status"] == "completed"
    assert psu_balance(api, current) == before - Decimal("12.34")


def test_the_payment_needs_a_known_payee_and_a_whole_pence_amount(api: NamespacedClient) -> None:
    user_id = register_user(api)["userId"]
    savings = psu_accounts(api)["savings"]["id"]
    unknown = _authorise_payment(api, user_id, "no-such-payee", 500, savings)
    assert unknown.get("error") == "invalid_request", unknown
    assert payments(api) == []


@pytest.mark.parametrize("payer_ref", ["", "x" * 19])
def test_a_payment_reference_is_1_to_18_characters(api: NamespacedClient, payer_ref: str) -> None:
    user_id = register_user(api)["userId"]
    payee = add_payee(api)
    savings = psu_accounts(api)["savings"]["id"]
    redirected = _authorise_payment(api, user_id, payee["id"], 500, savings, payer_ref)
    assert redirected.get("error") == "invalid_request", redirected
    assert payments(api) == []


def test_invalid_request_fails_the_authorisation_and_makes_no_payment(
    api: NamespacedClient,
) -> None:
    user_id = register_user(api)["userId"]
    payee = add_payee(api)
    savings = psu_accounts(api)["savings"]["id"]
    redirected = _authorise_payment(api, user_id, payee["id"], 500, savings, "INVALID REQUEST")
    assert redirected.get("error") == "invalid_request", redirected
    assert "code" not in redirected
    # No payment to go to the bank, so nothing can be paid.
    assert payments(api) == []


def test_invalid_submission_fails_after_the_bank_and_moves_no_money(
    api: NamespacedClient,
) -> None:
    user_id = register_user(api)["userId"]
    payee = add_payee(api)
    savings = psu_accounts(api)["savings"]["id"]
    before = psu_balance(api, savings)
    redirected = _authorise_payment(api, user_id, payee["id"], 500, savings, "INVALID SUBMISSION")
    assert "code" in redirected, redirected
    claims = verify_id_token(api, exchange(api, redirected["code"])["id_token"])
    failed = payment(api, claims["mh:payment"])
    assert failed["status"] == "error:paymentSubmission"
    assert psu_balance(api, savings) == before


def test_rejected_is_rejected_with_a_payment_error_webhook(api: NamespacedClient) -> None:
    hooked = register_client(api, *OTHER, webhook_url=HOOKS_URL)
    user_id = register_user(api, client=hooked)["userId"]
    payee = add_payee(api, hooked)
    savings = psu_accounts(api)["savings"]["id"]
    before = psu_balance(api, savings)
    redirected = _authorise_payment(
        api, user_id, payee["id"], 500, savings, "REJECTED", client=hooked
    )
    claims = verify_id_token(api, exchange(api, redirected["code"], hooked)["id_token"], hooked[0])
    rejected = payment(api, claims["mh:payment"], hooked)
    assert rejected["status"] == "rejected"
    assert psu_balance(api, savings) == before

    (delivery,) = deliveries(api, "paymentError")
    assert delivery["url"] == HOOKS_URL
    sent = delivery["payload"]
    assert sent["eventType"] == "paymentError" and sent["userId"] == user_id
    assert sent["payload"]["paymentId"] == rejected["id"]
    assert deliveries(api, "paymentCompleted") == []


def test_a_completed_payment_sends_payment_completed(api: NamespacedClient) -> None:
    hooked = register_client(api, *OTHER, webhook_url=HOOKS_URL)
    user_id = register_user(api, client=hooked)["userId"]
    payee = add_payee(api, hooked)
    savings = psu_accounts(api)["savings"]["id"]
    redirected = _authorise_payment(api, user_id, payee["id"], 700, savings, client=hooked)
    claims = verify_id_token(api, exchange(api, redirected["code"], hooked)["id_token"], hooked[0])
    assert payment(api, claims["mh:payment"], hooked)["status"] == "completed"
    (delivery,) = deliveries(api, "paymentCompleted")
    assert delivery["url"] == HOOKS_URL
    assert delivery["payload"]["eventType"] == "paymentCompleted"
    assert delivery["payload"]["payload"]["paymentId"] == claims["mh:payment"]
    assert deliveries(api, "paymentError") == []


def test_include_charges_adds_the_charge_to_the_debit(api: NamespacedClient) -> None:
    user_id = register_user(api)["userId"]
    payee = add_payee(api)
    savings = psu_accounts(api)["savings"]["id"]
    before = psu_balance(api, savings)
    redirected = _authorise_payment(api, user_id, payee["id"], 500, savings, "INCLUDE CHARGES")
    claims = verify_id_token(api, exchange(api, redirected["code"])["id_token"])
    charged = payment(api, claims["mh:payment"])
    assert charged["status"] == "completed"
    assert charged["charges"]
    fees = sum(int(c["amount"]) for c in charged["charges"])
    assert fees > 0
    assert psu_balance(api, savings) == before - (Decimal(500 + fees) / 100)


def test_payments_are_the_clients_own(api: NamespacedClient) -> None:
    user_id = register_user(api)["userId"]
    payee = add_payee(api)
    savings = psu_accounts(api)["savings"]["id"]
    exchange(api, _authorise_payment(api, user_id, payee["id"], 100, savings)["code"])
    (mine,) = payments(api)
    other = register_client(api, *OTHER)
    assert payments(api, other) == []
    response = api.get(
        f"{IDENTITY}/payments/{mine['id']}", headers=as_client(api, "payment:read", other)
    )
    assert_error(response, 404)
