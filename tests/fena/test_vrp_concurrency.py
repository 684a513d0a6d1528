"""Concurrent Fena VRPs under one consent can never together exceed any of its limits.

Two worker processes share one database (a SQLite file, or PostgreSQL). The consent has a
maximum per payment and three periodic limits of different kinds: GBP 100 a Day (consent
aligned), GBP 180 a Week (calendar aligned) and GBP 250 a Month (consent aligned). On four
sandbox days, sixteen threads pay at once: fourteen pay GBP 30 and two GBP 45 (over the
maximum). Each round is planned so that a different limit stops it, and the number of payments
that go through is exact only if the limit check and the debit are serialised across workers:

| round (day) | left before: Day / Week / Month | executed | the 30s refused by |
|---|---|---|---|
| Monday 5 January | 100 / 180 / 250 | 3 | the Day limit |
| Tuesday | 100 / 90 / 160 | 3 | the Day limit (10 left; the Week's 0 comes second) |
| Wednesday | 100 / 0 / 70 | 0 | the Week limit |
| the next Monday | 100 / 180 / 70 | 2 | the Month limit |
"""

from __future__ import annotations

import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.live import live_server

pytestmark = pytest.mark.live
NAMESPACE = "fena-vrp-race"
NS = {"X-Sandbox-Namespace": NAMESPACE}
CLIENT = {
    "client_id": "8f7a4d52-1c3e-4b9a-9d2f-3e5b6c7d8e01",
    "client_secret": "2b9c6e14-7f3a-4d85-a1c2-9e8f7d6c5b02",
}
START = "2026-01-05T09:00:00Z"  # a Monday
PAYERS = 16
DAY = 86_400
MAXIMUM = Decimal("40.00")
LIMITS = {"Day": Decimal("100.00"), "Week": Decimal("180.00"), "Month": Decimal("250.00")}
ALIGNMENT = {"Day": "Consent", "Week": "Calendar", "Month": "Consent"}
# (days to move the clock first, payments that go, the limit that refuses the other GBP 30s)
ROUNDS = [(0, 3, "Day"), (1, 3, "Day"), (1, 0, "Week"), (5, 2, "Month")]


def consent_body() -> dict[str, Any]:
    return {
        "provider": "ob-natwest",
        "reference": "SWEEP-RACE",
        "beneficiary": {
            "identificationType": "SortCodeAccountNumber",
            "sortCode": "040004",
            "accountNumber": "11397104",
            "name": "Isaac Harper",
        },
        "maximumIndividualAmount": str(MAXIMUM),
        "periodicLimits": [
            {"periodType": period, "periodAlignment": ALIGNMENT[period], "amount": str(amount)}
            for period, amount in LIMITS.items()
        ],
        "vrpType": ["Sweeping"],
        "psuAuthenticationMethods": ["SCANotRequired"],
    }


def authorised_consent(base: str) -> str:
    created = httpx.post(
        f"{base}/fena/payment/vrp-consent", json=consent_body(), headers={**NS, **CLIENT}
    )
    assert created.status_code == 201, created.text
    decided = httpx.post(
        f"{base}/__admin/authorize",
        json={"url": created.headers["X-Sandbox-Auth-Url"], "psu": "alice"},
        headers=NS,
    )
    assert decided.status_code == 200, decided.text
    return str(created.json()["result"]["vrp_consent"]["id"])


def refused_by(response: httpx.Response) -> str:
    """Which control refused a payment, from Fena's error message."""
    assert response.status_code == 400, (response.status_code, response.text)
    error = response.json()
    assert error["field"] == "amount", error
    if "maximumIndividualAmount" in error["message"]:
        return "maximum"
    (period,) = [p for p in LIMITS if f"the {p} limit" in error["message"]]
    return period


def pay_at_once(base: str, consent_id: str) -> list[tuple[str, str]]:
    """Sixteen payments released together: (amount, "executed" or the control that refused)."""
    amounts = ["45.00" if n % 8 == 0 else "30.00" for n in range(PAYERS)]
    start = threading.Barrier(PAYERS)

    def pay(n: int) -> tuple[str, str]:
        body = {
            "vrpConsentId": consent_id,
            "amount": amounts[n],
            "psuAuthenticationMethod": "SCANotRequired",
        }
        # A new connection each, so the kernel spreads them over both workers.
        with httpx.Client(timeout=60) as fresh:
            start.wait(timeout=60)
            response = fresh.post(f"{base}/fena/payment/vrp", json=body, headers={**NS, **CLIENT})
        if response.status_code == 201:
            return amounts[n], str(response.json()["result"]["vrp_payment"]["status"])
        return amounts[n], refused_by(response)

    with ThreadPoolExecutor(PAYERS) as pool:
        return list(pool.map(pay, range(PAYERS)))


def admin_records(base: str) -> list[dict[str, Any]]:
    state = httpx.get(f"{base}/__admin/state", params={"namespace": NAMESPACE})
    assert state.status_code == 200, state.text
    records: list[dict[str, Any]] = state.json()["namespaces"][NAMESPACE]["records"]
    return records


def debtor_balance(records: list[dict[str, Any]], consent_id: str) -> Decimal:
    consent = next(r["data"] for r in records if r["kind"] == "fena.vrp_consent")
    assert consent["consent"]["id"] == consent_id
    account = next(
        r["data"] for r in records if r["kind"] == "psu.account" and r["id"] == consent["account"]
    )
    return Decimal(account["balance"])


def executed_total(records: list[dict[str, Any]], consent_id: str) -> Decimal:
    """Check every limit against the payments the sandbox stored (its record, not ours)."""
    executed = [
        r["data"]
        for r in records
        if r["kind"] == "fena.vrp_payment"
        and r["parent"] == consent_id
        and r["data"]["status"] == "executed"
    ]
    per_day: dict[date, Decimal] = defaultdict(Decimal)
    per_week: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for payment in executed:
        amount = Decimal(payment["amount"])
        assert amount <= MAXIMUM
        day = datetime.fromisoformat(payment["createdAt"]).date()
        per_day[day] += amount
        per_week[day.isocalendar()[:2]] += amount
    total = sum(per_day.values(), Decimal(0))
    assert max(per_day.values()) <= LIMITS["Day"]
    assert max(per_week.values()) <= LIMITS["Week"]
    assert total <= LIMITS["Month"]  # every day of the test is in the consent's first month
    return total


def race(base: str) -> None:
    consent_id = authorised_consent(base)
    before = debtor_balance(admin_records(base), consent_id)
    paid = Decimal(0)
    for days, going, stopper in ROUNDS:
        if days:
            moved = httpx.post(
                f"{base}/__admin/clock/advance", json={"seconds": days * DAY}, headers=NS
            )
            assert moved.status_code == 200, moved.text
        outcomes = sorted(pay_at_once(base, consent_id))
        expected = [("30.00", "executed")] * going + [("30.00", stopper)] * (14 - going)
        assert outcomes == sorted([*expected, ("45.00", "maximum"), ("45.00", "maximum")])
        paid += Decimal("30.00") * going
    records = admin_records(base)
    assert executed_total(records, consent_id) == paid == Decimal("240.00")
    assert debtor_balance(records, consent_id) == before - paid


def test_concurrent_payments_on_a_shared_sqlite_file(tmp_path: Path) -> None:
    db = tmp_path / "race.sqlite"
    with live_server("--workers", "2", "--db", str(db), "--clock", START) as base:
        race(base)


@pytest.mark.postgres
def test_concurrent_payments_on_postgres(pg_db_url: str) -> None:
    with live_server("--workers", "2", "--db", pg_db_url, "--clock", START) as base:
        race(base)
