#!/usr/bin/env python3
"""The same OBIE GET transactions served by the sandbox and by Stoplight Prism, side by side.

    .venv/bin/python bench/bench_prism.py                # full run (about a minute)
    .venv/bin/python bench/bench_prism.py --quick        # smoke run
    .venv/bin/python bench/bench_prism.py --output section.md

Prism (``@stoplight/prism-cli``, pinned in bench/node/package-lock.json; ``make bench``
installs it with ``npm ci``) runs ``prism mock`` (static mode, its defaults) on the reference
v3.1.11 AIS spec, read from ../shared/reference beside the checkout and never copied. The
sandbox serves an authorised consent's first page of alice's current account (100
transactions; journeys.py); Prism answers the same path with the spec's generated example (one
transaction). Both get the same headers (the PSU's bearer token and the FAPI headers), one
after the other in this run, with the same client and plan. The ratio is sandbox / Prism: above
1 the sandbox takes longer (latency) or serves more (throughput).

Without the reference spec, node or the installed Prism, the Prism column is skipped and the
reason printed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import harness
import httpx
import machine
from harness import ROOT, Call, Server, Throughput
from journeys import fapi_headers, in_namespace, ob_transactions

TITLE = "##### The same request served by Stoplight Prism (bench_prism.py)"
CLOCK = "2026-01-31T09:00:00Z"
SPEC = (
    ROOT.parent / "shared" / "reference" / "openbanking-uk" / "v3.1.11r5-account-info-openapi.json"
)
NODE_DIR = ROOT / "bench" / "node"
PRISM = NODE_DIR / "node_modules" / ".bin" / "prism"
PRISM_READY_TIMEOUT = 60.0  # node and Prism's spec resolution are slower to start than we are


@dataclass(frozen=True)
class Plan:
    latency_requests: int
    max_seconds: float
    warmup: int
    throughput_seconds: float
    concurrency: int


FULL = Plan(
    latency_requests=500, max_seconds=10.0, warmup=20, throughput_seconds=5.0, concurrency=16
)
QUICK = Plan(latency_requests=10, max_seconds=3.0, warmup=1, throughput_seconds=0.5, concurrency=2)


@dataclass(frozen=True)
class Measured:
    ready_ms: float
    latency_ms: list[float]
    throughput: Throughput
    answer_bytes: int
    transactions: int  # in one answer


def why_no_prism() -> str | None:
    """The reason the Prism column cannot be measured here, or None when it can."""
    if not SPEC.is_file():
        return f"the reference spec is absent (../shared/reference/openbanking-uk/{SPEC.name})"
    if shutil.which("node") is None:
        return "node is not installed"
    if not PRISM.exists():
        return "Prism is not installed in bench/node (make bench runs npm ci there; needs npm)"
    return None


def _answered(client: httpx.Client) -> bool:
    client.get("/")  # any HTTP answer: Prism is listening and has loaded the spec
    return True


@dataclass(frozen=True)
class Variant:
    label: str
    params: dict[str, str]


def variants(base: str, path: str, headers: dict[str, str]) -> list[Variant]:
    """The page of 100, and a booking-time window holding one transaction of it: the answer
    Prism's example has (one transaction), so the two servers also answer alike in size."""
    with httpx.Client(base_url=base, timeout=harness.REQUEST_TIMEOUT) as client:
        page = harness.check(client.get(path, headers=headers), 200).json()["Data"]
    times = [t["BookingDateTime"] for t in page["Transaction"]]
    alone = next(t for t in times if times.count(t) == 1)
    return [
        Variant("first page (100 transactions)", {}),
        Variant(
            "a booking-time window holding 1 transaction",
            {"fromBookingDateTime": alone, "toBookingDateTime": alone},
        ),
    ]


def _call(path: str, headers: dict[str, str], params: dict[str, str]) -> Call:
    return lambda client: client.get(path, headers=headers, params=params)


def _measure(server: Server, call: Call, plan: Plan) -> Measured:
    with httpx.Client(base_url=server.base, timeout=harness.REQUEST_TIMEOUT) as client:
        answer = harness.check(call(client), 200)
        latency = harness.measure_latency(
            client,
            call,
            200,
            count=plan.latency_requests,
            max_seconds=plan.max_seconds,
            warmup=plan.warmup,
        )
    throughput = harness.measure_throughput(
        server.base, [call] * plan.concurrency, 200, plan.throughput_seconds
    )
    rows = len(json.loads(answer.content)["Data"]["Transaction"])
    return Measured(server.ready_ms, latency, throughput, len(answer.content), rows)


def measure_sandbox(plan: Plan) -> tuple[list[Variant], list[Measured], str]:
    """The variants, the sandbox's figures for each, and the account's transactions path."""
    namespace = "bench-prism"
    with harness.mockserver(["--clock", CLOCK]) as server:
        found = ob_transactions(server.base, namespace)
        headers = {**fapi_headers(found.token), **in_namespace(namespace)}
        chosen = variants(server.base, found.path, headers)
        measured = [_measure(server, _call(found.path, headers, v.params), plan) for v in chosen]
    one = measured[1].transactions
    if one != 1:
        raise RuntimeError(f"the one-transaction window holds {one} transactions")
    return chosen, measured, found.path


def measure_prism(plan: Plan, chosen: list[Variant], sandbox_path: str) -> list[Measured]:
    # The reference spec's server is /open-banking/v3.1/aisp; Prism serves its paths bare.
    path = sandbox_path.removeprefix("/ob/open-banking/v3.1/aisp")
    headers = fapi_headers("bench-token")  # Prism checks that a bearer token is there
    port = harness.free_port()
    command = [str(PRISM), "mock", "-h", harness.HOST, "-p", str(port), str(SPEC)]
    with harness.serving(
        command, port, _answered, cwd=NODE_DIR, timeout=PRISM_READY_TIMEOUT
    ) as server:
        return [_measure(server, _call(path, headers, v.params), plan) for v in chosen]


def _ratio(ours: float, theirs: float) -> str:
    return f"{ours / theirs:,.2f}" if theirs else "n/a"


def _median(m: Measured) -> float:
    return statistics.median(m.latency_ms)


def _p99(m: Measured) -> float:
    return harness.percentile(m.latency_ms, 99)


def table(
    chosen: list[Variant], ours: list[Measured], prism: list[Measured] | None, plan: Plan
) -> str:
    Figure = tuple[str, Callable[[Measured], str], Callable[[Measured], float] | None]
    ready: Figure = ("ready: ms from spawn to first answer", lambda m: harness.ms(m.ready_ms), None)
    figures: list[Figure] = [
        ("latency, 1 client, ms: median", lambda m: harness.ms(_median(m)), _median),
        ("latency, 1 client, ms: p99", lambda m: harness.ms(_p99(m)), _p99),
        (f"throughput, {plan.concurrency} connections, {plan.throughput_seconds:g} s: req/s",
         lambda m: harness.throughput_cell(m.throughput), lambda m: m.throughput.per_second),
        ("answer: bytes (transactions)",
         lambda m: f"{m.answer_bytes:,} ({m.transactions})", None),
    ]  # fmt: skip
    rows: list[list[str]] = []
    for index, variant in enumerate(chosen):
        for label, cell, value in ([ready] if index == 0 else []) + figures:
            mine, theirs = ours[index], prism[index] if prism else None
            ratio = _ratio(value(mine), value(theirs)) if theirs and value else ""
            name = label if label.startswith("ready") else f"{variant.label}: {label}"
            rows.append([name, cell(mine), cell(theirs) if theirs else "skipped", ratio])
    header = ["GET .../accounts/{AccountId}/transactions", "sandbox", "Prism", "sandbox / Prism"]
    return harness.markdown_table(header, rows)


def _versions() -> str:
    try:
        node = subprocess.run(
            ["node", "--version"], capture_output=True, text=True, timeout=30
        ).stdout.strip()
        lock = json.loads((NODE_DIR / "package-lock.json").read_text())
        prism = lock["packages"]["node_modules/@stoplight/prism-cli"]["version"]
    except (OSError, KeyError, ValueError, subprocess.TimeoutExpired):
        return "versions unknown"
    return f"node {node}, @stoplight/prism-cli {prism}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short smoke run")
    parser.add_argument("--output", type=Path, help="also write the results as a markdown section")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    started, load_before = time.monotonic(), machine.load_average()
    chosen, ours, path = measure_sandbox(plan)
    reason = why_no_prism()
    prism = None if reason else measure_prism(plan, chosen, path)
    header = f"{machine.environment()}, {'quick' if args.quick else 'full'} run"
    notes = (
        f"Prism skipped: {reason}." if reason else f"Prism: {_versions()}, `prism mock` defaults."
    )
    footer = (
        f"{notes} Latency: {plan.latency_requests} requests or {plan.max_seconds:g} s after "
        f"{plan.warmup} warm-up requests. Took {time.monotonic() - started:.1f} s; load average "
        f"(1/5/15 min) {load_before} before, {machine.load_average()} after."
    )
    report = table(chosen, ours, prism, plan)
    print(header, report, footer, sep="\n\n")
    if args.output:
        args.output.write_text(f"{TITLE}\n\n{header}\n\n{report}\n\n{footer}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
