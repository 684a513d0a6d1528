"""The webhook endpoints end to end: fire through the admin API, the app's worker delivers.

These tests run their own app with fast retry settings and its lifespan running (that is
what starts the delivery worker); a receiver on loopback records what arrives.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver.app import SandboxApp
from tests.conftest import FROZEN_AT, NamespacedClient, build_app
from tests.support.receiver import receiving, refused_url, wait_for

FAST = {
    "webhook_timeout": 10.0,
    "webhook_max_attempts": 3,
    "webhook_backoff_base": 0.01,
    "webhook_backoff_cap": 0.05,
    "webhook_poll_interval": 0.05,
}
FENA_CLIENT_ID = "8f7a4d52-1c3e-4b9a-9d2f-3e5b6c7d8e01"  # fixtures/fena/clients.yaml
FENA_SECRET = "2b9c6e14-7f3a-4d85-a1c2-9e8f7d6c5b02"
_namespaces = itertools.count(1)


@pytest.fixture(scope="module")
def hooks_app() -> SandboxApp:
    return build_app(**FAST)


@pytest.fixture(scope="module")
def hooks_client(hooks_app: SandboxApp) -> Iterator[TestClient]:
    with TestClient(hooks_app) as client:  # the lifespan runs: so does the worker
        yield client


@pytest.fixture
def hooks(hooks_client: TestClient) -> Iterator[NamespacedClient]:
    api = NamespacedClient(hooks_client, f"wh{next(_namespaces)}")
    yield api
    api.post("/__admin/reset")


def register(api: NamespacedClient, provider: str, webhook_url: str, secret: str) -> str:
    body = {
        "provider": provider,
        "redirect_uris": ["http://localhost/cb"],
        "client_secret": secret,
        "webhook_url": webhook_url,
    }
    response = api.post("/__admin/clients", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["client_id"])


def fire(api: NamespacedClient, **body: Any) -> dict[str, Any]:
    response = api.post("/__admin/webhooks/fire", json={"payload": {"n": 1}, **body})
    assert response.status_code == 202, response.text
    return dict(response.json())


def deliveries(api: NamespacedClient, **params: str) -> list[dict[str, Any]]:
    response = api.get("/__admin/webhooks/deliveries", params=params)
    assert response.status_code == 200, response.text
    return list(response.json())


def settled(api: NamespacedClient) -> list[dict[str, Any]] | None:
    """Every delivery of the namespace, once none is pending."""
    found = deliveries(api)
    return found if found and all(d["status"] != "pending" for d in found) else None


def signed_with(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_fire_delivers_to_the_clients_webhook_url_signed_with_its_secret(
    hooks: NamespacedClient,
) -> None:
    hooks.put("/__admin/clock", json={"now": FROZEN_AT.isoformat(), "frozen": True})
    with receiving() as receiver:
        register(hooks, "moneyhub", receiver.url, "moneyhub-webhook-secret")
        payload = {"paymentId": "pay-1", "status": "completed", "amount": {"value": 1050}}
        queued = fire(hooks, provider="moneyhub", event="payment.completed", payload=payload)
        assert queued["status"] == "pending"
        assert queued["attempts"] == []
        assert queued["url"] == receiver.url
        assert queued["created_at"] == "2026-03-14T09:26:53.000Z"
        [done] = wait_for(lambda: settled(hooks), "the delivery")
        [request] = receiver.received

    assert done["id"] == queued["id"]
    assert done["status"] == "delivered"
    assert done["attempts"][0]["status_code"] == 200
    assert done["attempts"][0]["at"] == "2026-03-14T09:26:53.000Z"
    assert json.loads(request.body) == payload
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-sandbox-event"] == "payment.completed"
    assert request.headers["x-sandbox-delivery"] == queued["id"]
    assert request.headers["x-sandbox-signature"] == signed_with(
        "moneyhub-webhook-secret", request.body
    )


def test_an_explicit_url_is_signed_with_the_named_clients_secret(
    hooks: NamespacedClient,
) -> None:
    with receiving(fail_first=1) as receiver:
        fire(
            hooks,
            provider="fena",
            event="payment.updated",
            url=receiver.url,
            client_id=FENA_CLIENT_ID,
        )
        [done] = wait_for(lambda: settled(hooks), "the delivery")
        requests = receiver.received
    assert [a["status_code"] for a in done["attempts"]] == [500, 200]
    for request in requests:
        assert request.headers["x-sandbox-signature"] == signed_with(FENA_SECRET, request.body)


def test_fire_without_a_url_to_send_to_is_a_400(hooks: NamespacedClient) -> None:
    # The seeded Moneyhub client has no webhook_url.
    response = hooks.post(
        "/__admin/webhooks/fire",
        json={"provider": "moneyhub", "event": "payment.completed", "payload": {}},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "BadRequest"
    assert "webhook URL" in body["message"]
    assert deliveries(hooks) == []


@pytest.mark.parametrize(
    "body",
    [
        {"provider": "fena", "event": "e", "payload": {}, "client_id": "nobody"},
        {"provider": "fena", "event": "e", "payload": {}, "url": "ftp://example.com/hooks"},
        {"provider": "fena", "event": "", "payload": {}},
        {"provider": "fena", "event": "payment completed", "payload": {}},
        {"provider": "nobank", "event": "e", "payload": {}},
        {"provider": "fena", "event": "e", "payload": [1, 2]},
    ],
)
def test_fire_refuses_bad_requests(hooks: NamespacedClient, body: dict[str, Any]) -> None:
    response = hooks.post("/__admin/webhooks/fire", json=body)
    assert response.status_code == 400, response.text
    assert set(response.json()) == {"status", "code", "message"}
    assert deliveries(hooks) == []


def test_deliveries_are_listed_newest_first_with_filters(hooks: NamespacedClient) -> None:
    with receiving() as receiver:
        first = fire(hooks, provider="fena", event="a", url=receiver.url)
        second = fire(hooks, provider="moneyhub", event="b", url=receiver.url)
        third = fire(hooks, provider="fena", event="b", url=refused_url())
        wait_for(lambda: settled(hooks), "every delivery")

    def ids(**params: str) -> list[str]:
        return [d["id"] for d in deliveries(hooks, **params)]

    assert ids() == [third["id"], second["id"], first["id"]]
    assert ids(provider="fena") == [third["id"], first["id"]]
    assert ids(event="b") == [third["id"], second["id"]]
    assert ids(status="delivered", provider="moneyhub") == [second["id"]]
    [failed] = deliveries(hooks, status="failed")
    assert failed["id"] == third["id"]
    assert [a["attempt"] for a in failed["attempts"]] == [1, 2, 3]  # webhook_max_attempts
    assert all(a["error"].startswith("connect:") for a in failed["attempts"])
    assert ids(status="pending") == []
    assert hooks.get("/__admin/webhooks/deliveries", params={"status": "lost"}).status_code == 400


def test_deliveries_are_per_namespace(hooks: NamespacedClient) -> None:
    other = NamespacedClient(hooks.client, hooks.namespace + "-other")
    with receiving() as receiver_a, receiving() as receiver_b:
        mine = fire(hooks, provider="fena", event="mine", url=receiver_a.url)
        theirs = fire(other, provider="fena", event="theirs", url=receiver_b.url)
        wait_for(lambda: settled(hooks) and settled(other), "both deliveries")
        assert [r.delivery for r in receiver_a.received] == [mine["id"]]
        assert [r.delivery for r in receiver_b.received] == [theirs["id"]]
    assert [d["event"] for d in deliveries(hooks)] == ["mine"]
    assert [d["event"] for d in deliveries(other)] == ["theirs"]
    other.post("/__admin/reset")


def test_the_app_stops_promptly_with_an_attempt_in_flight() -> None:
    app = build_app(**{**FAST, "webhook_timeout": 60.0})
    with receiving(hang=True) as receiver:
        with TestClient(app) as client:
            body = {"provider": "fena", "event": "e", "payload": {}, "url": receiver.url}
            queued = client.post("/__admin/webhooks/fire", json=body).json()
            wait_for(lambda: receiver.received, "the attempt to arrive")
        # The lifespan's shutdown stopped the worker without waiting the 60 s out, and gave
        # the unanswered attempt back for the next start.
        [delivery] = app.sandbox.webhooks.list("default")
        assert delivery["id"] == queued["id"]
        assert delivery["attempts"] == []
        next_due = app.sandbox.webhooks.next_due()
        assert next_due is not None and next_due <= time.time()
