"""The sandbox clock, driven by an injected real-time source (no sleeping)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from mockserver.core.clock import Clock
from mockserver.core.store import Store

REAL_START = datetime(2026, 3, 14, 9, 26, 53, 250000, tzinfo=UTC)
SET_TO = datetime(2030, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)
INITIAL = datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC)
PLUS_5 = timezone(timedelta(hours=5))


class FakeTime:
    """A real-time source the test moves by hand."""

    def __init__(self, start: datetime = REAL_START) -> None:
        self.now = start.timestamp()

    def __call__(self) -> float:
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += seconds


def secs(n: float) -> timedelta:
    return timedelta(seconds=n)


@pytest.fixture
def real() -> FakeTime:
    return FakeTime()


@pytest.fixture
def store() -> Iterator[Store]:
    store = Store("sqlite://")
    yield store
    store.dispose()


@pytest.fixture
def clock(store: Store, real: FakeTime) -> Clock:
    return Clock(store, real_time=real)


def test_running_clock_follows_real_time(clock: Clock, real: FakeTime) -> None:
    state = clock.state("a")
    assert (state.now, state.frozen, state.offset_seconds) == (REAL_START, False, 0.0)
    real.tick(90.5)
    assert clock.now("a") == REAL_START + secs(90.5)
    assert clock.now("a").tzinfo == UTC


def test_set_while_running_keeps_running_from_that_instant(clock: Clock, real: FakeTime) -> None:
    state = clock.set("a", now=SET_TO)
    assert (state.now, state.frozen) == (SET_TO, False)
    assert state.offset_seconds == (SET_TO - REAL_START).total_seconds()
    assert clock.now("a") == SET_TO
    real.tick(30)
    assert clock.now("a") == SET_TO + secs(30)
    assert clock.state("a").offset_seconds == (SET_TO - REAL_START).total_seconds()


def test_set_accepts_other_offsets_and_answers_in_utc(clock: Clock) -> None:
    local = SET_TO.astimezone(PLUS_5)
    assert clock.set("a", now=local).now == SET_TO
    assert clock.now("a").tzinfo == UTC


def test_freeze_and_unfreeze(clock: Clock, real: FakeTime) -> None:
    real.tick(10)
    frozen = clock.set("a", frozen=True)
    assert (frozen.now, frozen.frozen) == (REAL_START + secs(10), True)
    real.tick(3600)
    assert clock.now("a") == REAL_START + secs(10)
    assert clock.state("a").frozen is True

    released = clock.set("a", frozen=False)
    assert (released.now, released.frozen) == (REAL_START + secs(10), False)  # no jump
    real.tick(5)
    assert clock.now("a") == REAL_START + secs(15)


def test_set_and_freeze_at_once(clock: Clock, real: FakeTime) -> None:
    state = clock.set("a", now=SET_TO, frozen=True)
    assert (state.now, state.frozen) == (SET_TO, True)
    real.tick(1000)
    assert clock.now("a") == SET_TO
    # Setting the time of a frozen clock keeps it frozen there.
    assert clock.set("a", now=INITIAL).frozen is True
    real.tick(1000)
    assert clock.now("a") == INITIAL


def test_advance_while_frozen(clock: Clock, real: FakeTime) -> None:
    clock.set("a", now=SET_TO, frozen=True)
    state = clock.advance("a", 3600)
    assert (state.now, state.frozen) == (SET_TO + secs(3600), True)
    real.tick(50)
    assert clock.now("a") == SET_TO + secs(3600)
    assert clock.advance("a", -7200).now == SET_TO - secs(3600)


def test_advance_while_running(clock: Clock, real: FakeTime) -> None:
    clock.set("a", now=SET_TO)
    real.tick(10)
    state = clock.advance("a", 86400)
    assert (state.now, state.frozen) == (SET_TO + secs(10 + 86400), False)
    real.tick(5)
    assert clock.now("a") == SET_TO + secs(15 + 86400)
    assert clock.state("a").offset_seconds == (SET_TO - REAL_START).total_seconds() + 86400


def test_initial_freezes_new_namespaces_at_that_instant(store: Store, real: FakeTime) -> None:
    clock = Clock(store, initial=INITIAL, real_time=real)
    state = clock.state("fresh")
    assert (state.now, state.frozen) == (INITIAL, True)
    real.tick(500)
    assert clock.now("fresh") == INITIAL
    assert clock.now("another") == INITIAL

    # Released, it runs on from the initial instant.
    assert clock.set("fresh", frozen=False).now == INITIAL
    real.tick(7)
    assert clock.now("fresh") == INITIAL + secs(7)
    assert clock.now("another") == INITIAL  # still frozen

    # Advancing an untouched namespace starts from the initial instant too.
    assert clock.advance("third", 60).now == INITIAL + secs(60)


def test_initial_in_another_offset_is_normalised(store: Store, real: FakeTime) -> None:
    clock = Clock(store, initial=INITIAL.astimezone(PLUS_5), real_time=real)
    assert clock.now("a") == INITIAL
    assert clock.now("a").tzinfo == UTC


def test_namespaces_are_independent(clock: Clock, real: FakeTime) -> None:
    clock.set("a", now=SET_TO, frozen=True)
    clock.set("b", now=INITIAL)
    clock.advance("c", 60)
    real.tick(100)
    assert clock.now("a") == SET_TO
    assert clock.now("b") == INITIAL + secs(100)
    assert clock.now("c") == REAL_START + secs(160)
    assert clock.now("untouched") == REAL_START + secs(100)
    clock.advance("a", 1)
    assert clock.now("b") == INITIAL + secs(100)
    assert clock.state("b").frozen is False


def test_state_inside_a_transaction(clock: Clock, store: Store) -> None:
    clock.set("a", now=SET_TO, frozen=True)
    with store.transaction() as tx:
        assert clock.now("a", tx) == SET_TO
        assert clock.state("a", tx).frozen is True


def test_clock_is_shared_by_workers_on_one_file(tmp_path: Path, real: FakeTime) -> None:
    path = str(tmp_path / "state.db")
    store_1, store_2 = Store(path), Store(path)
    try:
        worker_1 = Clock(store_1, real_time=real)
        worker_2 = Clock(store_2, real_time=real)

        worker_1.set("a", now=SET_TO)
        assert worker_2.now("a") == SET_TO
        real.tick(20)
        assert worker_1.now("a") == worker_2.now("a") == SET_TO + secs(20)

        worker_2.advance("a", 3600)
        assert worker_1.now("a") == SET_TO + secs(3620)

        worker_1.set("a", frozen=True)
        real.tick(99)
        assert worker_2.state("a").frozen is True
        assert worker_2.now("a") == worker_1.now("a") == SET_TO + secs(3620)
        assert worker_2.now("b") == worker_1.now("b") == REAL_START + secs(119)
    finally:
        store_1.dispose()
        store_2.dispose()


def test_initial_is_shared_by_workers_on_one_file(tmp_path: Path, real: FakeTime) -> None:
    path = str(tmp_path / "state.db")
    store_1, store_2 = Store(path), Store(path)
    try:
        worker_1 = Clock(store_1, initial=INITIAL, real_time=real)
        worker_2 = Clock(store_2, initial=INITIAL, real_time=real)
        assert worker_1.now("a") == worker_2.now("a") == INITIAL
        worker_2.set("a", frozen=False)
        real.tick(3)
        assert worker_1.state("a").frozen is False
        assert worker_1.now("a") == INITIAL + secs(3)
    finally:
        store_1.dispose()
        store_2.dispose()
