#!/usr/bin/env python3
"""Benchmark the real server process: cold start, /__admin/health latency and throughput,
namespace reset; with the in-memory database and with a SQLite file.

    .venv/bin/python bench/bench_server.py            # full run (about a minute)
    .venv/bin/python bench/bench_server.py --quick    # smoke run (a few seconds)
    .venv/bin/python bench/bench_server.py --output section.md

Every server is started by this script on a free loopback port and always stopped by it;
every loop is capped by a count and a deadline, so a stuck server cannot hang the run.
See bench/RESULTS.md for what each number means.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import harness
import httpx
import machine
from harness import HEALTH, ROOT, percentile
from machine import load_average

TITLE = "##### Server process: cold start, health, namespace reset (bench_server.py)"
USE_NAMESPACE = "/__admin/clock"  # a cheap request that seeds its namespace


@dataclass(frozen=True)
class Plan:
    """How much of each benchmark to run; every count is also bounded by ``max_seconds``."""

    cold_runs: int = 10
    latency_requests: int = 2_000
    throughput_seconds: float = 5.0
    concurrency: int = 16
    reset_runs: int = 20
    max_seconds: float = 60.0  # cap of any single measuring loop


FULL = Plan()
QUICK = Plan(
    cold_runs=1, latency_requests=200, throughput_seconds=1.0, reset_runs=5, max_seconds=10.0
)


@dataclass
class Results:
    cold_ms: list[float]
    latency_ms: list[float]
    throughput_rps: float
    throughput_errors: int
    reset_ms: list[float]
    seeded_records: int


# --- the server process -------------------------------------------------------------------


@contextmanager
def running_server(db_args: list[str]) -> Iterator[tuple[str, float]]:
    """Start ``mockserver serve``; yield (base URL, ms from spawn to first 200); always stop."""
    with harness.mockserver(db_args) as server:
        yield server.base, server.ready_ms


# --- the measurements ---------------------------------------------------------------------


def measure_cold_start(plan: Plan, db_factory: Callable[[], list[str]]) -> list[float]:
    """Spawn-to-ready times; each run gets a fresh database (``db_factory``)."""
    times: list[float] = []
    deadline = time.monotonic() + plan.max_seconds
    for _ in range(plan.cold_runs):
        with running_server(db_factory()) as (_, ready_ms):
            times.append(ready_ms)
        if time.monotonic() > deadline:
            break
    return times


def _health(client: httpx.Client) -> httpx.Response:
    return client.get(HEALTH)


def measure_latency(client: httpx.Client, plan: Plan) -> list[float]:
    """One client, sequential keep-alive requests: per-request round trip in ms."""
    return harness.measure_latency(
        client,
        _health,
        200,
        count=plan.latency_requests,
        max_seconds=plan.max_seconds,
        warmup=min(50, plan.latency_requests),
    )


def measure_throughput(base: str, plan: Plan) -> tuple[float, int]:
    """``concurrency`` threads, one keep-alive connection each, for a fixed time."""
    result = harness.measure_throughput(
        base, [_health] * plan.concurrency, 200, plan.throughput_seconds
    )
    return result.per_second, result.errors


def measure_reset(client: httpx.Client, plan: Plan) -> list[float]:
    """Round trip of POST /__admin/reset for a namespace that was used (seeded) once."""
    times: list[float] = []
    deadline = time.monotonic() + plan.max_seconds
    for n in range(plan.reset_runs):
        namespace = f"bench-{n}"
        # Any request but health seeds the namespace (the first one also the seed template).
        client.get(USE_NAMESPACE, headers={"X-Sandbox-Namespace": namespace}).raise_for_status()
        started = time.perf_counter()
        response = client.post("/__admin/reset", params={"namespace": namespace})
        times.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
        if time.monotonic() > deadline:
            break
    return times


def count_seeded_records(client: httpx.Client) -> int:
    """Records one reset re-creates: what the reset time is the time of."""
    response = client.get("/__admin/state", params={"namespace": "bench-0"})
    response.raise_for_status()
    return len(response.json()["namespaces"]["bench-0"]["records"])


def run_mode(plan: Plan, db_factory: Callable[[], list[str]]) -> Results:
    cold = measure_cold_start(replace(plan, cold_runs=plan.cold_runs - 1), db_factory)
    with running_server(db_factory()) as (base, ready_ms):
        cold.append(ready_ms)  # the last cold start is the server measured below (one start less)
        with httpx.Client(base_url=base, timeout=10.0) as client:
            # Health answers before the background seeding ends; a seeding request waits for
            # it, so the steady state is measured, not the warm-up.
            client.get(USE_NAMESPACE).raise_for_status()
            latency = measure_latency(client, plan)
            reset = measure_reset(client, plan)
            records = count_seeded_records(client)
        rps, errors = measure_throughput(base, plan)
    return Results(cold, latency, rps, errors, reset, records)


# --- the report ---------------------------------------------------------------------------


def _ms(value: float) -> str:
    return harness.ms(value)


def _cold_cell(r: Results) -> str:
    median, low, high = statistics.median(r.cold_ms), min(r.cold_ms), max(r.cold_ms)
    return f"{_ms(median)} ({_ms(low)}-{_ms(high)})"


def _latency_cell(r: Results) -> str:
    return f"{_ms(statistics.median(r.latency_ms))} / {_ms(percentile(r.latency_ms, 99))}"


def _throughput_cell(r: Results) -> str:
    errors = f" ({r.throughput_errors} errors)" if r.throughput_errors else ""
    return f"{r.throughput_rps:,.0f}{errors}"


def _reset_cell(r: Results) -> str:
    return f"{_ms(statistics.median(r.reset_ms))} ({_ms(max(r.reset_ms))})"


def table(results: dict[str, Results], plan: Plan) -> str:
    """A markdown table: one row per benchmark, one column per database."""
    seconds = f"{plan.throughput_seconds:g}"
    rows: list[tuple[str, Callable[[Results], str]]] = [
        (f"cold start to first 200, ms: median (min-max), {plan.cold_runs} runs", _cold_cell),
        (f"health latency, 1 client, ms: median / p99, {plan.latency_requests} req", _latency_cell),
        (
            f"health throughput, {plan.concurrency} connections, {seconds} s: req/s",
            _throughput_cell,
        ),
        (f"namespace reset round trip, ms: median (max), {plan.reset_runs} runs", _reset_cell),
        ("records a reset re-seeds", lambda r: f"{r.seeded_records:,}"),
    ]
    modes = list(results)
    lines = ["| benchmark | " + " | ".join(modes) + " |", "|---|" + "---:|" * len(modes)]
    for label, cell in rows:
        lines.append(f"| {label} | " + " | ".join(cell(results[m]) for m in modes) + " |")
    return "\n".join(lines)


def environment() -> str:
    fixtures = "present" if (ROOT / "fixtures" / "psus.yaml").exists() else "absent"
    return f"{machine.environment()}, fixtures/psus.yaml {fixtures}"


# --- main ---------------------------------------------------------------------------------


def sqlite_factory(folder: Path) -> Callable[[], list[str]]:
    """A fresh SQLite file per server, so every cold start also creates its database."""
    counter = iter(range(1_000_000))
    return lambda: ["--db", str(folder / f"bench-{next(counter)}.sqlite")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short smoke run (a few seconds)")
    parser.add_argument("--output", type=Path, help="also write the results as a markdown section")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    started, load_before = time.monotonic(), load_average()
    with tempfile.TemporaryDirectory(prefix="mockserver-bench-") as folder:
        results = {
            "in-memory": run_mode(plan, lambda: []),
            "SQLite file": run_mode(plan, sqlite_factory(Path(folder))),
        }
    report = table(results, plan)
    header = f"{environment()}, {'quick' if args.quick else 'full'} run"
    footer = (
        f"Took {time.monotonic() - started:.1f} s; load average (1/5/15 min) "
        f"{load_before} before, {load_average()} after."
    )
    print(header, report, footer, sep="\n")
    if args.output:
        args.output.write_text(f"{TITLE}\n\n{header}\n\n{report}\n\n{footer}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
