"""Namespaces, tenants, the admin token, CORS and the journal's bound."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from tests.conftest import NamespacedClient, build_app

ITEMS = "/moneyhub/__probe/items"


def create(api: NamespacedClient, client: str) -> dict[str, str]:
    body = {"name": client, "amount": "2.50"}
    response = api.post(ITEMS, json=body, headers={"X-Probe-Client": client})
    assert response.status_code == 201
    return dict(response.json())


def test_each_client_sees_only_its_own_data(api: NamespacedClient) -> None:
    mine = create(api, "client-a")
    theirs = create(api, "client-b")
    assert api.get(ITEMS, headers={"X-Probe-Client": "client-a"}).json() == [mine]
    other = api.get(f"{ITEMS}/{theirs['id']}", headers={"X-Probe-Client": "client-a"})
    assert other.status_code == 404
    gone = api.delete(f"{ITEMS}/{theirs['id']}", headers={"X-Probe-Client": "client-a"})
    assert gone.status_code == 404


def test_namespaces_do_not_see_each_other(api: NamespacedClient) -> None:
    other = NamespacedClient(api.client, api.namespace + "-iso")
    create(api, "c")
    assert other.get(ITEMS, headers={"X-Probe-Client": "c"}).json() == []
    other.post("/__admin/reset")


def test_namespace_from_query_parameter(api: NamespacedClient) -> None:
    item = create(api, "c")
    response = api.client.get(
        ITEMS, params={"sandbox_namespace": api.namespace}, headers={"X-Probe-Client": "c"}
    )
    assert response.json() == [item]


def test_new_namespace_starts_from_the_seeded_fixtures(api: NamespacedClient) -> None:
    fresh = NamespacedClient(api.client, api.namespace + "-fresh")
    kinds = {
        r["kind"]
        for r in fresh.get("/__admin/state").json()["namespaces"][fresh.namespace]["records"]
    }
    assert "client" in kinds
    fresh.post("/__admin/reset")


@pytest.fixture(scope="module")
def guarded() -> Iterator[TestClient]:
    with TestClient(build_app(admin_token="let-me-in")) as test_client:
        yield test_client


def test_admin_token_guards_every_admin_route(guarded: TestClient) -> None:
    for method, path in [
        ("GET", "/__admin/specs"),
        ("GET", "/__admin/state"),
        ("POST", "/__admin/reset"),
        ("GET", "/__admin/clock"),
        ("GET", "/__admin/faults"),
        ("GET", "/__admin/requests"),
        ("GET", "/__admin/clients"),
        ("GET", "/__admin/openapi.json"),
    ]:
        refused = guarded.request(method, path)
        assert refused.status_code == 401, path
        assert refused.json()["code"] == "Unauthorized"
        assert refused.headers["www-authenticate"].startswith("Bearer")
        wrong = guarded.request(method, path, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        allowed = guarded.request(method, path, headers={"Authorization": "Bearer let-me-in"})
        assert allowed.status_code == 200, path


def test_health_needs_no_token(guarded: TestClient) -> None:
    assert guarded.get("/__admin/health").status_code == 200


def test_the_dashboard_page_loads_but_its_data_needs_the_token(guarded: TestClient) -> None:
    page = guarded.get("/__admin/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert guarded.get("/__admin/dashboard/resources").status_code == 401
    assert guarded.post("/__admin/reset").status_code == 401


def test_admin_token_does_not_guard_provider_apis(guarded: TestClient) -> None:
    assert guarded.get(ITEMS, headers={"X-Probe-Client": "c"}).status_code == 200


def test_cors_preflight_on_provider_apis(api: NamespacedClient) -> None:
    response = api.client.options(
        ITEMS,
        headers={
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-probe-client, content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    simple = api.get(ITEMS, headers={"X-Probe-Client": "c", "Origin": "https://app.example"})
    assert simple.headers["access-control-allow-origin"] == "*"


def test_cors_not_on_the_admin_api(api: NamespacedClient) -> None:
    response = api.get("/__admin/health", headers={"Origin": "https://app.example"})
    assert "access-control-allow-origin" not in response.headers


def test_cors_origins_are_configurable() -> None:
    with TestClient(build_app(cors_origins=("https://only.example",))) as test_client:
        allowed = test_client.get(
            ITEMS, headers={"X-Probe-Client": "c", "Origin": "https://only.example"}
        )
        assert allowed.headers["access-control-allow-origin"] == "https://only.example"
        other = test_client.get(
            ITEMS, headers={"X-Probe-Client": "c", "Origin": "https://x.example"}
        )
        assert "access-control-allow-origin" not in other.headers


def test_journal_keeps_only_its_bound_and_truncates_bodies() -> None:
    with TestClient(build_app(journal_size=5, journal_body_limit=10)) as test_client:
        for n in range(12):
            test_client.get(f"/fena/nothing/{n}")
        entries = test_client.get("/__admin/requests", params={"limit": 100}).json()["entries"]
        assert [e["path"] for e in entries] == [f"/fena/nothing/{n}" for n in range(11, 6, -1)]
        assert entries[0]["response"]["body_truncated"] is True
        assert len(entries[0]["response"]["body"]) <= 10
        assert test_client.get("/__admin/requests").json()["size"] == 5
