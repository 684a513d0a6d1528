#!/usr/bin/env python3
"""MogoPlus against the sandbox, with plain HTTP: banking-data insights from CDR data.

As the sandbox's MogoPlus client (``mogoplus-sandbox-client``, HTTP Basic): a client_credentials
token, the submission of a small but realistic CDR payload (one applicant, a transaction and a
savings account, three months of salary, rent, bills and spending), then polling the report:
``204`` while it is being processed, ``200`` with the report once ready. The script prints the
report's key figures, then purges it (and checks that it is gone).

    python examples/mogoplus.py [--base http://127.0.0.1:8000]

Processing takes 3 seconds of the sandbox clock by default; this script sets its namespace to
answer the first two polls with ``204`` (``PUT /__admin/mogoplus/processing``), so it is quick and
still shows the asynchronous protocol. Everything happens in a namespace of its own
(``X-Sandbox-Namespace``), reset at the end. Any unexpected HTTP status stops the script with
exit status 1.
"""

from __future__ import annotations

import argparse
import base64
import os
import secrets
import sys
import time
import uuid
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests

CLIENT = ("mogoplus-sandbox-client", "mogoplus-sandbox-secret")
INSIGHTS = "/mogoplus/cdr-data/v2/banking-data-insights"
EMPLOYER = "Harbour Logistics Pty Ltd"


class Unexpected(Exception):
    """The server answered with a status the journey did not expect."""


class Sandbox:
    """An HTTP client bound to one sandbox namespace; every call is printed and checked."""

    def __init__(self, base: str, namespace: str, admin_token: str | None) -> None:
        self.namespace = namespace
        self.admin_headers = {"Authorization": f"Bearer {admin_token}"} if admin_token else {}
        self.base = base
        self.http = requests.Session()
        self.http.headers["X-Sandbox-Namespace"] = namespace

    def call(
        self, method: str, path: str, *, expect: int | tuple[int, ...] = 200, **kwargs: Any
    ) -> requests.Response:
        expected = (expect,) if isinstance(expect, int) else expect
        # Links.Next and the like are absolute URLs; our own paths are relative to the base.
        url = path if "://" in path else f"{self.base}{path}"
        response = self.http.request(method, url, timeout=30, **kwargs)
        shown = urlsplit(path)
        query = f"?{shown.query}" if shown.query else ""
        print(f"   {method} {shown.path}{query} -> {response.status_code}")
        if response.status_code not in expected:
            raise Unexpected(
                f"{method} {path}: expected {' or '.join(map(str, expected))}, got "
                f"{response.status_code}\n{response.text[:2000]}"
            )
        return response

    def admin(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {**self.admin_headers, **kwargs.pop("headers", {})}
        return self.call(method, f"/__admin{path}", headers=headers, **kwargs)


def step(text: str) -> None:
    print(f"\n== {text}")


# -- the CDR payload ------------------------------------------------------------------------------


def cdr_payload(order_id: str) -> dict[str, Any]:
    """One applicant's CDR banking data: BankingAccountV3 with BankingTransactionV2 rows.

    CDR amounts are strings, negative for money out.
    """
    start = date(2026, 1, 1)
    main: list[dict[str, Any]] = []
    savings: list[dict[str, Any]] = []

    def tx(
        rows: list[dict[str, Any]],
        account: str,
        day: date,
        amount: str,
        description: str,
        kind: str = "PAYMENT",
        **extra: str,
    ) -> None:
        stamp = f"{day.isoformat()}T09:30:00.000Z"
        rows.append(
            {
                "accountId": account,
                "transactionId": f"{account}-{len(rows) + 1:04d}",
                "isDetailAvailable": False,
                "type": kind,
                "status": "POSTED",
                "description": description,
                "postingDateTime": stamp,
                "valueDateTime": stamp,
                "amount": amount,
                "currency": "AUD",
                "reference": extra.pop("reference", ""),
                **extra,
            }
        )

    for n in range(7):  # fortnightly pay
        day = start + timedelta(days=1 + 14 * n)
        tx(main, "ACC-1", day, "2850.40", "HARBOUR LOGISTICS PTY LTD SALARY",
           "TRANSFER_INCOMING", reference=f"PAY {n + 1:03d}")  # fmt: skip
        tx(savings, "ACC-2", day, "300.00", "TRANSFER FROM EVERYDAY", "TRANSFER_INCOMING")
        tx(main, "ACC-1", day, "-300.00", "TRANSFER TO SAVINGS", "TRANSFER_OUTGOING")
    for month in (1, 2, 3):
        first = date(2026, month, 1)
        tx(main, "ACC-1", first + timedelta(days=2), "-2200.00", "RENT 14 GEORGE ST",
           "TRANSFER_OUTGOING", reference="RENT")  # fmt: skip
        tx(main, "ACC-1", first + timedelta(days=9), "-189.35", "ORIGIN ENERGY", "DIRECT_DEBIT")
        tx(main, "ACC-1", first + timedelta(days=11), "-65.00", "TELSTRA MOBILE",
           "DIRECT_DEBIT", merchantName="Telstra")  # fmt: skip
        tx(main, "ACC-1", first + timedelta(days=14), "-18.99", "NETFLIX.COM MELBOURNE",
           merchantName="NETFLIX", merchantCategoryCode="4899")  # fmt: skip
        tx(main, "ACC-1", first + timedelta(days=27), "-5.00", "MONTHLY ACCOUNT FEE", "FEE")
        tx(savings, "ACC-2", first + timedelta(days=27), "4.12", "CREDIT INTEREST",
           "INTEREST_PAID")  # fmt: skip
    shops = [("WOOLWORTHS 1234 SYDNEY", "-142.60"), ("COLES 0420 NEWTOWN", "-98.15")]
    for week in range(13):
        name, amount = shops[week % 2]
        tx(main, "ACC-1", start + timedelta(days=5 + 7 * week), amount, name,
           merchantCategoryCode="5411")  # fmt: skip
        tx(main, "ACC-1", start + timedelta(days=3 + 7 * week), "-32.50",
           "UBER *EATS HELP.UBER.COM")  # fmt: skip
        tx(main, "ACC-1", start + timedelta(days=1 + 7 * week), "-50.00",
           "TRANSPORT FOR NSW OPAL")  # fmt: skip
    tx(main, "ACC-1", date(2026, 2, 14), "-80.00", "SPORTSBET PTY LTD")

    def account(
        account_id: str, name: str, masked: str, rows: list[dict[str, Any]], balance: str
    ) -> dict[str, Any]:
        return {
            "accountId": account_id,
            "creationDate": "2021-06-01",
            "displayName": name,
            "openStatus": "OPEN",
            "isOwned": True,
            "accountOwnership": "ONE_PARTY",
            "maskedNumber": masked,
            "productCategory": "TRANS_AND_SAVINGS_ACCOUNTS",
            "productName": name,
            "balance": {
                "accountId": account_id,
                "currency": "AUD",
                "currentBalance": balance,
                "availableBalance": balance,
            },
            "transactions": rows,
        }

    return {
        "meta": {
            "orderIds": [order_id],
            "clientId": CLIENT[0],
            "reference": "LOAN-APP-2026-0042",
            "applicationType": "PERSONAL_LOAN",
        },
        "applicantsData": [
            {
                "applicant": {
                    "crn": "CRN-20260042",
                    "firstName": "Priya",
                    "lastName": "Sharma",
                    "emailAddress": "priya.sharma@example.com",
                    "employerNames": [EMPLOYER],
                    "declaredIncome": {"amount": 6100, "currency": "AUD"},
                    "declaredExpenses": {"amount": 3600, "currency": "AUD"},
                },
                "bankingTransactionData": [
                    {
                        "consentProperty": {
                            "institutionName": "Westpac",
                            "consent": {
                                "arrangementId": str(uuid.uuid4()),
                                "scopes": ["bank:accounts.basic:read", "bank:transactions:read"],
                                "sharingStartDateTime": "2026-04-01T10:00:00.000Z",
                                "sharingDuration": 86400,
                            },
                        },
                        "accountProperty": {
                            "accounts": [
                                account("ACC-1", "Everyday", "xxx-xxx xxxx4821", main, "1834.27"),
                                account("ACC-2", "eSaver", "xxx-xxx xxxx9307", savings, "2112.36"),
                            ]
                        },
                    }
                ],
            }
        ],
    }


# -- the journey ----------------------------------------------------------------------------------


def insights(sandbox: Sandbox) -> None:
    step("1. A client_credentials token (HTTP Basic)")
    raw = base64.b64encode(f"{CLIENT[0]}:{CLIENT[1]}".encode()).decode()
    answer = sandbox.call(
        "POST",
        "/mogoplus/api/v1/oauth2/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {raw}"},
    ).json()
    auth = {"Authorization": f"Bearer {answer['access_token']}"}

    step("2. This namespace answers the first two polls with 204 (admin API)")
    sandbox.admin("PUT", "/mogoplus/processing", json={"mode": "polls", "polls": 2})

    step("3. Submit the applicant's CDR data")
    order_id = str(uuid.uuid4())
    payload = cdr_payload(order_id)
    rows = sum(
        len(a["transactions"])
        for data in payload["applicantsData"][0]["bankingTransactionData"]
        for a in data["accountProperty"]["accounts"]
    )
    print(f"   {rows} transactions in 2 accounts, order {order_id}")
    accepted = sandbox.call("POST", INSIGHTS, json=payload, headers=auth, expect=202).json()
    insights_id = accepted["data"]["insightsId"]["insightsId"]
    print(f"   insights {insights_id}")
    for order in accepted["data"]["orderReports"]:
        print(f"   order {order['orderId']}: {order['report']}")

    step("4. Poll until the report is ready (204: still processing)")
    report: dict[str, Any] | None = None
    for attempt in range(1, 31):
        polled = sandbox.call("GET", f"{INSIGHTS}/{insights_id}", headers=auth, expect=(200, 204))
        if polled.status_code == 200:
            report = polled.json()
            break
        print(f"   poll {attempt}: 204, not ready yet")
        time.sleep(0.2)
    if report is None:
        raise Unexpected("the report was not ready after 30 polls")
    print(f"   ready: meta.status {report['meta']['status']}")
    if report["meta"]["status"] != "COMPLETED":
        raise Unexpected(f"processing did not complete: {report['meta']}")
    show_key_figures(report["insightsHeader"]["reports"][0])

    step("5. Purge the report; afterwards it is gone (404)")
    sandbox.call("DELETE", f"{INSIGHTS}/{insights_id}", headers=auth, expect=204)
    sandbox.call("GET", f"{INSIGHTS}/{insights_id}", headers=auth, expect=404)


def show_key_figures(report: dict[str, Any]) -> None:
    header = report["reportHeader"]
    combined = report["combinedSummary"]
    totals = combined["combinedTotalSummary"]
    print(
        f"   period {header['reportingPeriodStartDate']} to {header['reportingPeriodEndDate']} "
        f"({header['numberOfDaysInReportingPeriod']} days), "
        f"{combined['combinedNumberOfTransactions']} transactions"
    )
    for side in ("credit", "debit"):
        figures = totals[side]
        print(
            f"   {side:<6}: {figures['numberOfTransactions']:>3} transactions, "
            f"sum {figures['sumAmount']}, monthly average {figures['monthlyAverage']}"
        )
    print("   net monthly position:")
    for month, amount in combined["netMonthlyPosition"].items():
        print(f"     {month}: {amount}")
    applicant = report["applicantSummary"]["applicants"][0]
    categories = sorted(
        applicant["applicantCategorySummary"]["categories"],
        key=lambda c: float(c.get("debit", {}).get("sumAmount", 0) or 0),
        reverse=True,
    )
    print("   biggest spending categories:")
    for category in categories[:5]:
        debit = category.get("debit") or {}
        if debit.get("numberOfTransactions"):
            print(f"     {category['categoryCode']:<16} {debit['sumAmount']}")
    income = report["incomeSummary"]["applicants"][0]
    for employer in income["employmentInsights"]:
        verified = "verified" if employer["employerNameVerified"] else "not verified"
        print(f"   employer {employer['declaredEmployerName']}: {verified}", end="")
        if employer.get("latestEmployerVerifiedSalaryDate"):
            print(
                f", latest salary {employer['latestEmployerVerifiedSalaryAmount']} on "
                f"{employer['latestEmployerVerifiedSalaryDate']}",
                end="",
            )
        print()
    for stream in income["IncomeInsights"]["inferentialIncomeInsights"]:
        intervals = stream["regularity"]["statisticsOfDayIntervals"]
        amounts = stream["reliability"]["statisticsOfSalaryAmount"]
        print(
            f"   income stream {stream['type']} from {stream.get('employer', '?')}: "
            f"{stream['regularity']['numberOfTransactions']} payments, every "
            f"{intervals['median']} days (median), {amounts['average']} on average"
        )
    for alert in applicant.get("alerts", []):
        debit = alert["debit"]
        print(
            f"   alert {alert['categoryCode']}: {debit['numberOfTransactions']} debit(s), "
            f"{debit['sumAmount']} in all"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--base",
        default=os.environ.get("MOCKSERVER_URL", "http://127.0.0.1:8000"),
        help="the sandbox's base URL [env MOCKSERVER_URL; default http://127.0.0.1:8000]",
    )
    parser.add_argument(
        "--admin-token",
        default=os.environ.get("MOCKSERVER_ADMIN_TOKEN"),
        help="the server's --admin-token, if it has one [env MOCKSERVER_ADMIN_TOKEN]",
    )
    parser.add_argument("--keep", action="store_true", help="do not reset the namespace at the end")
    args = parser.parse_args(argv)
    base = args.base.rstrip("/")
    sandbox = Sandbox(base, f"example-mogoplus-{secrets.token_hex(4)}", args.admin_token)
    print(f"Sandbox {base}, namespace {sandbox.namespace}")
    try:
        insights(sandbox)
    except Unexpected as error:
        print(f"\nFAILED: {error}", file=sys.stderr)
        return 1
    except requests.RequestException as error:
        print(f"\nFAILED: cannot talk to the sandbox at {base}: {error}", file=sys.stderr)
        return 1
    finally:
        if not args.keep:
            try:
                step(f"Reset namespace {sandbox.namespace}")
                sandbox.admin("POST", "/reset", params={"namespace": sandbox.namespace})
            except (Unexpected, requests.RequestException) as error:
                print(f"   could not reset it: {error}", file=sys.stderr)
        sandbox.http.close()
    print("\nOK: the MogoPlus journey ran end to end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
