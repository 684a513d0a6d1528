"""What every benchmark shares: the server processes it measures and the loops that measure.

A server is a subprocess on a free loopback port (127.0.0.1 only), always stopped when the
block that started it ends. Every measuring loop is capped by a count and a deadline, so a
stuck server cannot hang a run. The client runs on the same machine as the server: figures
are what one Python client sees, a lower bound of what the server can do.
"""

from __future__ import annotations

import math
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"  # loopback only: no benchmark here ever targets another address
HEALTH = "/__admin/health"
POLL_SECONDS = 0.010
READY_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
REQUEST_TIMEOUT = 60.0

# One request of a benchmark, made on the given client (one keep-alive connection).
Call = Callable[[httpx.Client], httpx.Response]


# --- server processes -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def server_env() -> dict[str, str]:
    # The caller's MOCKSERVER_* variables would change what is measured: drop them.
    return {k: v for k, v in os.environ.items() if not k.startswith("MOCKSERVER_")}


@dataclass(frozen=True)
class Server:
    base: str
    pid: int
    ready_ms: float  # from spawn to the first answer that counts as ready


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


def _wait_ready(
    base: str,
    ready: Callable[[httpx.Client], bool],
    process: subprocess.Popen[bytes],
    log: IO[bytes],
    timeout: float,
) -> None:
    """Poll every 10 ms until ``ready`` says yes; fail fast if the process dies."""
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=base, timeout=1.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode}:\n{_log_tail(log)}")
            try:
                if ready(client):
                    return
            except httpx.TransportError:
                pass  # not listening yet
            time.sleep(POLL_SECONDS)
    raise TimeoutError(f"server at {base} not ready after {timeout} s:\n{_log_tail(log)}")


@contextmanager
def serving(
    command: Sequence[str],
    port: int,
    ready: Callable[[httpx.Client], bool],
    *,
    cwd: Path = ROOT,
    timeout: float = READY_TIMEOUT,
) -> Iterator[Server]:
    """Run ``command`` (a server listening on ``port``) until the block ends; always stop it."""
    base = f"http://{HOST}:{port}"
    # Its output goes to a file: a pipe nobody reads would fill up and stall the server.
    with tempfile.TemporaryFile() as log:
        started = time.perf_counter()
        process = subprocess.Popen(
            list(command), cwd=cwd, env=server_env(), stdout=log, stderr=subprocess.STDOUT
        )
        try:
            _wait_ready(base, ready, process, log, timeout)
            yield Server(base, process.pid, (time.perf_counter() - started) * 1000)
        finally:
            _stop(process)


def _health_ok(client: httpx.Client) -> bool:
    return client.get(HEALTH).status_code == 200


@contextmanager
def mockserver(args: Sequence[str] = (), *, timeout: float = READY_TIMEOUT) -> Iterator[Server]:
    """``python -m mockserver serve ARGS`` on a free port, ready at its first health 200."""
    port = free_port()
    command = [sys.executable, "-m", "mockserver", "serve", "--host", HOST, "--port", str(port)]
    with serving([*command, *args], port, _health_ok, timeout=timeout) as server:
        yield server


def memory_mib(pid: int) -> dict[str, float]:
    """The process's resident set now (VmRSS) and at its peak (VmHWM), MiB, from /proc."""
    values: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024  # the kernel reports kB
    return values


# --- measuring ------------------------------------------------------------------------------


class UnexpectedStatus(RuntimeError):
    """A measured request got an answer that is not the one the benchmark is about."""


def check(response: httpx.Response, expect: int) -> httpx.Response:
    if response.status_code != expect:
        raise UnexpectedStatus(
            f"{response.request.method} {response.request.url}: expected {expect}, got "
            f"{response.status_code}\n{response.text[:1_000]}"
        )
    return response


def measure_latency(
    client: httpx.Client,
    call: Call,
    expect: int,
    *,
    count: int,
    max_seconds: float,
    warmup: int = 20,
) -> list[float]:
    """One client, sequential keep-alive requests: per-request round trip in ms.

    Stops at ``count`` requests or after ``max_seconds``, whichever comes first; every answer
    must have status ``expect`` (a benchmark of errors would measure the wrong thing).
    """
    for _ in range(warmup):  # the connection, the server's caches, the first-request costs
        check(call(client), expect)
    times: list[float] = []
    deadline = time.monotonic() + max_seconds
    while len(times) < count and time.monotonic() < deadline:
        started = time.perf_counter()
        response = call(client)
        times.append((time.perf_counter() - started) * 1000)
        check(response, expect)
    return times


@dataclass(frozen=True)
class Throughput:
    per_second: float  # answers with the expected status, per second
    ok: int
    errors: int  # other statuses and transport errors
    seconds: float


def _hammer(
    base: str,
    call: Call,
    expect: int,
    seconds: float,
    start: threading.Barrier,
    counts: list[tuple[int, int]],
) -> None:
    ok = errors = 0
    # A request count no server here could reach in the time given: a second bound.
    cap = int(seconds * 100_000)
    with httpx.Client(base_url=base, timeout=REQUEST_TIMEOUT) as client:
        client.get("/")  # connect before the clock starts (any answer will do)
        start.wait(timeout=READY_TIMEOUT)
        stop_at = time.monotonic() + seconds
        while time.monotonic() < stop_at and ok + errors < cap:
            try:
                good = call(client).status_code == expect
            except httpx.TransportError:
                good = False
            ok, errors = (ok + 1, errors) if good else (ok, errors + 1)
    counts.append((ok, errors))


def measure_throughput(base: str, calls: Sequence[Call], expect: int, seconds: float) -> Throughput:
    """One thread and keep-alive connection per call in ``calls``, all started together.

    Threads with ``httpx.Client``, not ``httpx.AsyncClient``: on a 2-core machine the async
    pool itself topped out at well under half the rate, so it measured the client.
    """
    start = threading.Barrier(len(calls) + 1)
    counts: list[tuple[int, int]] = []
    threads = [
        threading.Thread(
            target=_hammer, args=(base, call, expect, seconds, start, counts), daemon=True
        )
        for call in calls
    ]
    for thread in threads:
        thread.start()
    start.wait(timeout=READY_TIMEOUT)  # every connection is open: go
    started = time.monotonic()
    for thread in threads:
        # A request under way when the time is up still finishes (bounded by its timeout).
        thread.join(timeout=seconds + REQUEST_TIMEOUT + STOP_TIMEOUT)
    elapsed = time.monotonic() - started
    ok, errors = sum(c[0] for c in counts), sum(c[1] for c in counts)
    return Throughput(ok / elapsed, ok, errors, elapsed)


# --- figures --------------------------------------------------------------------------------


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation: it is a value that was measured)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(len(ordered) * pct / 100))
    return ordered[rank - 1]


def ms(value: float) -> str:
    return f"{value:,.1f}" if value >= 10 else f"{value:.2f}"


def latency_cell(times: Sequence[float]) -> str:
    """``median / p99 (n)``, in ms."""
    return f"{ms(statistics.median(times))} / {ms(percentile(times, 99))} ({len(times)})"


def throughput_cell(result: Throughput) -> str:
    errors = f" ({result.errors} errors)" if result.errors else ""
    return f"{result.per_second:,.0f}{errors}"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A markdown table; the first column left-aligned, the others right-aligned."""
    lines = [
        "| " + " | ".join(header) + " |",
        "|---|" + "---:|" * (len(header) - 1),
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
