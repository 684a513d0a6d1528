"""A stream of writes from several threads until the server stops answering.

Every writer (``writers``) writes over and over on a connection of its own; each write is
recorded as its client saw it, acknowledged or unanswered.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import httpx

from tests.durability import provider_calls as calls
from tests.durability.writers import Write, Writer


@dataclass
class WriteStream:
    """Runs every writer in a thread of its own until the server stops answering."""

    base: str
    namespace: str
    writers: list[Writer]
    writes: list[Write] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _acknowledged: threading.Semaphore = field(default_factory=lambda: threading.Semaphore(0))
    _threads: list[threading.Thread] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _failures: list[BaseException] = field(default_factory=list)

    def setup(self) -> None:
        with calls.sandbox_client(self.base, self.namespace) as client:
            for writer in self.writers:
                writer.setup(client)

    def start(self) -> None:
        for writer in self.writers:
            thread = threading.Thread(target=self._run, args=(writer,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def wait_for_acknowledged(self, each: int, timeout: float = 120) -> None:
        """Return once every writer has had ``each`` writes acknowledged."""
        while any(len(self.acknowledged(writer)) < each for writer in self.writers):
            acquired = self._acknowledged.acquire(timeout=timeout)
            if self._failures or not acquired:
                self.join()  # raises what stopped a writer, if anything did
                raise AssertionError("the writes stalled")

    def join(self) -> None:
        """Wait for every writer to stop (they stop when the server stops answering)."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=120)
            assert not thread.is_alive(), "a writer did not stop"
        if self._failures:
            raise self._failures[0]

    def acknowledged(self, writer: Writer) -> list[Write]:
        with self._lock:
            return [w for w in self.writes if w.writer == writer.name and w.status is not None]

    def unanswered(self, writer: Writer) -> list[Write]:
        with self._lock:
            return [w for w in self.writes if w.writer == writer.name and w.status is None]

    def _run(self, writer: Writer) -> None:
        try:
            self._write_until_gone(writer)
        except BaseException as exc:  # shown by join(), in the test's thread
            self._failures.append(exc)
            self._acknowledged.release()  # wake the waiter: it will find the failure

    def _write_until_gone(self, writer: Writer) -> None:
        with calls.sandbox_client(self.base, self.namespace) as client:
            n = 0
            while not self._stop.is_set():
                n += 1
                request = writer.prepare(n)
                try:
                    response = writer.send(client, request)
                except httpx.TransportError:
                    self._record(Write(writer.name, request))
                    return  # the server is gone
                assert response.status_code == writer.status, (writer.name, response.text)
                body = response.json()
                request["id"] = writer.acknowledged_id(body)
                self._record(Write(writer.name, request, response.status_code, body))
                self._acknowledged.release()

    def _record(self, write: Write) -> None:
        with self._lock:
            self.writes.append(write)
