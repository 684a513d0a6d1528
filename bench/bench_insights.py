#!/usr/bin/env python3
"""Benchmark the MogoPlus insights report engine (``build_report``) in process, no HTTP.

    .venv/bin/python bench/bench_insights.py                      # 10,000 and 100,000
    .venv/bin/python bench/bench_insights.py --sizes 2000 --repeat 5
    .venv/bin/python bench/bench_insights.py --output section.md  # also write a markdown table
    .venv/bin/python bench/bench_insights.py --quick              # smoke run: 1,000, once

The payload is ``cdr_payload.make_payload``: generated from a fixed seed, 3 applicants with 2
accounts each, 13 months of CDR transactions, mostly distinct card purchases (so the
categoriser's cache is not all hits). For each size:

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
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import machine
import yaml
from cdr_payload import count_transactions, make_payload

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mockserver.providers.mogoplus.categories import CategoryTable, build_table  # noqa: E402
from mockserver.providers.mogoplus.report import build_report  # noqa: E402

TABLE = ROOT / "fixtures" / "mogoplus" / "categories.yaml"
PUBLISHED = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)
TITLE = "##### MogoPlus report engine, in process (bench_insights.py)"


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
    count = count_transactions(payload)
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
    parser.add_argument("--quick", action="store_true", help="smoke run: 1,000 transactions, once")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.repeat = "1000", 1
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
    header = f"{machine.environment()}, {'quick' if args.quick else 'full'} run"
    print(header, text, context, sep="\n\n")
    if args.output:
        args.output.write_text(f"{TITLE}\n\n{header}\n\n{text}\n{context}\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
