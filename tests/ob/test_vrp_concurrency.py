"""Concurrent payments under one VRP consent can never together exceed a limit.

Two worker processes share one database (a SQLite file, or PostgreSQL); twelve threads each
pay GBP 30 at once against a GBP 150 daily limit. Exactly five payments may go, and the debtor
account moves by exactly GBP 150. The server runs with ``--relax-jws`` so the threads need no
signing key (signatures are covered in test_vrp_signatures).
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
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
NS = {"X-Sandbox-Namespace": "vrp-race"}
PAYERS = 12


def _token(base: str, data: dict[str, str]) -> dict[str, Any]:
    response = httpx.post(f"{base}/ob/oauth2/token", data=data, auth=TPP, headers=NS)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _current_balance(base: str) -> Decimal:
    state = httpx.get(f"{base}/__admin/state", params={"namespace": NS["X-Sandbox-Namespace"]})
    records = state.json()["namespaces"][NS["X-Sandbox-Namespace"]]["records"]
    account = next(
        r["data"]
        for r in records
        if r["kind"] == "psu.account" and r["parent"] == "alice" and r["data"]["type"] == "current"
    )
    return Decimal(account["balance"])


def race(base: str) -> None:
    client = _token(base, {"grant_type": "client_credentials", "scope": "payments"})
    headers = {**NS, "Authorization": f"Bearer {client['access_token']}"}
    body = consent_body()
    created = httpx.post(
        f"{base}{PISP}/domestic-vrp-consents",
        json=body,
        headers={**headers, "x-idempotency-key": "consent"},
    )
    assert created.status_code == 201, created.text
    consent_id = created.json()["Data"]["ConsentId"]
    query = {
        "client_id": TPP[0],
        "response_type": "code",
        "scope": "openid payments",
        "redirect_uri": REDIRECT,
        "claims": json.dumps(intent_claims(consent_id)),
    }
    url = f"{base}/ob/oauth2/authorize?{urlencode(query)}"
    decided = httpx.post(f"{base}/__admin/authorize", json={"url": url, "psu": "alice"}, headers=NS)
    assert decided.status_code == 200, decided.text
    code = redirect_params(decided.json()["redirect"])["code"]
    grant = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    token = _token(base, grant)["access_token"]
    before = _current_balance(base)

    def pay(n: int) -> int:
        payment = payment_body(consent_id, body, "30.00")
        sent = {**NS, "Authorization": f"Bearer {token}", "x-idempotency-key": f"pay-{n}"}
        # A new connection each, so the kernel spreads them over both workers.
        with httpx.Client(timeout=30) as fresh:
            response = fresh.post(f"{base}{PISP}/domestic-vrps", json=payment, headers=sent)
        if response.status_code == 400:
            assert response.json()["Errors"][0]["ErrorCode"] == (
                "UK.OBIE.Rules.FailsControlParameters"
            )
        return response.status_code

    with ThreadPoolExecutor(PAYERS) as pool:
        statuses = list(pool.map(pay, range(PAYERS)))
    assert sorted(statuses) == [201] * 5 + [400] * (PAYERS - 5)
    assert _current_balance(base) == before - Decimal("150.00")


def test_concurrent_payments_on_a_shared_sqlite_file(tmp_path: Path) -> None:
    db = tmp_path / "race.sqlite"
    with live_server("--workers", "2", "--db", str(db), "--relax-jws", "true") as base:
        race(base)


@pytest.mark.postgres
def test_concurrent_payments_on_postgres(pg_db_url: str) -> None:
    with live_server("--workers", "2", "--db", pg_db_url, "--relax-jws", "true") as base:
        race(base)
