"""The platform on PostgreSQL: the admin API in-process, and workers and replicas sharing it."""

from __future__ import annotations

import httpx
import pytest
from starlette.testclient import TestClient

from tests.conftest import build_app
from tests.support.live import live_server

pytestmark = pytest.mark.postgres

ITEMS = "/ob/__probe/items"
PROBE = {"X-Probe-Client": "c1"}


def test_admin_api_and_provider_state_on_postgres(pg_db_url: str) -> None:
    with TestClient(build_app(db=pg_db_url)) as client:
        created = client.post(ITEMS, json={"name": "pg", "amount": "3.00"}, headers=PROBE)
        assert created.status_code == 201
        rule = client.post("/__admin/faults", json={"path": ITEMS, "status": 503, "times": 1})
        assert rule.status_code == 201
        assert client.get(ITEMS, headers=PROBE).status_code == 503
        assert client.get(ITEMS, headers=PROBE).json() == [created.json()]
        client.put("/__admin/clock", json={"now": "2026-06-01T00:00:00Z", "frozen": True})
        assert client.get("/__admin/clock").json()["now"] == "2026-06-01T00:00:00.000Z"
        assert len(client.get("/__admin/requests").json()["entries"]) == 3
        snapshot = client.get("/__admin/state").json()
        assert client.post("/__admin/reset").status_code == 200
        assert client.get(ITEMS, headers=PROBE).json() == []
        client.put("/__admin/state", json=snapshot)
        assert client.get(ITEMS, headers=PROBE).json() == [created.json()]


@pytest.mark.live
def test_workers_and_replicas_share_one_postgres(pg_db_url: str) -> None:
    client = {
        "provider": "fena",
        "client_id": "3d1c4c1e-7a64-4f0b-9e7e-2b6f0c9d8a71",
        "redirect_uris": [],
    }
    with (
        live_server("--workers", "2", "--db", pg_db_url) as first,
        live_server("--db", pg_db_url) as replica,
    ):
        assert httpx.post(f"{first}/__admin/clients", json=client).status_code == 201
        rule = {"path": "/mogoplus/*", "status": 429, "times": 3}
        assert httpx.post(f"{replica}/__admin/faults", json=rule).status_code == 201

        pids = set()
        statuses = []
        for base in (first, replica, first, replica, first, first):
            with httpx.Client() as fresh:
                pids.add(fresh.get(f"{base}/__admin/health").json()["pid"])
                ids = [c["client_id"] for c in fresh.get(f"{base}/__admin/clients").json()]
                assert client["client_id"] in ids
                statuses.append(fresh.get(f"{base}/mogoplus/x").status_code)
        # `times: 3` holds across every process: exactly three requests were faulted.
        assert statuses == [429, 429, 429, 404, 404, 404]
        assert len(pids) >= 2
