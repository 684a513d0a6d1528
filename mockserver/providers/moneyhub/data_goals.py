"""Spending goals (a limit per category and period) and savings goals (a target for accounts).

A spending goal's ``spending`` is computed from the user's transactions: what was spent in the
category in each period since the goal began. A savings goal's progress is the sum of its
accounts' balances against the target.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from mockserver.core.clock import isoformat, parse_instant
from mockserver.core.errors import ApiError
from mockserver.core.sandbox import Sandbox
from mockserver.core.store import Tx
from mockserver.providers.moneyhub import connections, data_accounts, data_insights
from mockserver.providers.moneyhub.money import amount

SPENDING_KIND = "moneyhub.spending_goal"
SAVINGS_KIND = "moneyhub.savings_goal"
ALL_CATEGORIES = "std:all"


def _not_found(what: str, goal_id: str) -> ApiError:
    return ApiError(404, f"{what} {goal_id} not found", code="NotFound", path="goalId")


def _find(tx: Tx, ns: str, kind: str, user_id: str, goal_id: str, what: str) -> dict[str, Any]:
    goal = tx.get(ns, kind, goal_id)
    if goal is None or goal["_user"] != user_id:
        raise _not_found(what, goal_id)
    return goal


def _public(goal: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in goal.items() if not k.startswith("_")}


# -- spending goals -------------------------------------------------------------------------------


def _period_start(goal: dict[str, Any], day: date) -> date:
    parts = [int(p) for p in str(goal["periodStart"]).split("-")]
    if goal["periodType"] == "monthly":
        start = date(day.year, day.month, min(parts[0], 28))
        return (
            start
            if start <= day
            else date(day.year - (day.month == 1), (day.month - 2) % 12 + 1, start.day)
        )
    month = parts[1] if len(parts) > 1 else 1
    start = date(day.year, month, min(parts[0], 28))
    return start if start <= day else date(day.year - 1, month, start.day)


def _spending(tx: Tx, ns: str, goal: dict[str, Any], today: date) -> list[dict[str, Any]]:
    """Spent per period (positive minor units), from the goal's first period to today's."""
    created = parse_instant(goal["dateCreated"]).date()
    periods: dict[str, int] = {_period_start(goal, created).isoformat(): 0}
    periods.setdefault(_period_start(goal, today).isoformat(), 0)
    first = min(periods)
    for row in tx.list(ns, connections.TRANSACTION_KIND, parent=goal["_user"]):
        if goal["categoryId"] not in ("std:all", row["categoryId"]) or row["amount"]["value"] >= 0:
            continue
        day = parse_instant(row["date"]).date()
        key = _period_start(goal, day).isoformat()
        if key >= first:
            periods[key] = periods.get(key, 0) - row["amount"]["value"]
    return [{"date": key, "spent": spent} for key, spent in sorted(periods.items())]


def spending_view(tx: Tx, ns: str, goal: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {**_public(goal), "spending": _spending(tx, ns, goal, now.date())}


def spending_goals(tx: Tx, ns: str, user_id: str) -> list[dict[str, Any]]:
    return tx.list(ns, SPENDING_KIND, parent=user_id)


def find_spending(tx: Tx, ns: str, user_id: str, goal_id: str) -> dict[str, Any]:
    return _find(tx, ns, SPENDING_KIND, user_id, goal_id, "Spending goal")


def create_spending(
    tx: Tx,
    ns: str,
    sandbox: Sandbox,
    client_id: str,
    user_id: str,
    body: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    _check_category(tx, ns, user_id, body["categoryId"])
    period = body.get("periodType", "monthly")
    goal = {
        "id": sandbox.ids.uuid(tx, ns, SPENDING_KIND),
        "dateCreated": isoformat(now),
        "categoryId": body["categoryId"],
        "periodType": period,
        "periodStart": body.get("periodStart") or ("01" if period == "monthly" else "01-01"),
        "amount": amount(int(body["amount"]["value"])),
        "_user": user_id,
    }
    tx.put(ns, SPENDING_KIND, goal["id"], goal, tenant=client_id, parent=user_id)
    return goal


def update_spending(
    tx: Tx, ns: str, client_id: str, user_id: str, goal_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    goal = find_spending(tx, ns, user_id, goal_id)
    if "categoryId" in body:
        _check_category(tx, ns, user_id, body["categoryId"])
        goal["categoryId"] = body["categoryId"]
    if "amount" in body:
        goal["amount"] = amount(int(body["amount"]["value"]))
    tx.put(ns, SPENDING_KIND, goal_id, goal, tenant=client_id, parent=user_id)
    return goal


def _check_category(tx: Tx, ns: str, user_id: str, category_id: str) -> None:
    """A goal's category is one of the user's categories or ``std:all`` (the reference
    swagger); any other string was stored and served back breaking the CategoryId pattern."""
    if category_id == ALL_CATEGORIES:
        return
    try:
        data_insights.category(tx, ns, user_id, category_id)
    except ApiError as exc:
        raise ApiError(400, exc.message, code="BadRequest", path="categoryId") from exc


# -- savings goals --------------------------------------------------------------------------------


def savings_view(tx: Tx, ns: str, goal: dict[str, Any]) -> dict[str, Any]:
    saved = 0
    for entry in goal["accounts"]:
        account = tx.get(ns, data_accounts.KIND, entry["id"])
        if account is not None:
            saved += int(account["balance"]["amount"]["value"])
    target = int(goal["amount"]["value"])
    progress = round(max(saved, 0) * 100 / target, 2) if target else 0
    return {
        **_public(goal),
        "progressPercentage": min(progress, 100.0),
        "progressAmount": amount(saved, goal["amount"]["currency"]),
    }


def savings_goals(tx: Tx, ns: str, user_id: str) -> list[dict[str, Any]]:
    return tx.list(ns, SAVINGS_KIND, parent=user_id)


def find_savings(tx: Tx, ns: str, user_id: str, goal_id: str) -> dict[str, Any]:
    return _find(tx, ns, SAVINGS_KIND, user_id, goal_id, "Savings goal")


def _check_accounts(tx: Tx, ns: str, user_id: str, accounts: list[dict[str, Any]]) -> None:
    for n, entry in enumerate(accounts):
        data_accounts.referenced(tx, ns, user_id, entry["id"], f"accounts[{n}].id")


def create_savings(
    tx: Tx,
    ns: str,
    sandbox: Sandbox,
    client_id: str,
    user_id: str,
    body: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    _check_accounts(tx, ns, user_id, body["accounts"])
    goal: dict[str, Any] = {
        "id": sandbox.ids.uuid(tx, ns, SAVINGS_KIND),
        "name": body["name"],
        "amount": amount(int(body["amount"]["value"]), body["amount"].get("currency", "GBP")),
        "dateCreated": isoformat(now),
        "accounts": [{"id": a["id"]} for a in body["accounts"]],
        "_user": user_id,
    }
    for optional in ("targetDate", "imageUrl", "notes"):
        if optional in body:
            goal[optional] = str(body[optional])
    tx.put(ns, SAVINGS_KIND, goal["id"], goal, tenant=client_id, parent=user_id)
    return goal


def update_savings(
    tx: Tx, ns: str, client_id: str, user_id: str, goal_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    goal = find_savings(tx, ns, user_id, goal_id)
    if "accounts" in body:
        _check_accounts(tx, ns, user_id, body["accounts"])
        goal["accounts"] = [{"id": a["id"]} for a in body["accounts"]]
    if "amount" in body:
        goal["amount"] = amount(int(body["amount"]["value"]), goal["amount"]["currency"])
    for optional in ("name", "targetDate", "imageUrl", "notes"):
        if optional in body:
            goal[optional] = str(body[optional])
    tx.put(ns, SAVINGS_KIND, goal_id, goal, tenant=client_id, parent=user_id)
    return goal


def delete(tx: Tx, ns: str, kind: str, goal: dict[str, Any]) -> None:
    tx.delete(ns, kind, goal["id"])
