"""kill -9 in the middle of a stream of writes: every acknowledged write survives the crash, and
no write survives in part.

One server process on a SQLite file, or on PostgreSQL. Five threads write without pause: OBIE
VRP payments and Fena VRP payments (each books on alice's current account), OBIE account access
consents, Moneyhub users and MogoPlus submissions. Once every writer has had a few writes
acknowledged, the server gets SIGKILL while writes are still arriving. Restarted on the same
database and port:

- every acknowledged write reads back through its provider's API exactly as it was answered;
- the ledger adds up (``consistency.check_bookings``): each payment booked once, each booking a
  payment's, each balance the sum of its bookings;
- each OBIE payment whose answer never came is sent again with its idempotency key, as a client
  would: it is answered 201, and keys and payments still pair one to one, so a payment that
  was committed before the crash was not made twice;
- new writes of every kind succeed and get ids never handed out before (the id counters
  survived with the rows they numbered).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.durability import consistency
from tests.durability import provider_calls as calls
from tests.durability.server_process import ServerProcess, server_process
from tests.durability.write_stream import WriteStream
from tests.durability.writers import ObVrpPayments, every_writer

pytestmark = pytest.mark.live
NAMESPACE = "durable"
ACKNOWLEDGED_EACH = 5  # writes of every writer acknowledged before the kill


def crash_and_recover(server: ServerProcess) -> None:
    stream = WriteStream(server.base, NAMESPACE, every_writer())
    stream.setup()
    before = consistency.namespace_records(server.base, NAMESPACE)
    stream.start()
    stream.wait_for_acknowledged(ACKNOWLEDGED_EACH)
    server.kill()
    stream.join()

    server.start()
    with calls.sandbox_client(server.base, NAMESPACE) as client:
        for writer in stream.writers:
            for write in stream.acknowledged(writer):
                writer.read_back(client, write)
        ob_payments = next(w for w in stream.writers if isinstance(w, ObVrpPayments))
        for write in stream.unanswered(ob_payments):
            calls.expect(ob_payments.send(client, write.request), ob_payments.status)
        after = consistency.namespace_records(server.base, NAMESPACE)
        ob_booked, fena_booked = consistency.check_bookings(before, after)
        assert ob_booked >= ACKNOWLEDGED_EACH and fena_booked >= ACKNOWLEDGED_EACH
        consistency.check_idempotency_keys(after)
        for writer in stream.writers:
            handed_out = {write.id for write in stream.acknowledged(writer)}
            response = writer.send(client, writer.prepare(0))
            fresh = writer.acknowledged_id(calls.expect(response, writer.status).json())
            assert fresh not in handed_out, writer.name


def test_kill9_on_a_sqlite_file(tmp_path: Path) -> None:
    db = str(tmp_path / "durable.sqlite")
    args = ("--db", db, "--relax-jws", "true")
    with server_process(*args, log=tmp_path / "server.log") as server:
        crash_and_recover(server)


@pytest.mark.postgres
def test_kill9_on_postgres(pg_db_url: str, tmp_path: Path) -> None:
    args = ("--db", pg_db_url, "--relax-jws", "true")
    with server_process(*args, log=tmp_path / "server.log") as server:
        crash_and_recover(server)
