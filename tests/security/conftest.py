"""The security tests' shared world: two tenants of every provider, built once for the package."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from tests.conftest import NamespacedClient
from tests.security.world import World, build_world


@pytest.fixture(scope="package")
def world(client: TestClient) -> Iterator[World]:
    api = NamespacedClient(client, f"sec-world-{secrets.token_hex(4)}")
    yield build_world(api)
    client.post("/__admin/reset", params={"namespace": api.namespace})
