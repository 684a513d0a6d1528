"""The outermost layer: who is asking, in which namespace, and guarantees every answer has.

It resolves the namespace and provider, checks the admin token, seeds a namespace on first
use, buffers the request body (refusing JSON that is not UTF-8, Connexion defect #1860),
stamps ``x-fapi-interaction-id`` on FAPI providers' responses, and turns anything that still
escapes into the provider's 500 envelope instead of a bare stack trace.
"""

from __future__ import annotations

import hmac
import logging
from urllib.parse import parse_qsl, urlencode

from mockserver.core import context
from mockserver.core.asgi import (
    ASGIApp,
    Message,
    Receive,
    Scope,
    Send,
    error_body,
    header_map,
    read_body,
    replay,
    send_json,
)
from mockserver.core.errors import ApiError
from mockserver.core.providers import provider_for_path
from mockserver.core.sandbox import Sandbox
from mockserver.core.store import SERVER_NAMESPACE
from mockserver.core.urls import base_url

log = logging.getLogger("mockserver")

ADMIN_PREFIX = "/__admin"
DASHBOARD_PATHS = ("/__admin/", "/__admin")
HEALTH_PATH = ADMIN_PREFIX + "/health"
# Admin pages any browser may load: the health check, and the dashboard's (dataless) page.
OPEN_ADMIN_PAGES = (HEALTH_PATH, ADMIN_PREFIX + "/", ADMIN_PREFIX)
MAX_BODY = 10 * 1024 * 1024
INTERACTION_HEADER = "x-fapi-interaction-id"


class ConnectionDropped(Exception):
    """A fault rule dropped the connection where the server could not close it for real."""


class ContextMiddleware:
    def __init__(self, app: ASGIApp, sandbox: Sandbox) -> None:
        self.app = app
        self.sandbox = sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\n" in scope["path"]:
            # Starlette's mounts match ``.*``, which stops at a newline: an id holding an
            # encoded newline (%0A) found no route, a 404 the providers do not document. Kept
            # encoded, it reaches its operation, which finds no such resource, as it should.
            scope["path"] = scope["path"].replace("\n", "%0A")
        path: str = scope["path"]
        headers = header_map(scope)
        ctx = context.RequestContext(
            namespace=context.DEFAULT_NAMESPACE,
            provider=provider_for_path(self.sandbox.providers, path),
            method=scope["method"],
            path=path,
        )
        ctx.extra["headers"] = headers
        ctx.extra["base_url"] = base_url(headers, scope.get("scheme", "http"), scope.get("server"))
        ctx.extra["raw_receive"] = receive
        ctx.extra["sandbox"] = self.sandbox
        started = False

        async def send_with_guarantees(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if ctx.interaction_id is not None:
                    message["headers"] = [
                        *(
                            h
                            for h in message.get("headers", [])
                            if h[0] != INTERACTION_HEADER.encode()
                        ),
                        (INTERACTION_HEADER.encode(), ctx.interaction_id.encode("latin-1")),
                    ]
            await send(message)

        scope[context.SCOPE_KEY] = ctx
        token = context.activate(ctx)
        try:
            body = await self._prepare(scope, receive, headers, ctx)
            await self.app(scope, replay(body, receive), send_with_guarantees)
            if ctx.extra.get("drop_pending") and not started:
                raise ConnectionDropped(ctx.fault_id)
        except ApiError as error:
            if started:
                raise
            await send_json(
                send_with_guarantees,
                error.status,
                error_body(error, ctx.provider, ctx.interaction_id),
                error.headers,
            )
        except ConnectionDropped:
            raise
        except Exception:
            log.exception("unhandled error serving %s %s", scope["method"], path)
            if started:
                raise
            unexpected = ApiError(500, "The sandbox could not process the request.")
            await send_json(
                send_with_guarantees, 500, error_body(unexpected, ctx.provider, ctx.interaction_id)
            )
        finally:
            context.deactivate(token)

    async def _prepare(
        self, scope: Scope, receive: Receive, headers: dict[str, str], ctx: context.RequestContext
    ) -> bytes:
        if ctx.provider is not None and ctx.provider.fapi_interaction_id:
            ctx.interaction_id = headers.get(INTERACTION_HEADER) or self._mint_interaction_id()
        given = self._namespace_of(scope, headers)
        ctx.extra["namespace_given"] = given is not None
        ctx.namespace = context.valid_namespace(given or context.DEFAULT_NAMESPACE)
        if ctx.path.startswith(ADMIN_PREFIX):
            self._check_admin_token(ctx, headers)
        if ctx.path != HEALTH_PATH:  # ready checks must not wait for seeding
            self.sandbox.ensure_namespace(ctx.namespace)
        body, too_large = await read_body(receive, MAX_BODY)
        if too_large:
            raise ApiError(413, f"request bodies are limited to {MAX_BODY} bytes")
        if body and "json" in headers.get("content-type", ""):
            try:
                body.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ApiError(400, f"request body is not valid UTF-8 JSON: {exc.reason}") from exc
        ctx.extra["body"] = body
        return body

    def _mint_interaction_id(self) -> str:
        with self.sandbox.store.transaction() as tx:
            return self.sandbox.ids.uuid(tx, SERVER_NAMESPACE, "interaction")

    @staticmethod
    def _namespace_of(scope: Scope, headers: dict[str, str]) -> str | None:
        """The namespace the caller named (header, else query), or None."""
        pairs = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        values = [v for k, v in pairs if k == context.NAMESPACE_QUERY]
        if values:
            # Ours, not the provider's: strict validation would refuse an unknown parameter.
            kept = [(k, v) for k, v in pairs if k != context.NAMESPACE_QUERY]
            scope["query_string"] = urlencode(kept).encode("latin-1")
        if context.NAMESPACE_HEADER in headers:
            return headers[context.NAMESPACE_HEADER].strip()
        return str(values[0]) if values else None

    def _check_admin_token(self, ctx: context.RequestContext, headers: dict[str, str]) -> None:
        expected = self.sandbox.settings.admin_token
        if not expected or (ctx.method == "GET" and ctx.path in OPEN_ADMIN_PAGES):
            # The container HEALTHCHECK needs no token, and the dashboard's page holds no data
            # (it asks the token of its user, and sends it on every API call it makes).
            return
        scheme, _, given = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.encode(), expected.encode()):
            raise ApiError(
                401,
                "the admin API needs 'Authorization: Bearer <admin token>'",
                headers={"WWW-Authenticate": 'Bearer realm="mockserver-admin"'},
            )
