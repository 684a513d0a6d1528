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
import math
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import httpx

ROOT = Path(__file__).resolve().parent.parent
HEALTH = "/__admin/health"
USE_NAMESPACE = "/__admin/clock"  # a cheap request that seeds its namespace
HOST = "127.0.0.1"  # loopback only: this benchmark never targets another address
POLL_SECONDS = 0.010
READY_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _server_env() -> dict[str, str]:
    # The caller's MOCKSERVER_* variables would change what is measured: drop them.
    return {k: v for k, v in os.environ.items() if not k.startswith("MOCKSERVER_")}


def _start(port: int, db_args: list[str], log: IO[bytes]) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "mockserver", "serve", "--host", HOST, "--port", str(port)]
    return subprocess.Popen(
        [*command, *db_args], cwd=ROOT, env=_server_env(), stdout=log, stderr=subprocess.STDOUT
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _log_tail(log: IO[bytes]) -> str:
    log.seek(0)
    return log.read().decode(errors="replace")[-2_000:]


def _wait_ready(base: str, process: subprocess.Popen[bytes], log: IO[bytes]) -> None:
    """Poll health every 10 ms until the first 200; fail fast if the process dies."""
    deadline = time.monotonic() + READY_TIMEOUT
    with httpx.Client(base_url=base, timeout=1.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode}:\n{_log_tail(log)}")
            try:
                if client.get(HEALTH).status_code == 200:
                    return
            except httpx.TransportError:
                pass  # not listening yet
            time.sleep(POLL_SECONDS)
    raise TimeoutError(f"server at {base} not ready after {READY_TIMEOUT} s:\n{_log_tail(log)}")


@contextmanager
def running_server(db_args: list[str]) -> Iterator[tuple[str, float]]:
    """Start ``mockserver serve``; yield (base URL, ms from spawn to first 200); always stop."""
    port = free_port()
    base = f"http://{HOST}:{port}"
    with tempfile.TemporaryFile() as log:
        started = time.perf_counter()
        process = _start(port, db_args, log)
        try:
            _wait_ready(base, process, log)
            yield base, (time.perf_counter() - started) * 1000
        finally:
            _stop(process)


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


def measure_latency(client: httpx.Client, plan: Plan) -> list[float]:
    """One client, sequential keep-alive requests: per-request round trip in ms."""
    for _ in range(min(50, plan.latency_requests)):  # warm the connection and caches
        client.get(HEALTH)
    times: list[float] = []
    deadline = time.monotonic() + plan.max_seconds
    while len(times) < plan.latency_requests and time.monotonic() < deadline:
        started = time.perf_counter()
        response = client.get(HEALTH)
        times.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return times


def _hammer(base: str, plan: Plan, start: threading.Barrier, counts: list[tuple[int, int]]) -> None:
    ok = errors = 0
    # Each thread is capped at a request count no server here could reach in the time given.
    cap = int(plan.throughput_seconds * 100_000)
    with httpx.Client(base_url=base, timeout=10.0) as client:  # one keep-alive connection
        client.get(HEALTH)  # connect before the clock starts
        start.wait(timeout=READY_TIMEOUT)
        stop_at = time.monotonic() + plan.throughput_seconds
        while time.monotonic() < stop_at and ok + errors < cap:
            try:
                status = client.get(HEALTH).status_code
            except httpx.TransportError:
                status = 0
            ok, errors = (ok + 1, errors) if status == 200 else (ok, errors + 1)
    counts.append((ok, errors))


def measure_throughput(base: str, plan: Plan) -> tuple[float, int]:
    """``concurrency`` threads, one keep-alive connection each, for a fixed time.

    Threads with httpx.Client, not httpx.AsyncClient: on this 2-core machine the async pool
    itself topped out at well under half the rate, so it measured the client, not the server.
    """
    start = threading.Barrier(plan.concurrency + 1)
    counts: list[tuple[int, int]] = []
    threads = [
        threading.Thread(target=_hammer, args=(base, plan, start, counts), daemon=True)
        for _ in range(plan.concurrency)
    ]
    for thread in threads:
        thread.start()
    start.wait(timeout=READY_TIMEOUT)  # every connection is open: go
    started = time.monotonic()
    for thread in threads:
        thread.join(timeout=plan.throughput_seconds + STOP_TIMEOUT)
    elapsed = time.monotonic() - started
    return sum(c[0] for c in counts) / elapsed, sum(c[1] for c in counts)


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
    cold = measure_cold_start(plan, db_factory)
    with running_server(db_factory()) as (base, _):
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


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation: it is a value that was measured)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(len(ordered) * pct / 100))
    return ordered[rank - 1]


def _ms(value: float) -> str:
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


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


def _git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return out.stdout.strip() or "unknown"


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def load_average() -> str:
    # Other work on this small machine skews every number: record how busy it was.
    try:
        return "/".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def environment() -> str:
    fixtures = "present" if (ROOT / "fixtures" / "psus.yaml").exists() else "absent"
    return (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, {_memory()} RAM, "
        f"Python {platform.python_version()}, commit {_git_commit()}, "
        f"fixtures/psus.yaml {fixtures}"
    )


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
        args.output.write_text(f"### Run of {header}\n\n{report}\n\n{footer}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
