"""The store on every backend: in-memory SQLite, a SQLite file and PostgreSQL.

The PostgreSQL variants run against a throwaway server (``tests.support.postgres``) and are
skipped, with the reason, when none can be had.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from mockserver.core.store import SeedRecord, Store
from tests.support.postgres import libpq_url

A = "ns-a"
B = "ns-b"
KEY = "template-1"
THREADS = 16
JOIN_TIMEOUT = 120  # a safety net against a hang, not a timing assertion


# -- backends ----------------------------------------------------------------------------------
@dataclass
class Backend:
    name: str
    url: str
    stores: list[Store] = field(default_factory=list)

    @property
    def shared(self) -> bool:
        """Whether two Store objects on ``url`` see the same database (not for in-memory)."""
        return self.name != "memory"

    def store(self, seed_builder: Callable[[str], Iterable[SeedRecord]] | None = None) -> Store:
        store = Store(self.url, seed_builder)
        self.stores.append(store)
        return store


def _backend(name: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if name == "memory":
        url = "sqlite://"
    elif name == "file":
        url = str(tmp_path / "state.db")
    else:
        url = request.getfixturevalue("pg_db_url")
    backend = Backend(name, url)
    yield backend
    for store in backend.stores:
        store.dispose()


PG = pytest.param("postgres", marks=pytest.mark.postgres)


@pytest.fixture(params=["memory", "file", PG])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    yield from _backend(request.param, request, tmp_path)


@pytest.fixture(params=["file", PG])
def shared_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    """Backends that workers share: two Store objects on one database."""
    yield from _backend(request.param, request, tmp_path)


@pytest.fixture
def store(backend: Backend) -> Store:
    return backend.store()


class CountingSeeder:
    """A seed builder that counts its calls and builds a small, recognisable template."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, template_key: str) -> Iterator[SeedRecord]:
        self.calls.append(template_key)
        yield SeedRecord("psu", "p1", {"name": "Alice", "key": template_key})
        yield SeedRecord("psu", "p2", {"name": "Bob"})
        yield SeedRecord("account", "acc1", {"n": 1}, parent="p1")
        yield SeedRecord("account", "acc2", {"n": 2}, parent="p1")
        yield SeedRecord("account", "acc3", {"n": 3}, parent="p2")
        yield SeedRecord("client", "c1", {"secret": "s"}, tenant="tenant-1")


SEEDED: dict[str, list[dict[str, Any]]] = {
    "psu": [{"name": "Alice", "key": KEY}, {"name": "Bob"}],
    "account": [{"n": 1}, {"n": 2}, {"n": 3}],
    "client": [{"secret": "s"}],
}


def contents(store: Store, ns: str) -> dict[str, list[dict[str, Any]]]:
    with store.read() as tx:
        return {kind: tx.list(ns, kind) for kind in ("psu", "account", "client", "consent")}


def seeded_contents() -> dict[str, list[dict[str, Any]]]:
    return {**SEEDED, "consent": []}


def run_threads(count: int, target: Callable[[int], None]) -> list[BaseException]:
    """Run ``target(i)`` in ``count`` threads released together; return their exceptions."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def body(i: int) -> None:
        try:
            barrier.wait()
            target(i)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=body, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "threads did not finish"
    return errors


# -- records -----------------------------------------------------------------------------------
def test_put_get_delete(store: Store) -> None:
    with store.transaction() as tx:
        tx.put(A, "consent", "c1", {"status": "new", "n": 1.5, "text": "zażółć"}, tenant="t1")
    with store.read() as tx:
        assert tx.get(A, "consent", "c1") == {"status": "new", "n": 1.5, "text": "zażółć"}
        assert tx.get(A, "consent", "c1", tenant="t1") is not None
        assert tx.get(A, "consent", "c1", tenant="t2") is None
        assert tx.get(A, "consent", "missing") is None
        assert tx.get(A, "other-kind", "c1") is None
    with store.transaction() as tx:
        assert tx.delete(A, "consent", "c1", tenant="t2") is False
        assert tx.delete(A, "consent", "c1", tenant="t1") is True
        assert tx.delete(A, "consent", "c1") is False
        assert tx.get(A, "consent", "c1") is None


def test_get_returns_a_copy(store: Store) -> None:
    with store.transaction() as tx:
        tx.put(A, "consent", "c1", {"items": [1]})
        got = tx.get(A, "consent", "c1")
        assert got is not None
        got["items"].append(2)
        assert tx.get(A, "consent", "c1") == {"items": [1]}


def test_list_and_count_filter_by_tenant_and_parent(store: Store) -> None:
    with store.transaction() as tx:
        tx.put(A, "tx", "t1", {"id": "t1"}, tenant="x", parent="acc1")
        tx.put(A, "tx", "t2", {"id": "t2"}, tenant="y", parent="acc1")
        tx.put(A, "tx", "t3", {"id": "t3"}, tenant="x", parent="acc2")
        tx.put(A, "tx", "t4", {"id": "t4"}, tenant="x", parent="acc1")
        tx.put(A, "other", "o1", {"id": "o1"}, tenant="x", parent="acc1")
    with store.read() as tx:

        def ids(**kw: Any) -> list[str]:
            return [r["id"] for r in tx.list(A, "tx", **kw)]

        assert ids() == ["t1", "t2", "t3", "t4"]
        assert ids(tenant="x") == ["t1", "t3", "t4"]
        assert ids(parent="acc1") == ["t1", "t2", "t4"]
        assert ids(tenant="x", parent="acc1") == ["t1", "t4"]
        assert ids(tenant="z") == []
        assert tx.count(A, "tx") == 4
        assert tx.count(A, "tx", tenant="x") == 3
        assert tx.count(A, "tx", parent="acc1") == 3
        assert tx.count(A, "tx", tenant="x", parent="acc1") == 2
        assert tx.count(A, "tx", tenant="x", parent="acc2") == 1
        assert tx.count(A, "nothing") == 0


def test_replaced_record_keeps_its_place(store: Store) -> None:
    with store.transaction() as tx:
        for i in range(1, 5):
            tx.put(A, "tx", f"t{i}", {"id": f"t{i}", "v": 1})
    with store.transaction() as tx:
        tx.put(A, "tx", "t2", {"id": "t2", "v": 2}, tenant="new-tenant", parent="p")
    with store.read() as tx:
        assert [r["id"] for r in tx.list(A, "tx")] == ["t1", "t2", "t3", "t4"]
        assert tx.list(A, "tx", tenant="new-tenant") == [{"id": "t2", "v": 2}]
        assert tx.list(A, "tx", parent="p") == [{"id": "t2", "v": 2}]
        assert tx.count(A, "tx", tenant="") == 3  # the replacement moved tenant and parent
        assert tx.count(A, "tx") == 4


def test_deleted_then_recreated_record_goes_last(store: Store) -> None:
    with store.transaction() as tx:
        for i in range(1, 4):
            tx.put(A, "tx", f"t{i}", {"id": f"t{i}"})
        tx.delete(A, "tx", "t1")
        tx.put(A, "tx", "t1", {"id": "t1"})
    with store.read() as tx:
        assert [r["id"] for r in tx.list(A, "tx")] == ["t2", "t3", "t1"]


def test_newest_first_limit_offset(store: Store) -> None:
    with store.transaction() as tx:
        for i in range(1, 8):
            tx.put(A, "tx", f"t{i}", {"i": i}, parent="odd" if i % 2 else "even")
    with store.read() as tx:

        def nums(**kw: Any) -> list[int]:
            return [r["i"] for r in tx.list(A, "tx", **kw)]

        assert nums(newest_first=True) == [7, 6, 5, 4, 3, 2, 1]
        assert nums(limit=3) == [1, 2, 3]
        assert nums(limit=3, offset=2) == [3, 4, 5]
        assert nums(offset=5) == [6, 7]  # an offset without a limit
        assert nums(limit=2, offset=1, newest_first=True) == [6, 5]
        assert nums(offset=10) == []
        assert nums(limit=0) == []
        assert nums(parent="odd", newest_first=True, limit=2, offset=1) == [5, 3]


def test_delete_kind(store: Store) -> None:
    with store.transaction() as tx:
        tx.put(A, "fault", "f1", {})
        tx.put(A, "fault", "f2", {})
        tx.put(A, "keep", "k1", {})
        tx.put(B, "fault", "f1", {})
    with store.transaction() as tx:
        assert tx.delete_kind(A, "fault") == 2
        assert tx.delete_kind(A, "fault") == 0
    with store.read() as tx:
        assert tx.count(A, "fault") == 0
        assert tx.count(A, "keep") == 1
        assert tx.count(B, "fault") == 1


def test_lock_reads_like_get(store: Store) -> None:
    with store.transaction() as tx:
        tx.put(A, "consent", "c1", {"spent": 0}, tenant="t1")
    with store.transaction() as tx:
        assert tx.lock(A, "consent", "c1") == {"spent": 0}
        assert tx.lock(A, "consent", "c1", tenant="t1") == {"spent": 0}
        assert tx.lock(A, "consent", "c1", tenant="t2") is None
        assert tx.lock(A, "consent", "nope") is None


def test_namespaces_are_isolated(store: Store) -> None:
    with store.transaction() as tx:
        tx.put(A, "consent", "c1", {"ns": "a"}, tenant="t", parent="p")
        tx.put(B, "consent", "c1", {"ns": "b"}, tenant="t", parent="p")
        tx.put(B, "consent", "c2", {"ns": "b"}, tenant="t", parent="p")
    with store.transaction() as tx:
        assert tx.get(A, "consent", "c1") == {"ns": "a"}
        assert tx.get(B, "consent", "c1") == {"ns": "b"}
        assert tx.count(A, "consent") == 1
        assert tx.count(B, "consent", tenant="t", parent="p") == 2
        assert tx.delete(A, "consent", "c1")
        assert tx.get(B, "consent", "c1") == {"ns": "b"}
        assert tx.delete_kind(B, "consent") == 2
        assert tx.list(A, "consent") == []


# -- counters ----------------------------------------------------------------------------------
def test_counters_count_per_namespace_and_name(store: Store) -> None:
    with store.transaction() as tx:
        assert [tx.next_counter(A, "id:consent") for _ in range(3)] == [1, 2, 3]
        assert tx.next_counter(A, "id:payment") == 1
        assert tx.next_counter(B, "id:consent") == 1
    with store.transaction() as tx:
        assert tx.next_counter(A, "id:consent") == 4
        assert tx.next_counter(B, "id:consent") == 2


# -- transactions ------------------------------------------------------------------------------
class Boom(Exception):
    pass


def test_rolled_back_transaction_leaves_nothing_behind(store: Store) -> None:
    with store.transaction() as tx:
        tx.put(A, "consent", "kept", {"v": 1})
        tx.next_counter(A, "n")
    with pytest.raises(Boom), store.transaction() as tx:
        tx.put(A, "consent", "c1", {"v": 1})
        tx.put(A, "consent", "kept", {"v": 2})
        assert tx.delete(A, "consent", "kept") is True
        assert tx.next_counter(A, "n") == 2
        assert tx.next_counter(A, "fresh") == 1
        raise Boom
    with store.read() as tx:
        assert tx.get(A, "consent", "c1") is None
        assert tx.get(A, "consent", "kept") == {"v": 1}
    with store.transaction() as tx:
        assert tx.next_counter(A, "n") == 2
        assert tx.next_counter(A, "fresh") == 1
    # The store is usable after the failure (the connection was returned cleanly).
    with store.transaction() as tx:
        tx.put(A, "consent", "c2", {})
    assert store.export_namespace(A)["counters"] == {"fresh": 1, "n": 2}


def test_check_then_write_is_atomic(backend: Backend) -> None:
    """16 threads spend 10 each from a budget of 100: exactly 10 succeed (no lost update).

    In-memory SQLite: one Store (it is one database). File SQLite and PostgreSQL: two Store
    objects on the same database, as two workers would have, used by 8 threads each.
    """
    stores = [backend.store(), backend.store()] if backend.shared else [backend.store()]
    with stores[0].transaction() as tx:
        tx.put(A, "consent", "c1", {"spent": 0, "limit": 100})
    successes: list[int] = []

    def spend(i: int) -> None:
        with stores[i % len(stores)].transaction() as tx:
            rec = tx.lock(A, "consent", "c1")
            assert rec is not None
            if rec["spent"] + 10 <= rec["limit"]:
                rec["spent"] += 10
                tx.put(A, "consent", "c1", rec)
                successes.append(i)

    assert run_threads(THREADS, spend) == []
    for reader in stores:
        with reader.read() as tx:
            assert tx.get(A, "consent", "c1") == {"spent": 100, "limit": 100}
    assert len(successes) == 10


def test_counters_are_atomic_across_threads(backend: Backend) -> None:
    stores = [backend.store(), backend.store()] if backend.shared else [backend.store()]
    values: list[int] = []

    def draw(i: int) -> None:
        for _ in range(5):
            with stores[i % len(stores)].transaction() as tx:
                values.append(tx.next_counter(A, "id:x"))

    assert run_threads(THREADS, draw) == []
    assert sorted(values) == list(range(1, THREADS * 5 + 1))


# -- namespaces and seeding ------------------------------------------------------------------
def test_ensure_namespace_seeds_from_one_template(backend: Backend) -> None:
    seeder = CountingSeeder()
    store = backend.store(seeder)
    assert store.namespace_names() == []
    store.ensure_namespace(A, KEY)
    store.ensure_namespace(B, KEY)
    store.ensure_namespace(A, KEY)
    assert seeder.calls == [KEY]
    assert store.namespace_names() == [A, B]
    for ns in (A, B):
        assert contents(store, ns) == seeded_contents()
        with store.read() as tx:
            assert [r["n"] for r in tx.list(ns, "account", parent="p1")] == [1, 2]
            assert tx.count(ns, "client", tenant="tenant-1") == 1
            assert tx.count(ns, "client", tenant="") == 0
            assert tx.count(ns, "psu", tenant="") == 2


def test_ensure_namespace_does_not_reseed_existing_state(backend: Backend) -> None:
    seeder = CountingSeeder()
    store = backend.store(seeder)
    store.ensure_namespace(A, KEY)
    with store.transaction() as tx:
        tx.delete(A, "psu", "p2")
        tx.put(A, "consent", "c1", {"x": 1})
    store.ensure_namespace(A, KEY)
    with store.read() as tx:
        assert tx.get(A, "psu", "p2") is None
        assert tx.get(A, "consent", "c1") == {"x": 1}


def test_template_keys_are_separate_templates(backend: Backend) -> None:
    seeder = CountingSeeder()
    store = backend.store(seeder)
    store.ensure_namespace(A, "day-1")
    store.ensure_namespace(B, "day-2")
    store.ensure_namespace("ns-c", "day-1")
    assert seeder.calls == ["day-1", "day-2"]
    with store.read() as tx:
        assert tx.get(A, "psu", "p1") == {"name": "Alice", "key": "day-1"}
        assert tx.get(B, "psu", "p1") == {"name": "Alice", "key": "day-2"}
        assert tx.get("ns-c", "psu", "p1") == {"name": "Alice", "key": "day-1"}


def test_namespace_without_seed_builder_is_empty(store: Store) -> None:
    store.ensure_namespace(A, KEY)
    assert store.namespace_names() == [A]
    assert contents(store, A) == {"psu": [], "account": [], "client": [], "consent": []}


def test_template_is_built_once_across_stores(shared_backend: Backend) -> None:
    first, second = CountingSeeder(), CountingSeeder()
    store_1 = shared_backend.store(first)
    store_2 = shared_backend.store(second)
    store_1.ensure_namespace(A, KEY)
    store_2.ensure_namespace(B, KEY)
    store_2.ensure_namespace(A, KEY)
    assert first.calls == [KEY]
    assert second.calls == []  # found the template the other worker built
    assert contents(store_2, A) == contents(store_2, B) == seeded_contents()


def test_concurrent_ensure_from_several_stores_seeds_once(shared_backend: Backend) -> None:
    """Four workers (a Store each: see the known bug below for threads sharing one) seed two
    new namespaces at once: the template is built once and both namespaces are complete."""
    seeders = [CountingSeeder() for _ in range(4)]
    stores = [shared_backend.store(seeder) for seeder in seeders]

    def ensure(i: int) -> None:
        stores[i].ensure_namespace(A if i % 2 else B, KEY)

    assert run_threads(4, ensure) == []
    assert sum(len(seeder.calls) for seeder in seeders) == 1
    assert contents(stores[0], A) == contents(stores[3], B) == seeded_contents()
    assert stores[1].namespace_names() == [A, B]


def test_reset_namespace_restores_the_seed_and_touches_nothing_else(backend: Backend) -> None:
    seeder = CountingSeeder()
    store = backend.store(seeder)
    store.ensure_namespace(A, KEY)
    store.ensure_namespace(B, KEY)
    for ns in (A, B):
        with store.transaction() as tx:
            tx.put(ns, "consent", "c1", {"ns": ns})
            tx.put(ns, "psu", "p1", {"name": "changed"})
            tx.delete(ns, "account", "acc3")
            tx.next_counter(ns, "id:consent")
    before_b = store.export_namespace(B)

    store.reset_namespace(A, KEY)

    assert contents(store, A) == seeded_contents()
    assert store.export_namespace(A)["counters"] == {}
    with store.transaction() as tx:
        assert tx.next_counter(A, "id:consent") == 1
    assert store.export_namespace(B) == before_b
    assert seeder.calls == [KEY]
    assert store.namespace_names() == [A, B]


def test_reset_namespace_of_an_unknown_namespace_seeds_it(backend: Backend) -> None:
    store = backend.store(CountingSeeder())
    store.reset_namespace(A, KEY)
    assert store.namespace_names() == [A]
    assert contents(store, A) == seeded_contents()


def test_reset_all_drops_every_namespace_and_reseeds_on_use(backend: Backend) -> None:
    seeder = CountingSeeder()
    store = backend.store(seeder)
    store.ensure_namespace(A, KEY)
    store.ensure_namespace(B, KEY)
    with store.transaction() as tx:
        tx.put(A, "consent", "c1", {})
        tx.put("never-ensured", "consent", "c1", {})
        tx.next_counter(B, "n")
        tx.next_counter(B, "n")

    store.reset_all()

    assert store.namespace_names() == []
    for ns in (A, B, "never-ensured"):
        assert store.export_namespace(ns) == {"records": [], "counters": {}}
    store.ensure_namespace(B, KEY)
    assert store.namespace_names() == [B]
    assert contents(store, B) == seeded_contents()
    with store.transaction() as tx:
        assert tx.next_counter(B, "n") == 1
    assert seeder.calls == [KEY]  # the template survived the reset


def test_reset_all_keeps_templates_for_other_stores(shared_backend: Backend) -> None:
    first, second = CountingSeeder(), CountingSeeder()
    shared_backend.store(first).ensure_namespace(A, KEY)
    shared_backend.stores[0].reset_all()
    late = shared_backend.store(second)
    late.ensure_namespace(A, KEY)
    assert second.calls == []
    assert contents(late, A) == seeded_contents()


# -- export / import -------------------------------------------------------------------------
def test_export_import_round_trip(backend: Backend) -> None:
    store = backend.store(CountingSeeder())
    store.ensure_namespace(A, KEY)
    with store.transaction() as tx:
        tx.put(A, "consent", "c1", {"nested": {"list": [1, "two", None]}}, tenant="t1", parent="p")
        tx.put(A, "psu", "p1", {"name": "renamed"})  # replaced: keeps its place
        tx.next_counter(A, "id:consent")
        tx.next_counter(A, "id:consent")
        tx.next_counter(A, "seq:payment")
    exported = store.export_namespace(A)
    assert exported["counters"] == {"id:consent": 2, "seq:payment": 1}
    assert exported["records"][0] == {
        "kind": "psu",
        "id": "p1",
        "tenant": "",
        "parent": "",
        "data": {"name": "renamed"},
    }
    assert exported["records"][-1] == {
        "kind": "consent",
        "id": "c1",
        "tenant": "t1",
        "parent": "p",
        "data": {"nested": {"list": [1, "two", None]}},
    }
    client = {"kind": "client", "id": "c1", "tenant": "tenant-1", "parent": "", "data": {}}
    assert {**client, "data": {"secret": "s"}} in exported["records"]

    # Into a new namespace and over an existing one (B has state of its own to replace).
    store.ensure_namespace(B, KEY)
    with store.transaction() as tx:
        tx.put(B, "consent", "other", {})
        tx.next_counter(B, "other")
    for target in ("ns-new", B):
        store.import_namespace(target, exported)
        assert store.export_namespace(target) == exported
        with store.read() as tx:
            assert tx.list(target, "consent", tenant="t1", parent="p") == [
                {"nested": {"list": [1, "two", None]}}
            ]
        with store.transaction() as tx:
            assert tx.next_counter(target, "id:consent") == 3
    assert "ns-new" in store.namespace_names()
    assert store.export_namespace(A) == exported  # the source is untouched

    # An imported namespace is not seeded over on its next use.
    store.ensure_namespace("ns-new", KEY)
    assert store.export_namespace("ns-new")["records"] == exported["records"]


def test_import_accepts_minimal_records(store: Store) -> None:
    store.import_namespace(A, {"records": [{"kind": "k", "id": "1", "data": {"a": 1}}]})
    assert store.export_namespace(A) == {
        "records": [{"kind": "k", "id": "1", "tenant": "", "parent": "", "data": {"a": 1}}],
        "counters": {},
    }
    store.import_namespace(A, {})
    assert store.export_namespace(A) == {"records": [], "counters": {}}
    assert store.namespace_names() == [A]


def test_failed_import_changes_nothing(store: Store) -> None:
    with store.transaction() as tx:
        tx.put(A, "consent", "c1", {"v": 1})
    before = store.export_namespace(A)
    duplicate = {"kind": "k", "id": "1", "data": {}}
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        store.import_namespace(A, {"records": [duplicate, duplicate]})
    assert store.export_namespace(A) == before


# -- journal -----------------------------------------------------------------------------------
def test_journal_lists_newest_first_per_namespace(store: Store) -> None:
    pks = [
        store.journal_append(A if i % 3 else B, {"i": i}, keep=100, trim=False) for i in range(9)
    ]
    assert pks == sorted(pks) and len(set(pks)) == 9
    assert store.journal_max_pk() == pks[-1]
    every = store.journal_list(None, 100)
    assert [e["i"] for _, e in every] == list(range(8, -1, -1))
    assert [pk for pk, _ in every] == pks[::-1]
    assert [e["i"] for _, e in store.journal_list(A, 100)] == [8, 7, 5, 4, 2, 1]
    assert [e["i"] for _, e in store.journal_list(B, 100)] == [6, 3, 0]
    assert [e["i"] for _, e in store.journal_list(A, 2)] == [8, 7]
    assert [e["i"] for _, e in store.journal_list(A, 2, before=pks[7])] == [5, 4]
    assert store.journal_list("nobody", 10) == []


def test_journal_trim_keeps_the_newest(store: Store) -> None:
    for i in range(10):
        store.journal_append(A if i % 2 else B, {"i": i}, keep=4, trim=False)
    assert len(store.journal_list(None, 100)) == 10
    store.journal_append(A, {"i": 10}, keep=4, trim=True)
    # The ring is shared: trimming keeps the newest `keep` entries of all namespaces.
    assert [e["i"] for _, e in store.journal_list(None, 100)] == [10, 9, 8, 7]
    assert [e["i"] for _, e in store.journal_list(B, 100)] == [8]


def test_journal_clear_per_namespace(store: Store) -> None:
    for i in range(6):
        store.journal_append(A if i % 2 else B, {"i": i}, keep=100, trim=False)
    assert store.journal_clear(A) == 3
    assert store.journal_list(A, 10) == []
    assert [e["i"] for _, e in store.journal_list(B, 10)] == [4, 2, 0]
    assert store.journal_clear(None) == 3
    assert store.journal_list(None, 10) == []
    assert store.journal_max_pk() == 0


def test_journal_survives_namespace_reset(store: Store) -> None:
    store.ensure_namespace(A, KEY)
    store.journal_append(A, {"i": 1}, keep=10, trim=False)
    store.reset_namespace(A, KEY)
    store.reset_all()
    assert [e for _, e in store.journal_list(A, 10)] == [{"i": 1}]


# -- two Store objects on one database (workers) ----------------------------------------------
def test_two_stores_share_state(shared_backend: Backend) -> None:
    one, two = shared_backend.store(), shared_backend.store()
    with one.transaction() as tx:
        tx.put(A, "consent", "c1", {"v": 1}, tenant="t", parent="p")
        assert tx.next_counter(A, "id:consent") == 1
    with two.transaction() as tx:
        assert tx.get(A, "consent", "c1", tenant="t") == {"v": 1}
        assert tx.list(A, "consent", parent="p") == [{"v": 1}]
        assert tx.next_counter(A, "id:consent") == 2
        tx.put(A, "consent", "c1", {"v": 2}, tenant="t", parent="p")
    with one.transaction() as tx:
        assert tx.get(A, "consent", "c1") == {"v": 2}
        assert tx.next_counter(A, "id:consent") == 3
    one.journal_append(A, {"from": "one"}, keep=10, trim=False)
    assert [e for _, e in two.journal_list(A, 10)] == [{"from": "one"}]
    two.ensure_namespace(B, KEY)
    assert one.namespace_names() == [B]
    one.reset_all()
    assert two.namespace_names() == []


def test_stores_start_together_on_a_fresh_database(shared_backend: Backend) -> None:
    """Several workers creating the schema at once on an empty database all succeed."""
    created: list[Store] = []
    lock = threading.Lock()

    def start(_: int) -> None:
        store = Store(shared_backend.url)
        with lock:
            created.append(store)
            shared_backend.stores.append(store)

    assert run_threads(4, start) == []
    with created[0].transaction() as tx:
        tx.put(A, "k", "1", {})
    with created[-1].read() as tx:
        assert tx.count(A, "k") == 1


# -- races and failures around seeding and locking ---------------------------------------------
def wait_until_done_or_blocked(url: str, done: threading.Event) -> None:
    """Wait until another thread's work is ``done`` or it waits for a PostgreSQL lock.

    Lets a test hold a transaction open exactly as long as needed to show a race, and no
    longer once the race is fixed (then the other thread blocks on a lock the holder has).
    """
    import psycopg

    with psycopg.connect(libpq_url(url), autocommit=True) as watch:
        while not done.wait(0.01):
            row = watch.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ).fetchone()
            if row and row[0]:
                return


def test_failed_seeding_does_not_poison_the_template_cache(backend: Backend) -> None:
    """A seeding transaction that rolls back must not leave its template marked as built
    (every later namespace of the Store would be copied from nothing and come out empty)."""
    seeder = CountingSeeder()
    store = backend.store(seeder)
    failed: list[str] = []

    @event.listens_for(store.engine, "before_cursor_execute")
    def _fail_once(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # The first seeding fails after the template was written (e.g. the connection drops).
        if statement.lstrip().upper().startswith("INSERT INTO NAMESPACES") and not failed:
            failed.append(statement)
            raise Boom

    with pytest.raises(Boom):
        store.ensure_namespace(A, KEY)
    assert store.namespace_names() == []
    store.ensure_namespace(B, KEY)
    store.ensure_namespace(A, KEY)
    assert contents(store, B) == seeded_contents()
    assert contents(store, A) == seeded_contents()


def test_ensure_namespace_after_a_write_that_raced_reset_all(backend: Backend) -> None:
    store = backend.store(CountingSeeder())
    store.ensure_namespace(A, KEY)
    store.reset_all()
    with store.transaction() as tx:  # the in-flight request updates a seeded record
        tx.put(A, "psu", "p1", {"name": "Alice", "updated": True})
    store.ensure_namespace(A, KEY)
    assert store.namespace_names() == [A]
    with store.read() as tx:
        assert tx.count(A, "account") == 3
        assert tx.get(A, "psu", "p2") == {"name": "Bob"}


@pytest.mark.postgres
def test_concurrent_seeding_in_one_store_waits_for_the_template(
    request: pytest.FixtureRequest,
) -> None:
    """PostgreSQL, one Store used by two threads: while the first thread's template is not
    committed, a second thread seeding another namespace must wait for it, not copy nothing."""
    url = request.getfixturevalue("pg_db_url")
    store = Store(url, CountingSeeder())
    try:
        b_finished = threading.Event()
        in_commit = threading.Event()
        first_thread = threading.get_ident()

        @event.listens_for(store.engine, "commit")
        def _hold_first_commit(conn: Any) -> None:
            # Hold A's seeding (write) transaction just before its COMMIT until B has seeded its
            # namespace, or is waiting for a lock A holds (as it should: then A goes on).
            write = conn.get_execution_options().get("write", True)
            if write and threading.get_ident() == first_thread and not in_commit.is_set():
                in_commit.set()
                wait_until_done_or_blocked(url, b_finished)

        def seed_b() -> None:
            in_commit.wait(JOIN_TIMEOUT)
            try:
                store.ensure_namespace(B, KEY)
            finally:
                b_finished.set()

        other = threading.Thread(target=seed_b)
        other.start()
        store.ensure_namespace(A, KEY)
        other.join(JOIN_TIMEOUT)
        assert not other.is_alive()
        assert contents(store, A) == seeded_contents()
        assert contents(store, B) == seeded_contents()
    finally:
        store.dispose()


@pytest.mark.postgres
def test_lock_of_a_missing_record_is_atomic_too(request: pytest.FixtureRequest) -> None:
    """PostgreSQL: check-absent-then-create under lock() is atomic across workers, as it is on
    SQLite (where BEGIN IMMEDIATE serialises writers); a row lock alone cannot do it."""
    url = request.getfixturevalue("pg_db_url")
    first, second = Store(url), Store(url)
    try:
        first_checked = threading.Event()
        second_finished = threading.Event()
        created: list[str] = []

        def create_once(store: Store, who: str) -> None:
            with store.transaction() as tx:
                if tx.lock(A, "idempotency", "key-1") is None:
                    created.append(who)
                    tx.put(A, "idempotency", "key-1", {"by": who})
                if who == "first":
                    # Keep the first transaction open until the second one has checked too,
                    # or is waiting for a lock the first holds (as it should).
                    first_checked.set()
                    wait_until_done_or_blocked(url, second_finished)

        def second_worker() -> None:
            first_checked.wait(JOIN_TIMEOUT)
            try:
                create_once(second, "second")
            finally:
                second_finished.set()

        other = threading.Thread(target=second_worker)
        other.start()
        create_once(first, "first")
        other.join(JOIN_TIMEOUT)
        assert not other.is_alive()
        assert created == ["first"]
        with second.read() as tx:
            assert tx.get(A, "idempotency", "key-1") == {"by": "first"}
    finally:
        first.dispose()
        second.dispose()


@pytest.mark.postgres
def test_lock_holds_the_record_against_writers_that_do_not_lock(
    request: pytest.FixtureRequest,
) -> None:
    url = request.getfixturevalue("pg_db_url")
    holder, remover = Store(url), Store(url)
    try:
        with holder.transaction() as tx:
            tx.put(A, "sandbox.fault", "r1", {"hits": 0})
        locked = threading.Event()
        removed = threading.Event()
        errors: list[BaseException] = []

        def remove_rule() -> None:  # as Faults.remove does: a plain delete
            locked.wait(JOIN_TIMEOUT)
            try:
                with remover.transaction() as tx:
                    tx.delete(A, "sandbox.fault", "r1")
            except BaseException as exc:
                errors.append(exc)
            finally:
                removed.set()

        other = threading.Thread(target=remove_rule)
        other.start()
        with holder.transaction() as tx:  # as Faults._fire does: lock, count the hit, write
            rule = tx.lock(A, "sandbox.fault", "r1")
            assert rule is not None
            locked.set()
            wait_until_done_or_blocked(url, removed)
            rule["hits"] += 1
            tx.put(A, "sandbox.fault", "r1", rule)
        other.join(JOIN_TIMEOUT)
        assert not other.is_alive()
        assert errors == []
        with holder.read() as tx:
            assert tx.get(A, "sandbox.fault", "r1") is None  # the removal came last
    finally:
        holder.dispose()
        remover.dispose()


def test_a_transaction_opened_inside_another_joins_it(store: Store) -> None:
    with store.transaction() as outer:
        outer.put(A, "k", "1", {"v": 1})
        with store.transaction() as inner:  # would deadlock on SQLite if it were separate
            assert inner is outer
            inner.put(A, "k", "2", {"v": 2})
    with store.read() as tx:
        assert [r["v"] for r in tx.list(A, "k")] == [1, 2]


def test_a_joined_transaction_rolls_back_with_the_outer_one(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction() as outer:
        outer.put(A, "k", "1", {"v": 1})
        with store.transaction() as inner:
            inner.put(A, "k", "2", {"v": 2})
        raise RuntimeError("the request failed")
    with store.read() as tx:
        assert tx.list(A, "k") == []
