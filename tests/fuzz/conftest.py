"""Fixtures of the fuzz tests, and the count of cases each spec ran (printed and recorded).

The count goes to ``test-artifacts/fuzz-cases.json`` and the end of the terminal report, so a
run that reached no handler (0 cases) cannot pass unnoticed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.fuzz import harness
from tests.fuzz.harness import FuzzSession

ARTIFACT = Path(__file__).resolve().parents[2] / "test-artifacts" / "fuzz-cases.json"


@pytest.fixture(scope="session")
def fuzz() -> FuzzSession:
    return harness.session()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    fuzzed = harness.current_session()
    if fuzzed is None:  # no fuzz test ran
        return
    counts = fuzzed.case_counts()
    terminalreporter.section("schemathesis cases per spec")
    for name, phases in counts.items():
        line = ", ".join(f"{phase} {n}" for phase, n in phases.items())
        terminalreporter.write_line(f"{name}: {sum(phases.values())} ({line})")
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(json.dumps(counts, indent=2, sort_keys=True) + "\n", encoding="utf-8")
