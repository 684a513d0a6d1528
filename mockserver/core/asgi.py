"""Small ASGI helpers shared by the middlewares."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from mockserver.core.errors import ApiError, sandbox_envelope
from mockserver.core.jsoncodec import to_bytes
from mockserver.core.providers import Provider

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

JSON = "application/json"


def header_map(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def error_body(
    error: ApiError, provider: Provider | None, interaction_id: str | None
) -> dict[str, Any] | None:
    """The error's body in the provider's envelope; None where the provider sends none."""
    if error.body is not None:
        return error.body
    if provider is not None and error.status in provider.bodiless_statuses:
        return None
    envelope = provider.envelope if provider is not None else sandbox_envelope
    return envelope(error, interaction_id)


async def send_json(
    send: Send, status: int, body: Any, headers: dict[str, str] | None = None
) -> None:
    if body is None:  # no body, as the provider does for this status
        payload = b""
        raw_headers = [(b"content-length", b"0")]
    else:
        payload = to_bytes(body)
        raw_headers = [
            (b"content-type", JSON.encode()),
            (b"content-length", str(len(payload)).encode()),
        ]
    for name, value in (headers or {}).items():
        if name.lower() not in ("content-type", "content-length"):
            raw_headers.append((name.lower().encode("latin-1"), str(value).encode("latin-1")))
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": payload})


async def read_body(receive: Receive, limit: int) -> tuple[bytes, bool]:
    """The whole request body, and whether it went past ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size <= limit:
            chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks), size > limit


def replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the buffered body over once, then waits on the real one."""
    sent = False

    async def _receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return _receive


async def drop_connection(receive: Receive) -> bool:
    """Close the client's connection without a response; False where the server can't.

    uvicorn's ``receive`` is a bound method of the connection's request cycle, which holds
    the transport. Closing it is what a dropped connection looks like to the client.
    """
    cycle = getattr(receive, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        return False
    transport.abort()
    await asyncio.sleep(0)  # let the server see the connection go before the app returns
    return True


def routed_operation(scope: Scope) -> tuple[str, str | None]:
    """The API base path and the spec's operationId Connexion routed this request to.

    Connexion records the resolved handler ("<module>.<operationId>"); fault rules, the
    journal, the logs and content negotiation all speak the spec's operationId.
    """
    routing = scope.get("extensions", {}).get("connexion_routing", {})
    resolved = routing.get("operation_id")
    operation = str(resolved).rsplit(".", 1)[-1] if resolved else None
    return str(routing.get("api_base_path", "")), operation
