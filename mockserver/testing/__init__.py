"""A pytest plugin: the sandbox in your test process, one namespace per test.

Installed with the ``mockserver`` package and registered through the ``pytest11`` entry point,
so it is active in every pytest run in that environment (``-p no:mockserver`` turns it off).
It costs nothing until a test asks for one of its fixtures: the server starts on first use.

Fixtures
    ``mockserver`` (session scope): the real server, built with ``mockserver.app.create_app``
    and served by uvicorn in a background thread on 127.0.0.1 and a free port, lifespan
    included. A ``SandboxServer``: ``.base_url``, ``.admin`` (an ``httpx.Client`` on the
    server, for the admin API), ``.health()``, ``.namespace(name=None)``. Under pytest-xdist
    each worker starts its own.

    ``sandbox`` (function scope): a namespace of its own for this test (``X-Sandbox-Namespace``),
    reset after it, so tests never see each other's data, clock or fault rules, in parallel or
    not. A ``SandboxNamespace``:

    - ``.namespace``, ``.base_url``, ``.headers`` (the namespace header, for your own client);
    - ``.client``: an ``httpx.Client`` with the base URL and the header preset;
    - ``.admin``: the same for the admin API, with the admin token if there is one;
    - ``.approve(url, psu="alice", accounts=None)`` and ``.deny(url, psu="alice")``: decide an
      authorisation URL headless (``POST /__admin/authorize``); return the redirect URL;
    - ``.clock``: ``.now()``, ``.set(iso_or_datetime, frozen=None)``, ``.advance(seconds)``,
      ``.freeze()``, ``.release()``; each returns the sandbox time;
    - ``.fault(**rule)``: add a fault rule (``POST /__admin/faults``), returns it;
    - ``.requests(**filters)``: the request journal of the namespace, newest first;
    - ``.reset()``: back to the seeded fixtures (also done after the test).

    A helper the sandbox refuses raises ``SandboxError`` with the status and body.

Five lines::

    def test_token(sandbox):
        response = sandbox.client.post(
            "/ob/oauth2/token", auth=("ob-sandbox-client", "ob-sandbox-secret"),
            data={"grant_type": "client_credentials", "scope": "accounts"})
        assert response.status_code == 200

Configuration (command line, else the ini option of the same name with ``_``, e.g.
``mockserver_seed = 7`` under ``[tool.pytest.ini_options]``):

    ``--mockserver-seed N``
        the seed of the in-process server (default 42, the server's own default).
    ``--mockserver-url URL``
        use the sandbox already running at URL (a container, ``mockserver serve``) instead of
        starting one; namespaces keep suites sharing it apart.
    ``--mockserver-admin-token T``
        the admin token (default: ``MOCKSERVER_ADMIN_TOKEN``): sent by ``.admin`` and the
        helpers, and required by the in-process server too.

The in-process server otherwise reads the same ``MOCKSERVER_*`` environment variables as
``mockserver serve`` (e.g. ``MOCKSERVER_RELAX_JWS=true``, ``MOCKSERVER_CLOCK``); its host and
port are always 127.0.0.1 and a free port.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from mockserver.client import (
        SandboxClock,
        SandboxError,
        SandboxNamespace,
        SandboxServer,
    )

__all__ = ["SandboxClock", "SandboxError", "SandboxNamespace", "SandboxServer"]

_OPTIONS = {
    "mockserver_seed": "seed of the in-process sandbox server (default 42)",
    "mockserver_url": "URL of a running sandbox to use instead of starting one in-process",
    "mockserver_admin_token": "admin token of the sandbox (sent on admin calls)",
}


def __getattr__(name: str) -> Any:
    # The classes live in mockserver.client, which imports httpx: load it only when they are used.
    if name in __all__:
        from mockserver import client

        return getattr(client, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mockserver", "open-banking sandbox (mockserver.testing)")
    for name, help_text in _OPTIONS.items():
        flag = "--" + name.replace("_", "-")
        group.addoption(flag, dest=name, default=None, help=help_text)
        parser.addini(name, help_text, default="")


def _setting(config: pytest.Config, name: str) -> str | None:
    value = config.getoption(name) or config.getini(name)
    return str(value) if value else None


@pytest.fixture(scope="session")
def mockserver(pytestconfig: pytest.Config) -> Iterator[SandboxServer]:
    """The sandbox server of this session (of this xdist worker): ``.base_url``, ``.admin``."""
    from mockserver.client import connect

    url = _setting(pytestconfig, "mockserver_url")
    token = _setting(pytestconfig, "mockserver_admin_token")
    if url is not None:
        server = connect(url, token or os.environ.get("MOCKSERVER_ADMIN_TOKEN") or None)
        try:
            yield server
        finally:
            server.close()
        return

    from mockserver.settings import from_environment
    from mockserver.testing.server import serve_in_thread

    seed = _setting(pytestconfig, "mockserver_seed")
    try:
        settings = from_environment(seed=None if seed is None else int(seed), admin_token=token)
    except ValueError as exc:
        pytest.fail(f"mockserver.testing: bad configuration: {exc}", pytrace=False)
    with serve_in_thread(settings) as base_url:
        server = connect(base_url, settings.admin_token)
        try:
            yield server
        finally:
            server.close()


@pytest.fixture
def sandbox(
    mockserver: SandboxServer, request: pytest.FixtureRequest
) -> Iterator[SandboxNamespace]:
    """A namespace of the sandbox for this test alone, reset after it."""
    from mockserver.client import namespace_name

    space = mockserver.namespace(namespace_name(request.node.name))
    try:
        yield space
    finally:
        space.close()
        space.reset()
