"""The server the fuzz tests run against: in process, one app for the whole session.

VRP requests are not signed by schemathesis, so the JWS check is relaxed (``relax_jws``); the
clock is frozen so tokens never expire mid-run and every run sees the same sandbox time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.testclient import TestClient

from mockserver.app import SandboxApp, create_app
from mockserver.settings import Settings

FROZEN_AT = datetime(2026, 1, 31, 9, 0, 0, tzinfo=UTC)
SEED = 42


def build_fuzz_app() -> SandboxApp:
    return create_app(Settings(relax_jws=True, clock=FROZEN_AT, seed=SEED))


class NamespaceClient:
    """Plain HTTP calls into one namespace of the fuzz app, for the setup flows (tokens)."""

    def __init__(self, app: SandboxApp, namespace: str) -> None:
        # No ``with``: the lifespan belongs to schemathesis's own client of the same app.
        self._client = TestClient(app, base_url="http://testserver")
        self.namespace = namespace

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        headers = {"X-Sandbox-Namespace": self.namespace, **kwargs.pop("headers", {})}
        return self._client.request(method, url, headers=headers, **kwargs)

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Any:
        return self.request("POST", url, **kwargs)
