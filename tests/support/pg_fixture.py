"""pytest fixtures for tests that need PostgreSQL (see ``tests.support.postgres``).

Use them from a test module (import both: pytest finds a fixture's dependencies by name)::

    from tests.support.pg_fixture import pg_db_url, pg_url  # noqa: F401

or for the whole suite from ``tests/conftest.py``::

    pytest_plugins = ["tests.support.pg_fixture"]

``pg_url`` (session) is the URL of the session's database on the one server of this process;
``pg_db_url`` (function) is the URL of a fresh, empty database made for the requesting test and
dropped after it. Without a server both skip the test with the reason, which ``-ra`` shows; set
``MOCKSERVER_TEST_PG_REQUIRED=1`` (e.g. in CI) to fail instead of skipping.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.support import postgres

ENV_REQUIRED = "MOCKSERVER_TEST_PG_REQUIRED"


def _server_or_skip() -> postgres.PgServer:
    server, reason = postgres.session_server()
    if server is None:
        if os.environ.get(ENV_REQUIRED, "") not in ("", "0"):
            pytest.fail(f"PostgreSQL is required ({ENV_REQUIRED}) but: {reason}", pytrace=False)
        pytest.skip(reason)
    return server


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """The URL of a PostgreSQL database for this session, or skip with the reason."""
    server = _server_or_skip()
    yield server.url
    # Session teardown: every test is done. Stopping is idempotent (another module's copy of
    # this fixture, or the atexit hook, may get there first).
    server.stop()


@pytest.fixture
def pg_db_url(pg_url: str) -> Iterator[str]:
    """The URL of a fresh, empty database for this test only (dropped afterwards)."""
    server = _server_or_skip()
    url = server.create_database()
    yield url
    server.drop_database(url)
