"""The benchmark script still runs end to end (its numbers are measured, never asserted here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench" / "bench_server.py"
HEADINGS = (
    "| benchmark | in-memory | SQLite file |",
    "cold start to first 200",
    "health latency",
    "health throughput",
    "namespace reset round trip",
)


@pytest.mark.live
def test_quick_benchmark_runs_and_prints_its_table() -> None:
    # The script bounds itself; the timeout only keeps a broken one from stalling the suite.
    result = subprocess.run(
        [sys.executable, str(BENCH), "--quick"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=90,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for heading in HEADINGS:
        assert heading in result.stdout, result.stdout
