"""The real server (the CLI under uvicorn), where the framework could show itself: no ``Server``
header naming it, on answers or errors, and nothing inside in what uvicorn itself says to a
request it cannot parse.

The providers' documents show no ``Server`` header and the sandbox names none (a header
naming uvicorn, or its version, tells an attacker what to try); the server is started with
uvicorn's own ``Server`` and ``Date`` headers off.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from tests.security import sandbox_clients
from tests.security.internals import telltales, telltales_in
from tests.support.live import live_server

pytestmark = pytest.mark.live

FRAMEWORK_HEADERS = ("server", "x-powered-by", "x-aspnet-version", "via")


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    with live_server() as url:
        yield url


def _raw(base: str, request: bytes) -> bytes:
    """Send bytes that are not (quite) HTTP; what the server says back."""
    parts = urlsplit(base)
    with socket.create_connection((parts.hostname or "", parts.port or 80), timeout=5) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_no_header_names_the_framework(base: str) -> None:
    with httpx.Client(base_url=base, headers={"X-Sandbox-Namespace": "sec-live"}) as http:
        answers = [
            http.get("/__admin/health"),
            http.get("/fena/providers", headers=sandbox_clients.FENA),
            http.get("/fena/no/such/thing"),
            http.post("/ob/oauth2/token", data={"grant_type": "client_credentials"}),
            http.get("/moneyhub/api/v2.0/accounts", headers={"Authorization": "Bearer x"}),
            http.request("PROPFIND", "/mogoplus/api/v1/oauth2/token"),
        ]
        http.post("/__admin/faults", json={"provider": "fena", "status": 500})
        answers.append(http.get("/fena/providers", headers=sandbox_clients.FENA))
        http.post("/__admin/reset")
    for answer in answers:
        named = {h: answer.headers[h] for h in FRAMEWORK_HEADERS if h in answer.headers}
        assert not named, f"{answer.request.method} {answer.request.url.path}: {named}"
        assert not telltales(answer), answer.text


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"NOT HTTP AT ALL\r\n\r\n",
        b"GET /fena/providers HTTP/1.1\r\nHost: x\r\nBad Header Name: 1\r\n\r\n",
        b"GET /fena/providers HTTP/1.1\r\nHost: x\r\nX-A: \x00\x01\r\n\r\n",
        b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST /fena/providers HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n",
    ],
    ids=["garbage", "bad header name", "control characters", "huge request line", "bad length"],
)
def test_what_uvicorn_says_to_broken_http_shows_nothing_inside(
    base: str, request_bytes: bytes
) -> None:
    answer = _raw(base, request_bytes)
    head, _, _ = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 "), answer[:500]
    assert b"\r\nserver:" not in head.lower(), head
    assert not telltales_in(answer.decode("latin-1")), answer[:500]
