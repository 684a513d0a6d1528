"""Serve an ASGI app with uvicorn in a background thread, for tests that need real sockets.

Unlike ``tests.support.live`` (the CLI in a subprocess), this serves an app object built in the
test process, e.g. ``build_app()`` with its probe APIs, so a browser can reach it over HTTP:

    with threaded_server(build_app()) as base:
        httpx.get(f"{base}/__admin/health")
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn

HOST = "127.0.0.1"
HEALTH_PATH = "/__admin/health"


class _ThreadServer(uvicorn.Server):
    """A uvicorn server that never touches signal handlers (they belong to the main thread)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield

    def install_signal_handlers(self) -> None:  # uvicorn < 0.29 called this instead
        return


@contextmanager
def threaded_server(
    app: Any, *, startup_timeout: float = 30, shutdown_timeout: float = 10
) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 and a free port; yields the base URL, ``http://127.0.0.1:N``.

    The listening socket is bound here, before the thread starts, so no other process can take
    the port between choosing and binding it. Startup waits until ``/__admin/health`` answers;
    on exit the server finishes its requests and runs its lifespan shutdown.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    port = int(sock.getsockname()[1])
    config = uvicorn.Config(
        app,
        host=HOST,
        port=port,
        lifespan="on",
        ws="none",  # no websocket routes; and no deprecation warnings from the websockets package
        log_level="warning",
        access_log=False,
    )
    server = _ThreadServer(config)
    failure: list[BaseException] = []

    def serve() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # reported by the waiting thread
            failure.append(exc)

    thread = threading.Thread(target=serve, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    base = f"http://{HOST}:{port}"
    try:
        _wait_ready(base, thread, failure, startup_timeout)
        yield base
    finally:
        server.should_exit = True
        thread.join(shutdown_timeout)
        if thread.is_alive():  # requests still open: stop waiting for them
            server.force_exit = True
            thread.join(shutdown_timeout)
        sock.close()
        if thread.is_alive():
            raise RuntimeError(f"the server at {base} did not stop within {2 * shutdown_timeout} s")


def _wait_ready(
    base: str, thread: threading.Thread, failure: list[BaseException], timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=1) as client:
        while time.monotonic() < deadline:
            if not thread.is_alive():
                raise RuntimeError(f"the server at {base} stopped during startup") from (
                    failure[0] if failure else None
                )
            try:
                if client.get(base + HEALTH_PATH).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.02)  # polling a socket that is not listening yet; not a test wait
    raise TimeoutError(f"the server at {base} did not answer {HEALTH_PATH} within {timeout} s")
