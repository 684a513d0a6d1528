"""CORS for the provider APIs (browser clients); the admin API is left same-origin."""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware

from mockserver.core.asgi import ASGIApp, Receive, Scope, Send
from mockserver.core.middleware.context import ADMIN_PREFIX


class ProviderCORSMiddleware:
    def __init__(self, app: ASGIApp, origins: tuple[str, ...]) -> None:
        self.app = app
        self.cors = (
            CORSMiddleware(
                app,
                allow_origins=list(origins),
                allow_methods=["*"],
                allow_headers=["*"],
                expose_headers=["x-fapi-interaction-id", "retry-after", "location"],
            )
            if origins
            else None
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.cors is None or scope["type"] != "http" or scope["path"].startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        await self.cors(scope, receive, send)
