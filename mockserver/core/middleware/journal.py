"""Records each provider request and its answer in the journal (admin calls are not recorded).

Bodies are kept up to the configured size and secrets are redacted before anything is written.
Every request served is also logged as one line (``request_log``; admin calls at debug level).
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

from mockserver.core import context, request_log
from mockserver.core.asgi import ASGIApp, Message, Receive, Scope, Send, routed_operation
from mockserver.core.clock import isoformat
from mockserver.core.middleware.context import ADMIN_PREFIX
from mockserver.core.redaction import redact_body, redact_headers
from mockserver.core.sandbox import Sandbox


class JournalMiddleware:
    def __init__(self, app: ASGIApp, sandbox: Sandbox) -> None:
        self.app = app
        self.sandbox = sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        ctx = context.from_scope(scope)
        if scope["type"] != "http" or ctx is None:
            await self.app(scope, receive, send)
            return
        if ctx.path.startswith(ADMIN_PREFIX):
            await self._admin(scope, receive, send, ctx)
            return
        limit = self.sandbox.journal.body_limit
        started_at = time.perf_counter()
        response: dict[str, object] = {"status": 0, "headers": [], "body": b""}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                response["status"] = message["status"]
                response["headers"] = [
                    (k.decode("latin-1"), v.decode("latin-1"))
                    for k, v in message.get("headers", [])
                ]
            elif message["type"] == "http.response.body":
                body = response["body"]
                assert isinstance(body, bytes)
                if len(body) <= limit:  # keep one byte more than the limit to tell truncation
                    response["body"] = body + message.get("body", b"")[: limit + 1 - len(body)]
                if not message.get("more_body", False):
                    # Journaled before the last byte leaves: a client that has its answer finds
                    # the request in the journal (from any worker).
                    record()
            await send(message)

        recorded = False

        def record() -> None:
            nonlocal recorded
            if not recorded:
                recorded = True
                latency_ms = (time.perf_counter() - started_at) * 1000
                self._record(scope, ctx, response, latency_ms)

        try:
            await self.app(scope, receive, capture)
        finally:
            record()  # an answer that never completed (an error, a dropped connection)

    async def _admin(
        self, scope: Scope, receive: Receive, send: Send, ctx: context.RequestContext
    ) -> None:
        """An admin call: not journaled (it would drown the provider requests); logged at debug."""
        if not request_log.enabled(logging.DEBUG):
            await self.app(scope, receive, send)
            return
        started_at = time.perf_counter()
        status = 0

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            request_log.log_request(
                namespace=ctx.namespace,
                provider="admin",
                operation_id=routed_operation(scope)[1],
                method=ctx.method,
                path=ctx.path,
                status=status,
                latency_ms=(time.perf_counter() - started_at) * 1000,
                interaction_id=None,
                level=logging.DEBUG,
            )

    def _record(
        self,
        scope: Scope,
        ctx: context.RequestContext,
        response: dict[str, object],
        latency_ms: float,
    ) -> None:
        limit = self.sandbox.journal.body_limit
        request_headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        response_headers = response["headers"]
        assert isinstance(response_headers, list)
        request_body = ctx.extra.get("body", b"")
        response_body = response["body"]
        assert isinstance(response_body, bytes)
        status = response["status"]
        assert isinstance(status, int)
        provider = ctx.provider.key if ctx.provider else None
        entry = {
            "time": isoformat(self.sandbox.clock.now(ctx.namespace)),
            # The wall clock too: with a frozen or moved sandbox clock, "time" cannot tell
            # requests apart in time (the dashboard's requests-per-second chart needs this).
            "received_at": isoformat(datetime.now(UTC)),
            "namespace": ctx.namespace,
            "method": ctx.method,
            "path": ctx.path,
            "query": scope.get("query_string", b"").decode("latin-1"),
            "provider": provider,
            "operationId": ctx.operation_id,
            "status": status,
            "latency_ms": round(latency_ms, 3),
            "fault": ctx.fault_id,
            "dropped": bool(ctx.extra.get("dropped")),
            "request": _message(request_headers, request_body, limit),
            "response": _message(response_headers, response_body, limit),
        }
        request_log.log_request(
            namespace=ctx.namespace,
            provider=provider,
            operation_id=ctx.operation_id,
            method=ctx.method,
            path=ctx.path,
            status=status,
            latency_ms=latency_ms,
            interaction_id=ctx.interaction_id,
            fault=ctx.fault_id,
        )
        self.sandbox.journal.record(ctx.namespace, entry)


def _message(headers: list[tuple[str, str]], body: bytes, limit: int) -> dict[str, object]:
    redacted = redact_headers(headers)
    text = body[:limit].decode("utf-8", errors="replace")
    return {
        "headers": redacted,
        "body": redact_body(text, redacted.get("content-type", "")),
        "body_truncated": len(body) > limit,
    }
