"""All sandbox state, behind one SQLAlchemy-backed store.

State is a set of JSON *records* addressed by ``(namespace, kind, id)``. A record may belong to a
*tenant* (the API client that created it; "" for shared seed data such as PSUs) and may name a
*parent* (e.g. a transaction's account) so that children can be listed without a scan.

Backends: in-memory SQLite (default; one process), a SQLite file or PostgreSQL (state survives
restarts and is shared by every worker and replica). Everything that must be shared between
workers (clock, fault rules, journal, namespaces, counters) lives here, never in process memory.

Namespaces are seeded lazily from a *template*: the seed records are written once under a
reserved namespace and copied with one ``INSERT ... SELECT``, which keeps a reset fast no matter
how much seed data there is.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.pool import StaticPool

from mockserver.core.jsoncodec import dumps

metadata = MetaData()

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
_PK = BigInteger().with_variant(Integer(), "sqlite")

namespaces = Table(
    "namespaces",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("template", String(80), nullable=False),
)

records = Table(
    "records",
    metadata,
    Column("pk", _PK, primary_key=True, autoincrement=True),
    Column("namespace", String(200), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("id", String(200), nullable=False),
    Column("tenant", String(200), nullable=False, default=""),
    Column("parent", String(200), nullable=False, default=""),
    Column("data", Text, nullable=False),
    Index("ux_records_key", "namespace", "kind", "id", unique=True),
    Index("ix_records_parent", "namespace", "kind", "parent"),
)

counters = Table(
    "counters",
    metadata,
    Column("namespace", String(200), primary_key=True),
    Column("name", String(200), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

journal = Table(
    "journal",
    metadata,
    Column("pk", _PK, primary_key=True, autoincrement=True),
    Column("namespace", String(200), nullable=False),
    Column("entry", Text, nullable=False),
    Index("ix_journal_namespace", "namespace", "pk"),
)

# Namespaces starting with "~" are the server's own (seed templates, signing keys, server-wide
# counters): no request can name one, and a reset leaves them alone.
RESERVED_PREFIX = "~"
TEMPLATE_PREFIX = "~template:"
SERVER_NAMESPACE = "~server"


@dataclass(frozen=True)
class SeedRecord:
    kind: str
    id: str
    data: dict[str, Any]
    tenant: str = ""
    parent: str = ""


# Builds the seed records of a template; its argument is the template's key (see ``Seeder``).
SeedBuilder = Callable[[str], Iterable[SeedRecord]]


def normalise_url(url: str) -> str:
    """Accept the URL forms users type and pick the drivers we ship."""
    if url in ("", "sqlite://", ":memory:", "sqlite:///:memory:"):
        return "sqlite://"
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if "://" not in url:  # a plain file path
        return f"sqlite:///{url}"
    return url


def template_name(template_key: str) -> str:
    return TEMPLATE_PREFIX + hashlib.sha256(template_key.encode()).hexdigest()[:32]


def advisory_lock(conn: Connection, key: str) -> None:
    """PostgreSQL: hold a lock on ``key`` until the transaction ends."""
    lock_id = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
    conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id})


class Tx:
    """One database transaction. Every read and write of sandbox state goes through one."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._postgres = conn.dialect.name == "postgresql"

    # -- records ---------------------------------------------------------------------------
    def get(self, ns: str, kind: str, id: str, tenant: str | None = None) -> dict[str, Any] | None:
        query = select(records.c.data).where(
            records.c.namespace == ns, records.c.kind == kind, records.c.id == id
        )
        if tenant is not None:
            query = query.where(records.c.tenant == tenant)
        raw = self.conn.execute(query).scalar_one_or_none()
        return None if raw is None else dict(json.loads(raw))

    def lock(self, ns: str, kind: str, id: str, tenant: str | None = None) -> dict[str, Any] | None:
        """Read a record and hold it until the transaction ends (check-then-write atomically).

        SQLite write transactions already hold the database lock (BEGIN IMMEDIATE). PostgreSQL
        takes a transaction-scoped advisory lock on the key, which also serialises
        check-absent-then-create (a row lock cannot lock a row that does not exist yet).
        """
        query = select(records.c.data).where(
            records.c.namespace == ns, records.c.kind == kind, records.c.id == id
        )
        if tenant is not None:
            query = query.where(records.c.tenant == tenant)
        if self._postgres:
            # The row lock also holds off writers that do not lock (a plain delete or put).
            advisory_lock(self.conn, f"{ns}\x1f{kind}\x1f{id}")
            query = query.with_for_update()
        raw = self.conn.execute(query).scalar_one_or_none()
        return None if raw is None else dict(json.loads(raw))

    def put(
        self,
        ns: str,
        kind: str,
        id: str,
        data: dict[str, Any],
        *,
        tenant: str = "",
        parent: str = "",
    ) -> None:
        """Insert or replace a record (a replaced record keeps its place in listings)."""
        values = {
            "namespace": ns,
            "kind": kind,
            "id": id,
            "tenant": tenant,
            "parent": parent,
            "data": dumps(data),
        }
        dialect_insert = postgresql.insert if self._postgres else sqlite.insert
        stmt = dialect_insert(records).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["namespace", "kind", "id"],
            set_={"tenant": tenant, "parent": parent, "data": values["data"]},
        )
        self.conn.execute(stmt)

    def delete(self, ns: str, kind: str, id: str, tenant: str | None = None) -> bool:
        stmt = delete(records).where(
            records.c.namespace == ns, records.c.kind == kind, records.c.id == id
        )
        if tenant is not None:
            stmt = stmt.where(records.c.tenant == tenant)
        return bool(self.conn.execute(stmt).rowcount)

    def list(
        self,
        ns: str,
        kind: str,
        *,
        tenant: str | None = None,
        parent: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        newest_first: bool = False,
    ) -> list[dict[str, Any]]:
        """Records of a kind in insertion order, optionally of one tenant or parent."""
        query = select(records.c.data).where(records.c.namespace == ns, records.c.kind == kind)
        if tenant is not None:
            query = query.where(records.c.tenant == tenant)
        if parent is not None:
            query = query.where(records.c.parent == parent)
        query = query.order_by(records.c.pk.desc() if newest_first else records.c.pk)
        if limit is not None:
            query = query.limit(limit)
        if offset:
            query = query.offset(offset)
        return [dict(json.loads(raw)) for raw in self.conn.execute(query).scalars()]

    def count(
        self, ns: str, kind: str, *, tenant: str | None = None, parent: str | None = None
    ) -> int:
        query = (
            select(func.count())
            .select_from(records)
            .where(records.c.namespace == ns, records.c.kind == kind)
        )
        if tenant is not None:
            query = query.where(records.c.tenant == tenant)
        if parent is not None:
            query = query.where(records.c.parent == parent)
        return int(self.conn.execute(query).scalar_one())

    def delete_kind(self, ns: str, kind: str) -> int:
        stmt = delete(records).where(records.c.namespace == ns, records.c.kind == kind)
        return int(self.conn.execute(stmt).rowcount)

    # -- counters ----------------------------------------------------------------------------
    def next_counter(self, ns: str, name: str) -> int:
        """Atomically increment and return a per-namespace counter (1, 2, 3, ...)."""
        dialect_insert = postgresql.insert if self._postgres else sqlite.insert
        stmt = (
            dialect_insert(counters)
            .values(namespace=ns, name=name, value=1)
            .on_conflict_do_update(
                index_elements=["namespace", "name"], set_={"value": counters.c.value + 1}
            )
            .returning(counters.c.value)
        )
        return int(self.conn.execute(stmt).scalar_one())


class Store:
    """The database: schema, transactions, namespaces and their seeding."""

    def __init__(self, url: str, seed_builder: SeedBuilder | None = None) -> None:
        self.url = normalise_url(url)
        self.seed_builder = seed_builder
        self.is_sqlite = self.url.startswith("sqlite")
        self.is_memory = self.url == "sqlite://"
        self.engine = self._create_engine()
        # In-memory SQLite is one shared connection: serialise its transactions across threads.
        self._memory_lock = threading.RLock() if self.is_memory else None
        self._known_templates: set[str] = set()
        self._active = threading.local()  # the transaction this thread has open, if any
        self._create_schema()

    # -- engine ------------------------------------------------------------------------------
    def _create_engine(self) -> Engine:
        if self.is_memory:
            engine = create_engine(
                self.url,
                poolclass=StaticPool,
                connect_args={"check_same_thread": False},
            )
        elif self.is_sqlite:
            engine = create_engine(
                self.url, connect_args={"check_same_thread": False, "timeout": 30}
            )
        else:
            engine = create_engine(self.url, pool_size=10, max_overflow=20, pool_pre_ping=True)
        if self.is_sqlite:
            self._configure_sqlite(engine)
        return engine

    def _configure_sqlite(self, engine: Engine) -> None:
        # pysqlite's own transaction handling defers BEGIN; we issue BEGIN ourselves so that a
        # write transaction takes the lock up front (BEGIN IMMEDIATE) and check-then-write is
        # atomic across processes. This is SQLAlchemy's documented recipe.
        file_db = not self.is_memory

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None
            cursor = dbapi_conn.cursor()
            if file_db:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")  # durable across process crashes
                cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            write = conn.get_execution_options().get("write", True)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    def _create_schema(self) -> None:
        # Several workers may start at once; creating what already exists is not an error.
        for attempt in range(5):
            try:
                metadata.create_all(self.engine, checkfirst=True)
                return
            except (IntegrityError, OperationalError):
                if attempt == 4:
                    raise
            except Exception as exc:  # PostgreSQL: duplicate type/table from a racing worker
                if "already exists" not in str(exc) or attempt == 4:
                    raise

    def dispose(self) -> None:
        self.engine.dispose()

    # -- transactions --------------------------------------------------------------------------
    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[Tx]:
        """A transaction: committed when the block ends, rolled back if it raises.

        A transaction opened while this thread already has one joins it (it commits or rolls
        back with the outer one): a second connection would wait forever on the outer one's
        SQLite lock, and in-memory SQLite has only one connection to begin on.
        """
        active: Tx | None = getattr(self._active, "tx", None)
        if active is not None:
            yield active
            return
        if self._memory_lock is not None:
            with self._memory_lock, self._connect(write) as conn, conn.begin():
                yield from self._activate(Tx(conn))
        else:
            with self._connect(write) as conn, conn.begin():
                yield from self._activate(Tx(conn))

    def _activate(self, tx: Tx) -> Iterator[Tx]:
        self._active.tx = tx
        try:
            yield tx
        finally:
            self._active.tx = None

    def read(self) -> AbstractContextManager[Tx]:
        """A read-only transaction (SQLite: no write lock)."""
        return self.transaction(write=False)

    @contextmanager
    def _connect(self, write: bool) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            conn.execution_options(write=write)
            yield conn

    # -- namespaces ----------------------------------------------------------------------------
    def ensure_namespace(self, ns: str, template_key: str) -> None:
        """Seed ``ns`` from the template of ``template_key`` if it does not exist yet."""
        with self.transaction(write=False) as tx:
            exists = tx.conn.execute(
                select(namespaces.c.name).where(namespaces.c.name == ns)
            ).first()
        if exists is None:
            with self.transaction() as tx:
                template_ns = self._seed_namespace(tx, ns, template_key)
            self._known_templates.add(template_ns)  # only once it is committed

    def reset_namespace(self, ns: str, template_key: str) -> None:
        """Drop everything in ``ns`` (not its journal) and seed it again, atomically."""
        with self.transaction() as tx:
            self._drop_namespace(tx, ns)
            template_ns = self._seed_namespace(tx, ns, template_key)
        self._known_templates.add(template_ns)  # only once it is committed

    def reset_all(self) -> None:
        """Drop every namespace; each is seeded again on its next use."""
        with self.transaction() as tx:
            tx.conn.execute(delete(records).where(~records.c.namespace.startswith(RESERVED_PREFIX)))
            tx.conn.execute(
                delete(counters).where(~counters.c.namespace.startswith(RESERVED_PREFIX))
            )
            tx.conn.execute(delete(namespaces))

    def namespace_names(self) -> list[str]:
        with self.transaction(write=False) as tx:
            return list(
                tx.conn.execute(select(namespaces.c.name).order_by(namespaces.c.name)).scalars()
            )

    def _drop_namespace(self, tx: Tx, ns: str) -> None:
        tx.conn.execute(delete(records).where(records.c.namespace == ns))
        tx.conn.execute(delete(counters).where(counters.c.namespace == ns))
        tx.conn.execute(delete(namespaces).where(namespaces.c.name == ns))

    def _seed_namespace(self, tx: Tx, ns: str, template_key: str) -> str:
        """Copy the template into ``ns``; returns the template's namespace."""
        self._lock_seeding(tx, ns)
        if tx.conn.execute(select(namespaces.c.name).where(namespaces.c.name == ns)).first():
            return template_name(template_key)  # another worker seeded it meanwhile
        template_ns = self._ensure_template(tx, template_key)
        # A write that raced a reset may have left rows behind without a namespace: they
        # would clash with the seed.
        self._drop_namespace(tx, ns)
        columns = [records.c.kind, records.c.id, records.c.tenant, records.c.parent, records.c.data]
        source = (
            select(text(":ns").bindparams(ns=ns), *columns)
            .where(records.c.namespace == template_ns)
            .order_by(records.c.pk)
        )
        tx.conn.execute(
            insert(records).from_select(
                ["namespace", "kind", "id", "tenant", "parent", "data"], source
            )
        )
        tx.conn.execute(insert(namespaces).values(name=ns, template=template_ns))
        return template_ns

    def _ensure_template(self, tx: Tx, template_key: str) -> str:
        template_ns = template_name(template_key)
        if template_ns in self._known_templates:
            return template_ns
        self._lock_seeding(tx, template_ns)
        present = tx.conn.execute(
            select(records.c.pk).where(records.c.namespace == template_ns).limit(1)
        ).first()
        if present is None and self.seed_builder is not None:
            rows = [
                {
                    "namespace": template_ns,
                    "kind": r.kind,
                    "id": r.id,
                    "tenant": r.tenant,
                    "parent": r.parent,
                    "data": dumps(r.data),
                }
                for r in self.seed_builder(template_key)
            ]
            if rows:
                tx.conn.execute(insert(records), rows)
        return template_ns

    def _lock_seeding(self, tx: Tx, key: str) -> None:
        # PostgreSQL: serialise seeding of one namespace across replicas. SQLite's
        # BEGIN IMMEDIATE already did.
        if not self.is_sqlite:
            advisory_lock(tx.conn, "seed\x1f" + key)

    # -- export / import -------------------------------------------------------------------------
    def export_namespace(self, ns: str) -> dict[str, Any]:
        with self.transaction(write=False) as tx:
            rows = tx.conn.execute(
                select(
                    records.c.kind, records.c.id, records.c.tenant, records.c.parent, records.c.data
                )
                .where(records.c.namespace == ns)
                .order_by(records.c.pk)
            ).all()
            counter_rows = tx.conn.execute(
                select(counters.c.name, counters.c.value)
                .where(counters.c.namespace == ns)
                .order_by(counters.c.name)
            ).all()
        return {
            "records": [
                {
                    "kind": r.kind,
                    "id": r.id,
                    "tenant": r.tenant,
                    "parent": r.parent,
                    "data": json.loads(r.data),
                }
                for r in rows
            ],
            "counters": {c.name: c.value for c in counter_rows},
        }

    def import_namespace(self, ns: str, state: dict[str, Any]) -> None:
        """Replace ``ns`` with an exported state, atomically."""
        with self.transaction() as tx:
            self._drop_namespace(tx, ns)
            rows = [
                {
                    "namespace": ns,
                    "kind": r["kind"],
                    "id": r["id"],
                    "tenant": r.get("tenant", ""),
                    "parent": r.get("parent", ""),
                    "data": dumps(r["data"]),
                }
                for r in state.get("records", [])
            ]
            if rows:
                tx.conn.execute(insert(records), rows)
            counter_rows = [
                {"namespace": ns, "name": name, "value": int(value)}
                for name, value in state.get("counters", {}).items()
            ]
            if counter_rows:
                tx.conn.execute(insert(counters), counter_rows)
            tx.conn.execute(insert(namespaces).values(name=ns, template="imported"))

    # -- journal -------------------------------------------------------------------------------
    def journal_append(self, ns: str, entry: dict[str, Any], keep: int, trim: bool) -> int:
        with self.transaction() as tx:
            pk = tx.conn.execute(
                insert(journal).values(namespace=ns, entry=dumps(entry)).returning(journal.c.pk)
            ).scalar_one()
            if trim:
                tx.conn.execute(delete(journal).where(journal.c.pk <= pk - keep))
        return int(pk)

    def journal_list(
        self, ns: str | None, limit: int, before: int | None = None
    ) -> list[tuple[int, dict[str, Any]]]:
        query = select(journal.c.pk, journal.c.entry).order_by(journal.c.pk.desc()).limit(limit)
        if ns is not None:
            query = query.where(journal.c.namespace == ns)
        if before is not None:
            query = query.where(journal.c.pk < before)
        with self.transaction(write=False) as tx:
            return [(int(pk), json.loads(raw)) for pk, raw in tx.conn.execute(query).all()]

    def journal_max_pk(self) -> int:
        with self.transaction(write=False) as tx:
            return int(
                tx.conn.execute(select(func.coalesce(func.max(journal.c.pk), 0))).scalar_one()
            )

    def journal_clear(self, ns: str | None) -> int:
        stmt = delete(journal)
        if ns is not None:
            stmt = stmt.where(journal.c.namespace == ns)
        with self.transaction() as tx:
            return int(tx.conn.execute(stmt).rowcount)
