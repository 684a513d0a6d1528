"""Whole-or-nothing checks over a namespace's state, from ``GET /__admin/state``.

A payment is several rows written in one transaction: the payment, its booking on the PSU's
ledger, the account's new balance, the idempotency key that made it, the id counters. If any
of them could be lost while others survive, one of these checks fails: a payment without its
booking (or a booking without its payment), a balance that is not the sum of its bookings, an
idempotency key naming no payment or a payment no key names.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

import httpx

from tests.durability import provider_calls as calls

Records = list[dict[str, Any]]
OB_PAYMENT = "ob.domestic_vrp"
FENA_PAYMENT = "fena.vrp_payment"
ACCOUNT = "psu.account"
TRANSACTION = "psu.transaction"
IDEMPOTENCY_KEY = "sandbox.idempotency_key"
OB_PAYEE = calls.CREDITOR["Name"]
FENA_PAYEE = "Isaac Harper"


def namespace_records(base: str, namespace: str) -> Records:
    state = calls.expect(httpx.get(f"{base}/__admin/state", params={"namespace": namespace}), 200)
    records: Records = state.json()["namespaces"][namespace]["records"]
    return records


def of_kind(records: Records, kind: str) -> list[dict[str, Any]]:
    return [r["data"] for r in records if r["kind"] == kind]


def check_bookings(before: Records, after: Records) -> tuple[int, int]:
    """Every payment made since ``before`` is booked once, and only payments are.

    Returns how many OBIE and Fena payments moved money (so a caller can see it was not 0).
    """
    known = {row["id"] for row in of_kind(before, TRANSACTION)}
    new_rows = [row for row in of_kind(after, TRANSACTION) if row["id"] not in known]
    rows_by_id = {row["id"]: row for row in new_rows}
    ob_settled = [
        p
        for p in of_kind(after, OB_PAYMENT)
        if p["payment"]["Status"] == "AcceptedSettlementCompleted"
    ]
    for payment in ob_settled:
        row = rows_by_id.get(payment["transaction_id"])
        assert row is not None, f"payment without its booking: {payment['payment']}"
        assert Decimal(row["amount"]) == -Decimal(payment["amount"])
        assert row["counterparty"]["name"] == OB_PAYEE
    fena_executed = [p for p in of_kind(after, FENA_PAYMENT) if p["status"] == "executed"]
    payees = Counter(row["counterparty"]["name"] for row in new_rows)
    # Each booking belongs to exactly one payment: none missing, none left without its payment.
    assert payees == Counter({OB_PAYEE: len(ob_settled), FENA_PAYEE: len(fena_executed)}), payees
    fena_total = sum((Decimal(p["amount"]) for p in fena_executed), Decimal(0))
    fena_booked = sum(
        (Decimal(r["amount"]) for r in new_rows if r["counterparty"]["name"] == FENA_PAYEE),
        Decimal(0),
    )
    assert fena_booked == -fena_total
    _check_balances(before, after, new_rows)
    return len(ob_settled), len(fena_executed)


def _check_balances(before: Records, after: Records, new_rows: list[dict[str, Any]]) -> None:
    """Each account moved by exactly its new bookings, and its last booking shows the balance."""
    accounts_before = {a["id"]: a for a in of_kind(before, ACCOUNT)}
    for account in of_kind(after, ACCOUNT):
        rows = [r for r in new_rows if r["account_id"] == account["id"]]
        moved = sum((Decimal(r["amount"]) for r in rows), Decimal(0))
        old = accounts_before[account["id"]]
        for field in ("balance", "available_balance"):
            assert Decimal(account[field]) == Decimal(old[field]) + moved, (field, account["id"])
        if rows:
            assert Decimal(rows[-1]["balance_after"]) == Decimal(account["balance"])


def check_idempotency_keys(after: Records) -> None:
    """OBIE VRP payments and their idempotency keys name each other one to one."""
    payments = {p["payment"]["DomesticVRPId"] for p in of_kind(after, OB_PAYMENT)}
    named = Counter(
        r["data"]["resource_id"]
        for r in after
        if r["kind"] == IDEMPOTENCY_KEY and "\x1fdomestic-vrps\x1f" in r["id"]
    )
    assert set(named) == payments, "a payment without its key, or a key without its payment"
    assert set(named.values()) <= {1}, "two keys made one payment"
