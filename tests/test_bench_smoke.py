"""Each benchmark script still runs end to end and prints its tables.

Smoke runs (``--quick``): tiny counts, so speed is never asserted here; the figures are
measured by ``make bench`` and recorded in bench/RESULTS.md.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
# Each script bounds its own loops; this only keeps a broken one from stalling the suite.
TIMEOUT = 180

EXPECTED = {
    "bench_server.py": (
        "| benchmark | in-memory | SQLite file |",
        "| cold start to first 200",
        "| health latency",
        "| health throughput",
        "| namespace reset round trip",
    ),
    "bench_api.py": (
        "| request | answer, kB | validation off: latency",
        "| validation on: latency",
        "| OBIE GET transactions (a page of 100) |",
        "| OBIE POST VRP payment |",
        "| Moneyhub GET transactions (limit 100) |",
        "| MogoPlus POST insights (100 transactions",
    ),
    "bench_prism.py": (
        "| GET .../accounts/{AccountId}/transactions | sandbox | Prism | sandbox / Prism |",
        "| first page (100 transactions): latency, 1 client, ms: median |",
        "| a booking-time window holding 1 transaction: answer: bytes (transactions) |",
    ),
    "bench_scale.py": (
        "| transactions / accounts / all seeded records |",
        "| page latency: alice's current account",
        # The same page from the bundled and the generated data set: a like-for-like figure.
        "| the two pages are identical |  | yes |",
        "| MogoPlus, 500 transactions over HTTP |",
    ),
}


def run(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.mark.live
@pytest.mark.parametrize("script", sorted(EXPECTED))
def test_quick_benchmark_runs_and_prints_its_table(script: str) -> None:
    out = run(str(BENCH / script), "--quick")
    for line in EXPECTED[script]:
        assert line in out, out
    if script == "bench_prism.py":  # Prism measured, or its column skipped with the reason
        measured = "@stoplight/prism-cli" in out and "| skipped |" not in out
        assert measured or "Prism skipped: " in out, out


def test_run_all_prints_one_dated_section_with_the_machine(tmp_path: Path) -> None:
    # The in-process engine benchmark: the only one quick enough to run twice here.
    written = tmp_path / "section.md"
    out = run(
        str(BENCH / "run_all.py"),
        "--quick",
        "--scripts",
        "bench_insights.py",
        "--output",
        str(written),
    )
    section = written.read_text()
    assert section in out
    assert section.startswith("#### Run of 20"), section
    assert "Machine: nproc " in section and "commit " in section, section
    assert "load average (1/5/15 min)" in section, section
    assert "##### MogoPlus report engine, in process (bench_insights.py)" in section, section
    assert "| 1,000 |" in section, section
