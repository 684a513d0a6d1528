"""The shared authorisation server end to end, through the OBIE profile and a probe consent."""

from __future__ import annotations

import json

import jwt
import pytest
from starlette.testclient import TestClient

from mockserver.app import create_app
from tests.conftest import NamespacedClient
from tests.identity.oauth_helpers import (
    CONSENTS,
    ISSUER,
    REDIRECT,
    TPP,
    Pkce,
    approve_via_page,
    authorize_params,
    basic,
    bearer,
    client_token,
    create_consent,
    exchange,
    intent_claims,
    page_decide,
    page_login,
    psu_accounts,
    redirect_params,
    rsa_client_keys,
    start,
    verify_with_jwks,
)


def test_discovery_and_jwks(api: NamespacedClient) -> None:
    document = api.get("/ob/.well-known/openid-configuration").json()
    assert document["issuer"] == ISSUER
    assert document["authorization_endpoint"] == ISSUER + "/oauth2/authorize"
    assert document["token_endpoint"] == ISSUER + "/oauth2/token"
    assert document["pushed_authorization_request_endpoint"] == ISSUER + "/oauth2/par"
    assert set(document["response_types_supported"]) == {"code id_token", "code"}
    assert "private_key_jwt" in document["token_endpoint_auth_methods_supported"]
    keys = api.get("/ob/oauth2/jwks").json()["keys"]
    assert {k["alg"] for k in keys} == {"PS256", "RS256"}
    assert all("d" not in k for k in keys)  # public halves only


def test_discovery_honours_the_proxy(api: NamespacedClient) -> None:
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "bank.example"}
    document = api.get("/ob/.well-known/openid-configuration", headers=headers).json()
    assert document["issuer"] == "https://bank.example/ob"


def test_code_id_token_flow_with_pkce_end_to_end(api: NamespacedClient) -> None:
    consent_id = create_consent(api)
    pkce = Pkce.new()
    chosen = psu_accounts(api, "alice")[:1]
    params = approve_via_page(
        api, authorize_params(consent_id, pkce=pkce), psu="alice", accounts=chosen
    )
    assert params["state"] == "st-1"
    front_id_token = verify_with_jwks(api, params["id_token"], TPP[0])
    assert front_id_token["nonce"] == "n-1"
    assert front_id_token["openbanking_intent_id"] == consent_id
    assert "c_hash" in front_id_token and front_id_token["sub"] == "alice"

    tokens = exchange(api, params["code"], pkce.verifier)
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert tokens.headers["cache-control"] == "no-store"
    back_id_token = verify_with_jwks(api, body["id_token"], TPP[0])
    assert "at_hash" in back_id_token and back_id_token["openbanking_intent_id"] == consent_id
    access = verify_with_jwks(api, body["access_token"], ISSUER)
    for claim in ("iss", "sub", "aud", "client_id", "scope", "exp", "iat", "jti", "namespace"):
        assert claim in access
    assert access["namespace"] == api.namespace and access["client_id"] == TPP[0]

    data = api.get("/ob/__authprobe/data", headers=bearer(body["access_token"]))
    assert data.status_code == 200, data.text
    assert data.json() == {"psu": "alice", "consent": consent_id, "accounts": chosen}
    consent = api.get(f"{CONSENTS}/{consent_id}", headers=bearer(client_token(api))).json()
    assert consent["Status"] == "Authorised" and consent["Accounts"] == chosen


def test_code_flow_in_the_query_and_all_accounts_by_default(api: NamespacedClient) -> None:
    consent_id = create_consent(api)
    params = approve_via_page(api, authorize_params(consent_id, response_type="code"), psu="bob")
    assert set(params) == {"code", "state"}
    body = exchange(api, params["code"]).json()
    data = api.get("/ob/__authprobe/data", headers=bearer(body["access_token"])).json()
    assert sorted(data["accounts"]) == sorted(psu_accounts(api, "bob"))


def test_deny_rejects_the_consent_and_redirects_with_access_denied(api: NamespacedClient) -> None:
    consent_id = create_consent(api)
    page = start(api, authorize_params(consent_id))
    page_login(api, page, "carol")
    denied = page_decide(api, page, approve=False)
    assert denied.status_code == 303
    assert denied.headers["location"].startswith(REDIRECT + "#")
    params = redirect_params(denied.headers["location"])
    assert params["error"] == "access_denied" and params["state"] == "st-1"
    consent = api.get(f"{CONSENTS}/{consent_id}", headers=bearer(client_token(api))).json()
    assert consent["Status"] == "Rejected"


def test_page_shows_the_request_and_the_psus_accounts(api: NamespacedClient) -> None:
    consent_id = create_consent(api, ["ReadAccountsBasic"])
    page = start(api, authorize_params(consent_id))
    shown = api.get(page)
    assert shown.status_code == 200
    assert shown.headers["content-type"].startswith("text/html")
    assert "Sandbox TPP" in shown.text and "Your account names and numbers" in shown.text
    assert 'name="username"' in shown.text
    logged_in = page_login(api, page, "alice")
    assert "Approve" in logged_in.text and "Deny" in logged_in.text
    for account in psu_accounts(api, "alice"):
        assert f'value="{account}"' in logged_in.text


def test_wrong_password_stays_on_the_page(api: NamespacedClient) -> None:
    page = start(api, authorize_params(create_consent(api)))
    response = page_login(api, page, "alice", "nope")
    assert response.status_code == 401
    assert "wrong password" in response.text
    assert page_decide(api, page, approve=True).status_code == 401


def test_magic_users(api: NamespacedClient) -> None:
    page = start(api, authorize_params(create_consent(api)))
    assert page_login(api, page, "locked").status_code == 403

    consent_id = create_consent(api)
    page = start(api, authorize_params(consent_id))
    page_login(api, page, "rejector")
    params = redirect_params(page_decide(api, page, approve=True).headers["location"])
    assert params["error"] == "access_denied"
    consent = api.get(f"{CONSENTS}/{consent_id}", headers=bearer(client_token(api))).json()
    assert consent["Status"] == "Rejected"

    consent_id = create_consent(api)
    page = start(api, authorize_params(consent_id))
    page_login(api, page, "unavailable")
    params = redirect_params(page_decide(api, page, approve=True).headers["location"])
    assert params["error"] == "temporarily_unavailable"
    consent = api.get(f"{CONSENTS}/{consent_id}", headers=bearer(client_token(api))).json()
    assert consent["Status"] == "AwaitingAuthorisation"


def test_unregistered_redirect_uri_is_refused_on_the_page(api: NamespacedClient) -> None:
    params = authorize_params(create_consent(api), redirect_uri="https://evil.example/cb")
    response = api.get(
        "/ob/oauth2/authorize",
        params=params,
        headers={"Accept": "text/html"},
        follow_redirects=False,
    )
    assert response.status_code == 400
    assert "location" not in response.headers
    assert "not registered" in response.text and "evil.example" in response.text
    as_json = api.get("/ob/oauth2/authorize", params=params, follow_redirects=False)
    assert as_json.status_code == 400 and "location" not in as_json.headers


def test_errors_after_the_redirect_uri_is_trusted_go_back_to_the_client(
    api: NamespacedClient,
) -> None:
    params = authorize_params(create_consent(api)) | {"response_type": "token"}
    response = api.get("/ob/oauth2/authorize", params=params, follow_redirects=False)
    assert response.status_code == 303
    assert redirect_params(response.headers["location"])["error"] == "unsupported_response_type"
    params = authorize_params(create_consent(api)) | {"nonce": ""}
    response = api.get("/ob/oauth2/authorize", params=params, follow_redirects=False)
    assert redirect_params(response.headers["location"])["error"] == "invalid_request"
    params = authorize_params(create_consent(api))
    params["claims"] = json.dumps({"id_token": {}})
    response = api.get("/ob/oauth2/authorize", params=params, follow_redirects=False)
    assert (
        "openbanking_intent_id"
        in redirect_params(response.headers["location"])["error_description"]
    )


def test_a_decided_consent_cannot_be_authorised_again(api: NamespacedClient) -> None:
    consent_id = create_consent(api)
    approve_via_page(api, authorize_params(consent_id))
    page = start(api, authorize_params(consent_id))
    assert api.get(page).status_code == 409


def test_pkce_verifier_must_match(api: NamespacedClient) -> None:
    pkce = Pkce.new()
    params = approve_via_page(api, authorize_params(create_consent(api), pkce=pkce))
    wrong = exchange(api, params["code"], Pkce.new().verifier)
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"


def test_code_is_single_use_and_expires(api: NamespacedClient) -> None:
    params = approve_via_page(api, authorize_params(create_consent(api)))
    assert exchange(api, params["code"]).status_code == 200
    again = exchange(api, params["code"])
    assert again.status_code == 400 and "used" in again.json()["error_description"]

    params = approve_via_page(api, authorize_params(create_consent(api)))
    api.post("/__admin/clock/advance", json={"seconds": 600})
    late = exchange(api, params["code"])
    assert late.status_code == 400 and "expired" in late.json()["error_description"]


def test_code_of_another_client_or_redirect_uri_is_refused(api: NamespacedClient) -> None:
    params = approve_via_page(api, authorize_params(create_consent(api)))
    data = {"grant_type": "authorization_code", "code": params["code"], "redirect_uri": "http://x"}
    response = api.post("/ob/oauth2/token", data=data, headers=basic(*TPP))
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_refresh_token_rotation(api: NamespacedClient) -> None:
    params = approve_via_page(api, authorize_params(create_consent(api)))
    first = exchange(api, params["code"]).json()
    refresh = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    second = api.post("/ob/oauth2/token", data=refresh, headers=basic(*TPP))
    assert second.status_code == 200
    assert second.json()["refresh_token"] != first["refresh_token"]
    data = api.get("/ob/__authprobe/data", headers=bearer(second.json()["access_token"]))
    assert data.status_code == 200
    replayed = api.post("/ob/oauth2/token", data=refresh, headers=basic(*TPP))
    assert replayed.status_code == 400 and replayed.json()["error"] == "invalid_grant"
    rotated = {"grant_type": "refresh_token", "refresh_token": second.json()["refresh_token"]}
    assert api.post("/ob/oauth2/token", data=rotated, headers=basic(*TPP)).status_code == 200


def test_revoking_the_consent_revokes_its_tokens(api: NamespacedClient) -> None:
    consent_id = create_consent(api)
    tokens = exchange(api, approve_via_page(api, authorize_params(consent_id))["code"]).json()
    assert (
        api.get("/ob/__authprobe/data", headers=bearer(tokens["access_token"])).status_code == 200
    )
    api.delete(f"{CONSENTS}/{consent_id}", headers=bearer(client_token(api)))
    revoked = api.get("/ob/__authprobe/data", headers=bearer(tokens["access_token"]))
    assert revoked.status_code == 401
    assert "revoked" in revoked.headers["www-authenticate"]
    refresh = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    assert api.post("/ob/oauth2/token", data=refresh, headers=basic(*TPP)).status_code == 400


def test_pushed_authorisation_request(api: NamespacedClient) -> None:
    consent_id = create_consent(api)
    pushed = api.post("/ob/oauth2/par", data=authorize_params(consent_id), headers=basic(*TPP))
    assert pushed.status_code == 201, pushed.text
    request_uri = pushed.json()["request_uri"]
    assert request_uri.startswith("urn:ietf:params:oauth:request_uri:")
    params = {"client_id": TPP[0], "request_uri": request_uri}
    page = start(api, params)
    page_login(api, page, "alice")
    decided = page_decide(api, page, approve=True)
    assert "code" in redirect_params(decided.headers["location"])
    reused = api.get("/ob/oauth2/authorize", params=params, follow_redirects=False)
    assert reused.status_code == 400


def test_par_needs_client_authentication(api: NamespacedClient) -> None:
    pushed = api.post("/ob/oauth2/par", data=authorize_params(create_consent(api)))
    assert pushed.status_code == 401 and pushed.json()["error"] == "invalid_client"


@pytest.mark.parametrize("scope", ["payments accounts", "admin"])
def test_client_credentials_scopes_are_checked(api: NamespacedClient, scope: str) -> None:
    data = {"grant_type": "client_credentials", "scope": scope}
    response = api.post("/ob/oauth2/token", data=data, headers=basic(*TPP))
    if scope == "admin":
        assert response.status_code == 400 and response.json()["error"] == "invalid_scope"
    else:
        assert response.status_code == 200


def test_unsupported_grant_type(api: NamespacedClient) -> None:
    data = {"grant_type": "password", "username": "alice", "password": "alice"}
    response = api.post("/ob/oauth2/token", data=data, headers=basic(*TPP))
    assert response.status_code == 400


def request_object(claims: dict[str, object], key: object, alg: str, kid: str | None = None) -> str:
    headers = {"kid": kid} if kid else None
    return jwt.encode(claims, key, algorithm=alg, headers=headers)  # type: ignore[arg-type]


def test_unsigned_request_object_for_a_client_registered_for_none(api: NamespacedClient) -> None:
    consent_id = create_consent(api)
    inner = authorize_params(consent_id)
    claims = {**inner, "claims": intent_claims(consent_id), "aud": ISSUER, "iss": TPP[0]}
    params = {
        "client_id": TPP[0],
        "response_type": "code id_token",
        "scope": "openid accounts",
        "request": jwt.encode(claims, None, algorithm="none"),
    }
    redirected = approve_via_page(api, params)
    assert redirected["state"] == "st-1" and "code" in redirected


def test_signed_request_object_is_verified_with_the_clients_keys(api: NamespacedClient) -> None:
    private, jwks = rsa_client_keys("ro-key")
    body = {
        "provider": "ob",
        "client_id": "tpp-signed",
        "client_secret": "tpp-signed-secret",
        "redirect_uris": [REDIRECT],
        "jwks": jwks,
        "request_object_signing_alg": "PS256",
        "scopes": ["openid", "accounts"],
    }
    assert api.post("/__admin/clients", json=body).status_code == 201
    token = api.post(
        "/ob/oauth2/token",
        data={"grant_type": "client_credentials", "scope": "accounts"},
        headers=basic("tpp-signed", "tpp-signed-secret"),
    ).json()["access_token"]
    consent = api.post(CONSENTS, json={"Permissions": ["ReadBalances"]}, headers=bearer(token))
    consent_id = consent.json()["ConsentId"]
    claims = {
        **authorize_params(consent_id),
        "client_id": "tpp-signed",
        "claims": intent_claims(consent_id),
        "iss": "tpp-signed",
        "aud": ISSUER,
    }
    outer = {"client_id": "tpp-signed", "response_type": "code id_token", "scope": "openid"}

    signed = request_object(claims, private, "PS256", "ro-key")
    response = api.get(
        "/ob/oauth2/authorize", params={**outer, "request": signed}, follow_redirects=False
    )
    assert response.status_code == 303 and "/ob/consent/" in response.headers["location"]

    unsigned = jwt.encode(claims, None, algorithm="none")
    response = api.get(
        "/ob/oauth2/authorize", params={**outer, "request": unsigned}, follow_redirects=False
    )
    assert response.status_code == 400

    head, _, signature = signed.split(".")
    tampered_claims = {**claims, "redirect_uri": "https://evil.example/cb"}
    tampered_body = jwt.utils.base64url_encode(json.dumps(tampered_claims).encode()).decode()
    tampered = f"{head}.{tampered_body}.{signature}"
    response = api.get(
        "/ob/oauth2/authorize", params={**outer, "request": tampered}, follow_redirects=False
    )
    assert response.status_code == 400 and "location" not in response.headers

    wrong_audience = request_object({**claims, "aud": "https://other/"}, private, "PS256", "ro-key")
    response = api.get(
        "/ob/oauth2/authorize", params={**outer, "request": wrong_audience}, follow_redirects=False
    )
    assert response.status_code == 400


def test_an_unknown_consent_is_refused_on_the_page() -> None:
    with TestClient(create_app()) as plain:  # the product as shipped, without test adapters
        params = authorize_params("no-such-consent")
        response = plain.get("/ob/oauth2/authorize", params=params, follow_redirects=False)
        page = plain.get(response.headers["location"])
        assert page.status_code == 400
        assert "no account access consent no-such-consent" in page.text
