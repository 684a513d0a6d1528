"""Every control-plane endpoint, through HTTP, in an isolated namespace."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from starlette.testclient import TestClient

from mockserver import __version__
from mockserver.app import SandboxApp
from mockserver.core.redaction import REDACTED_PREFIX
from mockserver.providers import PROVIDER_KEYS
from tests.conftest import FROZEN_AT, NamespacedClient, build_app

PROBE = "/fena/__probe/items"
CLIENT = {"X-Probe-Client": "c1"}


def make_item(api: NamespacedClient, name: str = "widget") -> dict[str, str]:
    response = api.post(PROBE, json={"name": name, "amount": "1.00"}, headers=CLIENT)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_health_reports_version_and_providers(api: NamespacedClient) -> None:
    response = api.get("/__admin/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["version"] == __version__
    assert body["providers"] == list(PROVIDER_KEYS)


def test_specs_lists_every_mount_and_serves_each_spec(api: NamespacedClient) -> None:
    entries = api.get("/__admin/specs").json()
    base_paths = {e["base_path"] for e in entries}
    for expected in (
        "/__admin",
        "/ob/open-banking/v3.1/aisp",
        "/ob/open-banking/v3.1/pisp",
        "/fena",
        "/moneyhub/identity",
        "/moneyhub/api/v2.0",
        "/mogoplus",
    ):
        assert expected in base_paths
    for entry in entries:
        spec = api.get(entry["spec_url"])
        assert spec.status_code == 200
        assert spec.headers["content-type"] == "application/json"
        assert spec.json()["info"]["title"] == entry["title"]
        assert spec.json()["openapi"].startswith("3.")


def test_spec_is_served_from_the_same_cached_bytes(api: NamespacedClient, app: SandboxApp) -> None:
    (admin,) = [s for s in app.specs if s.base_path == "/__admin"]
    assert admin.json_bytes is admin.json_bytes  # built once, then reused
    served = api.get("/__admin/openapi.json").content
    assert served == admin.json_bytes
    # Our document as written (Connexion's own serving would have dereferenced every $ref).
    assert b'"$ref":"#/components/schemas/Error"' in served


def test_reset_one_namespace_restores_seed_and_clears_state(api: NamespacedClient) -> None:
    make_item(api)
    api.post("/__admin/faults", json={"path": "/nowhere", "status": 500})
    api.put("/__admin/clock", json={"now": "2030-01-01T00:00:00Z", "frozen": True})
    response = api.post("/__admin/reset", params={"namespace": api.namespace})
    assert response.json() == {"reset": api.namespace}
    assert api.get(PROBE, headers=CLIENT).json() == []
    assert api.get("/__admin/faults").json() == []
    assert not api.get("/__admin/clock").json()["frozen"]
    clients = api.get("/__admin/clients").json()
    assert {c["provider"] for c in clients} == set(PROVIDER_KEYS)


def test_reset_with_the_namespace_header_resets_that_namespace_only(
    api: NamespacedClient, client: object
) -> None:
    other = NamespacedClient(api.client, api.namespace + "-other")
    make_item(api)
    kept = make_item(other)
    assert api.post("/__admin/reset").json() == {"reset": api.namespace}
    assert api.get(PROBE, headers=CLIENT).json() == []
    assert other.get(PROBE, headers=CLIENT).json() == [kept]
    other.post("/__admin/reset")


def test_invalid_namespace_is_refused(api: NamespacedClient) -> None:
    response = api.client.get("/__admin/clock", headers={"X-Sandbox-Namespace": "bad name!"})
    assert response.status_code == 400
    assert response.json()["code"] == "BadRequest"


def test_state_export_import_round_trip(api: NamespacedClient) -> None:
    item = make_item(api)
    snapshot = api.get("/__admin/state").json()
    assert snapshot["version"] == 1
    assert list(snapshot["namespaces"]) == [api.namespace]
    api.delete(f"{PROBE}/{item['id']}", headers=CLIENT)
    assert api.get(PROBE, headers=CLIENT).json() == []

    response = api.put("/__admin/state", json=snapshot)
    assert response.status_code == 200
    assert response.json() == {"imported": [api.namespace]}
    assert api.get(PROBE, headers=CLIENT).json() == [item]
    # Counters came back too: the next id continues the sequence instead of repeating it.
    assert make_item(api)["id"] != item["id"]


def test_state_export_redacts_secrets_and_import_keeps_the_real_ones(
    api: NamespacedClient,
) -> None:
    snapshot = api.get("/__admin/state").json()
    records = snapshot["namespaces"][api.namespace]["records"]
    clients = [r for r in records if r["kind"] == "client"]
    assert clients
    assert all(c["data"]["client_secret"].startswith(REDACTED_PREFIX) for c in clients)
    assert "moneyhub-sandbox-secret" not in api.get("/__admin/state").text

    api.put("/__admin/state", json=snapshot)
    full = api.get("/__admin/state", params={"secrets": "include"}).text
    assert "moneyhub-sandbox-secret" in full


def test_whole_state_import_of_a_redacted_snapshot_into_a_fresh_server() -> None:
    demo = {"X-Sandbox-Namespace": "demo"}
    with TestClient(build_app()) as source:
        source.get("/__admin/clock", headers=demo)
        snapshot = source.get("/__admin/state").json()
    assert "demo" in snapshot["namespaces"]
    with TestClient(build_app()) as target:
        target.get("/__admin/clock", headers={"X-Sandbox-Namespace": "stray"})
        assert target.put("/__admin/state", json=snapshot).status_code == 200
        names = set(target.get("/__admin/state").json()["namespaces"])
        assert "stray" not in names and "demo" in names
        full = target.get("/__admin/state", params={"secrets": "include"}).text
        assert "moneyhub-sandbox-secret" in full  # the fixture client's secret came back


def test_state_import_into_another_namespace(api: NamespacedClient) -> None:
    item = make_item(api)
    snapshot = api.get("/__admin/state").json()
    copy = NamespacedClient(api.client, api.namespace + "-copy")
    assert copy.put("/__admin/state", json=snapshot).status_code == 200
    assert copy.get(PROBE, headers=CLIENT).json() == [item]
    copy.post("/__admin/reset")


def test_state_import_into_one_namespace_needs_exactly_one(api: NamespacedClient) -> None:
    body = {
        "version": 1,
        "namespaces": {"a": {"records": [], "counters": {}}, "b": {"records": [], "counters": {}}},
    }
    response = api.put("/__admin/state", json=body)
    assert response.status_code == 400
    assert response.json()["code"] == "BadRequest"


def test_state_import_rejects_a_malformed_snapshot(api: NamespacedClient) -> None:
    response = api.put("/__admin/state", json={"version": 2, "namespaces": {}})
    assert response.status_code == 400


def test_clock_set_freeze_and_advance(api: NamespacedClient) -> None:
    body = api.put("/__admin/clock", json={"now": "2026-03-14T09:26:53Z", "frozen": True}).json()
    assert body == {
        "now": "2026-03-14T09:26:53.000Z",
        "frozen": True,
        "offset_seconds": body["offset_seconds"],
    }
    assert api.get("/__admin/clock").json()["now"] == "2026-03-14T09:26:53.000Z"

    advanced = api.post("/__admin/clock/advance", json={"seconds": 86400}).json()
    assert advanced["now"] == "2026-03-15T09:26:53.000Z"
    assert advanced["frozen"] is True


def test_clock_release_keeps_running_from_the_frozen_instant(api: NamespacedClient) -> None:
    api.put("/__admin/clock", json={"now": "2020-01-01T00:00:00Z", "frozen": True})
    released = api.put("/__admin/clock", json={"frozen": False}).json()
    assert released["frozen"] is False
    now = datetime.fromisoformat(released["now"].replace("Z", "+00:00"))
    assert abs(now - datetime(2020, 1, 1, tzinfo=UTC)) < timedelta(seconds=5)


def test_clock_refuses_bad_input(api: NamespacedClient) -> None:
    assert api.put("/__admin/clock", json={"now": "yesterday"}).status_code == 400
    assert api.put("/__admin/clock", json={"now": "2026-01-01T00:00:00"}).status_code == 400
    assert api.put("/__admin/clock", json={}).status_code == 400
    assert api.post("/__admin/clock/advance", json={"seconds": -1}).status_code == 400
    assert api.post("/__admin/clock/advance", json={}).status_code == 400


def test_clock_is_per_namespace(api: NamespacedClient, frozen_clock: datetime) -> None:
    other = NamespacedClient(api.client, api.namespace + "-clock")
    assert api.get("/__admin/clock").json()["frozen"] is True
    assert other.get("/__admin/clock").json()["frozen"] is False


def test_handlers_read_time_from_the_sandbox_clock(
    api: NamespacedClient, frozen_clock: datetime
) -> None:
    assert make_item(api)["created"] == "2026-03-14T09:26:53.000Z"
    api.post("/__admin/clock/advance", json={"seconds": 60})
    assert make_item(api)["created"] == "2026-03-14T09:27:53.000Z"
    assert frozen_clock == FROZEN_AT


def test_fault_rules_list_add_remove_clear(api: NamespacedClient) -> None:
    first = api.post("/__admin/faults", json={"provider": "fena", "status": 503}).json()
    second = api.post("/__admin/faults", json={"path": "/ob/*", "delay_ms": 5, "times": 2}).json()
    assert first["probability"] == 1.0 and first["remaining"] is None and first["hits"] == 0
    assert second["remaining"] == 2
    assert [r["id"] for r in api.get("/__admin/faults").json()] == [first["id"], second["id"]]

    assert api.delete(f"/__admin/faults/{first['id']}").status_code == 204
    assert api.delete(f"/__admin/faults/{first['id']}").status_code == 404
    assert api.delete("/__admin/faults").json() == {"removed": 1}
    assert api.get("/__admin/faults").json() == []


def test_fault_rule_validation(api: NamespacedClient) -> None:
    assert api.post("/__admin/faults", json={"provider": "fena"}).status_code == 400
    assert api.post("/__admin/faults", json={"status": 99}).status_code == 400
    assert api.post("/__admin/faults", json={"status": 500, "probability": 2}).status_code == 400
    assert api.post("/__admin/faults", json={"provider": "nope", "status": 500}).status_code == 400
    assert api.post("/__admin/faults", json={"status": 500, "surprise": 1}).status_code == 400
    bad_range = {"delay_ms": {"min": 50, "max": 10}}
    assert api.post("/__admin/faults", json=bad_range).status_code == 400


def test_rate_limit_get_and_set(api: NamespacedClient) -> None:
    assert api.get("/__admin/rate-limit").json() == {"enabled": False}
    body = api.put("/__admin/rate-limit", json={"requests": 5, "per_seconds": 10}).json()
    assert body == {"enabled": True, "requests": 5, "per_seconds": 10}
    assert api.get("/__admin/rate-limit").json() == body
    assert api.put("/__admin/rate-limit", json={"requests": 0}).status_code == 400


def test_journal_records_provider_requests_with_filters(api: NamespacedClient) -> None:
    make_item(api)
    api.get("/ob/open-banking/v3.1/aisp/accounts")
    api.get("/fena/__probe/items/missing", headers=CLIENT)
    entries = api.get("/__admin/requests").json()["entries"]
    assert [e["path"] for e in entries] == [
        "/fena/__probe/items/missing",
        "/ob/open-banking/v3.1/aisp/accounts",
        PROBE,
    ]
    created = entries[2]
    assert created["method"] == "POST"
    assert created["provider"] == "fena"
    assert created["operationId"] == "create_item"
    assert created["status"] == 201
    assert created["namespace"] == api.namespace
    assert created["latency_ms"] >= 0
    assert '"widget"' in created["request"]["body"]
    assert created["response"]["headers"]["content-type"].startswith("application/json")

    assert [
        e["path"] for e in api.get("/__admin/requests", params={"provider": "ob"}).json()["entries"]
    ] == ["/ob/open-banking/v3.1/aisp/accounts"]
    assert len(api.get("/__admin/requests", params={"status": "4xx"}).json()["entries"]) == 2
    assert len(api.get("/__admin/requests", params={"status": "201"}).json()["entries"]) == 1
    assert len(api.get("/__admin/requests", params={"path": "/fena/"}).json()["entries"]) == 2
    assert len(api.get("/__admin/requests", params={"path": "*/missing"}).json()["entries"]) == 1
    assert len(api.get("/__admin/requests", params={"method": "post"}).json()["entries"]) == 1
    assert len(api.get("/__admin/requests", params={"limit": 1}).json()["entries"]) == 1
    newest = entries[0]["id"]
    older = api.get("/__admin/requests", params={"before": newest}).json()["entries"]
    assert [e["id"] for e in older] == [e["id"] for e in entries[1:]]


def test_journal_is_per_namespace_and_can_be_cleared(api: NamespacedClient) -> None:
    other = NamespacedClient(api.client, api.namespace + "-journal")
    make_item(api)
    make_item(other)
    assert len(api.get("/__admin/requests").json()["entries"]) == 1
    assert api.delete("/__admin/requests").json() == {"removed": 1}
    assert api.get("/__admin/requests").json()["entries"] == []
    assert len(other.get("/__admin/requests").json()["entries"]) == 1
    other.delete("/__admin/requests")
    other.post("/__admin/reset")


def test_journal_redacts_secrets(api: NamespacedClient) -> None:
    api.post(
        "/mogoplus/api/v1/oauth2/token",
        content="grant_type=client_credentials&client_secret=hunter2",
        headers={
            "Authorization": "Basic bW9nbzpzM2NyZXQ=",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    api.get("/fena/data/access-consents", headers={"client_secret": "2b9c6e14-7f3a"})
    api.post("/moneyhub/api/v2.0/x", json={"password": "alice", "nested": {"refresh_token": "rt"}})
    text = api.get("/__admin/requests").text
    for secret in ("hunter2", "bW9nbzpzM2NyZXQ=", "2b9c6e14-7f3a", '"alice"', '"rt"'):
        assert secret not in text
    entry = api.get("/__admin/requests", params={"provider": "mogoplus"}).json()["entries"][0]
    assert entry["request"]["headers"]["authorization"].startswith("Basic " + REDACTED_PREFIX)
    assert "grant_type=client_credentials" in entry["request"]["body"]


def test_admin_requests_are_not_journaled(api: NamespacedClient) -> None:
    api.get("/__admin/health")
    api.get("/__admin/clock")
    assert api.get("/__admin/requests").json()["entries"] == []


def test_clients_list_and_register(api: NamespacedClient) -> None:
    listed = api.get("/__admin/clients", params={"provider": "fena"}).json()
    assert [c["client_id"] for c in listed] == ["8f7a4d52-1c3e-4b9a-9d2f-3e5b6c7d8e01"]
    assert listed[0]["client_secret"].startswith(REDACTED_PREFIX)

    created = api.post(
        "/__admin/clients",
        json={
            "provider": "moneyhub",
            "redirect_uris": ["http://localhost:9000/cb"],
            "name": "Mine",
        },
    )
    assert created.status_code == 201
    client = created.json()
    assert client["provider"] == "moneyhub"
    assert client["client_secret"] and not client["client_secret"].startswith(REDACTED_PREFIX)
    assert client["token_endpoint_auth_method"] == "client_secret_basic"
    ids = [
        c["client_id"] for c in api.get("/__admin/clients", params={"provider": "moneyhub"}).json()
    ]
    assert client["client_id"] in ids


def test_register_client_with_jwks_and_explicit_ids(api: NamespacedClient) -> None:
    body = {
        "provider": "ob",
        "client_id": "my-tpp",
        "client_secret": "s3cret-value",
        "redirect_uris": ["https://tpp.example/cb"],
        "token_endpoint_auth_method": "private_key_jwt",
        "jwks": {"keys": [{"kty": "RSA", "n": "abc", "e": "AQAB", "kid": "k1"}]},
        "request_object_signing_alg": "PS256",
    }
    created = api.post("/__admin/clients", json=body).json()
    assert created["client_id"] == "my-tpp"
    assert created["jwks"] == body["jwks"]
    duplicate = api.post("/__admin/clients", json=body)
    assert duplicate.status_code == 409


def test_register_fena_client_needs_uuids(api: NamespacedClient) -> None:
    generated = api.post("/__admin/clients", json={"provider": "fena", "redirect_uris": []}).json()
    assert len(generated["client_id"]) == 36 and len(generated["client_secret"]) == 36
    bad = api.post(
        "/__admin/clients",
        json={"provider": "fena", "client_id": "not-a-uuid", "redirect_uris": []},
    )
    assert bad.status_code == 400


def test_register_client_validation(api: NamespacedClient) -> None:
    assert api.post("/__admin/clients", json={"provider": "ob"}).status_code == 400
    assert (
        api.post("/__admin/clients", json={"provider": "x", "redirect_uris": []}).status_code == 400
    )


def test_clients_are_per_namespace(api: NamespacedClient) -> None:
    api.post(
        "/__admin/clients", json={"provider": "ob", "client_id": "ns-only", "redirect_uris": []}
    )
    other = NamespacedClient(api.client, api.namespace + "-clients")
    ids = [c["client_id"] for c in other.get("/__admin/clients").json()]
    assert "ns-only" not in ids
    other.post("/__admin/reset")
