"""Webhook deliveries: recorded with the state change that causes them, then sent by a worker.

``enqueue`` writes a *delivery* (what to send, and every attempt so far) in the caller's
transaction, so it commits with the change that caused it and a rolled-back request sends
nothing. Beside it goes an *outbox entry* in a reserved namespace, holding what only the worker
needs: when the next attempt is due and who holds the lease on it. One small list of pending
entries, read through the store's key index, tells every worker and replica what is due
without scanning the namespaces.

A worker *claims* a due entry in a write transaction (it moves ``due`` past a lease and takes a
token), sends outside any transaction, and *finishes* it in another write transaction that
first checks it still holds the token. Another worker never claims a leased entry, so one
attempt is sent once; a worker that dies mid-attempt leaves the lease to expire and the attempt
is made again (at least once, never lost).

Times: ``due`` and leases are real epoch seconds (retries wait on the network, not on the
sandbox); the ``at`` of each attempt and ``created_at`` come from the namespace's sandbox clock.
"""

from __future__ import annotations

import builtins
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event as sa_event

from mockserver.core.clock import Clock, isoformat
from mockserver.core.ids import Ids
from mockserver.core.jsoncodec import dumps
from mockserver.core.store import Store, Tx

log = logging.getLogger("mockserver.webhooks")

KIND = "sandbox.webhook"
# The outbox lives in a namespace no client can name (names start with a letter or digit), so
# exports and namespace listings never show it; resetting everything empties it.
OUTBOX_NS = "~webhooks"
OUTBOX_KIND = "sandbox.webhook.due"
# Set on a connection whose transaction enqueued a delivery.
_WAKE_FLAG = "mockserver.webhooks.enqueued"
# Fields of a delivery the admin API shows (the signing secret and tenant stay inside).
PUBLIC_FIELDS = ("id", "provider", "event", "url", "payload", "status", "attempts", "created_at")


@dataclass(frozen=True)
class Claim:
    """One attempt a worker holds the lease on: everything it needs to send it."""

    ns: str
    id: str
    token: str
    attempt: int
    at: str  # sandbox time the attempt starts
    provider: str
    event: str
    url: str
    body: bytes
    secret: str


def public(delivery: dict[str, Any]) -> dict[str, Any]:
    return {k: delivery[k] for k in PUBLIC_FIELDS}


def _outbox_key(ns: str, delivery_id: str) -> str:
    return f"{ns}/{delivery_id}"


class Webhooks:
    def __init__(self, store: Store, ids: Ids, clock: Clock) -> None:
        self._store = store
        self._ids = ids
        self._clock = clock
        # Workers of this process, woken when a delivery commits (others poll for it).
        self._listeners: builtins.list[Callable[[], None]] = []
        self._listeners_lock = threading.Lock()
        # A connection goes back to the pool after its transaction ended: the moment a delivery
        # it wrote is visible to a worker's own transaction. (SQLAlchemy's "commit" event comes
        # just before the commit, too early for another connection to see the row.)
        sa_event.listen(store.engine, "checkin", self._on_checkin)

    # -- producers and the admin API ---------------------------------------------------------
    def enqueue(
        self,
        tx: Tx,
        ns: str,
        *,
        provider: str,
        event: str,
        url: str,
        payload: dict[str, Any],
        secret: str,
        tenant: str = "",
    ) -> dict[str, Any]:
        """Record a delivery in ``tx``; it is sent once ``tx`` commits. Returns its public view."""
        delivery_id = self._ids.uuid(tx, ns, KIND)
        delivery = {
            "id": delivery_id,
            "provider": provider,
            "event": event,
            "url": url,
            "payload": payload,
            "status": "pending",
            "attempts": [],
            "created_at": isoformat(self._clock.now(ns, tx)),
            "secret": secret,
            "tenant": tenant,  # kept in the data too: a rewrite must give the column back
        }
        tx.put(ns, KIND, delivery_id, delivery, tenant=tenant)
        entry = {"ns": ns, "id": delivery_id, "due": 0.0, "token": None}  # due at once
        tx.put(OUTBOX_NS, OUTBOX_KIND, _outbox_key(ns, delivery_id), entry)
        # Wake this process's workers once the transaction is over (after a rollback that is a
        # look for nothing, which is cheap).
        tx.conn.info[_WAKE_FLAG] = True
        return public(delivery)

    def list(
        self,
        ns: str,
        provider: str | None = None,
        event: str | None = None,
        status: str | None = None,
    ) -> builtins.list[dict[str, Any]]:
        """Deliveries of ``ns``, newest first, with their attempts."""
        with self._store.read() as tx:
            deliveries = tx.list(ns, KIND, newest_first=True)
        return [
            public(d)
            for d in deliveries
            if (provider is None or d["provider"] == provider)
            and (event is None or d["event"] == event)
            and (status is None or d["status"] == status)
        ]

    # -- wake-ups ------------------------------------------------------------------------------
    def add_listener(self, listener: Callable[[], None]) -> None:
        with self._listeners_lock:
            self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[], None]) -> None:
        with self._listeners_lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def _on_checkin(self, _dbapi_connection: Any, record: Any) -> None:
        if record is not None and record.info.pop(_WAKE_FLAG, False):
            self._notify()

    def _notify(self) -> None:
        with self._listeners_lock:
            listeners = builtins.list(self._listeners)
        for listener in listeners:
            try:
                listener()
            except Exception:  # a wake-up is an optimisation: never fail the caller for it
                log.exception("could not wake a webhook worker")

    # -- the worker's side ---------------------------------------------------------------------
    def next_due(self) -> float | None:
        """The earliest ``due`` in the outbox (a lease counts as due when it runs out)."""
        with self._store.read() as tx:
            entries = tx.list(OUTBOX_NS, OUTBOX_KIND)
        return min((float(e["due"]) for e in entries), default=None)

    def claim(self, now: float, limit: int, lease_seconds: float) -> builtins.list[Claim]:
        """Take the lease on up to ``limit`` due attempts, in one write transaction."""
        if limit < 1:
            return []
        claims: builtins.list[Claim] = []
        with self._store.transaction() as tx:
            due = [e for e in tx.list(OUTBOX_NS, OUTBOX_KIND) if float(e["due"]) <= now]
            due.sort(key=lambda e: (float(e["due"]), e["ns"], e["id"]))
            # Lock in key order, so that two replicas locking the same entries cannot deadlock.
            for entry in sorted(due[:limit], key=lambda e: (e["ns"], e["id"])):
                claim = self._claim_one(tx, entry["ns"], entry["id"], now, lease_seconds)
                if claim is not None:
                    claims.append(claim)
        return claims

    def _claim_one(
        self, tx: Tx, ns: str, delivery_id: str, now: float, lease_seconds: float
    ) -> Claim | None:
        key = _outbox_key(ns, delivery_id)
        entry = tx.lock(OUTBOX_NS, OUTBOX_KIND, key)
        if entry is None or float(entry["due"]) > now:
            return None  # another worker claimed or finished it meanwhile
        delivery = tx.get(ns, KIND, delivery_id)
        if delivery is None or delivery["status"] != "pending":
            tx.delete(OUTBOX_NS, OUTBOX_KIND, key)  # its namespace was reset or replaced
            return None
        token = uuid.uuid4().hex
        tx.put(OUTBOX_NS, OUTBOX_KIND, key, {**entry, "due": now + lease_seconds, "token": token})
        return Claim(
            ns=ns,
            id=delivery_id,
            token=token,
            attempt=len(delivery["attempts"]) + 1,
            at=isoformat(self._clock.now(ns, tx)),
            provider=delivery["provider"],
            event=delivery["event"],
            url=delivery["url"],
            body=dumps(delivery["payload"]).encode(),
            secret=delivery["secret"],
        )

    def finish(
        self, claim: Claim, attempt: dict[str, Any], status: str, retry_at: float | None = None
    ) -> dict[str, Any] | None:
        """Record an attempt and the delivery's new status (``pending`` needs ``retry_at``).

        Returns the delivery, or None when the lease was lost (its namespace was reset, or the
        lease ran out and another worker took over): that worker's attempt is the one recorded.
        """
        key = _outbox_key(claim.ns, claim.id)
        with self._store.transaction() as tx:
            entry = tx.lock(OUTBOX_NS, OUTBOX_KIND, key)
            if entry is None or entry["token"] != claim.token:
                return None
            delivery = tx.lock(claim.ns, KIND, claim.id)
            if delivery is None:
                tx.delete(OUTBOX_NS, OUTBOX_KIND, key)
                return None
            delivery["attempts"].append(attempt)
            delivery["status"] = status
            tx.put(claim.ns, KIND, claim.id, delivery, tenant=delivery.get("tenant", ""))
            if status == "pending":
                assert retry_at is not None
                tx.put(OUTBOX_NS, OUTBOX_KIND, key, {**entry, "due": retry_at, "token": None})
            else:
                tx.delete(OUTBOX_NS, OUTBOX_KIND, key)
        return public(delivery)

    def release(self, claim: Claim, now: float) -> None:
        """Give an unfinished attempt back (a worker stopping): it is due again at once."""
        key = _outbox_key(claim.ns, claim.id)
        with self._store.transaction() as tx:
            entry = tx.lock(OUTBOX_NS, OUTBOX_KIND, key)
            if entry is not None and entry["token"] == claim.token:
                tx.put(OUTBOX_NS, OUTBOX_KIND, key, {**entry, "due": now, "token": None})
