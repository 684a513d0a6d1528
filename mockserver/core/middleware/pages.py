"""Serves the consent page of every registered authorisation server: ``{consent_path}/{id}``."""

from __future__ import annotations

from mockserver.core import context
from mockserver.core.asgi import ASGIApp, Receive, Scope, Send
from mockserver.core.oauth.page import ConsentPage
from mockserver.core.sandbox import Sandbox

HTML = b"text/html; charset=utf-8"


class ConsentPageMiddleware:
    def __init__(self, app: ASGIApp, sandbox: Sandbox) -> None:
        self.app = app
        self.sandbox = sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = self._match(scope) if scope["type"] == "http" else None
        if match is None or scope["method"] not in ("GET", "POST"):
            await self.app(scope, receive, send)
            return
        page, request_id = match
        if scope["method"] == "GET":
            status, html, location = page.get(request_id)
        else:
            ctx = context.from_scope(scope)
            body = ctx.extra.get("body", b"") if ctx else b""
            status, html, location = page.post(request_id, body)
        headers = [(b"cache-control", b"no-store"), (b"x-frame-options", b"DENY")]
        if location is not None:
            headers.append((b"location", location.encode("latin-1")))
        payload = html.encode()
        headers += [(b"content-type", HTML), (b"content-length", str(len(payload)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    def _match(self, scope: Scope) -> tuple[ConsentPage, str] | None:
        path: str = scope["path"]
        for profile in self.sandbox.identity.profiles():
            prefix = profile.consent_path + "/"
            if path.startswith(prefix) and "/" not in path[len(prefix) :] and path[len(prefix) :]:
                return ConsentPage(self.sandbox, profile), path[len(prefix) :]
        return None
