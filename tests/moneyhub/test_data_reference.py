"""Live Data API responses against Moneyhub's own swagger (the reference), not just our spec.

A journey (one module-scoped namespace: a user connected to all of alice's accounts, plus an
account, transactions, a category and goals made through the API) calls every Data API
operation that answers with a body, and each response is checked by the shared reference
validator (tests/support/reference_validation.py, which watches every response of the suite
too): matched to the swagger's operation by method and path, its status documented there, its
body valid (Draft 4) against that status's schema, ``$ref``s to ``#/definitions/...`` resolved
through a registry holding the whole document. Error bodies are also validated against the
reference's ``Error`` itself.

The reference is read from beside the checkout (``<root>/shared/reference/moneyhub/``);
without it every test here skips, saying so.

The reference's own slips that tests/moneyhub/test_data_spec.py lists, and what they mean here
(the validator's QUIRKS):
- its examples that fail its own schemas: examples are not used here, only live bodies;
- SpendingAnalysis puts ``required`` (and ``additionalProperties: false``) on the
  ``categories`` array, where Draft 4 ignores them: the validator applies them to the items,
  and ``test_spending_analysis_items_have_the_required_keys`` checks them again;
- POST /transactions-collection bounds its ``data`` array with ``minimum``/``maximum``
  (ignored on arrays): the validator reads them as minItems/maxItems; the item count is
  checked by the journey itself;
- SpendingAnalysisPost's name "format" is a request schema: not used here;
- 400/401/403/404 where the swagger omits them (our spec's deliberate difference): the body
  must be the swagger's ``Error``.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from tests.conftest import NamespacedClient
from tests.moneyhub.helpers import (
    ALL_READ,
    DATA,
    as_client,
    as_user,
    bearer,
    connect,
    register_user,
    token_response,
)
from tests.support.reference_validation import (
    MONEYHUB_DATA,
    Exchange,
    Reference,
    shared_references,
)

SCOPES = (
    f"{ALL_READ} accounts:write:all transactions:write:all categories:write "
    "spending_goals:write spending_goals:write:all savings_goals:write savings_goals:write:all"
)


# Every operation of ours that answers with a body (GET, POST and PATCH), as the reference names
# it. GET /accounts/{accountId}/holdings/{holdingId} is left out: the sandbox's PSUs hold no
# investments, so it only ever answers 404 (its error body is checked with the others).
OPERATIONS: list[Any] = [
    ("get", "/accounts"),
    ("post", "/accounts"),
    ("get", "/accounts-list"),
    ("get", "/accounts/{accountId}"),
    ("patch", "/accounts/{accountId}"),
    ("get", "/accounts/{accountId}/balances"),
    ("post", "/accounts/{accountId}/balances"),
    ("get", "/accounts/{accountId}/holdings"),
    ("get", "/accounts/{accountId}/holdings-with-matches"),
    ("get", "/accounts/{accountId}/counterparties"),
    ("post", "/accounts/{accountId}/recurring-transactions"),
    ("get", "/accounts/{accountId}/standing-orders"),
    ("get", "/accounts/{accountId}/statements"),
    ("get", "/transactions"),
    ("post", "/transactions"),
    ("post", "/transactions-collection"),
    ("get", "/transactions/{transactionId}"),
    ("patch", "/transactions/{transactionId}"),
    ("get", "/categories"),
    ("post", "/categories"),
    ("get", "/categories/{categoryId}"),
    ("get", "/category-groups"),
    ("post", "/spending-analysis"),
    ("get", "/spending-goals"),
    ("post", "/spending-goals"),
    ("get", "/spending-goals/{goalId}"),
    ("patch", "/spending-goals/{goalId}"),
    ("get", "/savings-goals"),
    ("post", "/savings-goals"),
    ("get", "/savings-goals/{goalId}"),
    ("patch", "/savings-goals/{goalId}"),
]
IDS = [
    f"{o.values[0].upper()} {o.values[1]}" if hasattr(o, "values") else f"{o[0].upper()} {o[1]}"
    for o in OPERATIONS
]
# Lists that must not come back empty, or there would be nothing of them to validate.
NON_EMPTY = {
    ("get", "/accounts"),
    ("get", "/accounts-list"),
    ("get", "/accounts/{accountId}/balances"),
    ("get", "/accounts/{accountId}/counterparties"),
    ("post", "/accounts/{accountId}/recurring-transactions"),
    ("get", "/transactions"),
    ("post", "/transactions-collection"),
    ("get", "/categories"),
    ("get", "/category-groups"),
    ("get", "/spending-goals"),
    ("get", "/savings-goals"),
}


@pytest.fixture(scope="module")
def reference() -> Reference:
    if not MONEYHUB_DATA.path.is_file():
        pytest.skip(f"the Moneyhub Data API swagger is not at {MONEYHUB_DATA.path}")
    return shared_references().get(MONEYHUB_DATA)


@dataclass
class Journey:
    bodies: dict[tuple[str, str], list[tuple[str, httpx.Response]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    errors: list[tuple[str, int, httpx.Response]] = field(default_factory=list)


def _template(method: str, path: str, ids: dict[str, str]) -> tuple[str, str]:
    for name, value in ids.items():
        path = path.replace(value, "{" + name + "}")
    return method.lower(), path


@pytest.fixture(scope="module")
def journey(client: TestClient) -> Iterator[Journey]:
    """Every operation, called as a client would; the bodies by operation."""
    api = NamespacedClient(client, f"mhref-{secrets.token_hex(4)}")
    found = Journey()
    user = register_user(api, "reference")["userId"]
    connect(api, user)
    headers = as_user(api, user, SCOPES)
    ids: dict[str, str] = {}
    # Standing orders and statements need scopes of their own.
    granted = token_response(
        api, "accounts:read standing_orders:read statements_basic:read", sub=user
    )
    orders = bearer(granted.json()["access_token"]) if granted.status_code == 200 else None

    def call(
        method: str, path: str, body: Any = None, *, with_: Any = None, expect: int = 200
    ) -> Any:
        response = api.request(method, f"{DATA}{path}", json=body, headers=with_ or headers)
        assert response.status_code == expect, (method, path, response.text)
        if expect >= 400:
            found.errors.append((f"{method} {path}", expect, response))
            return response.json()
        key = _template(method, path.split("?")[0], ids)
        found.bodies[key].append((f"{method} {path}", response))
        return response.json()["data"]

    # accounts, with and without the identifying details
    accounts = call("GET", "/accounts")
    call("GET", "/accounts?showTransactionData=false", with_=as_user(api, user, "accounts:read"))
    call("GET", "/accounts?limit=2&offset=1")
    call("GET", "/accounts-list")
    for account in accounts:
        ids["accountId"] = account["id"]
        call("GET", f"/accounts/{account['id']}")
        call("GET", f"/accounts/{account['id']}/balances")
        call("GET", f"/accounts/{account['id']}/holdings")
        call("GET", f"/accounts/{account['id']}/holdings-with-matches")
        call("GET", f"/accounts/{account['id']}/counterparties")
        call("POST", f"/accounts/{account['id']}/recurring-transactions")
        if orders is not None:
            call("GET", f"/accounts/{account['id']}/standing-orders", with_=orders)
            call("GET", f"/accounts/{account['id']}/statements", with_=orders)
    current = next(a for a in accounts if a["type"] == "cash:current")
    made = call(
        "POST",
        "/accounts",
        {
            "accountName": "Cash jar",
            "providerName": "Kitchen",
            "type": "cash:current",
            "accountType": "personal",
            "balance": {"amount": {"value": 12345}, "date": "2026-01-01"},
        },
    )
    ids["accountId"] = made["id"]
    call("PATCH", f"/accounts/{made['id']}", {"accountName": "Big jar", "providerName": "Larder"})
    call(
        "POST",
        f"/accounts/{made['id']}/balances",
        {"amount": {"value": 2000}, "date": "2026-02-01"},
    )
    call("GET", f"/accounts/{made['id']}/balances")
    call("GET", f"/accounts/{made['id']}")

    # transactions
    call("GET", "/transactions?limit=200")
    call("GET", f"/transactions?accountId={current['id']}&limit=50&offset=50")
    call("GET", "/transactions?limit=30", with_=as_user(api, user, "transactions:read:in"))
    categories = call("GET", "/categories")
    groceries = next(c for c in categories if c.get("key") == "groceries")
    row = {
        "accountId": made["id"],
        "amount": {"value": -1999},
        "categoryId": groceries["categoryId"],
        "categoryIdConfirmed": True,
        "date": "2026-01-03T12:30:00.000Z",
        "longDescription": "FARM SHOP LTD",
        "shortDescription": "Farm shop",
        "notes": "eggs",
        "status": "posted",
    }
    created = call("POST", "/transactions", row)
    collection = call("POST", "/transactions-collection", [row, {**row, "amount": {"value": 500}}])
    assert len(collection) == 2
    ids["transactionId"] = created["id"]
    call("GET", f"/transactions/{created['id']}")
    call("PATCH", f"/transactions/{created['id']}", {"notes": "free-range"})
    for listed in call("GET", "/transactions?limit=5"):
        ids["transactionId"] = listed["id"]
        call("GET", f"/transactions/{listed['id']}")

    # categories
    custom = call("POST", "/categories", {"group": "group:4", "name": "Pets"})
    call("GET", "/categories?type=personal")
    call("GET", "/categories?type=all&limit=5")
    for category in (groceries, custom):
        ids["categoryId"] = category["categoryId"]
        call("GET", f"/categories/{category['categoryId']}")
    call("GET", "/category-groups")
    call("GET", "/category-groups?type=business")

    # spending analysis
    call(
        "POST",
        "/spending-analysis",
        {
            "dates": [
                {"name": "currentMonth", "from": "2026-10-01", "to": "2026-10-31"},
                {"name": "previousMonth", "from": "2026-09-01", "to": "2026-09-30"},
            ]
        },
    )
    call(
        "POST",
        "/spending-analysis",
        {
            "dates": [{"name": "year", "from": "2025-01-01", "to": "2026-12-31"}],
            "accountIds": [current["id"]],
            "categoryIds": [groceries["categoryId"]],
        },
    )

    # goals
    spending = call(
        "POST",
        "/spending-goals",
        {
            "categoryId": groceries["categoryId"],
            "periodType": "monthly",
            "periodStart": "01",
            "amount": {"value": 30000},
        },
    )
    call(
        "POST",
        "/spending-goals",
        {
            "categoryId": custom["categoryId"],
            "periodType": "annual",
            "periodStart": "06-04",
            "amount": {"value": 1000},
        },
    )
    ids["goalId"] = spending["id"]
    call("GET", "/spending-goals")
    call("GET", f"/spending-goals/{spending['id']}")
    call("PATCH", f"/spending-goals/{spending['id']}", {"amount": {"value": 25000}})
    saving = call(
        "POST",
        "/savings-goals",
        {
            "name": "House deposit",
            "amount": {"value": 5000000},
            "notes": "by 2030",
            "targetDate": "2030-01-01",
            "accounts": [{"id": a["id"]} for a in accounts if a["type"] != "card"],
        },
    )
    ids["goalId"] = saving["id"]
    call("GET", "/savings-goals")
    call("GET", f"/savings-goals/{saving['id']}")
    call("PATCH", f"/savings-goals/{saving['id']}", {"name": "Deposit", "amount": {"value": 100}})

    # errors
    call("GET", "/accounts", with_={"Authorization": "Bearer nope"}, expect=401)
    call("GET", "/accounts", with_=as_user(api, user, "categories:read"), expect=403)
    call("GET", "/accounts", with_=as_client(api, "accounts:read"), expect=403)
    call("GET", "/accounts/00000000-0000-4000-8000-000000000000", expect=404)
    call("GET", f"/accounts/{current['id']}/holdings/no-such-holding", expect=404)
    call("GET", "/transactions/00000000-0000-4000-8000-000000000000", expect=404)
    call("POST", "/categories", {"group": "group:99", "name": "Bad"}, expect=400)
    call("GET", "/transactions?limit=-1", expect=400)
    call("GET", "/accounts", with_=bearer(""), expect=401)

    yield found
    client.post("/__admin/reset", params={"namespace": api.namespace})


def problems(response: httpx.Response) -> tuple[str | None, list[str]]:
    """The operation the shared validator checked the response as, and what broke it."""
    verdict = shared_references().judge(Exchange.of_httpx(response).seen())
    return verdict.operation, [verdict.reason] if verdict.reason else list(verdict.problems)


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=IDS)
def test_the_live_body_is_valid_against_the_reference(
    reference: Reference, journey: Journey, method: str, path: str
) -> None:
    calls = journey.bodies[(method, path)]
    assert calls, f"the journey never called {method.upper()} {path}"
    found = {label: problems(response) for label, response in calls}
    assert {label: f for label, f in found.items() if f != (f"{method.upper()} {path}", [])} == {}
    if (method, path) in NON_EMPTY:
        assert any(r.json()["data"] for _, r in calls), f"nothing to validate in {path}"


def test_every_body_is_the_data_meta_envelope(journey: Journey) -> None:
    for calls in journey.bodies.values():
        for label, response in calls:
            body = response.json()
            assert set(body) <= {"data", "links", "meta"}, label
            assert "data" in body and isinstance(body.get("meta", {}), dict), label


def test_the_error_bodies_are_the_references_error(reference: Reference, journey: Journey) -> None:
    assert {status for _, status, _ in journey.errors} == {400, 401, 403, 404}
    for label, status, response in journey.errors:
        assert problems(response)[1] == [], (label, status)
        body = response.json()
        assert reference.schema_errors("/definitions/Error", body) == [], (label, status)
        assert body["code"] and body["message"], (label, status)


def test_spending_analysis_items_have_the_required_keys(
    reference: Reference, journey: Journey
) -> None:
    """What the reference meant by ``required`` on the ``categories`` array (one of its slips
    that test_data_spec.py corrects, and the validator reads as meant, on the items): every
    item has categoryId and categoryGroup, and one integer per date range."""
    categories = reference.document["definitions"]["SpendingAnalysis"]["properties"]["categories"]
    required = categories["items"].get("required") or ["categoryId"]
    assert {"categoryId", "categoryGroup"} <= set(required)
    for label, response in journey.bodies[("post", "/spending-analysis")]:
        body = response.json()
        names = set(body["data"]["total"])
        assert names, label
        for item in body["data"]["categories"]:
            assert set(required) <= set(item), (label, item)
            assert item["categoryId"] and item["categoryGroup"].startswith("group:"), label
            assert all(isinstance(item[n], int) for n in names), (label, item)
