"""A webhook receiver on loopback: records every request and answers as a test tells it to.

``fail_first=N`` answers 500 to the first N attempts of each delivery (told apart by the
X-Sandbox-Delivery header); ``hang=True`` holds every request open until the receiver stops,
so the sender's timeout is what ends it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

from tests.support.live import free_port

T = TypeVar("T")
DEADLINE_SECONDS = 30.0  # a safety net against a hang, not a timing assertion


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes

    @property
    def delivery(self) -> str:
        return self.headers.get("x-sandbox-delivery", "")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # many attempts may arrive at once (the default backlog is 5)


class Receiver:
    def __init__(self, fail_first: int = 0, hang: bool = False) -> None:
        self.fail_first = fail_first
        self.hang = hang
        self._received: list[Received] = []
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hooks"

    @property
    def received(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    def _record(self, request: Received) -> int:
        """Record a request; returns the status to answer."""
        with self._lock:
            self._received.append(request)
            seen = sum(1 for r in self._received if r.delivery == request.delivery)
        return 500 if seen <= self.fail_first else 200

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                status = receiver._record(Received("POST", self.path, headers, body))
                if receiver.hang:
                    receiver._released.wait()
                    return
                payload = b'{"ok":true}' if status == 200 else b'{"error":"try again"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep the test output clean

        return Handler

    def start(self) -> Receiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._released.set()
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def receiving(fail_first: int = 0, hang: bool = False) -> Iterator[Receiver]:
    receiver = Receiver(fail_first, hang).start()
    try:
        yield receiver
    finally:
        receiver.stop()


def refused_url() -> str:
    """A loopback URL nothing listens on."""
    return f"http://127.0.0.1:{free_port()}/hooks"


def wait_for(probe: Callable[[], T | None], what: str) -> T:
    """Poll ``probe`` until it returns something truthy; fail after a generous deadline."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        result = probe()
        if result:
            return result
        time.sleep(0.01)
    raise AssertionError(f"gave up waiting for {what}")
