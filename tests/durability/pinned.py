"""Clients held to one server process: the only way to choose the worker that answers.

Workers of ``mockserver serve --workers N`` share one listening socket, and the kernel hands
each new connection to one of them; a keep-alive connection stays with its worker. A
``PinnedClient`` belongs to one worker (the pid ``GET /__admin/health`` names). Before each
request it asks health on its connection; if that connection now leads elsewhere (uvicorn
closes idle ones after 5 s, and httpx opens a new one), it drops it and connects again until
it reaches its worker. The request then goes on that same connection, which is checked by its
local port: every answer it returns came from its worker.
"""

from __future__ import annotations

from typing import Any

import httpx

HEALTH = "/__admin/health"
MAX_CONNECTIONS_TRIED = 200


def _local_port(response: httpx.Response) -> int:
    stream: Any = response.extensions["network_stream"]
    return int(stream.get_extra_info("client_addr")[1])


class PinnedClient(httpx.Client):
    def __init__(self, base: str, namespace: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(
            base_url=base,
            headers={"X-Sandbox-Namespace": namespace, **(headers or {})},
            timeout=60,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
        )
        self.pid = self._health_pid()[0]  # the worker of the first connection

    def request(self, method: str, url: httpx.URL | str, **kwargs: Any) -> httpx.Response:
        port = self._connection_to_worker()
        response = super().request(method, url, **kwargs)
        assert _local_port(response) == port, "answered on another connection"
        return response

    def _health_pid(self) -> tuple[int, int]:
        health = super().request("GET", HEALTH)
        return int(health.json()["pid"]), _local_port(health)

    def _connection_to_worker(self) -> int:
        """The local port of a live connection to this client's worker."""
        for _ in range(MAX_CONNECTIONS_TRIED):
            pid, port = self._health_pid()
            if pid == self.pid:
                return port
            # Another worker's: have it closed, so that the next request connects anew.
            super().request("GET", HEALTH, headers={"Connection": "close"})
        raise AssertionError(f"no connection to worker {self.pid} in {MAX_CONNECTIONS_TRIED}")


def clients_of_two_workers(base: str, namespace: str) -> tuple[PinnedClient, PinnedClient]:
    """Two clients answered by different worker processes of the server at ``base``."""
    first = PinnedClient(base, namespace)
    for _ in range(MAX_CONNECTIONS_TRIED):
        other = PinnedClient(base, namespace)
        if other.pid != first.pid:
            return first, other
        other.close()
    first.close()
    raise AssertionError(f"{MAX_CONNECTIONS_TRIED} connections, all to worker {first.pid}")
