"""Idempotency keys: a repeated POST returns the resource the first one created.

The OBIE Read/Write profile's rules: a key is the TPP's own (two TPPs may use the same key), it
holds for 24 hours, the same key with the same body yields the original resource and creates
nothing, and the same key with a different body is refused without touching the resource. The
body is compared as parsed JSON, so key order and whitespace do not matter.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from mockserver.core.store import Tx

KIND = "sandbox.idempotency_key"
WINDOW = timedelta(hours=24)


class KeyReused(Exception):
    """The key was used within the window for a different request body."""


@dataclass(frozen=True)
class IdempotencyKey:
    client_id: str
    operation: str  # keys of different operations never collide
    key: str

    @property
    def record_id(self) -> str:
        return f"{self.client_id}\x1f{self.operation}\x1f{self.key}"


def fingerprint(body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def earlier_resource(tx: Tx, ns: str, key: IdempotencyKey, body: Any, now: datetime) -> str | None:
    """The id of the resource this key already created for this body, or None if it is fresh.

    Locks the key's record, so two concurrent requests with one key cannot both create.
    """
    record = tx.lock(ns, KIND, key.record_id)
    if record is None or datetime.fromisoformat(record["at"]) + WINDOW <= now:
        return None
    if record["fingerprint"] != fingerprint(body):
        raise KeyReused(key.key)
    return str(record["resource_id"])


def remember(
    tx: Tx, ns: str, key: IdempotencyKey, body: Any, resource_id: str, now: datetime
) -> None:
    record = {"fingerprint": fingerprint(body), "resource_id": resource_id, "at": now.isoformat()}
    tx.put(ns, KIND, key.record_id, record, tenant=key.client_id)
