"""MogoPlus: an applicant's six months of CDR banking data submitted twice: one report that
completes and one whose processing fails, each polled (204 while processing) until done."""

from __future__ import annotations

import time
import uuid
from datetime import date, timedelta
from typing import Any

from mockserver.client import SandboxNamespace, bearer, json_body

INSIGHTS = "/mogoplus/cdr-data/v2/banking-data-insights"
FAILS = "FAIL-PROCESSING"  # the sandbox's magic reference: processing fails
EMPLOYER = "Harbour Logistics Pty Ltd"
POLL_SECONDS = 0.5
POLL_DEADLINE = 30.0  # the default processing time is 3 s; a namespace may set a longer one


def play(space: SandboxNamespace) -> list[str]:
    auth = bearer(space.token("mogoplus"))
    today = space.clock.now().date()
    submitted = {}
    for reference in ("DEMO-LOAN-0001", FAILS):
        payload = _payload(str(uuid.uuid4()), reference, today)
        accepted = json_body(space.client.post(INSIGHTS, json=payload, headers=auth))
        submitted[reference] = accepted["data"]["insightsId"]["insightsId"]
    # Both process at once: poll them after submitting both.
    return [
        f"MogoPlus insights {insights_id}: reference {reference}, {_poll(space, auth, insights_id)}"
        for reference, insights_id in submitted.items()
    ]


def _poll(space: SandboxNamespace, auth: dict[str, str], insights_id: str) -> str:
    """Poll like a client until the report is done; its ``meta.status`` (or still processing)."""
    deadline = time.monotonic() + POLL_DEADLINE
    while time.monotonic() < deadline:
        answer = space.client.get(f"{INSIGHTS}/{insights_id}", headers=auth)
        if answer.status_code != 204:
            return str(json_body(answer)["meta"]["status"])
        time.sleep(POLL_SECONDS)
    return "still processing"


def _payload(order_id: str, reference: str, today: date) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []

    def tx(day: date, amount: str, description: str, kind: str = "PAYMENT") -> None:
        stamp = f"{day.isoformat()}T09:30:00.000Z"
        rows.append(
            {
                "accountId": "ACC-1",
                "transactionId": f"ACC-1-{len(rows) + 1:04d}",
                "isDetailAvailable": False,
                "type": kind,
                "status": "POSTED",
                "description": description,
                "postingDateTime": stamp,
                "valueDateTime": stamp,
                "amount": amount,
                "currency": "AUD",
                "reference": "",
            }
        )

    start = today - timedelta(days=182)
    for n in range(13):  # fortnightly pay
        tx(start + timedelta(days=1 + 14 * n), "2850.40", f"{EMPLOYER.upper()} SALARY",
           "TRANSFER_INCOMING")  # fmt: skip
    for month in range(6):
        first = start + timedelta(days=30 * month)
        tx(first + timedelta(days=2), "-2200.00", "RENT 14 GEORGE ST", "TRANSFER_OUTGOING")
        tx(first + timedelta(days=9), "-189.35", "ORIGIN ENERGY", "DIRECT_DEBIT")
        tx(first + timedelta(days=14), "-18.99", "NETFLIX.COM MELBOURNE")
    for week in range(26):
        shop = ("WOOLWORTHS 1234 SYDNEY", "COLES 0420 NEWTOWN")[week % 2]
        tx(start + timedelta(days=5 + 7 * week), "-121.40", shop)
        tx(start + timedelta(days=3 + 7 * week), "-32.50", "UBER *EATS HELP.UBER.COM")
    return {
        "meta": {
            "orderIds": [order_id],
            "clientId": "mogoplus-sandbox-client",
            "reference": reference,
            "applicationType": "PERSONAL_LOAN",
        },
        "applicantsData": [
            {
                "applicant": {
                    "crn": "CRN-DEMO-0001",
                    "firstName": "Priya",
                    "lastName": "Sharma",
                    "employerNames": [EMPLOYER],
                },
                "bankingTransactionData": [
                    {
                        "consentProperty": {
                            "institutionName": "Westpac",
                            "consent": {
                                "arrangementId": str(uuid.uuid5(uuid.NAMESPACE_URL, order_id)),
                                "scopes": ["bank:accounts.basic:read", "bank:transactions:read"],
                                "sharingStartDateTime": f"{today.isoformat()}T08:00:00.000Z",
                                "sharingDuration": 86400,
                            },
                        },
                        "accountProperty": {"accounts": [_account(rows)]},
                    }
                ],
            }
        ],
    }


def _account(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "accountId": "ACC-1",
        "creationDate": "2021-06-01",
        "displayName": "Everyday",
        "openStatus": "OPEN",
        "isOwned": True,
        "accountOwnership": "ONE_PARTY",
        "maskedNumber": "xxx-xxx xxxx4821",
        "productCategory": "TRANS_AND_SAVINGS_ACCOUNTS",
        "productName": "Everyday",
        "balance": {
            "accountId": "ACC-1",
            "currency": "AUD",
            "currentBalance": "1834.27",
            "availableBalance": "1834.27",
        },
        "transactions": rows,
    }
