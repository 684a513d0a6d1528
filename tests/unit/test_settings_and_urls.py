"""Settings from flags and environment; absolute URLs behind proxies; redaction."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mockserver.core import context
from mockserver.core.redaction import (
    REDACTED_PREFIX,
    fingerprint,
    redact_body,
    redact_data,
    redact_headers,
)
from mockserver.core.urls import absolute_url, base_url
from mockserver.settings import Settings, from_environment, to_environment


def test_defaults() -> None:
    settings = from_environment({})
    assert (settings.host, settings.port, settings.seed, settings.workers) == (
        "127.0.0.1",
        8000,
        42,
        1,
    )
    assert settings.is_memory_db
    assert settings.admin_token is None
    assert settings.clock is None
    assert (settings.fixtures / "ob" / "clients.yaml").is_file()


def test_environment_is_read_and_flags_win() -> None:
    env = {
        "MOCKSERVER_PORT": "9000",
        "MOCKSERVER_SEED": "7",
        "MOCKSERVER_DB": "/tmp/x.sqlite",
        "MOCKSERVER_CLOCK": "2026-01-31T09:00:00Z",
        "MOCKSERVER_CORS_ORIGINS": "https://a.example, https://b.example",
        "MOCKSERVER_RESPONSE_VALIDATION": "true",
        "MOCKSERVER_FIXTURES": "/somewhere",
    }
    settings = from_environment(env, port=9100)
    assert settings.port == 9100
    assert settings.seed == 7
    assert settings.db == "/tmp/x.sqlite"
    assert settings.clock == datetime(2026, 1, 31, 9, tzinfo=UTC)
    assert settings.cors_origins == ("https://a.example", "https://b.example")
    assert settings.response_validation is True
    assert settings.fixtures == Path("/somewhere")


def test_settings_round_trip_through_the_environment() -> None:
    settings = Settings(seed=9, db="/tmp/s.db", workers=3, clock=datetime(2026, 1, 1, tzinfo=UTC))
    assert from_environment(to_environment(settings)) == settings


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MOCKSERVER_WORKERS": "2"}, "--db"),
        ({"MOCKSERVER_WORKERS": "0"}, "at least 1"),
        ({"MOCKSERVER_CLOCK": "2026-01-31T09:00:00"}, "offset"),
    ],
)
def test_invalid_settings_are_refused(env: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        from_environment(env)


def test_base_url_honours_forwarded_headers() -> None:
    direct = base_url({"host": "127.0.0.1:8000"}, "http", ("127.0.0.1", 8000))
    assert direct == "http://127.0.0.1:8000"
    proxied = base_url(
        {"host": "internal:8000", "x-forwarded-proto": "https", "x-forwarded-host": "bank.example"},
        "http",
        ("10.0.0.2", 8000),
    )
    assert proxied == "https://bank.example"
    assert base_url({}, "http", ("127.0.0.1", 8123)) == "http://127.0.0.1:8123"


def test_absolute_url_carries_the_namespace() -> None:
    ctx = context.RequestContext(namespace="suite-1", provider=None, method="GET", path="/")
    ctx.extra["base_url"] = "https://bank.example"
    token = context.activate(ctx)
    try:
        url = absolute_url("/ob/consent", {"id": "c1"})
    finally:
        context.deactivate(token)
    assert url == "https://bank.example/ob/consent?id=c1&sandbox_namespace=suite-1"


def test_absolute_url_in_the_default_namespace_has_no_parameter() -> None:
    ctx = context.RequestContext(namespace="default", provider=None, method="GET", path="/")
    ctx.extra["base_url"] = "http://h"
    token = context.activate(ctx)
    try:
        assert absolute_url("/x") == "http://h/x"
    finally:
        context.deactivate(token)


def test_fingerprints_tell_values_apart_without_revealing_them() -> None:
    assert fingerprint("a") != fingerprint("b")
    assert fingerprint("a") == fingerprint("a")
    assert fingerprint("hunter2").startswith(REDACTED_PREFIX)
    assert "hunter2" not in fingerprint("hunter2")


def test_redact_headers_keeps_the_scheme() -> None:
    headers = redact_headers([("Authorization", "Bearer abc.def"), ("Accept", "x")])
    assert headers["authorization"].startswith("Bearer " + REDACTED_PREFIX)
    assert headers["accept"] == "x"


def test_redact_data_walks_nested_values_and_private_jwks() -> None:
    data = {
        "client_secret": "s",
        "list": [{"access_token": "t"}],
        "jwk": {"kty": "RSA", "n": "public", "d": "private"},
        "q": "a search",
    }
    redacted = redact_data(data)
    assert redacted["client_secret"].startswith(REDACTED_PREFIX)
    assert redacted["list"][0]["access_token"].startswith(REDACTED_PREFIX)
    assert redacted["jwk"]["n"] == "public"
    assert redacted["jwk"]["d"].startswith(REDACTED_PREFIX)
    assert redacted["q"] == "a search"  # only a JWK's "q" is a secret


def test_redact_body_json_form_and_other() -> None:
    body = redact_body(json.dumps({"password": "p"}), "application/json")
    assert json.loads(body)["password"] == fingerprint("p")
    form = redact_body("client_assertion=abc&scope=openid", "application/x-www-form-urlencoded")
    assert "abc" not in form and "scope=openid" in form
    assert redact_body("plain", "text/plain") == "plain"
