"""Concurrent payments under one VRP consent can never together exceed any of its limits.

Two worker processes share one database (a SQLite file, or PostgreSQL). The consent has a
maximum per payment and three periodic limits of different kinds: GBP 100 a Day (consent
aligned), GBP 180 a Week (calendar aligned) and GBP 250 a Month (consent aligned). On four
sandbox days, sixteen threads pay at once: fourteen pay GBP 30 and two GBP 45 (over the
maximum). Each round is planned so that a different limit stops it, and the number of payments
that go through is exact only if the limit check and the debit are serialised across workers:

| round (day) | left before: Day / Week / Month | paid | the 30s refused by |
|---|---|---|---|
| Monday 5 January | 100 / 180 / 250 | 3 | the Day limit |
| Tuesday | 100 / 90 / 160 | 3 | the Day limit (10 left; the Week's 0 comes second) |
| Wednesday | 100 / 0 / 70 | 0 | the Week limit |
| the next Monday | 100 / 180 / 70 | 2 | the Month limit |

The server runs with ``--relax-jws`` so the threads need no signing key (signatures are covered
in test_vrp_signatures), and with a frozen clock that the test moves from day to day.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from tests.identity.oauth_helpers import REDIRECT, TPP, intent_claims, redirect_params
from tests.ob.vrp_helpers import PISP, consent_body, payment_body
from tests.support.live import live_server

pytestmark = pytest.mark.live
NAMESPACE = "vrp-race"
NS = {"X-Sandbox-Namespace": NAMESPACE}
START = "2026-01-05T09:00:00Z"  # a Monday
PAYERS = 16
DAY = 86_400
LIMITS = {"Day": Decimal("100.00"), "Week": Decimal("180.00"), "Month": Decimal("250.00")}
ALIGNMENT = {"Day": "Consent", "Week": "Calendar", "Month": "Consent"}
MAXIMUM = Decimal("40.00")
FAILS = "UK.OBIE.Rules.FailsControlParameters"
CONTROLS = "Data.ControlParameters"
MAXIMUM_PATH = f"{CONTROLS}.MaximumIndividualAmount"
LIMIT_PATH = {period: f"{CONTROLS}.PeriodicLimits[{n}]" for n, period in enumerate(LIMITS)}
# (days to move the clock first, payments that go, the limit that refuses the other GBP 30s)
ROUNDS = [(0, 3, "Day"), (1, 3, "Day"), (1, 0, "Week"), (5, 2, "Month")]


def limited_consent() -> dict[str, Any]:
    limits = [
        {"PeriodType": period, "PeriodAlignment": ALIGNMENT[period], "Amount": str(amount)}
        for period, amount in LIMITS.items()
    ]
    return consent_body(
        MaximumIndividualAmount={"Amount": str(MAXIMUM), "Currency": "GBP"},
        PeriodicLimits=[{**limit, "Currency": "GBP"} for limit in limits],
    )


class Psu:
    """The TPP's view of one authorised consent: its PSU token, renewed as days pass."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.body = limited_consent()
        client = self._token({"grant_type": "client_credentials", "scope": "payments"})
        created = httpx.post(
            f"{base}{PISP}/domestic-vrp-consents",
            json=self.body,
            headers={
                **NS,
                "Authorization": f"Bearer {client['access_token']}",
                "x-idempotency-key": "consent",
            },
        )
        assert created.status_code == 201, created.text
        self.consent_id = str(created.json()["Data"]["ConsentId"])
        query = {
            "client_id": TPP[0],
            "response_type": "code",
            "scope": "openid payments",
            "redirect_uri": REDIRECT,
            "claims": json.dumps(intent_claims(self.consent_id)),
        }
        url = f"{base}/ob/oauth2/authorize?{urlencode(query)}"
        decided = httpx.post(
            f"{base}/__admin/authorize", json={"url": url, "psu": "alice"}, headers=NS
        )
        assert decided.status_code == 200, decided.text
        code = redirect_params(decided.json()["redirect"])["code"]
        grant = self._token(
            {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
        )
        self.access, self.refresh = grant["access_token"], grant["refresh_token"]

    def _token(self, form: dict[str, str]) -> dict[str, Any]:
        response = httpx.post(f"{self.base}/ob/oauth2/token", data=form, auth=TPP, headers=NS)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def next_day(self, days: int) -> None:
        """Move the sandbox clock on; access tokens live an hour, so renew it."""
        moved = httpx.post(
            f"{self.base}/__admin/clock/advance", json={"seconds": days * DAY}, headers=NS
        )
        assert moved.status_code == 200, moved.text
        grant = self._token({"grant_type": "refresh_token", "refresh_token": self.refresh})
        self.access = grant["access_token"]
        self.refresh = grant.get("refresh_token", self.refresh)


def pay_at_once(psu: Psu, round_no: int) -> list[tuple[str, int, str | None]]:
    """Sixteen payments released together: (amount, status, path of the refusal)."""
    amounts = ["45.00" if n % 8 == 0 else "30.00" for n in range(PAYERS)]
    start = threading.Barrier(PAYERS)

    def pay(n: int) -> tuple[str, int, str | None]:
        payment = payment_body(psu.consent_id, psu.body, amounts[n])
        headers = {
            **NS,
            "Authorization": f"Bearer {psu.access}",
            "x-idempotency-key": f"round-{round_no}-pay-{n}",
        }
        # A new connection each, so the kernel spreads them over both workers.
        with httpx.Client(timeout=60) as fresh:
            start.wait(timeout=60)
            response = fresh.post(f"{psu.base}{PISP}/domestic-vrps", json=payment, headers=headers)
        if response.status_code == 201:
            return amounts[n], 201, None
        assert response.status_code == 400, (response.status_code, response.text)
        (error,) = response.json()["Errors"]
        assert error["ErrorCode"] == FAILS, response.text
        return amounts[n], 400, error["Path"]

    with ThreadPoolExecutor(PAYERS) as pool:
        return list(pool.map(pay, range(PAYERS)))


def admin_state(base: str) -> list[dict[str, Any]]:
    state = httpx.get(f"{base}/__admin/state", params={"namespace": NAMESPACE})
    assert state.status_code == 200, state.text
    records: list[dict[str, Any]] = state.json()["namespaces"][NAMESPACE]["records"]
    return records


def current_balance(records: list[dict[str, Any]]) -> Decimal:
    account = next(
        r["data"]
        for r in records
        if r["kind"] == "psu.account" and r["parent"] == "alice" and r["data"]["type"] == "current"
    )
    return Decimal(account["balance"])


def assert_no_period_exceeded(records: list[dict[str, Any]], consent_id: str) -> Decimal:
    """Check every limit against the payments the bank stored (its own record, not ours)."""
    settled = [
        r["data"]
        for r in records
        if r["kind"] == "ob.domestic_vrp"
        and r["parent"] == consent_id
        and r["data"]["payment"]["Status"] == "AcceptedSettlementCompleted"
    ]
    per_day: dict[date, Decimal] = defaultdict(Decimal)
    per_week: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    total = Decimal(0)
    for stored in settled:
        amount = Decimal(stored["amount"])
        assert amount <= MAXIMUM
        day = datetime.fromisoformat(stored["payment"]["CreationDateTime"]).date()
        per_day[day] += amount
        per_week[day.isocalendar()[:2]] += amount
        total += amount
    assert max(per_day.values()) <= LIMITS["Day"]
    assert max(per_week.values()) <= LIMITS["Week"]
    assert total <= LIMITS["Month"]  # every day of the test is in the consent's first month
    return total


def race(base: str) -> None:
    psu = Psu(base)
    before = current_balance(admin_state(base))
    paid = Decimal(0)
    for round_no, (days, going, stopper) in enumerate(ROUNDS):
        if days:
            psu.next_day(days)
        outcomes = pay_at_once(psu, round_no)
        accepted = [amount for amount, status, _ in outcomes if status == 201]
        assert accepted == ["30.00"] * going, (round_no, outcomes)
        refusals = sorted((amount, path) for amount, status, path in outcomes if status == 400)
        over_maximum = [("45.00", MAXIMUM_PATH)] * 2
        assert refusals == [("30.00", LIMIT_PATH[stopper])] * (14 - going) + over_maximum
        paid += Decimal("30.00") * going
    records = admin_state(base)
    assert assert_no_period_exceeded(records, psu.consent_id) == paid == Decimal("240.00")
    assert current_balance(records) == before - paid


def test_concurrent_payments_on_a_shared_sqlite_file(tmp_path: Path) -> None:
    db = tmp_path / "race.sqlite"
    args = ("--workers", "2", "--db", str(db), "--relax-jws", "true", "--clock", START)
    with live_server(*args) as base:
        race(base)


@pytest.mark.postgres
def test_concurrent_payments_on_postgres(pg_db_url: str) -> None:
    args = ("--workers", "2", "--db", pg_db_url, "--relax-jws", "true", "--clock", START)
    with live_server(*args) as base:
        race(base)
