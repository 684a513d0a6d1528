"""The soak script still runs end to end (``--quick``); its memory figures are measured, and
only the full run (``make soak``) fails on growth."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOAK = ROOT / "bench" / "soak.py"


@pytest.mark.live
def test_quick_soak_runs_every_journey_without_an_unexpected_answer(tmp_path: Path) -> None:
    section = tmp_path / "soak.md"
    # The script bounds itself; the timeout only keeps a broken one from stalling the suite.
    result = subprocess.run(
        [sys.executable, str(SOAK), "--quick", "--output", str(section)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    written = section.read_text()
    assert written in result.stdout
    assert "| time (m:ss) | requests since start | mean req/s | RSS MiB | growth MiB |" in written
    rows = [line.split("|")[1:-1] for line in written.splitlines() if line.startswith("| ")][1:]
    assert len(rows) >= 2, written  # the start and the end, at least
    assert int(rows[-1][1].replace(",", "")) > 0, written  # traffic went on after the start
    assert "Unexpected answers: 0." in written
