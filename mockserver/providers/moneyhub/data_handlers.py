"""Operation handlers of specs/moneyhub_data.yaml (the Data API v2.0): one per operationId.

Every call reads or writes the data of the token's user (``replies.user_id``).
"""

from __future__ import annotations

from typing import Any

from connexion.lifecycle import ConnexionResponse

from mockserver.core.errors import ApiError
from mockserver.providers.moneyhub import (
    catalog,
    data_accounts,
    data_goals,
    data_insights,
    data_transactions,
)
from mockserver.providers.moneyhub.replies import (
    client_id,
    no_content,
    paged,
    reply,
    run,
    scopes,
    user_id,
)

__all__ = [
    "add_account_balance",
    "create_account",
    "create_custom_category",
    "create_savings_goal",
    "create_spending_goal",
    "create_transaction",
    "create_transactions",
    "delete_account",
    "delete_savings_goal",
    "delete_spending_goal",
    "delete_transaction",
    "get_account",
    "get_account_balances",
    "get_account_counterparties",
    "get_account_holding",
    "get_account_holdings",
    "get_account_holdings_with_matches",
    "get_account_recurring_transactions",
    "get_account_standing_orders",
    "get_account_statements",
    "get_accounts",
    "get_accounts_list",
    "get_categories",
    "get_category",
    "get_category_groups",
    "get_savings_goal",
    "get_savings_goals",
    "get_spending_analysis",
    "get_spending_goal",
    "get_spending_goals",
    "get_transaction",
    "get_transactions",
    "update_account",
    "update_savings_goal",
    "update_spending_goal",
    "update_transaction",
]


def _details() -> bool:
    return "accounts_details:read" in scopes()


# -- accounts -------------------------------------------------------------------------------------


async def get_accounts(
    limit: int | None = None, offset: int | None = None, showTransactionData: bool = True, **_: Any
) -> ConnexionResponse:
    user = user_id()
    listed = run(lambda tx, ns, sb, now: data_accounts.listing(tx, ns, user))
    shown = [
        data_accounts.public(a, details=_details(), transaction_data=showTransactionData)
        for a in listed
    ]
    query = {"showTransactionData": showTransactionData, **_}
    return reply(paged(shown, limit, offset, query))


async def get_accounts_list(**params: Any) -> ConnexionResponse:
    return await get_accounts(**params)


async def get_account(accountId: str) -> ConnexionResponse:
    user = user_id()
    account = run(lambda tx, ns, sb, now: data_accounts.find(tx, ns, user, accountId))
    return reply({"data": data_accounts.public(account, details=_details()), "meta": {}})


async def create_account(body: dict[str, Any]) -> ConnexionResponse:
    user, client = user_id(), client_id()
    account = run(
        lambda tx, ns, sb, now: data_accounts.create(tx, ns, sb, client, user, body, now),
        write=True,
    )
    return reply({"data": data_accounts.public(account, details=True), "meta": {}})


async def update_account(accountId: str, body: dict[str, Any]) -> ConnexionResponse:
    user, client = user_id(), client_id()
    account = run(
        lambda tx, ns, sb, now: data_accounts.update(tx, ns, client, user, accountId, body, now),
        write=True,
    )
    return reply({"data": data_accounts.public(account, details=_details()), "meta": {}})


async def delete_account(accountId: str) -> ConnexionResponse:
    user = user_id()
    run(lambda tx, ns, sb, now: data_accounts.delete(tx, ns, user, accountId), write=True)
    return no_content()


async def get_account_balances(accountId: str) -> ConnexionResponse:
    user = user_id()

    def work(tx: Any, ns: str, sb: Any, now: Any) -> list[dict[str, Any]]:
        return data_accounts.balances(tx, ns, data_accounts.find(tx, ns, user, accountId))

    return reply({"data": run(work), "meta": {}})


async def add_account_balance(accountId: str, body: dict[str, Any]) -> ConnexionResponse:
    user, client = user_id(), client_id()
    balance = run(
        lambda tx, ns, sb, now: data_accounts.add_balance(
            tx, ns, sb, client, user, accountId, body, now
        ),
        write=True,
    )
    return reply({"data": balance, "meta": {}})


def _account_list(accountId: str, build: Any) -> ConnexionResponse:
    user = user_id()

    def work(tx: Any, ns: str, sb: Any, now: Any) -> list[dict[str, Any]]:
        account = data_accounts.find(tx, ns, user, accountId)
        result: list[dict[str, Any]] = build(tx, ns, user, account)
        return result

    return reply({"data": run(work), "meta": {}})


async def get_account_holdings(accountId: str) -> ConnexionResponse:
    # The sandbox's PSUs hold no investments: every account has no holdings.
    return _account_list(accountId, lambda tx, ns, user, account: [])


async def get_account_holdings_with_matches(accountId: str) -> ConnexionResponse:
    return _account_list(accountId, lambda tx, ns, user, account: [])


async def get_account_holding(accountId: str, holdingId: str) -> ConnexionResponse:
    user = user_id()
    run(lambda tx, ns, sb, now: data_accounts.find(tx, ns, user, accountId))  # a 404 first
    raise ApiError(404, f"Holding {holdingId} not found", code="NotFound", path="holdingId")


async def get_account_counterparties(accountId: str, **_: Any) -> ConnexionResponse:
    return _account_list(
        accountId,
        lambda tx, ns, user, account: data_insights.counterparties(tx, ns, user, account["id"]),
    )


async def get_account_recurring_transactions(accountId: str) -> ConnexionResponse:
    return _account_list(
        accountId,
        lambda tx, ns, user, account: data_insights.recurring(
            tx, ns, user, account["id"], account["currency"]
        ),
    )


async def get_account_standing_orders(accountId: str) -> ConnexionResponse:
    return _account_list(accountId, lambda tx, ns, user, account: [])


async def get_account_statements(accountId: str, **_: Any) -> ConnexionResponse:
    return _account_list(accountId, lambda tx, ns, user, account: [])


# -- transactions ---------------------------------------------------------------------------------


async def get_transactions(
    limit: int | None = None, offset: int | None = None, **query: Any
) -> ConnexionResponse:
    user, granted = user_id(), scopes()
    listed = run(lambda tx, ns, sb, now: data_transactions.listing(tx, ns, user, query, granted))
    shown = [data_transactions.public(t) for t in listed]
    return reply(paged(shown, limit if limit is not None else 1000, offset, query))


async def get_transaction(transactionId: str) -> ConnexionResponse:
    user = user_id()
    row = run(lambda tx, ns, sb, now: data_transactions.find(tx, ns, user, transactionId))
    return reply({"data": data_transactions.public(row), "meta": {}})


async def create_transaction(body: dict[str, Any]) -> ConnexionResponse:
    user, client = user_id(), client_id()
    row = run(
        lambda tx, ns, sb, now: data_transactions.create(tx, ns, sb, client, user, body, now),
        write=True,
    )
    return reply({"data": data_transactions.public(row), "meta": {}})


async def create_transactions(
    body: list[dict[str, Any]], categorise: bool = False
) -> ConnexionResponse:
    user, client = user_id(), client_id()

    def work(tx: Any, ns: str, sb: Any, now: Any) -> list[dict[str, Any]]:
        return [
            {"id": data_transactions.create(tx, ns, sb, client, user, item, now)["id"]}
            for item in body
        ]

    return reply({"data": run(work, write=True), "meta": {}})


async def update_transaction(transactionId: str, body: dict[str, Any]) -> ConnexionResponse:
    user, client = user_id(), client_id()
    row = run(
        lambda tx, ns, sb, now: data_transactions.update(
            tx, ns, client, user, transactionId, body, now
        ),
        write=True,
    )
    return reply({"data": data_transactions.public(row), "meta": {}})


async def delete_transaction(transactionId: str) -> ConnexionResponse:
    user = user_id()
    run(lambda tx, ns, sb, now: data_transactions.delete(tx, ns, user, transactionId), write=True)
    return no_content()


# -- categories and spending ----------------------------------------------------------------------


async def get_categories(
    limit: int | None = None, offset: int | None = None, type: str = "all"
) -> ConnexionResponse:
    user = user_id()
    listed = run(lambda tx, ns, sb, now: data_insights.categories(tx, ns, user, type))
    return reply(paged(listed, limit, offset, {"type": type}))


async def get_category(categoryId: str) -> ConnexionResponse:
    user = user_id()
    return reply(
        {
            "data": run(lambda tx, ns, sb, now: data_insights.category(tx, ns, user, categoryId)),
            "meta": {},
        }
    )


async def create_custom_category(body: dict[str, Any]) -> ConnexionResponse:
    user, client = user_id(), client_id()
    made = run(
        lambda tx, ns, sb, now: data_insights.create_category(tx, ns, sb, client, user, body),
        write=True,
    )
    return reply({"data": made, "meta": {}})


async def get_category_groups(type: str = "personal") -> ConnexionResponse:
    groups = catalog.category_groups()
    if type == "personal":
        groups = [g for g in groups if g["key"] != "business"]
    return reply({"data": groups, "meta": {}})


async def get_spending_analysis(body: dict[str, Any]) -> ConnexionResponse:
    user = user_id()
    return reply(
        {
            "data": run(
                lambda tx, ns, sb, now: data_insights.spending_analysis(tx, ns, user, body)
            ),
            "meta": {},
        }
    )


# -- goals ----------------------------------------------------------------------------------------


async def get_spending_goals(**_: Any) -> ConnexionResponse:
    user = user_id()

    def work(tx: Any, ns: str, sb: Any, now: Any) -> list[dict[str, Any]]:
        return [
            data_goals.spending_view(tx, ns, g, now)
            for g in data_goals.spending_goals(tx, ns, user)
        ]

    return reply({"data": run(work), "meta": {}})


async def get_spending_goal(goalId: str) -> ConnexionResponse:
    user = user_id()
    view = run(
        lambda tx, ns, sb, now: data_goals.spending_view(
            tx, ns, data_goals.find_spending(tx, ns, user, goalId), now
        )
    )
    return reply({"data": view, "meta": {}})


async def create_spending_goal(body: dict[str, Any]) -> ConnexionResponse:
    user, client = user_id(), client_id()

    def work(tx: Any, ns: str, sb: Any, now: Any) -> dict[str, Any]:
        goal = data_goals.create_spending(tx, ns, sb, client, user, body, now)
        return data_goals.spending_view(tx, ns, goal, now)

    return reply({"data": run(work, write=True), "meta": {}})


async def update_spending_goal(goalId: str, body: dict[str, Any]) -> ConnexionResponse:
    user, client = user_id(), client_id()

    def work(tx: Any, ns: str, sb: Any, now: Any) -> dict[str, Any]:
        goal = data_goals.update_spending(tx, ns, client, user, goalId, body)
        return data_goals.spending_view(tx, ns, goal, now)

    return reply({"data": run(work, write=True), "meta": {}})


async def delete_spending_goal(goalId: str) -> ConnexionResponse:
    user = user_id()

    def work(tx: Any, ns: str, sb: Any, now: Any) -> None:
        data_goals.delete(
            tx, ns, data_goals.SPENDING_KIND, data_goals.find_spending(tx, ns, user, goalId)
        )

    run(work, write=True)
    return no_content()


async def get_savings_goals(**_: Any) -> ConnexionResponse:
    user = user_id()

    def work(tx: Any, ns: str, sb: Any, now: Any) -> list[dict[str, Any]]:
        return [data_goals.savings_view(tx, ns, g) for g in data_goals.savings_goals(tx, ns, user)]

    return reply({"data": run(work), "meta": {}})


async def get_savings_goal(goalId: str) -> ConnexionResponse:
    user = user_id()
    view = run(
        lambda tx, ns, sb, now: data_goals.savings_view(
            tx, ns, data_goals.find_savings(tx, ns, user, goalId)
        )
    )
    return reply({"data": view, "meta": {}})


async def create_savings_goal(body: dict[str, Any]) -> ConnexionResponse:
    user, client = user_id(), client_id()

    def work(tx: Any, ns: str, sb: Any, now: Any) -> dict[str, Any]:
        return data_goals.savings_view(
            tx, ns, data_goals.create_savings(tx, ns, sb, client, user, body, now)
        )

    return reply({"data": run(work, write=True), "meta": {}})


async def update_savings_goal(goalId: str, body: dict[str, Any]) -> ConnexionResponse:
    user, client = user_id(), client_id()

    def work(tx: Any, ns: str, sb: Any, now: Any) -> dict[str, Any]:
        return data_goals.savings_view(
            tx, ns, data_goals.update_savings(tx, ns, client, user, goalId, body)
        )

    return reply({"data": run(work, write=True), "meta": {}})


async def delete_savings_goal(goalId: str) -> ConnexionResponse:
    user = user_id()

    def work(tx: Any, ns: str, sb: Any, now: Any) -> None:
        data_goals.delete(
            tx, ns, data_goals.SAVINGS_KIND, data_goals.find_savings(tx, ns, user, goalId)
        )

    run(work, write=True)
    return no_content()
