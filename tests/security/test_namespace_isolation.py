"""Namespaces are sealed: credentials, tokens and ids of one namespace mean nothing in another."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from tests.conftest import NamespacedClient
from tests.security import sandbox_clients
from tests.security.operations import Operation
from tests.security.probe_table import PROBED, PROBES
from tests.security.refusals import assert_unauthorized, error_code, leaked
from tests.security.world import World


@pytest.fixture(scope="module")
def elsewhere(client: TestClient) -> Iterator[NamespacedClient]:
    """Another namespace, seeded like every new one (the sandbox's own clients are there too)."""
    other = NamespacedClient(client, f"sec-elsewhere-{secrets.token_hex(4)}")
    yield other
    client.post("/__admin/reset", params={"namespace": other.namespace})


@pytest.mark.parametrize("operation", PROBED, ids=str)
def test_a_tenants_own_call_is_refused_in_another_namespace(
    world: World, elsewhere: NamespacedClient, operation: Operation
) -> None:
    """B's call that works in B's namespace (the isolation tests show it), sent elsewhere."""
    _, b = world.tenants(operation.provider)
    call = PROBES[operation.key].request(b, b.ids)
    response = call.send(elsewhere)
    assert_unauthorized(operation.provider, response, call)
    assert not leaked(response, b, call)


@pytest.mark.parametrize("provider", ["ob", "moneyhub", "mogoplus"])
def test_the_sandbox_clients_token_works_only_in_its_own_namespace(
    world: World, elsewhere: NamespacedClient, provider: str
) -> None:
    """The sandbox's own client exists in both namespaces: only the token's namespace counts."""
    call = sandbox_clients.reader(provider, sandbox_clients.token(world.api, provider))
    assert call.send(world.api).status_code in (200, 400, 404)
    refused = call.send(elsewhere)
    assert_unauthorized(provider, refused, call)
    assert "another sandbox namespace" in refused.headers["www-authenticate"]
    fresh = sandbox_clients.reader(provider, sandbox_clients.token(elsewhere, provider))
    assert fresh.send(elsewhere).status_code in (200, 400, 404)


@pytest.mark.parametrize("provider", ["ob", "fena", "moneyhub", "mogoplus"])
def test_what_the_sandbox_client_made_is_unknown_in_another_namespace(
    world: World, elsewhere: NamespacedClient, provider: str
) -> None:
    read = sandbox_clients.made_and_read(world.api, provider, world.mogoplus[0].payload())
    here = sandbox_clients.with_token(world.api, provider, read)
    assert here.send(world.api).status_code == 200
    there = sandbox_clients.with_token(elsewhere, provider, read)
    refused = there.send(elsewhere)
    expected = {"ob": (400, "UK.OBIE.Resource.NotFound")}.get(provider, (404, None))
    assert refused.status_code == expected[0], refused.text
    if expected[1] is not None:
        assert error_code(provider, refused.json()) == expected[1]
