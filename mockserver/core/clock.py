"""The sandbox clock: the only source of time for every provider.

Each namespace has its own clock, kept in the store so that every worker sees the same time.
A clock either runs (real time plus an offset) or is frozen at an instant.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from mockserver.core.store import Store, Tx

_KIND = "sandbox.clock"
_ID = "clock"


@dataclass(frozen=True)
class ClockState:
    now: datetime
    frozen: bool
    offset_seconds: float

    def as_json(self) -> dict[str, Any]:
        return {
            "now": isoformat(self.now),
            "frozen": self.frozen,
            # A frozen clock has no stable offset from real time (and showing one would make
            # responses differ from run to run).
            "offset_seconds": None if self.frozen else round(self.offset_seconds, 6),
        }


def isoformat(value: datetime) -> str:
    """ISO 8601 with offset, as every provider puts it on the wire."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_instant(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError("a time needs a UTC offset, e.g. 2026-01-31T09:00:00Z")
    return value.astimezone(UTC)


class Clock:
    def __init__(
        self,
        store: Store,
        initial: datetime | None = None,
        real_time: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._initial = initial.astimezone(UTC) if initial else None
        self._real_time = real_time

    def _real_now(self) -> datetime:
        return datetime.fromtimestamp(self._real_time(), UTC)

    def _load(self, tx: Tx, ns: str) -> dict[str, Any]:
        saved = tx.get(ns, _KIND, _ID)
        if saved is not None:
            return saved
        if self._initial is not None:
            return {"frozen": True, "at": self._initial.isoformat()}
        return {"frozen": False, "offset": 0.0}

    def _state_of(self, saved: dict[str, Any]) -> ClockState:
        real = self._real_now()
        if saved["frozen"]:
            at = datetime.fromisoformat(saved["at"])
            return ClockState(at, True, (at - real).total_seconds())
        offset = float(saved["offset"])
        return ClockState(real + timedelta(seconds=offset), False, offset)

    def state(self, ns: str, tx: Tx | None = None) -> ClockState:
        if tx is not None:
            return self._state_of(self._load(tx, ns))
        with self._store.read() as read_tx:
            return self._state_of(self._load(read_tx, ns))

    def now(self, ns: str, tx: Tx | None = None) -> datetime:
        return self.state(ns, tx).now

    def set(self, ns: str, now: datetime | None = None, frozen: bool | None = None) -> ClockState:
        """Set the time (``now``) and/or freeze or release the clock (``frozen``)."""
        with self._store.transaction() as tx:
            current = self._state_of(self._load(tx, ns))
            target = now.astimezone(UTC) if now is not None else current.now
            freeze = current.frozen if frozen is None else frozen
            self._save(tx, ns, target, freeze)
            return self._state_of(self._load(tx, ns))

    def advance(self, ns: str, seconds: float) -> ClockState:
        with self._store.transaction() as tx:
            current = self._state_of(self._load(tx, ns))
            self._save(tx, ns, current.now + timedelta(seconds=seconds), current.frozen)
            return self._state_of(self._load(tx, ns))

    def _save(self, tx: Tx, ns: str, at: datetime, frozen: bool) -> None:
        if frozen:
            data: dict[str, Any] = {"frozen": True, "at": at.isoformat()}
        else:
            data = {"frozen": False, "offset": (at - self._real_now()).total_seconds()}
        tx.put(ns, _KIND, _ID, data)
