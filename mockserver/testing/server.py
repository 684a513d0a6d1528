"""The real sandbox served by uvicorn in a background thread of the test process.

The listening socket is bound before the thread starts (port 0: the kernel picks a free one),
so no other process can take the port between choosing and binding it. The server runs the
app's lifespan (the webhook worker starts and stops with it) and never touches signal
handlers, which belong to the main thread.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import warnings
from collections.abc import Generator, Iterator
from contextlib import contextmanager

import uvicorn

from mockserver.settings import Settings

HOST = "127.0.0.1"


class _ThreadServer(uvicorn.Server):
    """A uvicorn server that leaves signal handlers alone (it is not in the main thread)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


@contextmanager
def serve_in_thread(
    settings: Settings, *, startup_timeout: float = 30, shutdown_timeout: float = 10
) -> Iterator[str]:
    """Build the app from ``settings``, serve it on 127.0.0.1 and a free port until the block
    ends; yields the base URL, ``http://127.0.0.1:N`` (``settings.host``/``port`` are unused)."""
    with warnings.catch_warnings():
        # Importing Connexion 3.3 and building the app raise deprecation warnings from
        # third-party internals (Connexion, Starlette on AnyIO); a user's ``filterwarnings =
        # error`` would turn them into a fixture error they cannot act on.
        warnings.simplefilter("ignore", DeprecationWarning)
        from mockserver.app import create_app

        app = create_app(settings)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((HOST, 0))
    port = int(sock.getsockname()[1])
    config = uvicorn.Config(
        app,
        host=HOST,
        port=port,
        lifespan="on",
        ws="none",  # no websocket routes, and no warnings from the websockets package
        log_config=None,  # the test process's logging is the user's: records go to its root logger
        log_level=settings.log_level,
        access_log=False,
        server_header=False,
        date_header=False,  # as `mockserver serve`: responses are reproducible byte for byte
        timeout_graceful_shutdown=5,
    )
    server = _ThreadServer(config)
    failure: list[BaseException] = []

    def run() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # reported by the waiting thread
            failure.append(exc)

    thread = threading.Thread(target=run, name=f"mockserver-{port}", daemon=True)
    thread.start()
    base = f"http://{HOST}:{port}"
    try:
        _wait_started(server, thread, failure, base, startup_timeout)
        yield base
    finally:
        server.should_exit = True
        thread.join(shutdown_timeout)
        if thread.is_alive():  # requests still open: stop waiting for them
            server.force_exit = True
            thread.join(shutdown_timeout)
        sock.close()


def _wait_started(
    server: uvicorn.Server,
    thread: threading.Thread,
    failure: list[BaseException],
    base: str,
    timeout: float,
) -> None:
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive():
            cause = failure[0] if failure else None
            raise RuntimeError(f"the sandbox at {base} stopped during startup") from cause
        if time.monotonic() > deadline:
            raise TimeoutError(f"the sandbox at {base} did not start within {timeout} s")
        time.sleep(0.01)
