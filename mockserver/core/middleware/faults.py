"""Applies fault rules and the per-client rate limit to provider requests.

It sits inside Connexion right after routing, so rules can match on the operationId; it runs
before security and validation, so a fault answers even a request that would have failed.
"""

from __future__ import annotations

import asyncio

from mockserver.core import context
from mockserver.core.asgi import (
    ASGIApp,
    Receive,
    Scope,
    Send,
    drop_connection,
    error_body,
    header_map,
    routed_operation,
    send_json,
)
from mockserver.core.errors import ApiError
from mockserver.core.faults import Effect
from mockserver.core.ratelimit import client_key
from mockserver.core.sandbox import Sandbox


class FaultMiddleware:
    def __init__(self, app: ASGIApp, sandbox: Sandbox) -> None:
        self.app = app
        self.sandbox = sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        ctx = context.from_scope(scope)
        if scope["type"] != "http" or ctx is None or ctx.provider is None:
            await self.app(scope, receive, send)
            return
        _, ctx.operation_id = routed_operation(scope)

        verdict = self.sandbox.rate_limiter.check(ctx.namespace, client_key(header_map(scope)))
        if not verdict.allowed:
            raise ApiError(
                429,
                "rate limit exceeded; retry after the number of seconds in Retry-After",
                headers={"Retry-After": str(verdict.retry_after)},
            )

        effect = self.sandbox.faults.match(
            ctx.namespace, ctx.provider.key, ctx.operation_id, ctx.method, ctx.path
        )
        if effect is None:
            await self.app(scope, receive, send)
            return
        ctx.fault_id = effect.rule_id
        if effect.delay_seconds:
            await asyncio.sleep(effect.delay_seconds)
        if effect.drop:
            ctx.extra["dropped"] = True
            # Where the server cannot close it (an in-process test client), the outer layer
            # raises instead, which such a client sees as a broken connection.
            ctx.extra["drop_pending"] = not await drop_connection(ctx.extra["raw_receive"])
            return
        if effect.status is None:  # a delay only: serve the request as usual
            await self.app(scope, receive, send)
            return
        await self._answer(send, ctx, effect)

    @staticmethod
    async def _answer(send: Send, ctx: context.RequestContext, effect: Effect) -> None:
        assert effect.status is not None
        if effect.body is not None:
            body = effect.body
        else:
            message = effect.message or f"fault injected by the sandbox (rule {effect.rule_id})"
            body = error_body(ApiError(effect.status, message), ctx.provider, ctx.interaction_id)
        await send_json(send, effect.status, body, effect.headers)
