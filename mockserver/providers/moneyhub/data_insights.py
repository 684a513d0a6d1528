"""Categories, counterparties, recurring-payment estimates and spending analysis, all computed
from the user's own transactions."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import date, timedelta
from itertools import pairwise
from statistics import median
from typing import Any

from mockserver.core.clock import parse_instant
from mockserver.core.errors import ApiError
from mockserver.core.sandbox import Sandbox
from mockserver.core.store import Tx
from mockserver.providers.moneyhub import catalog, connections, dates
from mockserver.providers.moneyhub.money import amount

CUSTOM_KIND = "moneyhub.custom_category"
TRANSACTION_KIND = connections.TRANSACTION_KIND
# Groups whose money is not "spending" (Moneyhub's spending analysis leaves out income and
# transfers between one's own accounts).
NOT_SPENDING = {"group:1"}
NOT_SPENDING_KEYS = {"transfers", "credit-card-repayment", "loans-received"}


# -- categories -----------------------------------------------------------------------------------


def categories(tx: Tx, ns: str, user_id: str, kind: str = "all") -> list[dict[str, Any]]:
    custom = [
        {k: v for k, v in c.items() if not k.startswith("_")}
        for c in tx.list(ns, CUSTOM_KIND, parent=user_id)
    ]
    standard = catalog.standard_categories()
    business = {"group:7"}
    if kind == "personal":
        standard = [c for c in standard if c["group"] not in business]
    elif kind == "business":
        standard = [c for c in standard if c["group"] in business or c["group"] == "group:8"]
    return [*standard, *custom]


def category(tx: Tx, ns: str, user_id: str, category_id: str) -> dict[str, Any]:
    for found in categories(tx, ns, user_id):
        if found["categoryId"] == category_id:
            return found
    raise ApiError(404, f"Category {category_id} not found", code="NotFound", path="categoryId")


def create_category(
    tx: Tx, ns: str, sandbox: Sandbox, client_id: str, user_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    if body["group"] not in {g["id"] for g in catalog.category_groups()}:
        raise ApiError(
            400, f"Unknown category group {body['group']}", code="BadRequest", path="group"
        )
    made = {
        "categoryId": f"cus:{sandbox.ids.uuid(tx, ns, CUSTOM_KIND)}",
        "name": str(body["name"]),
        "group": body["group"],
    }
    tx.put(ns, CUSTOM_KIND, made["categoryId"], made, tenant=client_id, parent=user_id)
    return made


# -- counterparties and recurring payments --------------------------------------------------------


def _party_name(row: dict[str, Any]) -> str:
    return str(row.get("merchantName") or row["shortDescription"]).strip()


def counterparty_id(account_id: str, name: str) -> str:
    return hashlib.sha256(f"{account_id}\x1f{name.lower()}".encode()).hexdigest()[:32]


def _account_rows(tx: Tx, ns: str, user_id: str, account_id: str) -> list[dict[str, Any]]:
    return [
        r for r in tx.list(ns, TRANSACTION_KIND, parent=user_id) if r["accountId"] == account_id
    ]


def counterparties(tx: Tx, ns: str, user_id: str, account_id: str) -> list[dict[str, Any]]:
    """Everyone the account's transactions pay or are paid by, once each, most frequent first."""
    seen: dict[str, int] = defaultdict(int)
    for row in _account_rows(tx, ns, user_id, account_id):
        seen[_party_name(row)] += 1
    ordered = sorted(seen, key=lambda name: (-seen[name], name))
    return [{"id": counterparty_id(account_id, n), "label": n, "type": "local"} for n in ordered]


def recurring(
    tx: Tx, ns: str, user_id: str, account_id: str, currency: str
) -> list[dict[str, Any]]:
    """Counterparties paid (or paying) about monthly, with the next predicted dates."""
    by_party: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in _account_rows(tx, ns, user_id, account_id):
        by_party[_party_name(row)].append(row)
    estimates = []
    for name, rows in sorted(by_party.items()):
        days = sorted(parse_instant(r["date"]).date() for r in rows)
        if len(days) < 3:
            continue
        gaps = [(b - a).days for a, b in pairwise(days)]
        gap = median(gaps)
        if not 26 <= gap <= 35:
            continue
        values = [r["amount"]["value"] for r in rows]
        typical = int(median(values))
        spread = max(values) - min(values)
        estimates.append(
            {
                "counterpartyId": counterparty_id(account_id, name),
                "amount": amount(typical, currency),
                "amountRange": amount(spread, currency),
                "monthlyAmount": amount(int(typical * 30 / gap), currency),
                "predictionSource": "moneyhub",
                "monthlyAverageOnly": False,
                "dates": [(days[-1] + timedelta(days=int(gap) * n)).isoformat() for n in (1, 2, 3)],
            }
        )
    return estimates


# -- spending analysis ----------------------------------------------------------------------------


def spending_analysis(tx: Tx, ns: str, user_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Money out per category for each named date range (negative minor units), and in total.

    Income and moving money between one's own accounts are not spending; refunds in a
    spending category reduce it.
    """
    ranges = [
        (r["name"], _date(r["from"], f"dates[{n}].from"), _date(r["to"], f"dates[{n}].to"))
        for n, r in enumerate(body["dates"])
    ]
    accounts = set(body.get("accountIds") or [])
    wanted = set(body.get("categoryIds") or [])
    groups = {c["categoryId"]: c["group"] for c in categories(tx, ns, user_id)}
    keys = {c["categoryId"]: c.get("key") for c in catalog.standard_categories()}
    totals: dict[str, dict[str, int]] = defaultdict(lambda: {name: 0 for name, _, _ in ranges})
    for row in tx.list(ns, TRANSACTION_KIND, parent=user_id):
        category_id = row["categoryId"]
        group = groups.get(category_id, "group:8")
        if accounts and row["accountId"] not in accounts:
            continue
        if wanted and category_id not in wanted:
            continue
        if group in NOT_SPENDING or keys.get(category_id) in NOT_SPENDING_KEYS:
            continue
        day = parse_instant(row["date"]).date()
        for name, start, end in ranges:
            if start <= day <= end:
                totals[category_id][name] += row["amount"]["value"]
    rows = [
        {"categoryId": cid, "categoryGroup": groups.get(cid, "group:8"), **values}
        for cid, values in sorted(totals.items())
    ]
    total = {name: sum(r[name] for r in rows) for name, _, _ in ranges}
    return {"categories": rows, "total": total}


def _date(value: Any, field: str) -> date:
    found = dates.day(value, field)
    if found is None:
        raise ApiError(400, f"{field} is required", code="BadRequest", path=field)
    return found
