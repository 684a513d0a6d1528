#!/usr/bin/env python3
"""Benchmark the server with 1,000,000 transactions across 10,000 accounts loaded, against the
bundled (small) data set: load time, page latency and memory; and a MogoPlus report over HTTP.

    .venv/bin/python bench/bench_scale.py                # full run (about 4 minutes)
    .venv/bin/python bench/bench_scale.py --quick        # smoke run (40 generated accounts)
    .venv/bin/python bench/bench_scale.py --output section.md

The large data set is a fixtures folder written by scale_fixtures.py into a temporary folder:
the bundled fixtures plus 2,500 generated PSUs with 4 accounts each and about 103 transactions
an account, served with ``--fixtures``. Both servers run with the in-memory database (the
default) and the clock frozen at 2026-01-31T09:00:00Z, so alice, whose page is measured on both,
has the same history in each: the benchmark checks that both answers are identical, so the
only difference is the size of what the server holds.

- load: from spawn to the answer of the first request that needs the data (the server
  generates the histories, writes them as the seed template and copies that into the
  namespace); the generation alone is also timed in this process, which gives the exact
  number of records;
- page latency: an authorised consent's first page (100) of alice's current account;
- memory: the server's VmRSS once loaded and after the latency loop, and VmHWM (its peak);
- a second namespace: the first request in a new namespace copies the whole template;
- MogoPlus: a 10,000-transaction submission (2.8 MB of JSON) and its report, built by the
  first GET once processing is done (``immediate`` here); on the bundled fixtures' server,
  once its other figures are taken. A 100,000-transaction submission is
  27 MB, above the server's 10 MiB request-body limit: bench_insights.py times that report's
  engine in process.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import harness
import httpx
import machine
import scale_fixtures
from cdr_payload import make_payload
from harness import ROOT, Server
from journeys import INSIGHTS, MOGOPLUS_CLIENT, admin_client, fapi_headers, ob_transactions

from mockserver.core.seeding import Seeder  # the server's own code: the exact records

TITLE = "##### Scale: 1,000,000 transactions loaded (bench_scale.py)"
CLOCK = "2026-01-31T09:00:00Z"
SEED = 42
LOAD_TIMEOUT = 900.0  # the first seeded answer; a full run takes a few minutes
DEFAULT = "default"  # the measured requests use the namespace the server seeds first


@dataclass(frozen=True)
class Plan:
    accounts: int  # generated, besides the bundled PSUs' own
    latency_requests: int
    max_seconds: float
    warmup: int
    report_transactions: int
    report_runs: int


FULL = Plan(
    accounts=10_000,
    latency_requests=300,
    max_seconds=10.0,
    warmup=10,
    report_transactions=10_000,
    report_runs=3,
)
QUICK = Plan(
    accounts=40, latency_requests=10, max_seconds=3.0, warmup=1, report_transactions=500,
    report_runs=1,
)  # fmt: skip


@dataclass
class DataSet:
    label: str
    records: Counter[str] = field(default_factory=Counter)
    generate_s: float = 0.0  # the histories, generated in this process
    load_s: float = 0.0  # spawn to the first seeded answer
    loaded_mib: dict[str, float] = field(default_factory=dict)
    latency_ms: list[float] = field(default_factory=list)
    after_mib: dict[str, float] = field(default_factory=dict)
    page: str = ""  # the first page's Data, to compare
    pages: int = 0  # of alice's current account
    second_namespace_s: float = 0.0
    second_mib: dict[str, float] = field(default_factory=dict)


def count_records(fixtures: Path) -> tuple[Counter[str], float]:
    """What the server will seed, by kind, and how long generating the histories takes."""
    seeder = Seeder(fixtures, SEED)
    started = time.perf_counter()
    kinds = Counter(r.kind for r in seeder(seeder.template_key(date.fromisoformat(CLOCK[:10]))))
    seconds = time.perf_counter() - started
    gc.collect()  # give the records back before the server starts
    return kinds, seconds


@contextmanager
def loaded_server(fixtures: Path, data: DataSet) -> Iterator[Server]:
    """A server on ``fixtures``, its default namespace seeded; times the load."""
    args = ["--clock", CLOCK, "--fixtures", str(fixtures)]
    started = time.perf_counter()
    with harness.mockserver(args) as server:
        with admin_client(server.base, DEFAULT) as client:
            client.timeout = httpx.Timeout(LOAD_TIMEOUT)
            harness.check(client.get("/__admin/clock"), 200)  # waits for the seeding
        data.load_s = time.perf_counter() - started
        data.loaded_mib = harness.memory_mib(server.pid)
        yield server


def measure_page(server: Server, data: DataSet, plan: Plan) -> None:
    found = ob_transactions(server.base, DEFAULT)
    headers = fapi_headers(found.token)
    with httpx.Client(base_url=server.base, timeout=harness.REQUEST_TIMEOUT) as client:
        page = harness.check(client.get(found.path, headers=headers), 200).json()
        data.page = json.dumps(page["Data"], sort_keys=True)
        data.pages = int(page["Meta"]["TotalPages"])
        data.latency_ms = harness.measure_latency(
            client,
            lambda c: c.get(found.path, headers=headers),
            200,
            count=plan.latency_requests,
            max_seconds=plan.max_seconds,
            warmup=plan.warmup,
        )
    data.after_mib = harness.memory_mib(server.pid)


def measure_second_namespace(server: Server, data: DataSet) -> None:
    with admin_client(server.base, "bench-second") as client:
        client.timeout = httpx.Timeout(LOAD_TIMEOUT)
        started = time.perf_counter()
        harness.check(client.get("/__admin/clock"), 200)
        data.second_namespace_s = time.perf_counter() - started
    data.second_mib = harness.memory_mib(server.pid)


def run_data_set(
    label: str, fixtures: Path, plan: Plan, then: Callable[[Server], None] | None = None
) -> DataSet:
    """Measure a data set; ``then`` runs on the same server afterwards (saves a start)."""
    data = DataSet(label)
    data.records, data.generate_s = count_records(fixtures)
    with loaded_server(fixtures, data) as server:
        measure_page(server, data, plan)
        measure_second_namespace(server, data)
        if then is not None:
            then(server)
    return data


# --- MogoPlus over HTTP ---------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    transactions: int
    body_bytes: int
    submit_ms: list[float]
    first_get_ms: list[float]  # builds the report
    later_get_ms: list[float]  # reads the stored one
    report_bytes: int


def measure_report(server: Server, plan: Plan) -> Report:
    """Submit, then GET twice, ``report_runs`` times, in a namespace of its own."""
    body = json.dumps(make_payload(plan.report_transactions)).encode()
    submit: list[float] = []
    first: list[float] = []
    later: list[float] = []
    with admin_client(server.base, "bench-report") as client:
        client.timeout = httpx.Timeout(harness.REQUEST_TIMEOUT)
        # The report is built by the first GET after processing is done: at once here.
        settings = {"mode": "immediate"}
        harness.check(client.put("/__admin/mogoplus/processing", json=settings), 200)
        form = {"grant_type": "client_credentials"}
        answer = client.post("/mogoplus/api/v1/oauth2/token", data=form, auth=MOGOPLUS_CLIENT)
        auth = {"Authorization": f"Bearer {harness.check(answer, 200).json()['access_token']}"}
        for _ in range(plan.report_runs):
            headers = {**auth, "Content-Type": "application/json"}
            started = time.perf_counter()
            posted = harness.check(client.post(INSIGHTS, content=body, headers=headers), 202)
            submit.append((time.perf_counter() - started) * 1000)
            url = f"{INSIGHTS}/{posted.json()['data']['insightsId']['insightsId']}"
            for times in (first, later):
                started = time.perf_counter()
                report = harness.check(client.get(url, headers=auth), 200)
                times.append((time.perf_counter() - started) * 1000)
    size = len(report.content)
    return Report(plan.report_transactions, len(body), submit, first, later, size)


# --- the report -----------------------------------------------------------------------------


def _mib(values: dict[str, float], key: str) -> str:
    return f"{values[key]:,.0f}"


def _seconds(value: float) -> str:
    return f"{value:,.1f}" if value >= 1 else f"{value:.2f}"


def scale_table(small: DataSet, large: DataSet) -> str:
    def transactions(d: DataSet) -> str:
        return f"{d.records['psu.transaction']:,}"

    def accounts(d: DataSet) -> str:
        return f"{d.records['psu.account']:,}"

    rows: list[list[str]] = []
    figures: list[tuple[str, Callable[[DataSet], str]]] = [
        ("transactions / accounts / all seeded records",
         lambda d: f"{transactions(d)} / {accounts(d)} / {sum(d.records.values()):,}"),
        ("generating the histories, in this process: s", lambda d: _seconds(d.generate_s)),
        ("load: spawn to the first seeded answer, s", lambda d: _seconds(d.load_s)),
        ("server memory once loaded: VmRSS, MiB", lambda d: _mib(d.loaded_mib, "VmRSS")),
        (f"page latency: alice's current account, page 1 of {small.pages}, 1 client, "
         "ms: median / p99 (n)", lambda d: harness.latency_cell(d.latency_ms)),
        ("server memory after the page loop: VmRSS, MiB", lambda d: _mib(d.after_mib, "VmRSS")),
        ("a second namespace: its first request (copies the seed), s",
         lambda d: _seconds(d.second_namespace_s)),
        ("server memory with 2 namespaces: VmRSS / VmHWM (peak), MiB",
         lambda d: f"{_mib(d.second_mib, 'VmRSS')} / {_mib(d.second_mib, 'VmHWM')}"),
    ]  # fmt: skip
    for label, cell in figures:
        rows.append([label, cell(small), cell(large)])
    same = "yes" if small.page == large.page else "NO: the comparison is not like for like"
    rows.append(["the two pages are identical", "", same])
    ratio = statistics.median(large.latency_ms) / statistics.median(small.latency_ms)
    rows.append(["page latency median, large / small", "", f"{ratio:.2f}"])
    return harness.markdown_table(["", small.label, large.label], rows)


def report_table(report: Report) -> str:
    def cell(times: list[float]) -> str:
        return f"{harness.ms(statistics.median(times))} ({harness.ms(max(times))})"

    rows = [
        [f"submit (POST, {report.body_bytes / 1e6:,.1f} MB of JSON), 202", cell(report.submit_ms)],
        [
            f"first GET: builds the report ({report.report_bytes / 1e6:,.1f} MB), 200",
            cell(report.first_get_ms),
        ],
        ["later GET: the stored report, 200", cell(report.later_get_ms)],
    ]
    header = [
        f"MogoPlus, {report.transactions:,} transactions over HTTP",
        f"ms: median (max) of {len(report.submit_ms)}",
    ]
    return harness.markdown_table(header, rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short smoke run (a small scale)")
    parser.add_argument("--output", type=Path, help="also write the results as a markdown section")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    started, load_before = time.monotonic(), machine.load_average()
    reports: list[Report] = []
    small = run_data_set(
        "bundled fixtures",
        ROOT / "fixtures",
        plan,
        then=lambda server: reports.append(measure_report(server, plan)),
    )
    with tempfile.TemporaryDirectory(prefix="mockserver-scale-") as folder:
        scale_fixtures.write_fixtures(Path(folder), plan.accounts)
        label = f"bundled + {plan.accounts:,} generated accounts"
        large = run_data_set(label, Path(folder), plan)
    header = f"{machine.environment()}, {'quick' if args.quick else 'full'} run"
    body = f"{scale_table(small, large)}\n\n{report_table(reports[0])}"
    footer = (
        f"In-memory database, clock frozen at {CLOCK}. Latency: {plan.latency_requests} "
        f"requests or {plan.max_seconds:g} s after {plan.warmup} warm-up requests. Took "
        f"{time.monotonic() - started:.1f} s; load average (1/5/15 min) {load_before} before, "
        f"{machine.load_average()} after."
    )
    print(header, body, footer, sep="\n\n")
    if args.output:
        args.output.write_text(f"{TITLE}\n\n{header}\n\n{body}\n\n{footer}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
