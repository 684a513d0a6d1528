"""The Moneyhub operations, classified (see ``probes``). Another client's user, payee or payment,
and another user's account, transaction, category or goal, are not found (404 ``NotFound``)."""

from __future__ import annotations

from typing import Any

from tests.moneyhub.helpers import DATA, IDENTITY
from tests.security.calls import Call
from tests.security.moneyhub_tenant import MoneyhubTenant
from tests.security.probes import (
    AUTH_SERVER,
    CATALOGUE,
    CREATES,
    Ids,
    Listing,
    Owned,
    Probe,
    Unscoped,
)

NOT_FOUND = {404: frozenset({"NotFound"})}
# An id in a body, not the URL: unknown to the caller, it is a bad request (the reference
# swagger has no 404 for these operations) or, as for URL ids, not found.
BAD_REFERENCE = {**NOT_FOUND, 400: frozenset({"BadRequest"})}
ACCOUNT = "/accounts/{account}"
Body = Any  # (tenant, ids) -> the JSON body


def data(
    method: str,
    path: str,
    body: Body = None,
    *,
    fresh: Any = None,
    mixed: tuple[str, ...] = (),
    owner_statuses: tuple[int, ...] = (200, 201, 204),
    ids_in_body: bool = False,
) -> Owned:
    """A Data API operation with the token of the client's user."""

    def request(t: MoneyhubTenant, ids: Ids) -> Call:
        return t.data(method, path.format(**ids), body(t, ids) if body else None)

    refused = BAD_REFERENCE if ids_in_body else NOT_FOUND
    return Owned(request, refused, fresh=fresh, mixed=mixed, owner_statuses=owner_statuses)


def identity(method: str, path: str, *, fresh: Any = None, mixed: tuple[str, ...] = ()) -> Owned:
    """An identity-service operation with the client's own token."""

    def request(t: MoneyhubTenant, ids: Ids) -> Call:
        return t.identity(method, path.format(**ids))

    return Owned(request, NOT_FOUND, fresh=fresh, mixed=mixed)


def listing(call: Any, shows: str) -> Listing:
    return Listing(call, shows)


def _connection(t: MoneyhubTenant) -> Ids:
    user, connection = t.new_connection()
    return {"user": user, "connection": connection}


def _filtered(path: str, **filters: str) -> Any:
    """A Data API list filtered by the given ids: {query parameter: id key}."""

    def request(t: MoneyhubTenant, ids: Ids) -> Call:
        call = t.data("GET", path)
        params = {name: ids[key] for name, key in filters.items()}
        return Call(call.method, call.path, call.headers, params=params or None)

    return request


def _analysis(t: MoneyhubTenant, ids: Ids) -> Call:
    body = {
        "dates": [{"name": "all", "from": "2000-01-01", "to": "2100-01-01"}],
        "accountIds": [ids["account"]],
    }
    return t.data("POST", "/spending-analysis", body)


PROBES: dict[tuple[str, str], Probe] = {
    # -- the identity service: OpenID Provider, catalogues
    **{
        (IDENTITY, op): Unscoped(AUTH_SERVER)
        for op in (
            "discovery",
            "jwks",
            "authorize",
            "token",
            "pushed_authorization",
            "create_request_uri",
        )
    },
    **{
        (IDENTITY, f"list_{kind}_connections"): Unscoped(CATALOGUE)
        for kind in ("all", "api", "legacy", "test", "beta", "payments")
    },
    (IDENTITY, "get_bank_icon"): Unscoped(CATALOGUE),
    # -- the client's users, payees and payments
    (IDENTITY, "register_user"): Unscoped(CREATES),
    (IDENTITY, "get_users"): listing(lambda t, ids: t.identity("GET", "/users"), "user"),
    (IDENTITY, "get_user"): identity("GET", "/users/{user}"),
    (IDENTITY, "delete_user"): identity(
        "DELETE", "/users/{user}", fresh=lambda t: {"user": t.new_user()}
    ),
    (IDENTITY, "get_user_connections"): identity("GET", "/users/{user}/connections"),
    (IDENTITY, "delete_user_connection"): identity(
        "DELETE", "/users/{user}/connection/{connection}", fresh=_connection, mixed=("connection",)
    ),
    (IDENTITY, "add_payee"): Unscoped(CREATES),
    (IDENTITY, "get_payees"): listing(lambda t, ids: t.identity("GET", "/payees"), "payee"),
    (IDENTITY, "get_payments"): listing(lambda t, ids: t.identity("GET", "/payments"), "payment"),
    (IDENTITY, "get_payment"): identity("GET", "/payments/{payment}"),
    # -- the Data API: the user's accounts
    (DATA, "get_accounts"): listing(_filtered("/accounts", connectionId="connection"), "account"),
    (DATA, "get_accounts_list"): listing(
        _filtered("/accounts-list", connectionId="connection"), "account"
    ),
    (DATA, "create_account"): Unscoped(CREATES),
    (DATA, "get_account"): data("GET", ACCOUNT),
    (DATA, "update_account"): data(
        "PATCH", ACCOUNT, lambda t, ids: {"accountName": t.marker, "providerName": "Kitchen"}
    ),
    (DATA, "delete_account"): data("DELETE", ACCOUNT, fresh=lambda t: {"account": t.new_account()}),
    (DATA, "get_account_balances"): data("GET", ACCOUNT + "/balances"),
    (DATA, "add_account_balance"): data(
        "POST",
        ACCOUNT + "/balances",
        lambda t, ids: {"amount": {"value": 4321}, "date": "2026-01-01"},
        fresh=lambda t: {"account": t.new_account()},
    ),
    (DATA, "get_account_holdings"): data("GET", ACCOUNT + "/holdings"),
    (DATA, "get_account_holdings_with_matches"): data("GET", ACCOUNT + "/holdings-with-matches"),
    # The sandbox's PSUs hold no investments: the owner's own holding is not found either.
    (DATA, "get_account_holding"): data(
        "GET", ACCOUNT + "/holdings/no-such-holding", owner_statuses=(404,)
    ),
    (DATA, "get_account_counterparties"): data("GET", ACCOUNT + "/counterparties"),
    (DATA, "get_account_recurring_transactions"): data("POST", ACCOUNT + "/recurring-transactions"),
    (DATA, "get_account_standing_orders"): data("GET", ACCOUNT + "/standing-orders"),
    (DATA, "get_account_statements"): data("GET", ACCOUNT + "/statements"),
    # -- transactions
    (DATA, "get_transactions"): listing(
        _filtered("/transactions", ids="transaction", accountId="account"), "transaction"
    ),
    (DATA, "create_transaction"): data(
        "POST", "/transactions", lambda t, ids: t.transaction_body(ids["account"]), ids_in_body=True
    ),
    (DATA, "create_transactions"): data(
        "POST",
        "/transactions-collection",
        lambda t, ids: [t.transaction_body(ids["account"])],
        ids_in_body=True,
    ),
    (DATA, "get_transaction"): data("GET", "/transactions/{transaction}"),
    (DATA, "update_transaction"): data(
        "PATCH",
        "/transactions/{transaction}",
        lambda t, ids: {"accountId": ids["account"], "notes": t.marker},
        mixed=("account",),
        ids_in_body=True,
    ),
    (DATA, "delete_transaction"): data(
        "DELETE",
        "/transactions/{transaction}",
        fresh=lambda t: {"transaction": t.new_transaction()},
    ),
    # -- categories and spending
    (DATA, "get_categories"): listing(lambda t, ids: t.data("GET", "/categories"), "category"),
    (DATA, "create_custom_category"): Unscoped(CREATES),
    (DATA, "get_category"): data("GET", "/categories/{category}"),
    (DATA, "get_category_groups"): Unscoped(CATALOGUE),
    (DATA, "get_spending_analysis"): Listing(_analysis, "category"),
    # -- goals
    (DATA, "get_spending_goals"): listing(
        lambda t, ids: t.data("GET", "/spending-goals"), "spending_goal"
    ),
    (DATA, "create_spending_goal"): Unscoped(CREATES),
    (DATA, "get_spending_goal"): data("GET", "/spending-goals/{spending_goal}"),
    (DATA, "update_spending_goal"): data(
        "PATCH", "/spending-goals/{spending_goal}", lambda t, ids: {"amount": {"value": 200}}
    ),
    (DATA, "delete_spending_goal"): data(
        "DELETE",
        "/spending-goals/{spending_goal}",
        fresh=lambda t: {"spending_goal": t.new_spending_goal()},
    ),
    (DATA, "get_savings_goals"): listing(
        lambda t, ids: t.data("GET", "/savings-goals"), "savings_goal"
    ),
    (DATA, "create_savings_goal"): data(
        "POST",
        "/savings-goals",
        lambda t, ids: t.savings_goal_body(ids["account"]),
        ids_in_body=True,
    ),
    (DATA, "get_savings_goal"): data("GET", "/savings-goals/{savings_goal}"),
    (DATA, "update_savings_goal"): data(
        "PATCH",
        "/savings-goals/{savings_goal}",
        lambda t, ids: t.savings_goal_body(ids["account"]),
        mixed=("account",),
        ids_in_body=True,
    ),
    (DATA, "delete_savings_goal"): data(
        "DELETE",
        "/savings-goals/{savings_goal}",
        fresh=lambda t: {"savings_goal": t.new_savings_goal()},
    ),
}
