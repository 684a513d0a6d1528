"""The token endpoint's grants: an authorisation code is redeemed once, by the client it was
issued to, with the redirect URI it was issued for (and its PKCE verifier); a refresh token is
used once (they rotate). Anything else is ``400 invalid_grant``."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import NamespacedClient
from tests.identity.oauth_helpers import Pkce
from tests.security.authorisation import SERVERS, Server
from tests.security.internals import assert_no_internals
from tests.security.world import World

PROVIDERS = list(SERVERS)


@pytest.fixture(scope="module")
def grants_api(client: TestClient) -> Iterator[NamespacedClient]:
    api = NamespacedClient(client, f"sec-grants-{secrets.token_hex(4)}")
    for provider in PROVIDERS:  # a second client of each server
        registered = api.post(
            "/__admin/clients",
            json={
                "provider": provider,
                "client_id": f"sec-other-{provider}",
                "client_secret": "sec-other-secret",
                "redirect_uris": [SERVERS[provider].redirect_uri],
                "request_object_signing_alg": "none",
            },
        )
        assert registered.status_code == 201, registered.text
    yield api
    client.post("/__admin/reset", params={"namespace": api.namespace})


@pytest.fixture(scope="module")
def savings(world: World) -> list[str]:
    """Alice's savings account: a Moneyhub connection to it is quick (it has little history)."""
    return [world.ob[0].accounts["Savings"]]


def assert_invalid_grant(response: Any, context: object = "") -> str:
    assert response.status_code == 400, f"{context}: {response.status_code} {response.text}"
    body = response.json()
    assert body["error"] == "invalid_grant", body
    assert_no_internals(response, context)
    return str(body["error_description"])


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_code_is_redeemed_once(
    grants_api: NamespacedClient, savings: list[str], provider: str
) -> None:
    server = SERVERS[provider]
    code = server.code(grants_api, accounts=savings)
    assert server.exchange(grants_api, code).status_code == 200
    assert "used" in assert_invalid_grant(server.exchange(grants_api, code), "second use")


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_code_is_only_its_clients(
    grants_api: NamespacedClient, savings: list[str], provider: str
) -> None:
    server = SERVERS[provider]
    code = server.code(grants_api, accounts=savings)
    other = grants_api.post(
        server.token_path,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": server.redirect_uri,
        },
        auth=(f"sec-other-{provider}", "sec-other-secret"),
    )
    assert_invalid_grant(other, "another client")
    assert server.exchange(grants_api, code).status_code == 200, "its own client still can"


def _variants(server: Server) -> dict[str, str | None]:
    """Redirect URIs that are not the one the code was issued for."""
    uri = server.redirect_uri
    return {
        "another registered one": server.other_registered_uri,
        "a prefix": uri[:-1],
        "a suffix": uri + "x",
        "an extra path": uri + "/more",
        "a query": uri + "?a=1",
        "a fragment": uri + "#f",
        "another scheme": uri.replace("http://", "https://"),
        "another port": uri.replace(":300", ":900"),
        "left out": None,  # RFC 6749 4.1.3: required when the request had one
    }


@pytest.mark.parametrize("variant", list(_variants(SERVERS["ob"])))
@pytest.mark.parametrize("provider", PROVIDERS)
def test_the_redirect_uri_must_be_the_authorisations(
    grants_api: NamespacedClient, savings: list[str], provider: str, variant: str
) -> None:
    server = SERVERS[provider]
    code = server.code(grants_api, accounts=savings)
    sent = _variants(server)[variant]
    assert_invalid_grant(server.exchange(grants_api, code, redirect_uri=sent), variant)
    assert server.exchange(grants_api, code).status_code == 200, "the right one still works"


@pytest.mark.parametrize("provider", PROVIDERS)
def test_pkce_verifier_must_match(
    grants_api: NamespacedClient, savings: list[str], provider: str
) -> None:
    server = SERVERS[provider]
    pkce = Pkce.new()
    code = server.code(grants_api, pkce=pkce, accounts=savings)
    assert_invalid_grant(server.exchange(grants_api, code), "no verifier")
    assert_invalid_grant(
        server.exchange(grants_api, code, code_verifier=Pkce.new().verifier), "another verifier"
    )
    assert server.exchange(grants_api, code, code_verifier=pkce.verifier).status_code == 200


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_code_expires_by_the_sandbox_clock(
    api: NamespacedClient, savings: list[str], provider: str
) -> None:
    server = SERVERS[provider]
    code = server.code(api, accounts=savings)
    assert api.post("/__admin/clock/advance", json={"seconds": 121}).status_code == 200
    assert "expired" in assert_invalid_grant(server.exchange(api, code), "two minutes on")


@pytest.mark.parametrize("provider", PROVIDERS)
def test_refresh_tokens_rotate(
    grants_api: NamespacedClient, savings: list[str], provider: str
) -> None:
    server = SERVERS[provider]
    first = server.exchange(grants_api, server.code(grants_api, accounts=savings)).json()[
        "refresh_token"
    ]

    def refresh(token: str, client: tuple[str, str] = server.client) -> Any:
        form = {"grant_type": "refresh_token", "refresh_token": token}
        return grants_api.post(server.token_path, data=form, auth=client)

    other_client = (f"sec-other-{provider}", "sec-other-secret")
    assert_invalid_grant(refresh(first, other_client), "another client's refresh token")
    renewed = refresh(first)
    assert renewed.status_code == 200, renewed.text
    second = renewed.json()["refresh_token"]
    assert second != first
    assert_invalid_grant(refresh(first), "the rotated-out refresh token")
    assert refresh(second).status_code == 200
    assert_invalid_grant(refresh("not-a-refresh-token"), "an unknown refresh token")


def test_mogoplus_grants_only_client_credentials(grants_api: NamespacedClient) -> None:
    for grant in ("authorization_code", "refresh_token", "password"):
        response = grants_api.post(
            "/mogoplus/api/v1/oauth2/token",
            data={"grant_type": grant},
            auth=("mogoplus-sandbox-client", "mogoplus-sandbox-secret"),
        )
        assert response.status_code == 400, response.text
        assert response.json()["error"] == "unsupported_grant_type"
