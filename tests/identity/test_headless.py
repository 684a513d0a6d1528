"""Headless consent decisions through the admin API: the same outcomes as the page."""

from __future__ import annotations

from urllib.parse import urlencode

from tests.conftest import NamespacedClient
from tests.identity.oauth_helpers import (
    CONSENTS,
    REDIRECT,
    authorize_params,
    bearer,
    client_token,
    create_consent,
    exchange,
    psu_accounts,
    redirect_params,
    start,
    verify_with_jwks,
)

AUTHORIZE = "http://testserver/ob/oauth2/authorize"


def consent_status(api: NamespacedClient, consent_id: str) -> dict[str, object]:
    return dict(api.get(f"{CONSENTS}/{consent_id}", headers=bearer(client_token(api))).json())


def test_authorize_a_url_as_the_psu(api: NamespacedClient) -> None:
    consent_id = create_consent(api)
    chosen = psu_accounts(api, "alice")[1:2]
    url = f"{AUTHORIZE}?{urlencode(authorize_params(consent_id))}"
    response = api.post("/__admin/authorize", json={"url": url, "psu": "alice", "accounts": chosen})
    assert response.status_code == 200, response.text
    location = response.json()["redirect"]
    assert location.startswith(REDIRECT + "#")
    params = redirect_params(location)
    assert params["state"] == "st-1"
    assert (
        verify_with_jwks(api, params["id_token"], "ob-sandbox-client")["openbanking_intent_id"]
        == consent_id
    )
    assert exchange(api, params["code"]).status_code == 200
    consent = consent_status(api, consent_id)
    assert consent["Status"] == "Authorised" and consent["Accounts"] == chosen


def test_deny_a_url(api: NamespacedClient) -> None:
    consent_id = create_consent(api)
    url = f"{AUTHORIZE}?{urlencode(authorize_params(consent_id))}"
    body = {"url": url, "psu": "bob", "decision": "deny"}
    params = redirect_params(api.post("/__admin/authorize", json=body).json()["redirect"])
    assert params["error"] == "access_denied"
    assert consent_status(api, consent_id)["Status"] == "Rejected"


def test_a_consent_page_url_can_be_decided_too(api: NamespacedClient) -> None:
    page = start(api, authorize_params(create_consent(api)))
    response = api.post("/__admin/authorize", json={"url": page, "psu": "carol"})
    assert "code" in redirect_params(response.json()["redirect"])


def test_errors_the_client_would_see_come_back_as_its_redirect(api: NamespacedClient) -> None:
    params = authorize_params(create_consent(api)) | {"response_type": "token"}
    response = api.post(
        "/__admin/authorize", json={"url": f"{AUTHORIZE}?{urlencode(params)}", "psu": "alice"}
    )
    assert redirect_params(response.json()["redirect"])["error"] == "unsupported_response_type"


def test_refusals_and_bad_input(api: NamespacedClient) -> None:
    consent_id = create_consent(api)
    evil = authorize_params(consent_id, redirect_uri="https://evil.example/cb")
    response = api.post(
        "/__admin/authorize", json={"url": f"{AUTHORIZE}?{urlencode(evil)}", "psu": "alice"}
    )
    assert response.status_code == 400
    unknown_psu = {"url": f"{AUTHORIZE}?{urlencode(authorize_params(consent_id))}", "psu": "zed"}
    assert api.post("/__admin/authorize", json=unknown_psu).status_code == 401
    elsewhere = {"url": "http://testserver/nowhere", "psu": "alice"}
    assert api.post("/__admin/authorize", json=elsewhere).status_code == 400
    foreign_account = {
        "url": f"{AUTHORIZE}?{urlencode(authorize_params(create_consent(api)))}",
        "psu": "alice",
        "accounts": psu_accounts(api, "bob")[:1],
    }
    assert api.post("/__admin/authorize", json=foreign_account).status_code == 400
    assert api.post("/__admin/authorize", json={"psu": "alice"}).status_code == 400


def test_magic_user_rejects_headlessly(api: NamespacedClient) -> None:
    consent_id = create_consent(api)
    url = f"{AUTHORIZE}?{urlencode(authorize_params(consent_id))}"
    response = api.post("/__admin/authorize", json={"url": url, "psu": "rejector"})
    assert redirect_params(response.json()["redirect"])["error"] == "access_denied"


def test_authorise_and_reject_a_consent_by_id(api: NamespacedClient) -> None:
    approved = create_consent(api)
    start(api, authorize_params(approved))  # the client sent the PSU to the bank
    response = api.post(f"/__admin/consents/ob/{approved}/authorise", json={"psu": "bob"})
    assert response.status_code == 200, response.text
    params = redirect_params(response.json()["redirect"])
    tokens = exchange(api, params["code"]).json()
    data = api.get("/ob/__authprobe/data", headers=bearer(tokens["access_token"])).json()
    assert data["psu"] == "bob" and sorted(data["accounts"]) == sorted(psu_accounts(api, "bob"))

    rejected = create_consent(api)
    start(api, authorize_params(rejected))
    response = api.post(f"/__admin/consents/ob/{rejected}/reject")
    assert redirect_params(response.json()["redirect"])["error"] == "access_denied"
    assert consent_status(api, rejected)["Status"] == "Rejected"


def test_a_consent_nobody_is_authorising_yet(api: NamespacedClient) -> None:
    consent_id = create_consent(api)
    response = api.post(f"/__admin/consents/ob/{consent_id}/authorise", json={"psu": "alice"})
    assert response.status_code == 409
    assert "/__admin/authorize" in response.json()["message"]
    assert api.post("/__admin/consents/mogoplus/x/authorise").status_code == 404
    assert api.post("/__admin/consents/fena/x/authorise").status_code == 409
    assert api.post("/__admin/consents/nope/x/authorise").status_code == 400
