"""A per-client rate limit (off by default): N requests per window of the sandbox clock.

Counts live in the store so the limit holds across workers. Windows follow the sandbox clock,
so a test with a frozen clock moves past a limit by advancing the clock.
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from typing import Any

import jwt

from mockserver.core.clock import Clock
from mockserver.core.store import Store

KIND = "sandbox.setting"
ID = "rate_limit"


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0


class RateLimiter:
    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def config(self, ns: str) -> dict[str, Any]:
        with self._store.read() as tx:
            return tx.get(ns, KIND, ID) or {"enabled": False}

    def configure(self, ns: str, config: dict[str, Any]) -> dict[str, Any]:
        saved = {
            "enabled": bool(config.get("enabled", True)),
            "requests": int(config.get("requests", 60)),
            "per_seconds": int(config.get("per_seconds", 60)),
        }
        with self._store.transaction() as tx:
            tx.put(ns, KIND, ID, saved)
        return saved

    def check(self, ns: str, client: str) -> Verdict:
        with self._store.read() as tx:
            config = tx.get(ns, KIND, ID)
        if not config or not config.get("enabled"):
            return Verdict(True)
        with self._store.transaction() as tx:
            now = self._clock.now(ns, tx).timestamp()
            window = int(now // config["per_seconds"])
            used = tx.next_counter(ns, f"ratelimit:{client}:{window}")
        if used <= config["requests"]:
            return Verdict(True)
        window_end = (window + 1) * config["per_seconds"]
        return Verdict(False, max(1, math.ceil(window_end - now)))


def client_key(headers: dict[str, str]) -> str:
    """Who is calling, from whatever credential the request carries (not verified here)."""
    if headers.get("client_id"):  # Fena
        return headers["client_id"]
    auth = headers.get("authorization", "")
    scheme, _, credential = auth.partition(" ")
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(credential).decode().partition(":")[0] or "anonymous"
        except ValueError:
            return "anonymous"
    if scheme.lower() == "bearer":
        try:
            claims = jwt.decode(credential, options={"verify_signature": False})
        except jwt.PyJWTError:
            return "anonymous"
        return str(claims.get("client_id") or claims.get("azp") or claims.get("sub") or "anonymous")
    return "anonymous"
