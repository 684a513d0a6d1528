"""A client of a running sandbox: the server (``SandboxServer``) and one namespace of it
(``SandboxNamespace``), each a thin layer over httpx and the admin API (``/__admin``).

The pytest plugin (``mockserver.testing``) hands these to tests; the demo mode drives a server
with them. Nothing here needs pytest."""

from __future__ import annotations

import functools
import itertools
import re
import secrets
import ssl
from datetime import datetime
from typing import Any

import httpx

NAMESPACE_HEADER = "X-Sandbox-Namespace"
ADMIN = "/__admin"
TIMEOUT = 30.0  # generous: a loaded CI machine, fault rules with delays

# Namespace names: unique per process (each xdist worker draws its own token), so suites that
# share one server never meet; readable, so the journal shows which test made a request.
_RUN = secrets.token_hex(3)
_numbers = itertools.count(1)


class SandboxError(AssertionError):
    """The sandbox refused an admin call a helper made; the message has its status and body."""


def json_body(response: httpx.Response) -> Any:
    """The JSON body of a 2xx answer; any other status raises ``SandboxError`` with the body."""
    if not response.is_success:
        raise SandboxError(
            f"{response.request.method} {response.request.url.path} -> "
            f"{response.status_code}: {response.text}"
        )
    return response.json()


def bearer(token: str) -> dict[str, str]:
    """The Authorization header of a bearer token."""
    return {"Authorization": f"Bearer {token}"}


@functools.cache
def _tls() -> ssl.SSLContext:
    # One for every client: httpx would otherwise load the CA bundle for each (a test's worth
    # of time), though the sandbox is usually plain HTTP.
    return httpx.create_ssl_context()


def _client(base_url: str, headers: dict[str, str]) -> httpx.Client:
    return httpx.Client(base_url=base_url, headers=headers, timeout=TIMEOUT, verify=_tls())


def namespace_name(hint: str = "test") -> str:
    """A fresh namespace name: ``hint`` (e.g. the test's name) made safe, plus a unique tail."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", hint).strip("-.")[:48] or "test"
    return f"{stem}-{_RUN}{next(_numbers)}"


class SandboxServer:
    """A running sandbox: ``base_url`` and ``admin``, an httpx client on its admin API.

    ``admin`` sends no namespace header (the ``default`` namespace) and carries the admin
    token when one is configured.
    """

    def __init__(self, base_url: str, admin: httpx.Client) -> None:
        self.base_url = base_url
        self.admin = admin

    def __repr__(self) -> str:
        return f"<SandboxServer {self.base_url}>"

    def health(self) -> dict[str, Any]:
        """``GET /__admin/health``: status, version, providers."""
        result: dict[str, Any] = json_body(self.admin.get(f"{ADMIN}/health"))
        return result

    def namespace(self, name: str | None = None) -> SandboxNamespace:
        """A handle on namespace ``name`` (default: a fresh one). Close it when done (or use it
        as a context manager); it is not reset on close (``reset()`` does that)."""
        return SandboxNamespace(self, name or namespace_name())

    def close(self) -> None:
        self.admin.close()


class SandboxClock:
    """The sandbox clock of one namespace. Every method returns the sandbox time after it."""

    def __init__(self, space: SandboxNamespace) -> None:
        self._space = space

    def now(self) -> datetime:
        return self._read(self._space._admin("GET", "/clock"))

    def set(self, when: str | datetime, *, frozen: bool | None = None) -> datetime:
        """Set the time (ISO 8601 with a UTC offset, or an aware datetime); freeze or release
        the clock too when ``frozen`` is given."""
        body: dict[str, Any] = {"now": when if isinstance(when, str) else when.isoformat()}
        if frozen is not None:
            body["frozen"] = frozen
        return self._read(self._space._admin("PUT", "/clock", json=body))

    def advance(self, seconds: float) -> datetime:
        return self._read(self._space._admin("POST", "/clock/advance", json={"seconds": seconds}))

    def freeze(self) -> datetime:
        return self._read(self._space._admin("PUT", "/clock", json={"frozen": True}))

    def release(self) -> datetime:
        """Let a frozen clock run again, from the time it shows."""
        return self._read(self._space._admin("PUT", "/clock", json={"frozen": False}))

    @staticmethod
    def _read(clock: dict[str, Any]) -> datetime:
        return datetime.fromisoformat(str(clock["now"]).replace("Z", "+00:00"))


# The sandbox's own clients (fixtures/<provider>/clients.yaml, documented in the README).
SANDBOX_CLIENTS = {
    "ob": ("/ob/oauth2/token", "ob-sandbox-client", "ob-sandbox-secret"),
    "moneyhub": (
        "/moneyhub/identity/oidc/token",
        "moneyhub-sandbox-client",
        "moneyhub-sandbox-secret",
    ),
    "mogoplus": (
        "/mogoplus/api/v1/oauth2/token",
        "mogoplus-sandbox-client",
        "mogoplus-sandbox-secret",
    ),
}
FENA_CLIENT = {
    "client_id": "8f7a4d52-1c3e-4b9a-9d2f-3e5b6c7d8e01",
    "client_secret": "2b9c6e14-7f3a-4d85-a1c2-9e8f7d6c5b02",
}


def sandbox_credentials(provider: str) -> tuple[str, str]:
    """(client_id, client_secret) of ``provider``'s sandbox client (``ob``, ``moneyhub``,
    ``mogoplus``): the one place callers outside the plugin take them from."""
    _, client_id, secret = SANDBOX_CLIENTS[provider]
    return client_id, secret


class SandboxNamespace:
    """One namespace of a sandbox: what a test sees, invisible to every other namespace.

    ``client`` is an httpx client with ``base_url`` and ``headers`` (the namespace header)
    preset: ``sandbox.client.post("/ob/oauth2/token", ...)``. ``admin`` is the same for the
    admin API, with the admin token when there is one: ``sandbox.admin.get("/__admin/clients")``.
    The helpers call the admin API in this namespace and raise ``SandboxError`` when it refuses.
    """

    def __init__(self, server: SandboxServer, name: str) -> None:
        self.server = server
        self.namespace = name
        self.base_url = server.base_url
        self.headers = {NAMESPACE_HEADER: name}
        self.client = _client(self.base_url, self.headers)
        self.clock = SandboxClock(self)

    @functools.cached_property
    def admin(self) -> httpx.Client:
        token = self.server.admin.headers.get("Authorization")
        return _client(
            self.base_url, {**self.headers, **({"Authorization": token} if token else {})}
        )

    def __repr__(self) -> str:
        return f"<SandboxNamespace {self.namespace!r} at {self.base_url}>"

    def approve(self, url: str, psu: str = "alice", accounts: list[str] | None = None) -> str:
        """Approve an authorisation URL a client built (OBIE or Moneyhub ``authorize``, a Fena
        ``authUrl``) as ``psu``, sharing ``accounts`` (default: all of the PSU's); returns the
        URL the browser would be sent to: the redirect URI with ``code`` and ``state``."""
        return self._decide(url, psu, accounts, "approve")

    def deny(self, url: str, psu: str = "alice") -> str:
        """Reject it as ``psu``; returns the redirect URI with an ``error``."""
        return self._decide(url, psu, None, "deny")

    def token(self, provider: str, scope: str = "", *, sub: str | None = None) -> str:
        """A client_credentials access token of ``provider``'s sandbox client (``ob``,
        ``moneyhub``, ``mogoplus``); ``sub`` asks Moneyhub for a token of that user."""
        if provider not in SANDBOX_CLIENTS:
            raise ValueError(f"{provider} has no token endpoint (Fena: use fena_headers())")
        path, client_id, secret = SANDBOX_CLIENTS[provider]
        form = {"grant_type": "client_credentials", **({"scope": scope} if scope else {})}
        if sub is not None:
            form["sub"] = sub
        body = json_body(self.client.post(path, data=form, auth=(client_id, secret)))
        return str(body["access_token"])

    def fena_headers(self) -> dict[str, str]:
        """The ``client_id`` / ``client_secret`` headers of the sandbox's Fena client."""
        return dict(FENA_CLIENT)

    def fault(self, **rule: Any) -> dict[str, Any]:
        """Add a fault rule (README, "Fault rules"), e.g. ``fault(path="/fena/*", status=503)``;
        returns it with its ``id``."""
        result: dict[str, Any] = self._admin("POST", "/faults", json=rule)
        return result

    def requests(self, **filters: Any) -> list[dict[str, Any]]:
        """The request journal of this namespace, newest first; filters as ``GET
        /__admin/requests`` (``provider``, ``path``, ``status``, ``method``, ``limit``)."""
        entries: list[dict[str, Any]] = self._admin("GET", "/requests", params=filters)["entries"]
        return entries

    def reset(self) -> None:
        """Back to the seeded fixtures: data, clock, fault rules and settings of this namespace."""
        self._admin("POST", "/reset", params={"namespace": self.namespace})

    def close(self) -> None:
        self.client.close()
        if "admin" in self.__dict__:
            self.admin.close()

    def __enter__(self) -> SandboxNamespace:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _admin(self, method: str, path: str, **kwargs: Any) -> Any:
        return json_body(
            self.server.admin.request(method, ADMIN + path, headers=self.headers, **kwargs)
        )

    def _decide(self, url: str, psu: str, accounts: list[str] | None, decision: str) -> str:
        body: dict[str, Any] = {"url": url, "psu": psu, "decision": decision}
        if accounts is not None:
            body["accounts"] = accounts
        return str(self._admin("POST", "/authorize", json=body)["redirect"])


def connect(base_url: str, admin_token: str | None = None) -> SandboxServer:
    """A ``SandboxServer`` for a server that is already running at ``base_url``."""
    base_url = base_url.rstrip("/")
    headers = {"Authorization": f"Bearer {admin_token}"} if admin_token else {}
    admin = _client(base_url, headers)
    server = SandboxServer(base_url, admin)
    try:
        server.health()
    except (httpx.HTTPError, SandboxError) as exc:
        admin.close()
        raise RuntimeError(f"no sandbox answers at {base_url}/__admin/health: {exc}") from exc
    return server
