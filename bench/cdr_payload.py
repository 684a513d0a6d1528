"""A generated MogoPlus submission: CDR banking data of a given size, the same every run.

3 applicants with 2 accounts each at 2 institutions, 13 months of CDR transactions
(fortnightly pay into each applicant's first account, monthly rent and bills, and mostly card
purchases at a few hundred merchant descriptions with varying store numbers and references, so
the categoriser's cache is not all hits). Seeded: the same size always gives the same payload.
It is what ``POST /mogoplus/cdr-data/v2/banking-data-insights`` takes.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

END = date(2026, 1, 31)
START = END - timedelta(days=395)

SHOPS = [
    ("WOOLWORTHS {n} {suburb}", "5411", (25, 180)),
    ("COLES {n} {suburb}", "5411", (20, 160)),
    ("ALDI STORES {n} {suburb}", "5411", (15, 120)),
    ("MCDONALDS {n}", "5814", (8, 30)),
    ("UBER *EATS {ref}", "5812", (20, 60)),
    ("CAFE {suburb} {n}", "5814", (4, 25)),
    ("AMPOL {suburb} {n}", "5541", (40, 110)),
    ("OPAL TRAVEL {ref}", "4111", (3, 15)),
    ("KMART {n} {suburb}", "5311", (10, 150)),
    ("BUNNINGS {n}", "5200", (10, 300)),
    ("CHEMIST WAREHOUSE {n}", "5912", (10, 80)),
    ("NETFLIX.COM", "4899", (16.99, 16.99)),
    ("SPORTSBET {ref}", "7995", (10, 100)),
    ("AFTERPAY {ref}", "", (20, 80)),
    ("SQ *{suburb} MARKETS {n}", "5999", (5, 60)),
    ("ATM WITHDRAWAL {suburb}", "6011", (20, 200)),
    ("OSKO PAYMENT TO {name}", "", (10, 400)),
    ("{name} {ref}", "", (5, 200)),  # nothing a rule knows: uncategorised
]
SUBURBS = ["SYDNEY", "NEWTOWN", "PARRAMATTA", "BONDI", "CHATSWOOD", "FITZROY", "CARLTON",
           "SOUTHBANK", "FORTITUDE VALLEY", "SUBIACO", "GLENELG", "HOBART"]  # fmt: skip
NAMES = ["J CITIZEN", "A NGUYEN", "B SMITH", "K PATEL", "L CHEN", "M BROWN", "R WILLIAMS"]


def _money(rng: random.Random, low: float, high: float) -> str:
    cents = rng.randint(round(low * 100), round(high * 100))
    return f"{cents // 100}.{cents % 100:02d}"


def _txn(account: str, n: int, day: date, amount: str, description: str, **extra: Any) -> Any:
    txn = {
        "accountId": account,
        "transactionId": f"{account}-{n:07d}",
        "isDetailAvailable": False,
        "type": extra.pop("type", "PAYMENT"),
        "status": "POSTED",
        "description": description,
        "postingDateTime": f"{day.isoformat()}T09:30:00.000Z",
        "amount": amount,
        "reference": extra.pop("reference", ""),
    }
    txn.update(extra)
    return txn


def _account_transactions(
    rng: random.Random, account: str, count: int, payer: str | None
) -> list[Any]:
    rows: list[Any] = []
    day = START + timedelta(days=rng.randint(0, 13))
    while payer and day <= END and len(rows) < count:  # fortnightly income
        rows.append(_txn(account, len(rows), day, _money(rng, 2900, 3300), f"{payer} SALARY",
                         type="TRANSFER_INCOMING", reference=f"PAY {day:%d%m}"))  # fmt: skip
        day += timedelta(days=14)
    month = START.replace(day=1)
    while month <= END and len(rows) + 3 <= count:  # monthly rent and bills
        for description, amount, kind in (
            ("RENT 4/12 HIGH ST", "-2100.00", "TRANSFER_OUTGOING"),
            ("AGL SALES PTY LTD", "-" + _money(rng, 90, 260), "DIRECT_DEBIT"),
            ("TELSTRA CORP LTD", "-79.00", "DIRECT_DEBIT"),
        ):
            rows.append(_txn(account, len(rows), month + timedelta(days=2), amount, description,
                             type=kind))  # fmt: skip
        month = (month + timedelta(days=32)).replace(day=1)
    while len(rows) < count:  # card spend and transfers
        template, mcc, (low, high) = rng.choice(SHOPS)
        description = template.format(
            n=rng.randint(1000, 9999),
            suburb=rng.choice(SUBURBS),
            ref=rng.randint(100000, 999999),
            name=rng.choice(NAMES),
        )
        extra = {"merchantCategoryCode": mcc} if mcc else {}
        rows.append(_txn(account, len(rows), START + timedelta(days=rng.randint(0, 395)),
                         "-" + _money(rng, low, high), description, **extra))  # fmt: skip
    return rows


def make_payload(transactions: int, seed: int = 42) -> dict[str, Any]:
    rng = random.Random(seed)
    per_account = transactions // 6
    applicants = []
    for a, (first, employer) in enumerate(
        [("Alice", "ACME WIDGETS PTY LTD"), ("Ben", "CENTRELINK"), ("Carol", "GLOBEX PTY LTD")]
    ):
        consents = []
        for b, bank in enumerate(["Commonwealth Bank", "ING"]):
            account = f"acc-{a}-{b}"
            count = per_account + (transactions - 6 * per_account if a == b == 0 else 0)
            consents.append(
                {
                    "consentProperty": {"institutionName": bank},
                    "accountProperty": {
                        "accounts": [
                            {
                                "accountId": account,
                                "displayName": f"{bank} account",
                                "maskedNumber": f"xxxx{a}{b}00",
                                "accountOwnership": "ONE_PARTY",
                                "productCategory": "TRANS_AND_SAVINGS_ACCOUNTS",
                                "productName": "Everyday",
                                "balance": {
                                    "accountId": account,
                                    "currentBalance": "1234.56",
                                    "availableBalance": "1200.00",
                                },
                                "transactions": _account_transactions(
                                    rng, account, count, employer if b == 0 else None
                                ),
                            }
                        ]
                    },
                }
            )
        applicants.append(
            {
                "applicant": {
                    "crn": f"CRN-{a}",
                    "firstName": first,
                    "lastName": "Bench",
                    "employerNames": [employer.title()],
                },
                "bankingTransactionData": consents,
            }
        )
    return {
        "meta": {"orderIds": ["9e58813c-7c2a-41ee-b962-0242ac120002"], "clientId": "bench",
                 "reference": "bench", "applicationType": "PERSONAL_LOAN"},
        "applicantsData": applicants,
    }  # fmt: skip


def count_transactions(payload: dict[str, Any]) -> int:
    return sum(
        len(account["transactions"])
        for applicant in payload["applicantsData"]
        for data in applicant["bankingTransactionData"]
        for account in data["accountProperty"]["accounts"]
    )
