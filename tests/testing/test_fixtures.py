"""The ``sandbox`` and ``mockserver`` fixtures, used here as any suite would use them (the plugin
is loaded from its entry point in this repo's own runs too)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from mockserver.testing import SandboxError, SandboxNamespace, SandboxServer

OB_CLIENT = ("ob-sandbox-client", "ob-sandbox-secret")
REDIRECT_URI = "http://localhost:3000/callback"


def ob_authorize_url(sandbox: SandboxNamespace) -> str:
    """An OBIE account access consent, and the authorisation URL a TPP builds for it."""
    form = {"grant_type": "client_credentials", "scope": "accounts"}
    token = sandbox.client.post("/ob/oauth2/token", auth=OB_CLIENT, data=form).json()
    consent = sandbox.client.post(
        "/ob/open-banking/v3.1/aisp/account-access-consents",
        headers={"Authorization": f"Bearer {token['access_token']}"},
        json={"Data": {"Permissions": ["ReadAccountsDetail"]}, "Risk": {}},
    )
    assert consent.status_code == 201, consent.text
    intent = {"value": consent.json()["Data"]["ConsentId"], "essential": True}
    query = {
        "client_id": OB_CLIENT[0],
        "response_type": "code",
        "scope": "openid accounts",
        "redirect_uri": REDIRECT_URI,
        "state": "xyz",
        "claims": json.dumps({"id_token": {"openbanking_intent_id": intent}}),
    }
    return f"{sandbox.base_url}/ob/oauth2/authorize?{urlencode(query)}"


def test_each_test_has_a_namespace_of_its_own(
    sandbox: SandboxNamespace, mockserver: SandboxServer
) -> None:
    assert sandbox.namespace.startswith("test_each_test_has_a_namespace_of_its_own")
    assert sandbox.headers == {"X-Sandbox-Namespace": sandbox.namespace}
    assert sandbox.base_url == mockserver.base_url == str(sandbox.client.base_url).rstrip("/")
    assert mockserver.health()["status"] == "ok"
    sandbox.client.get("/fena/providers")
    (entry,) = sandbox.requests(path="/fena/providers")
    assert entry["namespace"] == sandbox.namespace


def test_approve_gives_the_redirect_with_a_code_that_buys_a_token(
    sandbox: SandboxNamespace,
) -> None:
    redirect = sandbox.approve(ob_authorize_url(sandbox), psu="alice")
    assert redirect.startswith(REDIRECT_URI)
    query = parse_qs(urlsplit(redirect).query)
    assert query["state"] == ["xyz"]
    form = {"grant_type": "authorization_code", "code": query["code"][0]}
    token = sandbox.client.post(
        "/ob/oauth2/token", auth=OB_CLIENT, data={**form, "redirect_uri": REDIRECT_URI}
    )
    assert token.status_code == 200, token.text
    accounts = sandbox.client.get(
        "/ob/open-banking/v3.1/aisp/accounts",
        headers={"Authorization": f"Bearer {token.json()['access_token']}"},
    )
    assert accounts.status_code == 200
    assert accounts.json()["Data"]["Account"]


def test_deny_gives_the_redirect_with_an_error(sandbox: SandboxNamespace) -> None:
    redirect = sandbox.deny(ob_authorize_url(sandbox))
    assert parse_qs(urlsplit(redirect).query)["error"] == ["access_denied"]


def test_clock(sandbox: SandboxNamespace) -> None:
    start = datetime(2030, 1, 31, 9, 0, tzinfo=UTC)
    assert sandbox.clock.set("2030-01-31T09:00:00Z", frozen=True) == start
    assert sandbox.clock.advance(3600) == start + timedelta(hours=1)
    assert sandbox.clock.now() == start + timedelta(hours=1)
    assert sandbox.clock.set(start) == start  # still frozen
    assert sandbox.clock.release() >= start
    assert sandbox.clock.freeze() >= start


def test_fault(sandbox: SandboxNamespace) -> None:
    rule = sandbox.fault(path="/fena/providers", status=503, times=1)
    assert rule["id"]
    assert sandbox.client.get("/fena/providers").status_code == 503
    assert sandbox.client.get("/fena/providers").status_code != 503  # used up


def test_reset(sandbox: SandboxNamespace) -> None:
    sandbox.fault(status=500)
    sandbox.reset()
    assert sandbox.admin.get("/__admin/faults").json() == []


def test_a_refused_helper_says_why(sandbox: SandboxNamespace) -> None:
    with pytest.raises(SandboxError, match=r"PUT /__admin/clock -> 400"):
        sandbox.clock.set("yesterday")


def test_tokens_and_headers_of_each_providers_sandbox_client(sandbox: SandboxNamespace) -> None:
    for provider, scope, path in [
        ("ob", "accounts", "/ob/open-banking/v3.1/aisp/account-access-consents/none"),
        (
            "mogoplus",
            "",
            "/mogoplus/cdr-data/v2/banking-data-insights/"
            + "0" * 8
            + "-0000-4000-8000-"
            + "0" * 12,
        ),
    ]:
        token = sandbox.token(provider, scope)
        answer = sandbox.client.get(path, headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code in (400, 404), (provider, answer.text)  # authenticated
    user = sandbox.client.post(
        "/moneyhub/identity/users",
        json={},
        headers={"Authorization": f"Bearer {sandbox.token('moneyhub', 'user:create')}"},
    ).json()["userId"]
    reader = sandbox.token("moneyhub", "accounts:read", sub=user)
    accounts = sandbox.client.get(
        "/moneyhub/api/v2.0/accounts", headers={"Authorization": f"Bearer {reader}"}
    )
    assert accounts.status_code == 200 and accounts.json()["data"] == []
    assert sandbox.client.get("/fena/providers", headers=sandbox.fena_headers()).status_code == 200
    with pytest.raises(ValueError):
        sandbox.token("fena")
