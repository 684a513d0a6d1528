"""Serves each mounted spec as JSON from the bytes cached at start-up."""

from __future__ import annotations

from mockserver.core.asgi import ASGIApp, Receive, Scope, Send
from mockserver.core.specs import LoadedSpec


class SpecFileMiddleware:
    def __init__(self, app: ASGIApp, specs: list[LoadedSpec]) -> None:
        self.app = app
        self._by_url = {spec.spec_url: spec for spec in specs}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        spec = self._by_url.get(scope.get("path", "")) if scope["type"] == "http" else None
        if spec is None or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        body = spec.json_bytes
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"cache-control", b"no-cache"),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
        )
