"""The scripts in ``examples/`` run their whole journeys against one real server."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.support.live import ROOT, live_server

pytestmark = pytest.mark.live

EXAMPLES = ROOT / "examples"
SCRIPTS = ["ob_ais_and_vrp.py", "fena.py", "moneyhub.py", "mogoplus.py"]


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    # Response validation on: every answer the examples get is checked against our specs.
    with live_server("--response-validation", "true") as base:
        yield base


def test_every_example_is_tested() -> None:
    assert sorted(p.name for p in EXAMPLES.glob("*.py")) == sorted(SCRIPTS)


@pytest.mark.parametrize("script", SCRIPTS)
def test_the_example_runs_its_journey(base_url: str, script: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOCKSERVER_")}
    env["MOCKSERVER_URL"] = base_url
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / script)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    assert result.returncode == 0, f"{script} exited with {result.returncode}\n{output}"
    assert "\nOK: " in result.stdout, output
    assert "Reset namespace" in result.stdout, output
