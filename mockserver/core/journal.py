"""The request journal: a bounded ring of what the sandbox received and answered.

Entries live in the store (every worker writes to the same ring); secrets are redacted before
an entry is written.
"""

from __future__ import annotations

import fnmatch
import itertools
from typing import Any

from mockserver.core.store import Store

_TRIM_EVERY = 32  # trimming is a DELETE; do it now and then, and read at most `size` rows


class Journal:
    def __init__(self, store: Store, size: int, body_limit: int) -> None:
        self._store = store
        self.size = size
        self.body_limit = body_limit
        self._appends = itertools.count(1)

    def record(self, ns: str, entry: dict[str, Any]) -> int:
        trim = next(self._appends) % _TRIM_EVERY == 0
        return self._store.journal_append(ns, entry, keep=self.size, trim=trim)

    def list(
        self,
        ns: str,
        *,
        provider: str | None = None,
        path: str | None = None,
        status: str | None = None,
        method: str | None = None,
        limit: int = 100,
        before: int | None = None,
    ) -> list[dict[str, Any]]:
        """Newest first, at most ``limit`` entries of the ring's last ``size``."""
        newest = self._store.journal_max_pk()
        rows = self._store.journal_list(ns, self.size, before)
        out: list[dict[str, Any]] = []
        for pk, entry in rows:
            if pk <= newest - self.size:
                break
            if _keep(entry, provider, path, status, method):
                out.append({"id": pk, **entry})
                if len(out) >= limit:
                    break
        return out

    def clear(self, ns: str) -> int:
        return self._store.journal_clear(ns)


def _keep(
    entry: dict[str, Any],
    provider: str | None,
    path: str | None,
    status: str | None,
    method: str | None,
) -> bool:
    if provider and entry.get("provider") != provider:
        return False
    if method and entry.get("method", "").upper() != method.upper():
        return False
    if path:
        pattern = path if any(c in path for c in "*?[") else path + "*"
        if not fnmatch.fnmatchcase(entry.get("path", ""), pattern):
            return False
    if status:
        code = str(entry.get("status", ""))
        if status.lower().endswith("xx"):
            return code[:1] == status[:1]
        return code == status
    return True
