#!/usr/bin/env python3
"""Fena against the sandbox, with plain HTTP: account data, then variable recurring payments.

As the sandbox's Fena client (its ``client_id`` and ``client_secret`` headers on every call): an
account access consent at a bank, the customer's approval on the bank page at ``authUrl``
(decided headlessly through ``POST /__admin/authorize``), the accounts, balances and
transactions; then a VRP consent (GBP 10 a payment, GBP 20 a day), whose bank page is in the
``X-Sandbox-Auth-Url`` response header (approved headlessly too), and GBP 10 payments until the
day's limit refuses one.

    python examples/fena.py [--base http://127.0.0.1:8000]

Everything happens in a namespace of its own (``X-Sandbox-Namespace``), reset at the end. Any
unexpected HTTP status stops the script with exit status 1.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

FENA_CLIENT = {
    "client_id": "8f7a4d52-1c3e-4b9a-9d2f-3e5b6c7d8e01",
    "client_secret": "2b9c6e14-7f3a-4d85-a1c2-9e8f7d6c5b02",
}
REDIRECT = "http://localhost:3000/callback"
PSU = "alice"


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

    def fena(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """A Fena call: the client's credentials travel as headers."""
        headers = {**FENA_CLIENT, **kwargs.pop("headers", {})}
        return self.call(method, f"/fena{path}", headers=headers, **kwargs)


def step(text: str) -> None:
    print(f"\n== {text}")


def approve(sandbox: Sandbox, url: str) -> dict[str, str]:
    """The customer logs in at the bank page and approves, headlessly; the redirect's query."""
    decided = sandbox.admin("POST", "/authorize", json={"url": url, "psu": PSU}).json()
    print(f"   the browser goes to {decided['redirect']}")
    return {k: v[0] for k, v in parse_qs(urlsplit(decided["redirect"]).query).items()}


def account_data(sandbox: Sandbox) -> None:
    step("1. An account access consent at Lloyds (the bank page is its authUrl)")
    created = sandbox.fena(
        "POST",
        "/data/access-consents",
        json={
            "provider": "ob-lloyds-personal",
            "customerConsentId": "order-42",
            "Option": {"RedirectUri": REDIRECT},
        },
        expect=201,
    ).json()["result"]
    consent_id = created["consentID"]
    print(f"   consent {consent_id}")

    step(f"2. {PSU} approves it on the bank page (headless)")
    back = approve(sandbox, created["authUrl"])
    if back.get("status") != "Authorised":
        raise Unexpected(f"the consent was not authorised: {back}")
    consent = sandbox.fena("GET", f"/data/access-consents/{consent_id}").json()
    print(f"   consent is now {consent['Data']['Status']}")

    base = f"/data/access-consents/{consent_id}"
    step("3. Accounts, balances and transactions")
    accounts = sandbox.fena("GET", f"{base}/accounts").json()["Data"]["Account"]
    for account in accounts:
        print(f"   {account['AccountId']}  {account.get('Nickname', account['AccountSubType'])}")
    account_id = accounts[0]["AccountId"]
    balances = sandbox.fena("GET", f"{base}/accounts/{account_id}/balances").json()
    for balance in balances["Data"]["Balance"]:
        amount = balance["Amount"]
        print(f"   {balance['Type']}: {amount['Currency']} {amount['Amount']}")
    transactions = sandbox.fena(
        "GET",
        f"{base}/accounts/{account_id}/transactions",
        params={"transactionStartDate": recent_start(sandbox)},
    ).json()["Data"]["Transaction"]
    print(f"   {len(transactions)} transactions in the last 30 days; the latest three:")
    for row in sorted(transactions, key=lambda t: t["BookingDateTime"])[-3:]:
        amount = row["Amount"]
        sign = "-" if row["CreditDebitIndicator"] == "Debit" else "+"
        day, info = row["BookingDateTime"][:10], row.get("TransactionInformation", "")
        print(f"   {day} {sign}{amount['Amount']} {amount['Currency']} {info}")


def recent_start(sandbox: Sandbox) -> str:
    """30 days before the sandbox's today (its clock may have been moved)."""
    now = sandbox.admin("GET", "/clock").json()["now"]
    start = datetime.fromisoformat(now.replace("Z", "+00:00")) - timedelta(days=30)
    return start.strftime("%Y-%m-%dT00:00:00Z")


def recurring_payments(sandbox: Sandbox) -> None:
    step("4. A VRP consent at NatWest: GBP 10 a payment, GBP 20 a day")
    created = sandbox.fena(
        "POST",
        "/payment/vrp-consent",
        json={
            "provider": "ob-natwest",
            "reference": "SWEEP",
            "beneficiary": {
                "identificationType": "SortCodeAccountNumber",
                "sortCode": "040004",
                "accountNumber": "11397104",
                "name": "Isaac Harper",
            },
            "maximumIndividualAmount": "10.00",
            "periodicLimits": [
                {"periodType": "Day", "periodAlignment": "Consent", "amount": "20.00"}
            ],
            "vrpType": ["Sweeping"],
            "psuAuthenticationMethods": ["SCANotRequired"],
            "option": {"redirectUri": REDIRECT},
        },
        expect=201,
    )
    consent = created.json()["result"]["vrp_consent"]
    auth_url = created.headers.get("X-Sandbox-Auth-Url")
    if not auth_url:
        raise Unexpected("the VRP consent answer has no X-Sandbox-Auth-Url header")
    print(f"   consent {consent['id']}: {consent['status']}")

    step(f"5. {PSU} approves it on the bank page from X-Sandbox-Auth-Url (headless)")
    back = approve(sandbox, auth_url)
    if back.get("status") != "authorized":
        raise Unexpected(f"the VRP consent was not authorised: {back}")
    read = sandbox.fena("GET", f"/payment/vrp-consent/{consent['id']}").json()
    print(f"   consent is now {read['status']}, paying from sort code {read['remitterSortCode']}")

    step("6. GBP 10 payments until the day's limit refuses one")
    for n in range(1, 6):
        answer = sandbox.fena(
            "POST",
            "/payment/vrp",
            json={
                "vrpConsentId": consent["id"],
                "amount": "10.00",
                "psuAuthenticationMethod": "SCANotRequired",
            },
            expect=(201, 400),
        )
        if answer.status_code == 201:
            payment = answer.json()["result"]["vrp_payment"]
            print(f"   payment {n}: {payment['id']} {payment['status']}")
            if payment["status"] != "executed":
                raise Unexpected(f"payment {n} was not executed: {payment}")
            continue
        message = answer.json()["message"]
        print(f"   payment {n} refused: {message}")
        if "limit" not in message.lower() or n == 1:
            raise Unexpected(f"payment {n} refused, but not by the day's limit: {answer.text}")
        return
    raise Unexpected("no payment was refused: the day's limit was not enforced")


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
    sandbox = Sandbox(base, f"example-fena-{secrets.token_hex(4)}", args.admin_token)
    print(f"Sandbox {base}, namespace {sandbox.namespace}")
    try:
        account_data(sandbox)
        recurring_payments(sandbox)
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
    print("\nOK: the Fena journey ran end to end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
