"""Several processes over one database act as one server.

Two workers of one server (``--workers 2``) on a SQLite file and on PostgreSQL, and two
separate servers (replicas) on one PostgreSQL database: an OBIE account access consent, a Fena
access consent and a Moneyhub bank connection are each created through one process, approved
through the other, then used through both (``handoffs``). Workers cannot be chosen by URL:
each side is a client held to one connection whose worker's pid is known (``pinned``).

Replicas listen on two ports here; in production they sit behind one proxy, which gives them
one public name. Tokens name their issuer by that name, so both clients send the proxy's
``X-Forwarded-Host`` (without it, a token of one port is rightly refused by the other).
"""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

import pytest

from tests.durability import handoffs
from tests.durability.pinned import PinnedClient, clients_of_two_workers
from tests.support.live import live_server

pytestmark = pytest.mark.live
NAMESPACE = "handoffs"
PROXY = {"X-Forwarded-Host": "sandbox.example"}


def across_workers(base: str) -> None:
    a, b = clients_of_two_workers(base, NAMESPACE)
    with closing(a), closing(b):
        assert a.pid != b.pid
        handoffs.every_journey(a, b)
        handoffs.every_journey(b, a)


def test_two_workers_on_a_sqlite_file(tmp_path: Path) -> None:
    db = str(tmp_path / "shared.sqlite")
    with live_server("--workers", "2", "--db", db) as base:
        across_workers(base)


@pytest.mark.postgres
def test_two_workers_on_postgres(pg_db_url: str) -> None:
    with live_server("--workers", "2", "--db", pg_db_url) as base:
        across_workers(base)


@pytest.mark.postgres
def test_two_replicas_on_postgres(pg_db_url: str) -> None:
    with live_server("--db", pg_db_url) as first, live_server("--db", pg_db_url) as second:
        a, b = PinnedClient(first, NAMESPACE, PROXY), PinnedClient(second, NAMESPACE, PROXY)
        with closing(a), closing(b):
            assert a.pid != b.pid
            handoffs.every_journey(a, b)
            handoffs.every_journey(b, a)
