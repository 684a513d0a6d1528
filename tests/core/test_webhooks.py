"""Webhook delivery in core: the outbox in the store, the signed POST, retries, the worker.

A receiver on loopback (``tests.support.receiver``) records what arrives. Outcomes are waited
for by polling with a deadline; the backoff schedule is checked with a fake time instead of
waiting it out.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mockserver.core.clock import Clock, isoformat
from mockserver.core.ids import Ids
from mockserver.core.store import Store
from mockserver.core.webhook_worker import DeliveryPolicy, WebhookWorker
from mockserver.core.webhooks import Webhooks
from mockserver.settings import Settings, from_environment
from tests.support.receiver import receiving, refused_url, wait_for

NS = "hooks"
SECRET = "whsec-test-secret"
FROZEN_AT = datetime(2026, 3, 14, 9, 26, 53, tzinfo=UTC)
FAST = DeliveryPolicy(
    timeout=10.0, max_attempts=4, backoff_base=0.01, backoff_cap=0.05, poll_interval=0.05
)


class Rig:
    """One process's webhook machinery over a store: the service and its workers."""

    def __init__(self, url: str) -> None:
        self.store = Store(url)
        self.clock = Clock(self.store, FROZEN_AT)
        self.webhooks = Webhooks(self.store, Ids(42), self.clock)
        self.workers: list[WebhookWorker] = []

    def enqueue(
        self, url: str, ns: str = NS, event: str = "payment.completed", **payload: Any
    ) -> dict[str, Any]:
        with self.store.transaction() as tx:
            return self.webhooks.enqueue(
                tx,
                ns,
                provider="fena",
                event=event,
                url=url,
                payload=payload or {"id": "p-1", "amount": "10.00"},
                secret=SECRET,
            )

    def worker(self, policy: DeliveryPolicy = FAST, **kwargs: Any) -> WebhookWorker:
        worker = WebhookWorker(self.webhooks, policy, **kwargs)
        self.workers.append(worker)
        return worker

    def start(self, policy: DeliveryPolicy = FAST) -> WebhookWorker:
        worker = self.worker(policy)
        worker.start()
        return worker

    def delivery(self, delivery_id: str, ns: str = NS) -> dict[str, Any]:
        return next(d for d in self.webhooks.list(ns) if d["id"] == delivery_id)

    def settled(self, delivery_id: str, ns: str = NS) -> dict[str, Any] | None:
        """The delivery once it is delivered or failed, else None."""
        delivery = self.delivery(delivery_id, ns)
        return delivery if delivery["status"] != "pending" else None

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()
        self.store.dispose()


@pytest.fixture
def rigs() -> Iterator[Callable[[str], Rig]]:
    made: list[Rig] = []

    def make(url: str = "sqlite://") -> Rig:
        made.append(Rig(url))
        return made[-1]

    yield make
    for rig in made:
        rig.close()


@pytest.fixture
def rig(rigs: Callable[[str], Rig]) -> Rig:
    return rigs("sqlite://")


def expected_signature(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# -- delivery ----------------------------------------------------------------------------------
def test_delivered_on_first_try_signed_with_the_secret(rig: Rig) -> None:
    with receiving() as receiver:
        queued = rig.enqueue(receiver.url, event="payment.completed", id="p-1", amount="10.00")
        assert queued["status"] == "pending" and queued["attempts"] == []
        assert "secret" not in queued
        rig.start()
        done = wait_for(lambda: rig.settled(queued["id"]), "the delivery")
        [request] = receiver.received

    assert done["status"] == "delivered"
    [attempt] = done["attempts"]
    assert attempt["attempt"] == 1
    assert attempt["status_code"] == 200
    assert attempt["error"] is None
    assert attempt["latency_ms"] >= 0
    assert attempt["at"] == isoformat(FROZEN_AT)  # the sandbox clock, not the wall clock
    assert done["created_at"] == isoformat(FROZEN_AT)

    assert request.method == "POST"
    assert request.path == "/hooks"
    assert json.loads(request.body) == {"id": "p-1", "amount": "10.00"}
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-sandbox-event"] == "payment.completed"
    assert request.headers["x-sandbox-delivery"] == queued["id"]
    assert request.headers["x-sandbox-attempt"] == "1"
    assert request.headers["x-sandbox-signature"] == expected_signature(request.body)
    assert request.headers["x-sandbox-signature"] != expected_signature(request.body, "other")


def test_retries_after_5xx_then_delivered(rig: Rig) -> None:
    with receiving(fail_first=2) as receiver:
        queued = rig.enqueue(receiver.url)
        rig.start()
        done = wait_for(lambda: rig.settled(queued["id"]), "the delivery")
        requests = receiver.received

    assert done["status"] == "delivered"
    assert [a["attempt"] for a in done["attempts"]] == [1, 2, 3]
    assert [a["status_code"] for a in done["attempts"]] == [500, 500, 200]
    assert all(a["error"] is None and a["latency_ms"] >= 0 for a in done["attempts"])
    assert [r.headers["x-sandbox-attempt"] for r in requests] == ["1", "2", "3"]
    # Every attempt is the same delivery: same id, same bytes, same signature.
    assert {r.delivery for r in requests} == {queued["id"]}
    assert len({r.body for r in requests}) == 1
    assert len({r.headers["x-sandbox-signature"] for r in requests}) == 1


def test_gives_up_after_the_maximum_and_marks_failed(rig: Rig) -> None:
    with receiving(fail_first=99) as receiver:
        queued = rig.enqueue(receiver.url)
        rig.start(replace(FAST, max_attempts=3))
        done = wait_for(lambda: rig.settled(queued["id"]), "the delivery")
        assert len(receiver.received) == 3  # settled: nothing more is sent
    assert done["status"] == "failed"
    assert [a["status_code"] for a in done["attempts"]] == [500, 500, 500]
    assert rig.webhooks.next_due() is None  # out of the outbox


def test_timeout_is_recorded_as_an_error(rig: Rig) -> None:
    policy = DeliveryPolicy(timeout=0.2, max_attempts=2, backoff_base=0.01, poll_interval=0.05)
    with receiving(hang=True) as receiver:
        queued = rig.enqueue(receiver.url)
        rig.start(policy)
        done = wait_for(lambda: rig.settled(queued["id"]), "the delivery")
    assert done["status"] == "failed"
    for attempt in done["attempts"]:
        assert attempt["status_code"] is None
        assert attempt["error"].startswith("timeout")
        assert attempt["latency_ms"] >= 0


def test_connection_refused_is_recorded_as_an_error(rig: Rig) -> None:
    queued = rig.enqueue(refused_url())
    rig.start(DeliveryPolicy(timeout=10, max_attempts=2, backoff_base=0.01, poll_interval=0.05))
    done = wait_for(lambda: rig.settled(queued["id"]), "the delivery")
    assert done["status"] == "failed"
    assert [a["attempt"] for a in done["attempts"]] == [1, 2]
    for attempt in done["attempts"]:
        assert attempt["status_code"] is None
        assert attempt["error"].startswith("connect:")


def test_what_cannot_be_sent_fails_without_stopping_the_worker(rig: Rig) -> None:
    with receiving() as receiver:
        not_http = rig.enqueue("ftp://127.0.0.1/hooks")
        no_header = rig.enqueue(receiver.url, event="paiement.effectué")  # not ASCII
        good = rig.enqueue(receiver.url)
        rig.start(DeliveryPolicy(max_attempts=1, poll_interval=0.05))
        for bad in (not_http, no_header):
            assert wait_for(lambda b=bad: rig.settled(b["id"]), "a bad one")["status"] == "failed"
            assert rig.delivery(bad["id"])["attempts"][0]["error"].startswith("request:")
        assert wait_for(lambda: rig.settled(good["id"]), "the good one")["status"] == "delivered"


@pytest.mark.parametrize("kind", ["memory", "file"])
def test_a_commit_in_this_process_wakes_the_worker(
    kind: str, rigs: Callable[[str], Rig], tmp_path: Path
) -> None:
    rig = rigs("sqlite://" if kind == "memory" else str(tmp_path / "state.db"))
    # It polls once a minute: only the wake-up can get the delivery out within the deadline.
    rig.start(replace(FAST, poll_interval=60))
    with receiving() as receiver:
        queued = rig.enqueue(receiver.url)
        assert wait_for(lambda: rig.settled(queued["id"]), "the delivery")["status"] == "delivered"


# -- transactions, namespaces, schedule --------------------------------------------------------
def test_a_rolled_back_transaction_enqueues_nothing(rig: Rig) -> None:
    with receiving() as receiver:
        rig.start()
        with pytest.raises(RuntimeError), rig.store.transaction() as tx:
            rig.webhooks.enqueue(
                tx, NS, provider="fena", event="x", url=receiver.url, payload={}, secret=SECRET
            )
            raise RuntimeError("the request failed after the event")
        assert rig.webhooks.list(NS) == []
        assert rig.webhooks.next_due() is None
        # A delivery committed afterwards goes out alone: the rolled-back one never existed.
        marker = rig.enqueue(receiver.url, event="marker")
        wait_for(lambda: rig.settled(marker["id"]), "the marker")
        assert [r.delivery for r in receiver.received] == [marker["id"]]


def test_deliveries_are_per_namespace_and_filtered(rig: Rig) -> None:
    first = rig.enqueue("http://127.0.0.1:9/a", ns="a", event="payment.completed")
    second = rig.enqueue("http://127.0.0.1:9/a", ns="a", event="payment.failed")
    other = rig.enqueue("http://127.0.0.1:9/b", ns="b", event="payment.completed")
    assert [d["id"] for d in rig.webhooks.list("a")] == [second["id"], first["id"]]  # newest first
    assert [d["id"] for d in rig.webhooks.list("b")] == [other["id"]]
    assert [d["id"] for d in rig.webhooks.list("a", event="payment.failed")] == [second["id"]]
    assert rig.webhooks.list("a", provider="moneyhub") == []
    assert len(rig.webhooks.list("a", status="pending")) == 2
    assert rig.webhooks.list("a", status="delivered") == []


def test_backoff_doubles_up_to_the_cap_then_the_delivery_fails(rig: Rig) -> None:
    policy = DeliveryPolicy(timeout=10, max_attempts=4, backoff_base=2, backoff_cap=5)
    assert [policy.backoff(n) for n in (1, 2, 3, 4)] == [2, 4, 5, 5]
    now = [1000.0]
    worker = rig.worker(policy, real_time=lambda: now[0])
    with receiving(fail_first=99) as receiver:
        rig.enqueue(receiver.url)

        def run_at(t: float) -> list[Any]:
            now[0] = t
            return asyncio.run(worker.run_once())

        assert len(run_at(1000)) == 1
        assert rig.webhooks.next_due() == 1002  # 1000 + base
        assert run_at(1001.9) == []  # not due yet: nothing is sent
        assert len(receiver.received) == 1
        run_at(1002)
        assert rig.webhooks.next_due() == 1006  # + 2 * base
        run_at(1006)
        assert rig.webhooks.next_due() == 1011  # + min(cap, 4 * base)
        [final] = run_at(1011)
        assert len(receiver.received) == 4
    assert final["status"] == "failed"
    assert [a["attempt"] for a in final["attempts"]] == [1, 2, 3, 4]
    assert rig.webhooks.next_due() is None


def test_resetting_a_namespace_drops_its_pending_deliveries(rig: Rig) -> None:
    rig.enqueue(refused_url())
    rig.store.reset_namespace(NS, "no-seed")
    assert rig.webhooks.list(NS) == []
    assert rig.webhooks.claim(now=2e9, limit=10, lease_seconds=30) == []
    assert rig.webhooks.next_due() is None  # the orphaned outbox entry went too


# -- several workers ---------------------------------------------------------------------------
@pytest.fixture(params=["file", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database two processes share. Ask for it before ``rigs``: it must outlive them."""
    if request.param == "file":
        return str(tmp_path / "state.db")
    return str(request.getfixturevalue("pg_db_url"))


def test_a_leased_attempt_is_claimed_once_until_its_lease_runs_out(
    shared_url: str, rigs: Callable[[str], Rig]
) -> None:
    one, two = rigs(shared_url), rigs(shared_url)
    queued = one.enqueue("http://127.0.0.1:9/hooks")
    [claim] = one.webhooks.claim(now=1000, limit=10, lease_seconds=30)
    assert two.webhooks.claim(now=1029, limit=10, lease_seconds=30) == []
    # The first worker died: after the lease the attempt is made again, by the other one.
    [again] = two.webhooks.claim(now=1030, limit=10, lease_seconds=30)
    assert (again.id, again.attempt) == (queued["id"], 1)
    attempt = {"attempt": 1, "at": again.at, "status_code": 200, "latency_ms": 1, "error": None}
    assert one.webhooks.finish(claim, attempt, "delivered") is None  # lost its lease
    assert two.webhooks.finish(again, attempt, "delivered") is not None
    assert one.delivery(queued["id"])["attempts"] == [attempt]


def test_two_workers_over_one_database_send_each_attempt_once(
    shared_url: str, rigs: Callable[[str], Rig]
) -> None:
    one, two = rigs(shared_url), rigs(shared_url)
    with receiving(fail_first=1) as receiver:
        queued = [one.enqueue(receiver.url, id=f"p-{n}") for n in range(24)]
        workers = [one.start(), two.start()]
        for delivery in queued:
            wait_for(lambda d=delivery: one.settled(d["id"]), "every delivery")
        requests = receiver.received

    sent = Counter((r.delivery, int(r.headers["x-sandbox-attempt"])) for r in requests)
    assert set(sent.values()) == {1}  # no attempt reached the receiver twice
    done = one.webhooks.list(NS)
    recorded = {(d["id"], a["attempt"]): a for d in done for a in d["attempts"]}
    # Each attempt was made by one worker and recorded once ...
    assert sum(w.attempts_made for w in workers) == len(recorded)
    # ... and each answered one is a request the receiver saw (a 500, then a 200).
    answered = {key for key, a in recorded.items() if a["status_code"] is not None}
    assert answered == set(sent), [a for a in recorded.values() if a["error"]]
    for delivery in done:
        assert delivery["status"] == "delivered"
        assert [a["status_code"] for a in delivery["attempts"]] == [500, 200]


def test_stopping_gives_an_unanswered_attempt_back(rig: Rig) -> None:
    with receiving(hang=True) as receiver:
        queued = rig.enqueue(receiver.url)
        worker = rig.start(DeliveryPolicy(timeout=60, poll_interval=0.05))
        wait_for(lambda: receiver.received, "the attempt to arrive")
        worker.stop()  # does not wait the 60 s out
        assert not worker.running
    assert rig.delivery(queued["id"])["attempts"] == []
    next_due = rig.webhooks.next_due()
    assert next_due is not None and next_due <= time.time()  # due again, not leased for 90 s


# -- settings ------------------------------------------------------------------------------------
def test_policy_comes_from_settings_and_the_environment() -> None:
    env = {
        "MOCKSERVER_WEBHOOK_TIMEOUT": "0.5",
        "MOCKSERVER_WEBHOOK_MAX_ATTEMPTS": "3",
        "MOCKSERVER_WEBHOOK_BACKOFF_BASE": "0.25",
        "MOCKSERVER_WEBHOOK_BACKOFF_CAP": "2",
        "MOCKSERVER_WEBHOOK_POLL_INTERVAL": "0.1",
    }
    policy = DeliveryPolicy.from_settings(from_environment(env))
    assert policy == DeliveryPolicy(0.5, 3, 0.25, 2.0, 0.1)
    assert DeliveryPolicy.from_settings(Settings()) == DeliveryPolicy()


@pytest.mark.parametrize(
    "bad",
    [
        {"MOCKSERVER_WEBHOOK_TIMEOUT": "0"},
        {"MOCKSERVER_WEBHOOK_MAX_ATTEMPTS": "0"},
        {"MOCKSERVER_WEBHOOK_BACKOFF_BASE": "90"},
    ],
)
def test_nonsense_webhook_settings_are_refused(bad: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="webhook"):
        from_environment(bad)
