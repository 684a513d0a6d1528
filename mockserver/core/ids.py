"""Ids for new resources: derived from the seed, the namespace and a shared counter.

The counter lives in the store, so every worker hands out the next id of the same sequence and
two servers with the same seed hand out the same ids for the same sequence of requests.
"""

from __future__ import annotations

from mockserver.core.determinism import stable_hex, stable_uuid
from mockserver.core.store import Tx


class Ids:
    def __init__(self, seed: int) -> None:
        self.seed = seed

    def uuid(self, tx: Tx, ns: str, kind: str) -> str:
        """A new V4-shaped UUID for a resource of ``kind``."""
        return stable_uuid(self.seed, ns, kind, tx.next_counter(ns, f"id:{kind}"))

    def hex(self, tx: Tx, ns: str, kind: str, length: int = 24) -> str:
        """A new hex id (Moneyhub's ids are 24 hex characters, like MongoDB's)."""
        return stable_hex(length, self.seed, ns, kind, tx.next_counter(ns, f"id:{kind}"))
