"""What fuzzing found in the providers and the admin API, one test per bug (each failed before
its fix). Every response here is also checked against our specs (response validation)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import NamespacedClient
from tests.fena.test_fena_journey import fena, vrp_body
from tests.fuzz.sandbox import build_fuzz_app
from tests.identity.oauth_helpers import bearer, client_token
from tests.moneyhub import helpers as moneyhub
from tests.ob.vrp_helpers import consent_body

AISP = "/ob/open-banking/v3.1/aisp"
PISP = "/ob/open-banking/v3.1/pisp"
DATA = moneyhub.DATA


# -- OBIE: encrypted bodies ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "scope", "body"),
    [
        (f"{AISP}/account-access-consents", "accounts", {"Data": {"Permissions": []}, "Risk": {}}),
        (f"{PISP}/domestic-vrp-consents", "payments", consent_body()),
    ],
)
def test_an_encrypted_body_is_415_not_500(
    api: NamespacedClient, path: str, scope: str, body: dict[str, Any]
) -> None:
    # The specs list application/jose+jwe; Connexion hands such a body over unread (bytes),
    # and the handler failed on it. The profile: an ASPSP that does not decrypt refuses it.
    headers = {
        **bearer(client_token(api, scope)),
        "Content-Type": "application/jose+jwe",
        "x-idempotency-key": "jwe-1",
        "x-jws-signature": "unchecked..signature",
    }
    response = api.post(path, content=json.dumps(body).encode(), headers=headers)
    assert response.status_code == 415, response.text


# -- Moneyhub Data API ---------------------------------------------------------------------------


@pytest.fixture
def two_users(api: NamespacedClient) -> tuple[dict[str, str], str]:
    """A user's token, and an account of another user of the same client."""
    scopes = "accounts:read transactions:read:all transactions:write:all " + (
        "savings_goals:read savings_goals:write:all spending_goals:read spending_goals:write:all"
    )
    mine, theirs = (moneyhub.register_user(api)["userId"] for _ in range(2))
    moneyhub.connect(api, mine)
    moneyhub.connect(api, theirs)
    other = api.get(f"{DATA}/accounts", headers=moneyhub.as_user(api, theirs, scopes))
    return moneyhub.as_user(api, mine, scopes), other.json()["data"][0]["id"]


def test_an_account_a_body_names_must_be_the_users_own(
    api: NamespacedClient, two_users: tuple[dict[str, str], str]
) -> None:
    # The reference swagger has no 404 for these operations (their URL names no account).
    token, foreign = two_users
    transaction = {
        "accountId": foreign,
        "amount": {"value": -100},
        "categoryId": "std:4b0255f0-0309-4509-9e05-4b4e386e9a42",
        "date": "2026-01-01T00:00:00Z",
        "longDescription": "Fuzzed",
    }
    for path, body in (
        ("/transactions", transaction),
        ("/transactions-collection", [transaction]),
        ("/savings-goals", {"name": "Car", "amount": {"value": 1}, "accounts": [{"id": foreign}]}),
    ):
        response = api.post(f"{DATA}{path}", json=body, headers=token)
        assert response.status_code == 400, (path, response.text)
        assert response.json()["code"] == "BadRequest"


def test_a_spending_goal_needs_a_category_of_the_user(
    api: NamespacedClient, two_users: tuple[dict[str, str], str]
) -> None:
    # "" was stored and served back, breaking the CategoryId pattern of our spec.
    token, _ = two_users
    for category in ("", "std:no-such-category"):
        goal = {"categoryId": category, "amount": {"value": 100}}
        response = api.post(f"{DATA}/spending-goals", json=goal, headers=token)
        assert response.status_code == 400, (category, response.text)
    every = {"categoryId": "std:all", "amount": {"value": 100}}
    assert api.post(f"{DATA}/spending-goals", json=every, headers=token).status_code == 200


# -- admin API -----------------------------------------------------------------------------------


def test_advancing_the_clock_past_year_9999_is_a_400(api: NamespacedClient) -> None:
    response = api.post("/__admin/clock/advance", json={"seconds": 4.27e68})
    assert response.status_code == 400, response.text
    assert api.post("/__admin/clock/advance", json={"seconds": 60}).status_code == 200


def test_the_journal_pages_by_64_bit_ids(api: NamespacedClient) -> None:
    # A larger `before` reached SQLite, which refused it (a 500).
    response = api.get("/__admin/requests", params={"before": 2**120})
    assert response.status_code == 400, response.text
    assert api.get("/__admin/requests", params={"before": 2**63 - 1}).status_code == 200


def test_a_snapshot_must_hold_64_bit_counters(api: NamespacedClient) -> None:
    own = api.get("/__admin/state", params={"namespace": api.namespace}).json()
    (state,) = own["namespaces"].values()
    huge = {"version": 1, "namespaces": {api.namespace: {**state, "counters": {"n": 2**70}}}}
    assert api.put("/__admin/state", json=huge).status_code == 400  # SQLite refused it: a 500
    fine = {"version": 1, "namespaces": {api.namespace: state}}
    assert api.put("/__admin/state", json=fine).status_code == 200


def test_a_whole_state_snapshot_must_name_valid_namespaces() -> None:
    # Imported with no namespace named, the snapshot's names become namespaces; one the
    # namespace header can never carry was imported all the same, out of every request's reach.
    # Its own app: a whole-state import replaces every namespace.
    with TestClient(build_fuzz_app()) as own:
        state = own.get("/__admin/state", params={"namespace": "default"}).json()
        (default,) = state["namespaces"].values()
        snapshot = {"version": 1, "namespaces": {"\f\t": default}}
        response = own.put("/__admin/state", json=snapshot)
        assert response.status_code == 400, response.text
        assert own.get("/__admin/health").status_code == 200


def test_fena_relays_amounts_without_their_trailing_point_in_obie_form(
    api: NamespacedClient,
) -> None:
    # Fena takes "384." (no pence); the bank's OBIE consent writes amounts as 384.00.
    body = vrp_body(
        maximumIndividualAmount="400.",
        periodicLimits=[{"periodType": "Day", "periodAlignment": "Consent", "amount": "384."}],
    )
    created = fena(api, "POST", "/payment/vrp-consent", json=body)
    assert created.status_code == 201, created.text
    controls = created.json()["result"]["vrp_consent"]["providerData"]["Data"]["ControlParameters"]
    assert controls["MaximumIndividualAmount"]["Amount"] == "400.00"
    assert [limit["Amount"] for limit in controls["PeriodicLimits"]] == ["384.00"]
