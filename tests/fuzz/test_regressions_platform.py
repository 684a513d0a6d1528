"""What fuzzing found in the shared request layer, one test per bug (each failed before its fix).

Every response here is also checked against our specs by the session app (response validation).
"""

from __future__ import annotations

from tests.conftest import NamespacedClient
from tests.identity.oauth_helpers import TPP, basic, bearer, client_token
from tests.moneyhub import helpers as moneyhub

DATA = moneyhub.DATA
TRANSACTIONS = f"{DATA}/transactions"


def _moneyhub_user(api: NamespacedClient) -> dict[str, str]:
    user = moneyhub.register_user(api)["userId"]
    moneyhub.connect(api, user)
    return moneyhub.as_user(api, user, "accounts:read accounts:write:all transactions:read:all")


def test_a_date_query_parameter_must_be_a_calendar_date(api: NamespacedClient) -> None:
    # Connexion's Draft 4 checker knows no `date`: "" and "null" reached the handler (a 500).
    reader = _moneyhub_user(api)
    for value in ("", "null", "2026-02-30", "2026-1-1", "2026-01-01T00:00:00Z"):
        response = api.get(TRANSACTIONS, params={"startDateModified": value}, headers=reader)
        assert response.status_code == 400, (value, response.text)
        assert "startDateModified" in response.json()["message"]
    good = api.get(TRANSACTIONS, params={"startDateModified": "2026-01-01"}, headers=reader)
    assert good.status_code == 200, good.text


def test_a_date_in_a_body_must_be_a_calendar_date(api: NamespacedClient) -> None:
    # `details.fixedDate: ""` was stored, then every account listing broke our own spec.
    writer = _moneyhub_user(api)
    account = {
        "accountName": "Fuzzed",
        "providerName": "Manual",
        "type": "cash:current",
        "accountType": "personal",
        "balance": {"amount": {"value": 100}, "date": "2026-01-01"},
        "details": {"fixedDate": ""},
    }
    refused = api.post(f"{DATA}/accounts", json=account, headers=writer)
    assert refused.status_code == 400, refused.text
    assert "is not a 'date'" in refused.json()["message"]
    account["details"] = {"fixedDate": "2027-06-30"}
    assert api.post(f"{DATA}/accounts", json=account, headers=writer).status_code == 200


def test_an_optional_json_body_may_be_left_out(api: NamespacedClient) -> None:
    # Connexion 3.3 answered "Request body must not be empty" for a body the spec makes optional.
    token = moneyhub.client_token(api, "user:create")
    left_out = api.post(f"{moneyhub.IDENTITY}/users", headers=bearer(token))
    assert left_out.status_code == 201, left_out.text
    # ...but a JSON null is a body, and not a UserRequest object.
    null = api.post(
        f"{moneyhub.IDENTITY}/users",
        content=b"null",
        headers={**bearer(token), "Content-Type": "application/json"},
    )
    assert null.status_code == 400, null.text


def test_an_id_with_an_encoded_newline_is_not_found_not_unrouted(api: NamespacedClient) -> None:
    # Starlette's mounts match `.*`, which stops at "\n": the request found no route (a 404
    # OBIE does not document for this operation, and without its error body).
    token = client_token(api, "accounts")
    response = api.get(
        "/ob/open-banking/v3.1/aisp/account-access-consents/a%0Ab", headers=bearer(token)
    )
    assert response.status_code == 400, response.text
    assert response.json()["Errors"][0]["ErrorCode"] == "UK.OBIE.Resource.NotFound"


def test_a_token_request_refused_by_validation_is_an_oauth_error(api: NamespacedClient) -> None:
    # RFC 6749 5.2: {"error", "error_description"}; it was the OBIE envelope.
    no_body = api.post("/ob/oauth2/token", headers=basic(*TPP))
    assert no_body.status_code == 400
    assert no_body.json()["error"] == "invalid_request"
    bad_grant = api.post("/ob/oauth2/token", data={"grant_type": "password"}, headers=basic(*TPP))
    assert bad_grant.status_code == 400
    assert bad_grant.json()["error"] == "unsupported_grant_type"
    short = {"grant_type": "authorization_code", "code": "c", "code_verifier": "too-short"}
    assert api.post("/ob/oauth2/token", data=short, headers=basic(*TPP)).json()["error"] == (
        "invalid_request"
    )
    par = api.post("/ob/oauth2/par", headers=basic(*TPP))
    assert par.status_code == 400 and par.json()["error"] == "invalid_request"


def test_moneyhub_token_and_par_validation_errors_are_oauth_errors(api: NamespacedClient) -> None:
    for path in ("/oidc/token", "/oidc/request"):
        response = api.post(f"{moneyhub.IDENTITY}{path}", headers=moneyhub.basic())
        assert response.status_code == 400, response.text
        assert response.json()["error"] == "invalid_request", path
