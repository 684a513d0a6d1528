"""Shared fixtures: one app per test session, an isolated namespace per test.

Building a Connexion app is costly, so the session shares one (as Connexion's own guidance
says); each test gets its own ``X-Sandbox-Namespace`` so tests never see each other's state.
Response validation is on: every response a test sees is checked against our specs.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver.app import ExtraMount, SandboxApp, create_app
from mockserver.core.specs import load_spec
from mockserver.providers import PROVIDERS
from mockserver.settings import Settings
from tests.support.auth_probe_handlers import ProbeConsentAdapter

PROBE_SPEC = Path(__file__).parent / "support" / "probe.yaml"
PROBE_HANDLERS = "tests.support.probe_handlers"
AUTH_PROBE_SPEC = Path(__file__).parent / "support" / "auth_probe.yaml"
AUTH_PROBE_HANDLERS = "tests.support.auth_probe_handlers"
FROZEN_AT = datetime(2026, 3, 14, 9, 26, 53, tzinfo=UTC)

# PostgreSQL fixtures (pg_url, pg_db_url): a throwaway server, or a visible skip; browser
# fixtures (browser, page): Debian's Chromium driven by Playwright, or a visible skip; every
# response a test sees checked against the official reference specs (OBIE, Moneyhub Data API).
pytest_plugins = [
    "tests.support.pg_fixture",
    "tests.support.browser",
    "tests.support.reference_validation",
]

_namespaces = itertools.count(1)


def probe_mounts() -> tuple[ExtraMount, ...]:
    """The probe API under every provider's prefix: ``{prefix}/__probe/items`` and so on, and
    a consent resource behind the OBIE authorisation server at ``/ob/__authprobe``."""
    items = tuple(
        ExtraMount(load_spec(PROBE_SPEC, f"{p.prefix}/__probe"), PROBE_HANDLERS) for p in PROVIDERS
    )
    consents = ExtraMount(load_spec(AUTH_PROBE_SPEC, "/ob/__authprobe"), AUTH_PROBE_HANDLERS)
    return (*items, consents)


def build_app(**settings: Any) -> SandboxApp:
    base: dict[str, Any] = {"response_validation": True}
    app = create_app(Settings(**{**base, **settings}), probe_mounts())
    consents = app.sandbox.identity.consents
    consents.register("ob", ProbeConsentAdapter(consents.for_provider("ob")))
    return app


class NamespacedClient:
    """A test client that sends every request in its own namespace."""

    def __init__(self, client: TestClient, namespace: str) -> None:
        self.client = client
        self.namespace = namespace

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        headers = {"X-Sandbox-Namespace": self.namespace, **kwargs.pop("headers", {})}
        return self.client.request(method, url, headers=headers, **kwargs)

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Any:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> Any:
        return self.request("PUT", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> Any:
        return self.request("DELETE", url, **kwargs)


@pytest.fixture(scope="session")
def app() -> SandboxApp:
    return build_app()


@pytest.fixture(scope="session")
def client(app: SandboxApp) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def namespace() -> str:
    return f"t{next(_namespaces)}"


@pytest.fixture
def api(client: TestClient, namespace: str) -> Iterator[NamespacedClient]:
    yield NamespacedClient(client, namespace)
    client.post("/__admin/reset", params={"namespace": namespace})


@pytest.fixture
def frozen_clock(api: NamespacedClient) -> datetime:
    """Freeze this test's namespace clock at FROZEN_AT."""
    response = api.put("/__admin/clock", json={"now": FROZEN_AT.isoformat(), "frozen": True})
    assert response.status_code == 200
    return FROZEN_AT
