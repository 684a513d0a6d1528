"""The real server, started through the CLI: sockets, workers, files, environment."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.support.live import ROOT, free_port, live_server

pytestmark = pytest.mark.live

FENA_CLIENT = {
    "provider": "fena",
    "client_id": "0b7f7d0e-8a5e-4d6c-9a43-5c1d2e3f4a5b",
    "redirect_uris": ["http://localhost/cb"],
}


def test_serve_help_explains_every_flag() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mockserver", "serve", "--help"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    for flag in ("--host", "--port", "--seed", "--db", "--workers", "--fixtures", "--admin-token"):
        assert flag in result.stdout
    assert "MOCKSERVER_DB" in result.stdout


def test_workers_without_a_shared_database_are_refused() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mockserver", "serve", "--workers", "2"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 2
    assert "--db" in result.stderr


def test_starts_with_defaults_and_answers_health() -> None:
    with live_server() as base:
        body = httpx.get(f"{base}/__admin/health").json()
        assert body["status"] == "ok"
        assert body["providers"] == ["ob", "fena", "moneyhub", "mogoplus"]


def test_settings_from_the_environment() -> None:
    port = free_port()
    env = {"MOCKSERVER_PORT": str(port), "MOCKSERVER_ADMIN_TOKEN": "tok"}
    with live_server(env=env) as base:
        # The --port flag the helper passes wins over MOCKSERVER_PORT ...
        assert not base.endswith(f":{port}")
        # ... and the token from the environment is in force.
        assert httpx.get(f"{base}/__admin/clock").status_code == 401
        auth = {"Authorization": "Bearer tok"}
        assert httpx.get(f"{base}/__admin/clock", headers=auth).status_code == 200


def test_dropped_connection_is_really_dropped() -> None:
    with live_server() as base:
        rule = {"path": "/fena/*", "drop": True, "times": 1}
        assert httpx.post(f"{base}/__admin/faults", json=rule).status_code == 201
        with pytest.raises(httpx.TransportError):
            httpx.get(f"{base}/fena/no/such/path")
        assert httpx.get(f"{base}/fena/no/such/path").status_code == 404
        entry = httpx.get(f"{base}/__admin/requests").json()["entries"][1]
        assert entry["dropped"] is True


def test_two_workers_share_state_over_a_sqlite_file(tmp_path: Path) -> None:
    db = tmp_path / "state.sqlite"
    with live_server("--workers", "2", "--db", str(db)) as base, httpx.Client() as client:
        created = client.post(f"{base}/__admin/clients", json=FENA_CLIENT)
        assert created.status_code == 201
        client.put(f"{base}/__admin/clock", json={"now": "2031-05-01T12:00:00Z", "frozen": True})
        rule = client.post(f"{base}/__admin/faults", json={"path": "/ob/*", "status": 503}).json()

        pids = set()
        for _ in range(60):
            # A new connection each time, so the kernel spreads them over both workers.
            with httpx.Client() as fresh:
                pids.add(fresh.get(f"{base}/__admin/health").json()["pid"])
                ids = [c["client_id"] for c in fresh.get(f"{base}/__admin/clients").json()]
                assert FENA_CLIENT["client_id"] in ids
                assert (
                    fresh.get(f"{base}/__admin/clock").json()["now"] == "2031-05-01T12:00:00.000Z"
                )
                assert [r["id"] for r in fresh.get(f"{base}/__admin/faults").json()] == [rule["id"]]
                assert fresh.get(f"{base}/ob/open-banking/v3.1/aisp/x").status_code == 503
        assert len(pids) == 2, "both workers should have answered"
        journal = client.get(f"{base}/__admin/requests", params={"limit": 1000}).json()
        assert len(journal["entries"]) == 60  # one shared journal


def test_state_survives_a_restart_with_a_file_database(tmp_path: Path) -> None:
    db = tmp_path / "state.sqlite"
    with live_server("--db", str(db)) as base:
        assert httpx.post(f"{base}/__admin/clients", json=FENA_CLIENT).status_code == 201
    with live_server("--db", str(db)) as base:
        ids = [c["client_id"] for c in httpx.get(f"{base}/__admin/clients").json()]
        assert FENA_CLIENT["client_id"] in ids


SCRIPT = [
    ("POST", "/__admin/clients", {"provider": "ob", "redirect_uris": ["http://x/cb"]}),
    ("POST", "/__admin/faults", {"path": "/mogoplus/x", "status": 429, "retry_after": 3}),
    ("GET", "/mogoplus/x", None),
    ("GET", "/ob/open-banking/v3.1/aisp/accounts", None),
    ("GET", "/__admin/clock", None),
    ("GET", "/__admin/state", None),
]


def run_script(base: str) -> list[tuple[int, list[tuple[str, str]], bytes]]:
    replies = []
    with httpx.Client() as client:
        for method, path, body in SCRIPT:
            response = client.request(method, base + path, json=body)
            replies.append(
                (response.status_code, sorted(response.headers.items()), response.content)
            )
    return replies


def test_two_servers_with_the_same_seed_answer_byte_for_byte() -> None:
    args = ("--seed", "1234", "--clock", "2026-02-03T04:05:06Z")
    with live_server(*args) as first:
        replies_first = run_script(first)
    with live_server(*args) as second:
        replies_second = run_script(second)
    assert replies_first == replies_second
    assert replies_first[2][0] == 429
