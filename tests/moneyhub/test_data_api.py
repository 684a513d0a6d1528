"""Moneyhub's Data API v2.0 as an API client meets it (issue 7): tokens and scopes, a user's
accounts and transactions brought by a connection, their filters, writes, categories, spending
analysis, goals, counterparties and recurring-payment estimates.

Reading is done in one namespace per module (``world``): a user connected to all of alice's
accounts, and a second user of the same client connected to her savings account only. Tests
that write make their own user there (with an account added through the API), so they do not
disturb the others.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

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
    psu_accounts,
    register_user,
)

# Not spending (the document: "This calculation do not include income and transfers"): the
# income group, loans received, and money moved between one's own accounts.
INCOME_GROUP = "group:1"
NOT_SPENDING_KEYS = {"loans-received", "transfers", "credit-card-repayment"}
WRITE = (
    "accounts:read accounts:write:all transactions:read:all transactions:write:all "
    "categories:read categories:write spending_goals:read spending_goals:write "
    "spending_goals:write:all savings_goals:read savings_goals:write savings_goals:write:all"
)


@dataclass
class World:
    api: NamespacedClient
    user: str  # connected to all of alice's accounts
    other: str  # connected to her savings account only
    other_account: str
    other_transaction: str
    other_spending_goal: str
    other_savings_goal: str
    reader: dict[str, str]  # ALL_READ for ``user``
    rows: list[Any] | None = None  # every transaction of ``user`` (nothing here changes them)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.api.get(f"{DATA}{path}", headers=kwargs.pop("headers", self.reader), **kwargs)

    def data(self, path: str, **params: Any) -> Any:
        response = self.get(path, params=params)
        assert response.status_code == 200, response.text
        return response.json()["data"]


@pytest.fixture(scope="module")
def world(client: TestClient) -> Iterator[World]:
    api = NamespacedClient(client, f"mhdata-{secrets.token_hex(4)}")
    user = register_user(api, "world-user")["userId"]
    connect(api, user)
    other = register_user(api, "world-other")["userId"]
    connect(api, other, [psu_accounts(api)["savings"]["id"]])
    theirs = as_user(api, other, WRITE)
    (account,) = api.get(f"{DATA}/accounts", headers=theirs).json()["data"]
    row = api.get(f"{DATA}/transactions", params={"limit": 1}, headers=theirs).json()["data"][0]
    spending = api.post(
        f"{DATA}/spending-goals",
        json={"categoryId": row["categoryId"], "periodType": "monthly", "amount": {"value": 100}},
        headers=theirs,
    ).json()["data"]
    saving = api.post(
        f"{DATA}/savings-goals",
        json={"name": "Theirs", "amount": {"value": 100}, "accounts": [{"id": account["id"]}]},
        headers=theirs,
    ).json()["data"]
    yield World(
        api=api,
        user=user,
        other=other,
        other_account=account["id"],
        other_transaction=row["id"],
        other_spending_goal=spending["id"],
        other_savings_goal=saving["id"],
        reader=as_user(api, user),
    )
    client.post("/__admin/reset", params={"namespace": api.namespace})


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert isinstance(body["code"], str) and isinstance(body["message"], str)
    assert set(body) <= {"code", "message", "correlationId"}
    if code is not None:
        assert body["code"] == code
    return body


def every_transaction(
    world: World, headers: dict[str, str] | None = None, **params: Any
) -> list[Any]:
    """Every page of GET /transactions (the unfiltered list of the world's user is read once)."""
    if headers is None and not params and world.rows is not None:
        return world.rows
    rows: list[Any] = []
    while True:
        response = world.get(
            "/transactions",
            params={**params, "limit": 1000, "offset": len(rows)},
            headers=headers or world.reader,
        )
        assert response.status_code == 200, response.text
        page = response.json()["data"]
        rows.extend(page)
        if len(page) < 1000:
            if headers is None and not params:
                world.rows = rows
            return rows


def day(row: dict[str, Any]) -> date:
    return datetime.fromisoformat(row["date"].replace("Z", "+00:00")).date()


def accounts_by_type(world: World) -> dict[str, dict[str, Any]]:
    return {a["type"]: a for a in world.data("/accounts")}


@pytest.fixture
def writer(world: World) -> Iterator[tuple[str, dict[str, str], str]]:
    """A fresh user of the world with an account added through the API: (user, headers,
    account id)."""
    user = register_user(world.api)["userId"]
    headers = as_user(world.api, user, WRITE)
    body = {
        "accountName": "Cash jar",
        "providerName": "Kitchen",
        "type": "cash:current",
        "accountType": "personal",
        "balance": {"amount": {"value": 12345}, "date": "2026-01-01"},
    }
    made = world.api.post(f"{DATA}/accounts", json=body, headers=headers)
    assert made.status_code == 200, made.text
    yield user, headers, made.json()["data"]["id"]


# -- tokens and scopes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/accounts"),
        ("GET", "/transactions"),
        ("GET", "/categories"),
        ("POST", "/spending-analysis"),
        ("GET", "/savings-goals"),
    ],
)
def test_no_token_is_a_401_in_moneyhubs_envelope(world: World, method: str, path: str) -> None:
    assert_error(world.api.request(method, f"{DATA}{path}"), 401, "Unauthorized")
    garbage = world.api.request(method, f"{DATA}{path}", headers=bearer("not-a-token"))
    assert_error(garbage, 401, "Unauthorized")


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("GET", "/accounts", "transactions:read:all"),
        ("GET", "/transactions", "accounts:read"),
        ("GET", "/categories", "accounts:read"),
        ("GET", "/category-groups", "accounts:read"),
        ("POST", "/spending-analysis", "transactions:read:all"),
        ("GET", "/spending-goals", "savings_goals:read"),
        ("GET", "/savings-goals", "spending_goals:read"),
        ("POST", "/transactions", "transactions:read:all"),
        ("POST", "/accounts", "accounts:read"),
        ("POST", "/categories", "categories:read"),
    ],
)
def test_a_token_without_the_operations_scope_is_a_403(
    world: World, method: str, path: str, scope: str
) -> None:
    headers = as_user(world.api, world.user, scope)
    body = {"dates": [{"name": "x", "from": "2026-01-01", "to": "2026-01-31"}]}
    response = world.api.request(
        method, f"{DATA}{path}", headers=headers, json=body if method == "POST" else None
    )
    assert_error(response, 403, "Forbidden")


def test_the_scope_of_one_account_operation_is_not_anothers(world: World) -> None:
    account = accounts_by_type(world)["cash:current"]["id"]
    accounts_only = as_user(world.api, world.user, "accounts:read")
    assert world.get(f"/accounts/{account}", headers=accounts_only).status_code == 200
    counterparties = world.get(f"/accounts/{account}/counterparties", headers=accounts_only)
    assert_error(counterparties, 403)
    delete = world.api.delete(f"{DATA}/accounts/{account}", headers=accounts_only)
    assert_error(delete, 403)
    assert world.get(f"/accounts/{account}").status_code == 200


@pytest.mark.parametrize("path", ["/accounts", "/transactions", "/spending-goals", "/categories"])
def test_a_bare_client_token_reads_no_ones_data(world: World, path: str) -> None:
    headers = as_client(world.api, ALL_READ)
    assert_error(world.get(path, headers=headers), 403)


def test_another_users_things_are_404(world: World) -> None:
    assert_error(world.get(f"/accounts/{world.other_account}"), 404, "NotFound")
    assert_error(world.get(f"/accounts/{world.other_account}/balances"), 404)
    assert_error(world.get(f"/transactions/{world.other_transaction}"), 404, "NotFound")
    assert_error(world.get(f"/spending-goals/{world.other_spending_goal}"), 404, "NotFound")
    assert_error(world.get(f"/savings-goals/{world.other_savings_goal}"), 404, "NotFound")
    ids = {r["id"] for r in every_transaction(world)}
    assert world.other_transaction not in ids
    assert world.other_account not in {a["id"] for a in world.data("/accounts")}


def test_another_users_things_cannot_be_changed(world: World) -> None:
    mine = as_user(world.api, world.user, WRITE)
    api = world.api
    patched = api.request(
        "PATCH", f"{DATA}/transactions/{world.other_transaction}", json={"notes": "x"}, headers=mine
    )
    assert_error(patched, 404)
    assert_error(api.delete(f"{DATA}/transactions/{world.other_transaction}", headers=mine), 404)
    assert_error(api.delete(f"{DATA}/accounts/{world.other_account}", headers=mine), 404)
    assert_error(
        api.delete(f"{DATA}/spending-goals/{world.other_spending_goal}", headers=mine), 404
    )
    assert_error(api.delete(f"{DATA}/savings-goals/{world.other_savings_goal}", headers=mine), 404)
    body = {
        "accountId": world.other_account,
        "amount": {"value": -100},
        "categoryId": "std:x",
        "date": "2026-01-02T00:00:00.000Z",
        "longDescription": "Not yours",
    }
    # The body names the account: a 400 (the reference has no 404 where the URL names none).
    assert_error(api.post(f"{DATA}/transactions", json=body, headers=mine), 400)
    theirs = as_user(api, world.other, ALL_READ)
    row = api.get(f"{DATA}/transactions/{world.other_transaction}", headers=theirs)
    assert row.status_code == 200 and row.json()["data"]["notes"] != "x"
    assert api.get(f"{DATA}/accounts/{world.other_account}", headers=theirs).status_code == 200


# -- accounts -------------------------------------------------------------------------------------


def test_accounts_are_the_connected_ones_in_pence(world: World) -> None:
    accounts = world.data("/accounts")
    psu = psu_accounts(world.api)
    assert sorted(a["accountName"] for a in accounts) == sorted(a["name"] for a in psu.values())
    for account in accounts:
        amount = account["balance"]["amount"]
        assert isinstance(amount["value"], int) and amount["currency"] == "GBP"
        assert account["connectionId"] and account["providerId"]
    assert {a["type"] for a in accounts} == {"cash:current", "savings", "card"}


def test_accounts_details_read_governs_the_account_numbers(world: World) -> None:
    psu = {a["name"]: a for a in psu_accounts(world.api).values()}
    without = as_user(world.api, world.user, "accounts:read")
    for account in world.data("/accounts"):
        expected = psu[account["accountName"]]
        if account["type"] != "card":  # cash and savings accounts, as the reference says
            assert account["details"]["sortCodeAccountNumber"] == (
                expected["sort_code"] + expected["account_number"]
            )
            assert account["details"]["iban"] == expected["iban"]
        one = world.get(f"/accounts/{account['id']}", headers=without).json()["data"]
        assert "sortCodeAccountNumber" not in one["details"]
        assert "iban" not in one["details"]
        assert "pan" not in one["details"]
    for account in world.get("/accounts", headers=without).json()["data"]:
        assert not {"sortCodeAccountNumber", "iban", "pan"} & set(account["details"])


def test_accounts_details_read_governs_the_holder_name(world: World) -> None:
    without = as_user(world.api, world.user, "accounts:read")
    with_details = world.data("/accounts")
    assert all(a.get("accountHolderName") for a in with_details)
    for account in world.get("/accounts", headers=without).json()["data"]:
        assert "accountHolderName" not in account
        assert "accountReference" not in account


def test_accounts_page_with_limit_and_offset(world: World) -> None:
    every = world.data("/accounts")
    response = world.get("/accounts", params={"limit": 1, "offset": 1})
    assert response.status_code == 200
    body = response.json()
    assert [a["id"] for a in body["data"]] == [every[1]["id"]]
    assert body["meta"]["total"] == len(every)
    assert world.data("/accounts", offset=len(every)) == []


def test_an_accounts_balances_and_holdings(world: World) -> None:
    account = accounts_by_type(world)["cash:current"]
    balances = world.data(f"/accounts/{account['id']}/balances")
    assert balances[0]["amount"]["value"] == account["balance"]["amount"]["value"]
    assert world.data(f"/accounts/{account['id']}/holdings") == []


def test_an_account_added_through_the_api(
    world: World, writer: tuple[str, dict[str, str], str]
) -> None:
    _, headers, account_id = writer
    api = world.api
    made = api.get(f"{DATA}/accounts/{account_id}", headers=headers).json()["data"]
    assert made["accountName"] == "Cash jar" and made["balance"]["amount"]["value"] == 12345
    patched = api.request(
        "PATCH",
        f"{DATA}/accounts/{account_id}",
        json={"accountName": "Big jar", "providerName": "Larder"},
        headers=headers,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["data"]["accountName"] == "Big jar"
    kept = api.get(f"{DATA}/accounts/{account_id}", headers=headers).json()["data"]
    assert kept["accountName"] == "Big jar" and kept["providerName"] == "Larder"

    added = api.post(
        f"{DATA}/accounts/{account_id}/balances",
        json={"amount": {"value": 20000}, "date": "2026-02-01"},
        headers=headers,
    )
    assert added.status_code == 200, added.text
    assert added.json()["data"]["amount"]["value"] == 20000
    values = [
        b["amount"]["value"]
        for b in api.get(f"{DATA}/accounts/{account_id}/balances", headers=headers).json()["data"]
    ]
    assert values[0] == 20000
    now = api.get(f"{DATA}/accounts/{account_id}", headers=headers).json()["data"]
    assert now["balance"]["amount"]["value"] == 20000

    assert api.delete(f"{DATA}/accounts/{account_id}", headers=headers).status_code == 204
    assert_error(api.get(f"{DATA}/accounts/{account_id}", headers=headers), 404)


def test_added_balances_keep_the_history(
    world: World, writer: tuple[str, dict[str, str], str]
) -> None:
    _, headers, account_id = writer
    api = world.api
    for value, when in ((20000, "2026-02-01"), (15000, "2026-03-01")):
        added = api.post(
            f"{DATA}/accounts/{account_id}/balances",
            json={"amount": {"value": value}, "date": when},
            headers=headers,
        )
        assert added.status_code == 200, added.text
    listed = api.get(f"{DATA}/accounts/{account_id}/balances", headers=headers).json()["data"]
    assert [(b["date"], b["amount"]["value"]) for b in listed] == [
        ("2026-03-01", 15000),
        ("2026-02-01", 20000),
        ("2026-01-01", 12345),
    ]


# -- transactions ---------------------------------------------------------------------------------


def test_transactions_are_newest_first_in_pence(world: World) -> None:
    rows = every_transaction(world)
    assert len(rows) > 100
    dates = [r["date"] for r in rows]
    assert dates == sorted(dates, reverse=True)
    for row in rows[:50]:
        assert isinstance(row["amount"]["value"], int)
        assert row["categoryId"].startswith(("std:", "cus:"))


def test_major_and_minor_units_are_positive_parts_of_the_value(world: World) -> None:
    for row in every_transaction(world)[:200]:
        amount = row["amount"]
        assert amount["majorUnits"] >= 0 and 0 <= amount["minorUnits"] < 100, amount
        assert abs(amount["value"]) == amount["majorUnits"] * 100 + amount["minorUnits"]


def test_transactions_page_with_limit_and_offset(world: World) -> None:
    every = every_transaction(world)
    response = world.get("/transactions", params={"limit": 7, "offset": 5})
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["data"]] == [r["id"] for r in every[5:12]]
    assert response.json()["meta"]["total"] == len(every)
    assert world.data("/transactions", limit=0) == []


def test_transactions_between_two_dates_inclusive(world: World) -> None:
    every = every_transaction(world)
    middle = day(every[len(every) // 2])
    start, end = middle - timedelta(days=9), middle
    rows = every_transaction(world, startDate=start.isoformat(), endDate=end.isoformat())
    expected = [r["id"] for r in every if start <= day(r) <= end]
    assert expected and [r["id"] for r in rows] == expected
    assert day(rows[0]) == end  # the end day is in the window
    only_start = every_transaction(world, startDate=middle.isoformat())
    assert [r["id"] for r in only_start] == [r["id"] for r in every if day(r) >= middle]


def test_transactions_of_one_account(world: World) -> None:
    every = every_transaction(world)
    account = accounts_by_type(world)["savings"]["id"]
    rows = every_transaction(world, accountId=account)
    assert rows and [r["id"] for r in rows] == [r["id"] for r in every if r["accountId"] == account]


def test_transactions_matching_text_and_category(world: World) -> None:
    every = every_transaction(world)
    rows = every_transaction(world, text="harbour")
    expected = [
        r["id"]
        for r in every
        if "harbour" in f"{r['longDescription']} {r['shortDescription']}".lower()
    ]
    assert expected and [r["id"] for r in rows] == expected
    rent = rows[0]["categoryId"]
    in_category = every_transaction(world, categoryId=rent)
    assert [r["id"] for r in in_category] == [r["id"] for r in every if r["categoryId"] == rent]


def test_the_text_filter_searches_notes_too(
    world: World, writer: tuple[str, dict[str, str], str]
) -> None:
    _, headers, account_id = writer
    body = {
        "accountId": account_id,
        "amount": {"value": -250},
        "categoryId": "std:x",
        "date": "2026-01-05T10:00:00.000Z",
        "longDescription": "CORNER SHOP",
        "notes": "zebra crossing snacks",
    }
    made = world.api.post(f"{DATA}/transactions", json=body, headers=headers).json()["data"]
    found = world.api.get(f"{DATA}/transactions", params={"text": "zebra"}, headers=headers)
    assert [r["id"] for r in found.json()["data"]] == [made["id"]]


def test_transactions_read_in_returns_only_the_credits(world: World) -> None:
    every = every_transaction(world)
    credits = every_transaction(world, as_user(world.api, world.user, "transactions:read:in"))
    assert credits and all(r["amount"]["value"] > 0 for r in credits)
    assert [r["id"] for r in credits] == [r["id"] for r in every if r["amount"]["value"] > 0]
    debits = every_transaction(world, as_user(world.api, world.user, "transactions:read:out"))
    assert [r["id"] for r in debits] == [r["id"] for r in every if r["amount"]["value"] < 0]


def test_create_get_patch_and_delete_a_transaction(
    world: World, writer: tuple[str, dict[str, str], str]
) -> None:
    _, headers, account_id = writer
    api = world.api
    groceries = next(c for c in world.data("/categories") if c.get("key") == "groceries")
    body = {
        "accountId": account_id,
        "amount": {"value": -1999},
        "categoryId": groceries["categoryId"],
        "categoryIdConfirmed": True,
        "date": "2026-01-03T12:30:00.000Z",
        "longDescription": "FARM SHOP LTD",
        "shortDescription": "Farm shop",
        "notes": "eggs",
        "status": "posted",
    }
    created = api.post(f"{DATA}/transactions", json=body, headers=headers)
    assert created.status_code == 200, created.text
    row = created.json()["data"]
    assert row["id"] and row["accountId"] == account_id
    assert row["amount"]["value"] == -1999 and row["amount"]["currency"] == "GBP"
    for field in ("categoryId", "categoryIdConfirmed", "longDescription", "shortDescription"):
        assert row[field] == body[field], field
    assert row["notes"] == "eggs" and row["status"] == "posted"
    assert row["date"].startswith("2026-01-03T12:30:00")
    fetched = api.get(f"{DATA}/transactions/{row['id']}", headers=headers).json()["data"]
    assert fetched == row

    patched = api.request(
        "PATCH",
        f"{DATA}/transactions/{row['id']}",
        json={"notes": "free-range eggs", "longDescription": "FARM SHOP"},
        headers=headers,
    )
    assert patched.status_code == 200, patched.text
    changed = patched.json()["data"]
    assert changed["notes"] == "free-range eggs" and changed["longDescription"] == "FARM SHOP"
    assert changed["amount"]["value"] == -1999 and changed["categoryId"] == body["categoryId"]
    kept = api.get(f"{DATA}/transactions/{row['id']}", headers=headers).json()["data"]
    assert kept["notes"] == "free-range eggs"

    assert api.delete(f"{DATA}/transactions/{row['id']}", headers=headers).status_code == 204
    assert_error(api.get(f"{DATA}/transactions/{row['id']}", headers=headers), 404)
    assert_error(api.delete(f"{DATA}/transactions/{row['id']}", headers=headers), 404)


def test_a_transactions_collection(world: World, writer: tuple[str, dict[str, str], str]) -> None:
    _, headers, account_id = writer
    items = [
        {
            "accountId": account_id,
            "amount": {"value": value},
            "categoryId": "std:efad08a7-f699-50c5-906d-a875f9033736",
            "date": f"2026-01-{n + 10}T09:00:00.000Z",
            "longDescription": f"ITEM {n}",
        }
        for n, value in enumerate((-500, 1200))
    ]
    made = world.api.post(f"{DATA}/transactions-collection", json=items, headers=headers)
    assert made.status_code == 200, made.text
    ids = [r["id"] for r in made.json()["data"]]
    assert len(ids) == 2 and set(made.json()["data"][0]) == {"id"}
    listed = world.api.get(f"{DATA}/transactions", headers=headers).json()["data"]
    assert [r["id"] for r in listed] == ids[::-1]  # newest first
    assert [r["amount"]["value"] for r in listed] == [1200, -500]


def test_a_transaction_needs_an_account_of_the_user(
    world: World, writer: tuple[str, dict[str, str], str]
) -> None:
    _, headers, _ = writer
    body = {
        "accountId": "00000000-0000-4000-8000-000000000000",
        "amount": {"value": -100},
        "categoryId": "std:x",
        "date": "2026-01-02T00:00:00.000Z",
        "longDescription": "Nowhere",
    }
    assert_error(world.api.post(f"{DATA}/transactions", json=body, headers=headers), 400)


# -- categories -----------------------------------------------------------------------------------


def test_standard_categories_and_their_groups(world: World) -> None:
    categories = world.data("/categories")
    groups = world.data("/category-groups")
    group_ids = {g["id"] for g in groups}
    assert all(g["id"].startswith("group:") and g["key"] for g in groups)
    assert categories and all(c["categoryId"].startswith("std:") for c in categories)
    assert {c["group"] for c in categories} <= group_ids
    wages = next(c for c in categories if c.get("key") == "wages")
    one = world.data(f"/categories/{wages['categoryId']}")
    assert one["categoryId"] == wages["categoryId"] and one["group"] == wages["group"]
    assert one["name"] == "Wages"
    used = {r["categoryId"] for r in every_transaction(world)}
    assert used <= {c["categoryId"] for c in categories}
    assert_error(world.get("/categories/std:no-such-category"), 404)


def test_a_custom_category(world: World, writer: tuple[str, dict[str, str], str]) -> None:
    _, headers, _ = writer
    api = world.api
    made = api.post(
        f"{DATA}/categories", json={"group": "group:4", "name": "Pets"}, headers=headers
    )
    assert made.status_code == 200, made.text
    custom = made.json()["data"]
    assert custom["categoryId"].startswith("cus:")
    assert custom["name"] == "Pets" and custom["group"] == "group:4"
    mine = api.get(f"{DATA}/categories", headers=headers).json()["data"]
    assert custom in mine
    fetched = api.get(f"{DATA}/categories/{custom['categoryId']}", headers=headers)
    assert fetched.json()["data"] == custom
    # Another user of the same client does not have it.
    assert custom["categoryId"] not in {c["categoryId"] for c in world.data("/categories")}
    assert_error(world.get(f"/categories/{custom['categoryId']}"), 404)


@pytest.mark.parametrize("group", ["group:99", "groceries", "group:"])
def test_a_custom_category_needs_a_known_group(
    world: World, writer: tuple[str, dict[str, str], str], group: str
) -> None:
    _, headers, _ = writer
    response = world.api.post(
        f"{DATA}/categories", json={"group": group, "name": "Bad"}, headers=headers
    )
    assert_error(response, 400)
    listed = world.api.get(f"{DATA}/categories", headers=headers).json()["data"]
    assert all(c["categoryId"].startswith("std:") for c in listed)


# -- spending analysis ----------------------------------------------------------------------------


def _ranges(world: World) -> list[tuple[str, date, date]]:
    latest = day(world.data("/transactions", limit=1)[0])
    first = latest.replace(day=1)
    previous = (first - timedelta(days=1)).replace(day=1)
    return [
        ("thisMonth", first, latest),
        ("lastMonth", previous, first - timedelta(days=1)),
        ("lastQuarter", first - timedelta(days=90), first - timedelta(days=1)),
    ]


def _expected_spending(
    world: World,
    ranges: list[tuple[str, date, date]],
    wanted: set[str] | None = None,
    account: str | None = None,
) -> dict[str, dict[str, int]]:
    """Spending per category and date range, computed from GET /transactions."""
    categories = {c["categoryId"]: c for c in world.data("/categories")}
    spent: dict[str, dict[str, int]] = defaultdict(lambda: {name: 0 for name, _, _ in ranges})
    for name, start, end in ranges:
        window = {"startDate": start.isoformat(), "endDate": end.isoformat()}
        if account is not None:
            window["accountId"] = account
        for row in every_transaction(world, **window):
            category = categories[row["categoryId"]]
            if category["group"] == INCOME_GROUP or category.get("key") in NOT_SPENDING_KEYS:
                continue
            if wanted is not None and row["categoryId"] not in wanted:
                continue
            spent[row["categoryId"]][name] += row["amount"]["value"]
    return dict(spent)


def _analyse(world: World, ranges: list[tuple[str, date, date]], **extra: Any) -> Any:
    body = {
        "dates": [{"name": n, "from": s.isoformat(), "to": e.isoformat()} for n, s, e in ranges],
        **extra,
    }
    response = world.api.post(f"{DATA}/spending-analysis", json=body, headers=world.reader)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_spending_analysis_sums_the_users_transactions_per_category(world: World) -> None:
    ranges = _ranges(world)
    analysis = _analyse(world, ranges)
    names = [n for n, _, _ in ranges]
    got = {c["categoryId"]: {n: c[n] for n in names} for c in analysis["categories"]}
    assert got == _expected_spending(world, ranges)
    assert len(got) > 3
    groups = {c["categoryId"]: c["group"] for c in world.data("/categories")}
    for category in analysis["categories"]:
        assert category["categoryGroup"] == groups[category["categoryId"]]
        assert all(isinstance(category[n], int) and category[n] <= 0 for n in names)
    for name in names:
        assert analysis["total"][name] == sum(c[name] for c in analysis["categories"])
    assert analysis["total"]["lastMonth"] < 0


def test_spending_analysis_leaves_out_income(world: World) -> None:
    analysis = _analyse(world, _ranges(world))
    income = {
        c["categoryId"]
        for c in world.data("/categories")
        if c["group"] == INCOME_GROUP or c.get("key") in NOT_SPENDING_KEYS
    }
    assert not income & {c["categoryId"] for c in analysis["categories"]}
    assert all(c["categoryGroup"] != INCOME_GROUP for c in analysis["categories"])


def test_spending_analysis_for_chosen_categories(world: World) -> None:
    ranges = _ranges(world)
    every = _analyse(world, ranges)["categories"]
    chosen = {c["categoryId"] for c in every[:2]}
    analysis = _analyse(world, ranges, categoryIds=sorted(chosen))
    assert {c["categoryId"] for c in analysis["categories"]} == chosen
    names = [n for n, _, _ in ranges]
    got = {c["categoryId"]: {n: c[n] for n in names} for c in analysis["categories"]}
    assert got == _expected_spending(world, ranges, chosen)
    for name in names:
        assert analysis["total"][name] == sum(c[name] for c in analysis["categories"])


def test_spending_analysis_of_one_account(world: World) -> None:
    ranges = _ranges(world)[:2]
    card = accounts_by_type(world)["card"]["id"]
    analysis = _analyse(world, ranges, accountIds=[card])
    names = [n for n, _, _ in ranges]
    got = {c["categoryId"]: {n: c[n] for n in names} for c in analysis["categories"]}
    assert got and got == _expected_spending(world, ranges, account=card)
    for name in names:
        assert analysis["total"][name] == sum(c[name] for c in analysis["categories"])


# -- goals ----------------------------------------------------------------------------------------


def test_a_spending_goal_computes_what_was_spent(world: World) -> None:
    api = world.api
    headers = as_user(api, world.user, WRITE)
    groceries = next(c for c in world.data("/categories") if c.get("key") == "groceries")
    made = api.post(
        f"{DATA}/spending-goals",
        json={
            "categoryId": groceries["categoryId"],
            "periodType": "monthly",
            "periodStart": "01",
            "amount": {"value": 30000},
        },
        headers=headers,
    )
    assert made.status_code == 200, made.text
    goal = made.json()["data"]
    assert goal["categoryId"] == groceries["categoryId"] and goal["periodType"] == "monthly"
    assert goal["amount"]["value"] == 30000 and goal["amount"]["currency"] == "GBP"
    today = datetime.fromisoformat(goal["dateCreated"].replace("Z", "+00:00")).date()
    month = today.replace(day=1)
    rows = every_transaction(
        world,
        categoryId=groceries["categoryId"],
        startDate=month.isoformat(),
        endDate=today.isoformat(),
    )
    spent = -sum(r["amount"]["value"] for r in rows if r["amount"]["value"] < 0)
    current = next(s for s in goal["spending"] if s["date"].startswith(month.isoformat()[:7]))
    assert current["spent"] == spent

    patched = api.request(
        "PATCH",
        f"{DATA}/spending-goals/{goal['id']}",
        json={"amount": {"value": 25000}},
        headers=headers,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["data"]["amount"]["value"] == 25000
    assert patched.json()["data"]["categoryId"] == groceries["categoryId"]
    assert goal["id"] in {g["id"] for g in world.data("/spending-goals")}
    assert api.delete(f"{DATA}/spending-goals/{goal['id']}", headers=headers).status_code == 204
    assert_error(world.get(f"/spending-goals/{goal['id']}"), 404)


def test_a_savings_goal_progress_is_its_accounts_balances(world: World) -> None:
    api = world.api
    headers = as_user(api, world.user, WRITE)
    accounts = accounts_by_type(world)
    chosen = [accounts["savings"], accounts["cash:current"]]
    saved = sum(a["balance"]["amount"]["value"] for a in chosen)
    target = saved * 4
    body = {
        "name": "House deposit",
        "amount": {"value": target},
        "notes": "by 2030",
        "accounts": [{"id": a["id"]} for a in chosen],
    }
    made = api.post(f"{DATA}/savings-goals", json=body, headers=headers)
    assert made.status_code == 200, made.text
    goal = made.json()["data"]
    assert goal["name"] == "House deposit" and goal["amount"]["value"] == target
    assert [a["id"] for a in goal["accounts"]] == [a["id"] for a in chosen]
    assert goal["progressAmount"]["value"] == saved
    assert goal["progressPercentage"] == pytest.approx(25.0, abs=0.01)

    # Reaching the target is 100%, not more.
    patched = api.request(
        "PATCH",
        f"{DATA}/savings-goals/{goal['id']}",
        json={"name": "Deposit", "amount": {"value": saved // 2}, "accounts": body["accounts"]},
        headers=headers,
    )
    assert patched.status_code == 200, patched.text
    changed = patched.json()["data"]
    assert changed["name"] == "Deposit" and changed["notes"] == "by 2030"
    assert changed["progressPercentage"] == 100
    fetched = world.data(f"/savings-goals/{goal['id']}")
    assert fetched["amount"]["value"] == saved // 2
    assert api.delete(f"{DATA}/savings-goals/{goal['id']}", headers=headers).status_code == 204
    assert_error(world.get(f"/savings-goals/{goal['id']}"), 404)


def test_a_savings_goal_needs_the_users_own_accounts(world: World) -> None:
    headers = as_user(world.api, world.user, WRITE)
    body = {"name": "Not mine", "amount": {"value": 100}, "accounts": [{"id": world.other_account}]}
    assert_error(world.api.post(f"{DATA}/savings-goals", json=body, headers=headers), 400)


# -- counterparties and recurring transactions ----------------------------------------------------


def test_counterparties_of_an_account(world: World) -> None:
    account = accounts_by_type(world)["cash:current"]["id"]
    parties = world.data(f"/accounts/{account}/counterparties")
    assert parties
    assert all(p["id"] and p["label"] and p["type"] in ("global", "local") for p in parties)
    assert len({p["id"] for p in parties}) == len(parties)
    labels = {p["label"] for p in parties}
    assert {"Harbour Lettings Ltd", "Northwind Analytics Ltd"} <= labels


def test_recurring_estimates_find_the_salary_and_the_rent(world: World) -> None:
    account = accounts_by_type(world)["cash:current"]["id"]
    parties = {p["label"]: p["id"] for p in world.data(f"/accounts/{account}/counterparties")}
    response = world.api.post(
        f"{DATA}/accounts/{account}/recurring-transactions", headers=world.reader
    )
    assert response.status_code == 200, response.text
    estimates = {e["counterpartyId"]: e for e in response.json()["data"]}
    rent = estimates[parties["Harbour Lettings Ltd"]]
    assert rent["amount"]["value"] == -115000
    salary = estimates[parties["Northwind Analytics Ltd"]]
    assert salary["amount"]["value"] > 300000
    for estimate in (rent, salary):
        assert estimate["dates"] and estimate["dates"] == sorted(estimate["dates"])


# -- the envelope ---------------------------------------------------------------------------------


def test_lists_carry_links_to_themselves_and_the_next_page(world: World) -> None:
    body = world.get("/transactions", params={"limit": 10, "offset": 10}).json()
    assert body["links"]["self"].endswith("limit=10&offset=10")
    assert "offset=20" in body["links"]["next"]
    assert "offset=0" in body["links"]["prev"]
