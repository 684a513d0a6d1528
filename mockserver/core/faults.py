"""Fault rules: make matching requests fail, slow down or lose their connection, on demand.

A rule matches by provider, operationId, method and path (a glob such as
``/ob/open-banking/v3.1/aisp/accounts*``). Its effect is a status with a body in the called
provider's envelope (or a body of your own), optional headers and ``Retry-After``, a fixed or
random delay, or a dropped connection. ``times`` makes a rule expire after N uses;
``probability`` applies it to only some requests (drawn from the seed, so runs repeat).
Rules live in the store, per namespace, so every worker applies the same ones.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Any

from mockserver.core.determinism import rng
from mockserver.core.errors import ApiError
from mockserver.core.ids import Ids
from mockserver.core.store import Store

KIND = "sandbox.fault"

RULE_FIELDS = (
    "provider",
    "operationId",
    "method",
    "path",
    "status",
    "message",
    "body",
    "headers",
    "retry_after",
    "delay_ms",
    "drop",
    "times",
    "probability",
)


@dataclass(frozen=True)
class Effect:
    rule_id: str
    status: int | None
    body: Any
    message: str | None
    headers: dict[str, str]
    delay_seconds: float
    drop: bool


def validate_rule(rule: dict[str, Any]) -> None:
    """Checks the schema cannot express (the admin spec checks types and ranges)."""
    if not any(rule.get(k) is not None for k in ("status", "delay_ms", "drop")) or (
        rule.get("drop") is False and rule.get("status") is None and rule.get("delay_ms") is None
    ):
        raise ApiError(400, "a fault rule needs an effect: status, delay_ms or drop", path="status")
    delay = rule.get("delay_ms")
    if isinstance(delay, dict) and delay["min"] > delay["max"]:
        raise ApiError(400, "delay_ms.min must not exceed delay_ms.max", path="delay_ms")


class Faults:
    def __init__(self, store: Store, ids: Ids, seed: int) -> None:
        self._store = store
        self._ids = ids
        self._seed = seed

    def add(self, ns: str, rule: dict[str, Any]) -> dict[str, Any]:
        validate_rule(rule)
        with self._store.transaction() as tx:
            rule_id = self._ids.uuid(tx, ns, KIND)
            saved = {"id": rule_id, **{k: rule[k] for k in RULE_FIELDS if k in rule}}
            saved.setdefault("probability", 1.0)
            saved["remaining"] = saved.get("times")
            saved["hits"] = 0
            tx.put(ns, KIND, rule_id, saved)
        return saved

    def list(self, ns: str) -> list[dict[str, Any]]:
        with self._store.read() as tx:
            rules: list[dict[str, Any]] = tx.list(ns, KIND)
            return rules

    def remove(self, ns: str, rule_id: str) -> bool:
        with self._store.transaction() as tx:
            return tx.delete(ns, KIND, rule_id)

    def clear(self, ns: str) -> int:
        with self._store.transaction() as tx:
            return tx.delete_kind(ns, KIND)

    def match(
        self, ns: str, provider: str | None, operation_id: str | None, method: str, path: str
    ) -> Effect | None:
        """The effect of the first rule that matches and fires, using up one of its ``times``."""
        with self._store.read() as tx:
            candidates = [
                r for r in tx.list(ns, KIND) if _matches(r, provider, operation_id, method, path)
            ]
        for candidate in candidates:
            effect = self._fire(ns, candidate["id"])
            if effect is not None:
                return effect
        return None

    def _fire(self, ns: str, rule_id: str) -> Effect | None:
        # Decide and count in one write transaction so that `times` holds across workers.
        with self._store.transaction() as tx:
            rule = tx.lock(ns, KIND, rule_id)
            if rule is None or rule["remaining"] == 0:
                return None
            draw = rng(self._seed, ns, rule_id, rule["hits"])
            rule["hits"] += 1
            fires = draw.random() < float(rule["probability"])
            if fires and rule["remaining"] is not None:
                rule["remaining"] -= 1
            if fires and rule["remaining"] == 0:
                tx.delete(ns, KIND, rule_id)
            else:
                tx.put(ns, KIND, rule_id, rule)
        if not fires:
            return None
        return Effect(
            rule_id=rule_id,
            status=rule.get("status"),
            body=rule.get("body"),
            message=rule.get("message"),
            headers=_headers(rule),
            delay_seconds=_delay_seconds(rule.get("delay_ms"), draw.random()),
            drop=bool(rule.get("drop")),
        )


def _matches(
    rule: dict[str, Any], provider: str | None, operation_id: str | None, method: str, path: str
) -> bool:
    if rule.get("remaining") == 0:
        return False
    if rule.get("provider") and rule["provider"] != provider:
        return False
    if rule.get("operationId") and rule["operationId"] != operation_id:
        return False
    if rule.get("method") and rule["method"].upper() != method.upper():
        return False
    return not (rule.get("path") and not fnmatch.fnmatchcase(path, rule["path"]))


def _headers(rule: dict[str, Any]) -> dict[str, str]:
    headers = {str(k): str(v) for k, v in (rule.get("headers") or {}).items()}
    if rule.get("retry_after") is not None:
        headers["Retry-After"] = str(rule["retry_after"])
    return headers


def _delay_seconds(delay: Any, draw: float) -> float:
    if delay is None:
        return 0.0
    if isinstance(delay, dict):
        return float(delay["min"] + (delay["max"] - delay["min"]) * draw) / 1000.0
    return float(delay) / 1000.0
