"""``mockserver serve`` as a subprocess the test controls: start it, SIGKILL it, start it again.

``tests.support.live.live_server`` hides its process; crash tests need it. The port stays the
same across restarts, so the absolute links in a response read after the crash are the ones
the response before it had. Output goes to a file (a pipe nobody reads would stall the server).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support.live import ROOT, free_port

READY_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


class ServerProcess:
    """One ``mockserver serve ARGS`` process at a time, on a fixed loopback port."""

    def __init__(self, *args: str, log: Path) -> None:
        self.args = args
        self.log = log
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> str:
        """Start the server and wait for its health check; returns the base URL."""
        assert self.process is None, "already running"
        environment = {k: v for k, v in os.environ.items() if not k.startswith("MOCKSERVER_")}
        command = [sys.executable, "-m", "mockserver", "serve", "--port", str(self.port)]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [*command, *self.args],
                cwd=ROOT,
                env=environment,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self._wait_ready()
        return self.base

    def kill(self) -> None:
        """SIGKILL: no shutdown hook, no last commit, no flush; the OS just ends it."""
        process = self._running()
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT)
        assert process.returncode == -signal.SIGKILL
        self.process = None

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def _running(self) -> subprocess.Popen[bytes]:
        assert self.process is not None and self.process.poll() is None, "not running"
        return self.process

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                break  # it exited: show its log
            try:
                if httpx.get(f"{self.base}/__admin/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass  # not listening yet
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"server not ready:\n{self.log.read_text(errors='replace')[-3000:]}")


@contextmanager
def server_process(*args: str, log: Path) -> Iterator[ServerProcess]:
    """A started ``ServerProcess``, always stopped when the block ends."""
    server = ServerProcess(*args, log=log)
    server.start()
    try:
        yield server
    finally:
        server.stop()
