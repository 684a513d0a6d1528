"""The official Moneyhub client, unchanged, against the real server.

``tests/node/moneyhub/journey.mjs`` drives ``@mft/moneyhub-api-client`` (npm, pinned in that
folder's package-lock.json) through every call the Moneyhub issue lists, once with
``client_secret_basic`` and once with ``private_key_jwt``. ``make node-deps`` installs the client;
without Node, npm or the installed client this test skips and says which is missing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from tests.support.live import ROOT, live_server

pytestmark = pytest.mark.live

JOURNEY_DIR = ROOT / "tests" / "node" / "moneyhub"
CLIENT_PACKAGE = JOURNEY_DIR / "node_modules" / "@mft" / "moneyhub-api-client"
TIMEOUT = 120  # seconds for both runs of the journey
MIN_NODE = 18  # ES modules with top-level await, and fetch


def missing() -> str | None:
    """Why the journey cannot run here, or None."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            return f"{tool} not installed: apt-get install nodejs npm, then make node-deps"
    version = subprocess.run(
        ["node", "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    major = re.match(r"v(\d+)\.", version)
    if major is None or int(major.group(1)) < MIN_NODE:
        return f"Node {MIN_NODE} or newer is needed, found {version or 'no version'}"
    if not CLIENT_PACKAGE.is_dir():
        return (
            "the official client is not installed in "
            f"{JOURNEY_DIR.relative_to(ROOT)}/node_modules: run make node-deps"
        )
    return None


def _text(stream: str | bytes | None) -> str:
    return stream.decode(errors="replace") if isinstance(stream, bytes) else stream or ""


def _report(stdout: str, stderr: str, headline: str) -> str:
    summary = [
        line
        for line in stdout.splitlines()
        if line.startswith("not ok") or re.match(r"# \S+: (passed|FAILED)", line)
    ]
    return "\n".join(
        [headline, *summary, "", "---- stdout ----", stdout, "---- stderr ----", stderr]
    )


def test_official_moneyhub_client_journey() -> None:
    reason = missing()
    if reason is not None:
        pytest.skip(reason)
    with live_server() as base:
        env = {**os.environ, "MONEYHUB_BASE": base}
        try:
            result = subprocess.run(
                ["node", "journey.mjs"],
                cwd=JOURNEY_DIR,
                env=env,
                capture_output=True,
                text=True,
                timeout=TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            pytest.fail(
                _report(
                    _text(exc.stdout),
                    _text(exc.stderr),
                    f"journey.mjs did not finish within {TIMEOUT} s",
                )
            )
    assert result.returncode == 0, _report(
        result.stdout, result.stderr, f"journey.mjs exited with {result.returncode}"
    )
