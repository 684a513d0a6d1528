"""One log line per request: its facts (in process), its two formats, and the real server's output
with ``--log-format json|text`` and ``--log-level info``."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from mockserver.core.request_log import (
    REQUEST_LOGGER,
    JsonFormatter,
    TextFormatter,
    log_request,
    logging_config,
)
from tests.conftest import NamespacedClient
from tests.support.live import ROOT, _wait_ready, free_port

MOGOPLUS_TOKEN = "/mogoplus/api/v1/oauth2/token"
MOGOPLUS_CLIENT = ("mogoplus-sandbox-client", "mogoplus-sandbox-secret")
OB_ACCOUNTS = "/ob/open-banking/v3.1/aisp/accounts"
FIELDS = {
    "namespace",
    "provider",
    "operationId",
    "method",
    "path",
    "status",
    "latency_ms",
    "interaction_id",
    "fault",
}


def request_records(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [
        dict(r.request)
        for r in caplog.records
        if r.name == REQUEST_LOGGER and hasattr(r, "request")
    ]


# -- what is logged (in process) ------------------------------------------------------------------


def test_every_request_is_logged_once_with_its_facts(
    api: NamespacedClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger=REQUEST_LOGGER)
    form = {"grant_type": "client_credentials"}
    token = api.post(MOGOPLUS_TOKEN, data=form, auth=MOGOPLUS_CLIENT)
    assert token.status_code == 200
    unauthorised = api.get(OB_ACCOUNTS, headers={"x-fapi-interaction-id": "my-interaction-1"})
    assert unauthorised.status_code == 401
    assert api.get("/fena/no/such/path").status_code == 404
    assert api.get("/__admin/clock").status_code == 200
    levels = [r.levelno for r in caplog.records if r.name == REQUEST_LOGGER]

    first, second, third, admin = request_records(caplog)
    assert set(first) == FIELDS
    assert first["namespace"] == api.namespace
    assert (first["provider"], first["method"], first["path"], first["status"]) == (
        "mogoplus",
        "POST",
        MOGOPLUS_TOKEN,
        200,
    )
    # The interaction id the client saw, and the journal's operationId.
    assert first["interaction_id"] == token.headers["x-fapi-interaction-id"]
    journal = api.get("/__admin/requests", params={"limit": 3}).json()["entries"]
    assert [e["operationId"] for e in reversed(journal)] == [
        r["operationId"] for r in (first, second, third)
    ]
    assert first["operationId"] == "token"
    assert isinstance(first["latency_ms"], float) and first["latency_ms"] > 0
    assert [e["latency_ms"] for e in reversed(journal)] == [
        r["latency_ms"] for r in (first, second, third)
    ]
    assert (second["provider"], second["status"], second["interaction_id"]) == (
        "ob",
        401,
        "my-interaction-1",
    )
    assert (third["provider"], third["status"], third["interaction_id"]) == ("fena", 404, None)
    # Admin calls are not journaled, but they are logged, at debug level.
    assert (admin["provider"], admin["path"], admin["status"]) == ("admin", "/__admin/clock", 200)
    assert levels == [logging.INFO, logging.INFO, logging.INFO, logging.DEBUG]


def test_a_fault_rule_is_named_on_the_line(
    api: NamespacedClient, caplog: pytest.LogCaptureFixture
) -> None:
    rule = api.post("/__admin/faults", json={"path": "/fena/*", "status": 503, "times": 1}).json()
    caplog.set_level(logging.INFO, logger=REQUEST_LOGGER)
    assert api.get("/fena/providers").status_code == 503
    (line,) = request_records(caplog)
    assert (line["status"], line["fault"]) == (503, rule["id"])


def test_nothing_is_logged_below_info_and_admin_calls_only_at_debug(
    api: NamespacedClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=REQUEST_LOGGER)
    assert api.get("/fena/no/such/path").status_code == 404
    assert api.get("/__admin/clock").status_code == 200
    assert request_records(caplog) == []
    caplog.set_level(logging.INFO, logger=REQUEST_LOGGER)
    assert api.get("/fena/no/such/path").status_code == 404
    assert api.get("/__admin/clock").status_code == 200
    assert [r["path"] for r in request_records(caplog)] == ["/fena/no/such/path"]


# -- the two formats ------------------------------------------------------------------------------


def _record(caplog: pytest.LogCaptureFixture, **fields: Any) -> logging.LogRecord:
    caplog.set_level(logging.INFO, logger=REQUEST_LOGGER)
    facts: dict[str, Any] = {
        "namespace": "suite-1",
        "provider": "ob",
        "operation_id": "get_accounts",
        "method": "GET",
        "path": OB_ACCOUNTS,
        "status": 200,
        "latency_ms": 12.3456,
        "interaction_id": "93bac548-d2de-4546-b106-880a5018460d",
    }
    facts.update(fields)
    log_request(**facts)
    (record,) = [r for r in caplog.records if r.name == REQUEST_LOGGER]
    return record


def test_json_is_one_object_on_one_line(caplog: pytest.LogCaptureFixture) -> None:
    line = JsonFormatter().format(_record(caplog, path="/fena/a\nb\u2028c"))
    assert "\n" not in line and line.isascii()
    body = json.loads(line)
    assert body == {
        "time": body["time"],
        "level": "INFO",
        "logger": REQUEST_LOGGER,
        "namespace": "suite-1",
        "provider": "ob",
        "operationId": "get_accounts",
        "method": "GET",
        "path": "/fena/a\nb\u2028c",
        "status": 200,
        "latency_ms": 12.346,
        "interaction_id": "93bac548-d2de-4546-b106-880a5018460d",
        "fault": None,
        "message": "GET /fena/a\nb\u2028c 200",
    }
    assert body["time"].endswith("Z") and len(body["time"]) == len("2026-01-31T09:00:00.000Z")


def test_json_carries_other_records_and_their_tracebacks() -> None:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = logging.LogRecord(
            "mockserver", logging.ERROR, __file__, 1, "failed: %s", ("x",), sys.exc_info()
        )
    body = json.loads(JsonFormatter().format(record))
    assert (body["level"], body["logger"], body["message"]) == ("ERROR", "mockserver", "failed: x")
    assert "RuntimeError: boom" in body["exc_info"]


def test_text_is_one_readable_line(caplog: pytest.LogCaptureFixture) -> None:
    line = TextFormatter().format(_record(caplog))
    time, rest = line.split(" ", 1)
    assert time.endswith("Z")
    assert rest == (
        f"GET {OB_ACCOUNTS} 200 12.3ms namespace=suite-1 provider=ob "
        "operationId=get_accounts "
        "interaction_id=93bac548-d2de-4546-b106-880a5018460d"
    )


def test_text_escapes_what_would_break_the_line(caplog: pytest.LogCaptureFixture) -> None:
    record = _record(
        caplog,
        provider=None,
        operation_id=None,
        path="/fena/a\nb c",
        interaction_id="x\ty",
        status=0,
        fault="rule-1",
    )
    line = TextFormatter().format(record)
    assert "\n" not in line
    assert line.split(" ", 1)[1] == (
        "GET /fena/a\\nb%20c 0 12.3ms namespace=suite-1 provider=- operationId=- "
        "interaction_id=x\\ty fault=rule-1"
    )


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_request_lines_follow_the_log_level(log_format: str) -> None:
    quiet = logging_config(log_format, "warning")["loggers"]
    assert quiet[REQUEST_LOGGER]["level"] == "WARNING"  # the default: no request lines
    assert logging_config(log_format, "info")["loggers"][REQUEST_LOGGER]["level"] == "INFO"


def test_an_unknown_format_is_refused() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mockserver", "serve", "--log-format", "xml"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 2
    assert "--log-format must be one of text, json" in result.stderr
    helped = subprocess.run(
        [sys.executable, "-m", "mockserver", "serve", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    assert "--log-format" in helped.stdout and "MOCKSERVER_LOG_FORMAT" in helped.stdout


# -- the real server ------------------------------------------------------------------------------


@contextmanager
def serve(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> Iterator[tuple[str, Path, Path]]:
    """``mockserver serve ARGS`` with its stdout and stderr in files (read them after exit)."""
    port = free_port()
    stdout, stderr = tmp_path / "stdout.log", tmp_path / "stderr.log"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MOCKSERVER_")}
    environment.update(env or {})
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "mockserver", "serve", "--port", str(port), *args],
            cwd=ROOT,
            env=environment,
            stdout=out,
            stderr=err,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(base, process, 20)
            yield base, stdout, stderr
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _traffic(base: str) -> httpx.Response:
    with httpx.Client(base_url=base, headers={"X-Sandbox-Namespace": "logs-1"}) as client:
        token = client.post(
            MOGOPLUS_TOKEN, data={"grant_type": "client_credentials"}, auth=MOGOPLUS_CLIENT
        )
        assert token.status_code == 200
        assert client.get("/fena/no/such/path").status_code == 404
        assert client.get("/__admin/clock").status_code == 200
        return token


@pytest.mark.live
def test_json_mode_writes_one_json_object_per_line(tmp_path: Path) -> None:
    # At debug level: admin calls too, and whatever else uvicorn says.
    args = ("--log-format", "json", "--log-level", "debug")
    with serve(tmp_path, *args) as (base, stdout, stderr):
        token = _traffic(base)
    out_lines = stdout.read_text().splitlines()
    err_lines = stderr.read_text().splitlines()
    shown = "\n".join(["--- stdout", *out_lines, "--- stderr", *err_lines])
    parsed = [json.loads(line) for line in out_lines + err_lines]  # every line is JSON
    requests = [  # less the readiness checks
        p for p in parsed if p["logger"] == REQUEST_LOGGER and p["path"] != "/__admin/health"
    ]
    assert [(r["method"], r["path"], r["status"]) for r in requests] == [
        ("POST", MOGOPLUS_TOKEN, 200),
        ("GET", "/fena/no/such/path", 404),
        ("GET", "/__admin/clock", 200),
    ], shown
    assert [r["level"] for r in requests] == ["INFO", "INFO", "DEBUG"]
    first = requests[0]
    assert FIELDS | {"time", "level", "logger", "message"} == set(first)
    assert first["namespace"] == "logs-1" and first["provider"] == "mogoplus"
    assert first["interaction_id"] == token.headers["x-fapi-interaction-id"]
    assert first["operationId"] == "token" and first["latency_ms"] > 0
    # uvicorn's own lines are JSON too (no access log: the request lines replace it).
    assert any(p["logger"].startswith("uvicorn") for p in parsed), shown
    assert not any(p["logger"] == "uvicorn.access" for p in parsed), shown


@pytest.mark.live
def test_text_mode_from_the_environment(tmp_path: Path) -> None:
    env = {"MOCKSERVER_LOG_FORMAT": "text", "MOCKSERVER_LOG_LEVEL": "info"}
    with serve(tmp_path, env=env) as (base, stdout, _stderr):
        token = _traffic(base)
    lines = stdout.read_text().splitlines()
    assert len(lines) == 2, lines  # at info, no admin calls (not even the readiness checks)
    interaction = token.headers["x-fapi-interaction-id"]
    assert lines[0].split(" ", 1)[1].startswith(f"POST {MOGOPLUS_TOKEN} 200 ")
    assert "namespace=logs-1 provider=mogoplus operationId=" in lines[0]
    assert lines[0].endswith(f"interaction_id={interaction}")
    assert " GET /fena/no/such/path 404 " in lines[1] and "provider=fena" in lines[1]
