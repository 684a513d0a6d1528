#!/usr/bin/env python3
"""Benchmark the MogoPlus insights report engine (``build_report``) in process, no HTTP.

    .venv/bin/python bench/bench_insights.py                      # 10,000 and 100,000
    .venv/bin/python bench/bench_insights.py --sizes 2000 --repeat 5
    .venv/bin/python bench/bench_insights.py --output section.md  # also write a markdown table

The payload is generated from a fixed seed: 3 applicants with 2 accounts each at 2
institutions, 13 months of CDR transactions (fortnightly pay into each applicant's first
account, monthly rent and bills, and mostly card purchases at a few hundred merchant
descriptions with varying store numbers and references, so the categoriser's cache is not all
hits). For each size:

- build, cold table: ``build_report`` with a category table just built from the fixture, so
  every distinct transaction is matched against the rules for the first time (the first
  report after the server starts); median and min of ``--repeat`` runs;
- build, warm table: the same table again (later reports); median and min;
- JSON: ``json.dumps`` of the report (what the store and the response then do), and its size;
- peak memory: ``tracemalloc``'s peak during one cold build, the payload itself excluded
  (it exists before the build starts). tracemalloc slows the code it watches, so this run
  is separate from the timed ones.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mockserver.providers.mogoplus.categories import CategoryTable, build_table  # noqa: E402
from mockserver.providers.mogoplus.report import build_report  # noqa: E402

TABLE = ROOT / "fixtures" / "mogoplus" / "categories.yaml"
PUBLISHED = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)
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


def _table() -> CategoryTable:
    with TABLE.open(encoding="utf-8") as handle:
        return build_table(yaml.safe_load(handle))


def _build(payload: dict[str, Any], table: CategoryTable) -> dict[str, Any]:
    return build_report(
        payload,
        categories=table,
        insights_id="c8c7d799-fe50-43bb-8e61-f08cd8a9434f",
        report_id="31456b3a-7cf4-41ee-b962-0242ac120002",
        client_id="bench",
        client_name="Bench",
        published_at=PUBLISHED,
    )


def _timed(action: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def measure(size: int, repeat: int) -> dict[str, Any]:
    payload = make_payload(size)
    count = sum(
        len(acc["transactions"])
        for app in payload["applicantsData"]
        for data in app["bankingTransactionData"]
        for acc in data["accountProperty"]["accounts"]
    )
    cold = []
    for _ in range(repeat):
        table = _table()
        seconds, report = _timed(partial(_build, payload, table))
        cold.append(seconds)
    warm = [_timed(lambda: _build(payload, table))[0] for _ in range(repeat)]
    encode_seconds, encoded = _timed(lambda: json.dumps(report, separators=(",", ":")))
    body = report["insightsHeader"]["reports"][0]
    assert body["combinedSummary"]["combinedNumberOfTransactions"] == count
    table = _table()
    gc.collect()
    tracemalloc.start()
    _build(payload, table)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    streams = sum(
        len(a["IncomeInsights"]["inferentialIncomeInsights"])
        for a in body["incomeSummary"]["applicants"]
    )
    return {
        "size": count,
        "cold": cold,
        "warm": warm,
        "json_seconds": encode_seconds,
        "json_bytes": len(encoded),
        "peak": peak,
        "streams": streams,
        "categories": len(body["combinedSummary"]["combinedCategorySummary"]["combined"]),
    }


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:,.0f} ({min(values) * 1000:,.0f})"


def table_markdown(results: list[dict[str, Any]], repeat: int) -> str:
    lines = [
        "| transactions | build, cold table: ms median (min) | build, warm table: ms median (min)"
        " | json.dumps: ms | report JSON: MB | peak memory (tracemalloc): MB"
        " | categories / income streams found |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['size']:,} | {_ms(r['cold'])} | {_ms(r['warm'])} "
            f"| {r['json_seconds'] * 1000:,.0f} | {r['json_bytes'] / 1e6:,.1f} "
            f"| {r['peak'] / 2**20:,.1f} | {r['categories']} / {r['streams']} |"
        )
    return "\n".join(lines) + f"\n\n{repeat} timed runs of each build per size.\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated counts")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per size and mode")
    parser.add_argument("--output", type=Path, help="also write the table to this file")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    started = time.perf_counter()
    results = [measure(size, max(1, args.repeat)) for size in sizes]
    took = time.perf_counter() - started
    after = os.getloadavg() if hasattr(os, "getloadavg") else None
    text = table_markdown(results, max(1, args.repeat))
    context = (
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.platform()}; "
        f"took {took:.1f} s"
    )
    if load and after:
        context += f"; load average (1 min) {load[0]:.2f} before, {after[0]:.2f} after"
    print(text)
    print(context)
    if args.output:
        args.output.write_text(text + "\n" + context + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
