#!/usr/bin/env python3
"""Benchmark provider requests: latency (1 client) and throughput (16 connections), with
response validation off (the default) and on.

    .venv/bin/python bench/bench_api.py                  # full run (about 3 minutes)
    .venv/bin/python bench/bench_api.py --quick          # smoke run
    .venv/bin/python bench/bench_api.py --output section.md

The requests (see journeys.py for what each needs first):

- OBIE GET transactions: an authorised consent's first page (100) of alice's current account;
- OBIE POST VRP payment: a GBP 0.01 payment under an approved consent, signed (PS256);
- Moneyhub GET transactions: a connected user's transactions, ``limit=100``;
- MogoPlus POST insights: a submission of 1,000 CDR transactions (about 275 kB of JSON).

One server per mode (``--response-validation false``, then ``true``), in-memory database,
the clock frozen at 2026-01-31T09:00:00Z so every run serves the same data. Each request gets
fresh namespaces: one for the latency loop, one for the throughput loop (payments booked in one
do not lengthen the account the other reads).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import harness
import httpx
import machine
from harness import Throughput
from journeys import TARGETS, Target, mogoplus_submission_target

TITLE = "##### Provider APIs: latency and throughput (bench_api.py)"
CLOCK = "2026-01-31T09:00:00Z"
MODES = {"off": "false", "on": "true"}


@dataclass(frozen=True)
class Plan:
    latency_requests: int
    max_seconds: float  # cap of each latency loop
    warmup: int
    throughput_seconds: float
    concurrency: int
    # A namespace of its own for the throughput loop; the smoke run saves the set-up.
    fresh_namespace: bool = True
    mogoplus_transactions: int = 1_000


FULL = Plan(
    latency_requests=300, max_seconds=10.0, warmup=10, throughput_seconds=5.0, concurrency=16
)
QUICK = Plan(
    latency_requests=5,
    max_seconds=3.0,
    warmup=1,
    throughput_seconds=0.3,
    concurrency=2,
    fresh_namespace=False,
    mogoplus_transactions=100,
)


@dataclass(frozen=True)
class Measured:
    label: str
    latency_ms: list[float]
    throughput: Throughput
    answer_bytes: int


def builders(plan: Plan) -> dict[str, Callable[[str, str], Target]]:
    mogoplus = partial(mogoplus_submission_target, transactions=plan.mogoplus_transactions)
    return {**TARGETS, "mogoplus-submission": mogoplus}


def measure(base: str, target_of: str, plan: Plan, mode: str) -> Measured:
    build = builders(plan)[target_of]
    target: Target = build(base, f"bench-{target_of}-{mode}-latency")
    call = target.connect()
    with httpx.Client(base_url=base, timeout=harness.REQUEST_TIMEOUT) as client:
        answer = harness.check(call(client), target.expect)
        latency = harness.measure_latency(
            client,
            call,
            target.expect,
            count=plan.latency_requests,
            max_seconds=plan.max_seconds,
            warmup=plan.warmup,
        )
    loaded = build(base, f"bench-{target_of}-{mode}-throughput") if plan.fresh_namespace else target
    calls = [loaded.connect() for _ in range(plan.concurrency)]
    throughput = harness.measure_throughput(base, calls, loaded.expect, plan.throughput_seconds)
    return Measured(target.label, latency, throughput, len(answer.content))


def run_mode(plan: Plan, mode: str) -> tuple[list[Measured], dict[str, float]]:
    args = ["--clock", CLOCK, "--response-validation", MODES[mode]]
    with harness.mockserver(args) as server:
        results = [measure(server.base, key, plan, mode) for key in TARGETS]
        return results, harness.memory_mib(server.pid)


def table(results: dict[str, list[Measured]], plan: Plan) -> str:
    conns, seconds = plan.concurrency, f"{plan.throughput_seconds:g}"
    header = ["request", "answer, kB"]
    for mode in results:
        header += [
            f"validation {mode}: latency, ms, median / p99 (n)",
            f"validation {mode}: req/s, {conns} connections, {seconds} s",
        ]
    rows = []
    for index, first in enumerate(next(iter(results.values()))):
        row = [first.label, f"{first.answer_bytes / 1e3:,.1f}"]
        for measured in results.values():
            m = measured[index]
            row += [harness.latency_cell(m.latency_ms), harness.throughput_cell(m.throughput)]
        rows.append(row)
    return harness.markdown_table(header, rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short smoke run")
    parser.add_argument("--output", type=Path, help="also write the results as a markdown section")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    started, load_before = time.monotonic(), machine.load_average()
    results: dict[str, list[Measured]] = {}
    memory: dict[str, dict[str, float]] = {}
    for mode in MODES:
        results[mode], memory[mode] = run_mode(plan, mode)
    header = f"{machine.environment()}, {'quick' if args.quick else 'full'} run"
    report = table(results, plan)
    rss = "; ".join(
        f"validation {mode}: {m['VmRSS']:,.0f} MiB now, {m['VmHWM']:,.0f} MiB peak"
        for mode, m in memory.items()
    )
    footer = (
        f"Latency: {plan.latency_requests} requests or {plan.max_seconds:g} s, whichever came "
        f"first, after {plan.warmup} warm-up requests. Server memory at the end (VmRSS, VmHWM): "
        f"{rss}. Took {time.monotonic() - started:.1f} s; load average (1/5/15 min) "
        f"{load_before} before, {machine.load_average()} after."
    )
    print(header, report, footer, sep="\n\n")
    if args.output:
        args.output.write_text(f"{TITLE}\n\n{header}\n\n{report}\n\n{footer}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
