"""Fault rules and the rate limit, through HTTP: each effect, matching, times, probability."""

from __future__ import annotations

from typing import Any

import pytest

from mockserver.core.middleware.context import ConnectionDropped
from tests.conftest import NamespacedClient
from tests.platform.test_error_envelopes import assert_envelope

CLIENT = {"X-Probe-Client": "c1"}
ITEMS = "/fena/__probe/items"


def add_rule(api: NamespacedClient, **rule: Any) -> dict[str, Any]:
    response = api.post("/__admin/faults", json=rule)
    assert response.status_code == 201, response.text
    return dict(response.json())


@pytest.mark.parametrize(
    ("provider", "url"),
    [
        ("ob", "/ob/__probe/items"),
        ("fena", "/fena/__probe/items"),
        ("moneyhub", "/moneyhub/__probe/items"),
        ("mogoplus", "/mogoplus/__probe/items"),
    ],
)
def test_status_effect_answers_in_the_provider_envelope(
    api: NamespacedClient, provider: str, url: str
) -> None:
    rule = add_rule(api, provider=provider, status=503, message="bank is down")
    response = api.get(url, headers=CLIENT)
    assert response.status_code == 503
    assert assert_envelope(provider, response, 503) == "bank is down"
    entry = api.get("/__admin/requests").json()["entries"][0]
    assert entry["fault"] == rule["id"]
    assert entry["status"] == 503


def test_fault_answers_before_security_and_validation(api: NamespacedClient) -> None:
    add_rule(api, path=ITEMS, status=502)
    # No X-Probe-Client header: validation would say 400, the fault wins.
    assert api.get(ITEMS).status_code == 502


def test_429_with_retry_after_and_custom_headers(api: NamespacedClient) -> None:
    add_rule(api, path=ITEMS, status=429, retry_after=7, headers={"X-Why": "busy"})
    response = api.get(ITEMS, headers=CLIENT)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"
    assert response.headers["x-why"] == "busy"


def test_custom_body_replaces_the_envelope(api: NamespacedClient) -> None:
    add_rule(api, path=ITEMS, status=418, body={"teapot": True})
    response = api.get(ITEMS, headers=CLIENT)
    assert response.status_code == 418
    assert response.json() == {"teapot": True}


def test_fixed_delay_then_normal_answer(api: NamespacedClient) -> None:
    add_rule(api, path=ITEMS, delay_ms=60)
    response = api.get(ITEMS, headers=CLIENT)
    assert response.status_code == 200
    entry = api.get("/__admin/requests").json()["entries"][0]
    assert entry["latency_ms"] >= 60
    assert entry["fault"] is not None


def test_random_delay_stays_within_its_range(api: NamespacedClient) -> None:
    add_rule(api, path=ITEMS, delay_ms={"min": 20, "max": 40}, times=3)
    for _ in range(3):
        api.get(ITEMS, headers=CLIENT)
    latencies = [e["latency_ms"] for e in api.get("/__admin/requests").json()["entries"]]
    assert len(latencies) == 3
    assert all(latency >= 20 for latency in latencies)


def test_delay_with_status(api: NamespacedClient) -> None:
    add_rule(api, path=ITEMS, delay_ms=30, status=504)
    response = api.get(ITEMS, headers=CLIENT)
    assert response.status_code == 504
    assert api.get("/__admin/requests").json()["entries"][0]["latency_ms"] >= 30


def test_dropped_connection(api: NamespacedClient) -> None:
    add_rule(api, path=ITEMS, drop=True, times=1)
    # The in-process client has no socket to close; it sees the drop as an error instead.
    with pytest.raises(ConnectionDropped):
        api.get(ITEMS, headers=CLIENT)
    assert api.get(ITEMS, headers=CLIENT).status_code == 200
    dropped = api.get("/__admin/requests").json()["entries"][1]
    assert dropped["dropped"] is True
    assert dropped["status"] == 0


def test_times_expires_the_rule(api: NamespacedClient) -> None:
    rule = add_rule(api, path=ITEMS, status=500, times=2)
    assert [api.get(ITEMS, headers=CLIENT).status_code for _ in range(4)] == [500, 500, 200, 200]
    assert all(r["id"] != rule["id"] for r in api.get("/__admin/faults").json())


def test_remaining_counts_down(api: NamespacedClient) -> None:
    add_rule(api, path=ITEMS, status=500, times=3)
    api.get(ITEMS, headers=CLIENT)
    (rule,) = api.get("/__admin/faults").json()
    assert rule["remaining"] == 2
    assert rule["hits"] == 1


def test_probability_zero_never_fires(api: NamespacedClient) -> None:
    add_rule(api, path=ITEMS, status=500, probability=0)
    assert {api.get(ITEMS, headers=CLIENT).status_code for _ in range(20)} == {200}
    (rule,) = api.get("/__admin/faults").json()
    assert rule["hits"] == 20


def test_probability_one_always_fires(api: NamespacedClient) -> None:
    add_rule(api, path=ITEMS, status=500, probability=1)
    assert {api.get(ITEMS, headers=CLIENT).status_code for _ in range(20)} == {500}


def test_probability_half_fires_some_of_the_time_and_repeats(api: NamespacedClient) -> None:
    add_rule(api, path=ITEMS, status=500, probability=0.5)
    first = [api.get(ITEMS, headers=CLIENT).status_code for _ in range(40)]
    assert 5 < first.count(500) < 35
    api.post("/__admin/reset")
    add_rule(api, path=ITEMS, status=500, probability=0.5)
    second = [api.get(ITEMS, headers=CLIENT).status_code for _ in range(40)]
    assert first == second  # drawn from the seed: the same run gives the same faults


def test_match_by_operation_id(api: NamespacedClient) -> None:
    add_rule(api, operationId="create_item", status=409)
    assert api.get(ITEMS, headers=CLIENT).status_code == 200
    created = api.post(ITEMS, json={"name": "a", "amount": "1.00"}, headers=CLIENT)
    assert created.status_code == 409


def test_match_by_method(api: NamespacedClient) -> None:
    add_rule(api, method="DELETE", status=500)
    assert api.get(ITEMS, headers=CLIENT).status_code == 200
    assert api.delete(f"{ITEMS}/x", headers=CLIENT).status_code == 500


def test_match_by_provider(api: NamespacedClient) -> None:
    add_rule(api, provider="moneyhub", status=500)
    assert api.get(ITEMS, headers=CLIENT).status_code == 200
    assert api.get("/moneyhub/__probe/items", headers=CLIENT).status_code == 500


def test_path_glob(api: NamespacedClient) -> None:
    add_rule(api, path="/fena/__probe/items/*", status=500)
    assert api.get(ITEMS, headers=CLIENT).status_code == 200
    assert api.get(f"{ITEMS}/abc", headers=CLIENT).status_code == 500


def test_rules_match_unrouted_paths_too(api: NamespacedClient) -> None:
    add_rule(api, path="/ob/open-banking/v3.1/aisp/*", status=503)
    assert api.get("/ob/open-banking/v3.1/aisp/accounts").status_code == 503


def test_first_matching_rule_wins(api: NamespacedClient) -> None:
    add_rule(api, path=ITEMS, status=501, times=1)
    add_rule(api, path=ITEMS, status=502)
    assert [api.get(ITEMS, headers=CLIENT).status_code for _ in range(2)] == [501, 502]


def test_rules_are_per_namespace(api: NamespacedClient) -> None:
    add_rule(api, path=ITEMS, status=500)
    other = NamespacedClient(api.client, api.namespace + "-faults")
    assert other.get(ITEMS, headers=CLIENT).status_code == 200


def test_admin_api_is_never_faulted(api: NamespacedClient) -> None:
    add_rule(api, path="*", status=500)
    assert api.get("/__admin/faults").status_code == 200
    assert api.get(ITEMS, headers=CLIENT).status_code == 500


def test_rate_limit_per_client_with_retry_after(
    api: NamespacedClient, frozen_clock: object
) -> None:
    api.put("/__admin/rate-limit", json={"requests": 3, "per_seconds": 60})
    codes = [api.get(ITEMS, headers={"client_id": "a"}).status_code for _ in range(4)]
    assert codes == [400, 400, 400, 429]  # 400: the probe wants its header; the limit counts all
    limited = api.get(ITEMS, headers={"client_id": "a"})
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert_envelope("fena", limited, 429)
    # Another client has its own budget.
    assert api.get(ITEMS, headers={"client_id": "b"}).status_code == 400
    # The window follows the sandbox clock.
    api.post("/__admin/clock/advance", json={"seconds": 60})
    assert api.get(ITEMS, headers={"client_id": "a"}).status_code == 400


def test_rate_limit_off(api: NamespacedClient) -> None:
    api.put("/__admin/rate-limit", json={"requests": 1, "per_seconds": 60})
    api.put("/__admin/rate-limit", json={"enabled": False})
    assert {api.get(ITEMS, headers=CLIENT).status_code for _ in range(5)} == {200}
