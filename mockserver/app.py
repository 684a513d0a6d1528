"""The application: one Connexion AsyncApp mounting every spec, wrapped in the sandbox layers.

Request path, outermost first: context (namespace, admin token, body, interaction id) ->
journal -> CORS -> spec files -> Connexion [routing -> faults -> security -> validation ->
handler]. Errors of every kind leave in the envelope of the provider that was called.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from connexion import AsyncApp
from connexion.exceptions import ProblemException
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from connexion.middleware import MiddlewarePosition
from connexion.options import SwaggerUIOptions
from connexion.resolver import RelativeResolver
from starlette.exceptions import HTTPException

from mockserver.core import context
from mockserver.core.asgi import JSON, Receive, Scope, Send, error_body
from mockserver.core.body_validation import BODY_VALIDATORS
from mockserver.core.context import DEFAULT_NAMESPACE
from mockserver.core.errors import ApiError, from_exception
from mockserver.core.jsoncodec import to_bytes
from mockserver.core.middleware.accept import AcceptMiddleware
from mockserver.core.middleware.context import ContextMiddleware
from mockserver.core.middleware.cors import ProviderCORSMiddleware
from mockserver.core.middleware.explorer import ExplorerMiddleware
from mockserver.core.middleware.faults import FaultMiddleware
from mockserver.core.middleware.journal import JournalMiddleware
from mockserver.core.middleware.pages import ConsentPageMiddleware
from mockserver.core.middleware.specs import SpecFileMiddleware
from mockserver.core.oauth.form_errors import as_oauth_error
from mockserver.core.parameter_validation import NamedParameterValidator
from mockserver.core.paths import bundled_dir
from mockserver.core.sandbox import Sandbox
from mockserver.core.specs import LoadedSpec, load_spec
from mockserver.core.webhook_worker import lifespan_receive
from mockserver.providers import PROVIDERS
from mockserver.settings import Settings

ADMIN_BASE = "/__admin"
log = logging.getLogger("mockserver")


@dataclass(frozen=True)
class ExtraMount:
    """Another spec mounted under a provider's prefix, with its own handler module.

    The way to plug an API in without editing the provider registry (tests use it to probe
    the platform through every provider's envelope).
    """

    spec: LoadedSpec
    handlers: str


class SandboxApp:
    """The ASGI application uvicorn serves, with the running ``sandbox`` beside it."""

    def __init__(self, settings: Settings, extra_mounts: tuple[ExtraMount, ...] = ()) -> None:
        self.settings = settings
        self.sandbox = Sandbox(settings, PROVIDERS)
        self._extra_handlers = {m.spec.base_path: m.handlers for m in extra_mounts}
        self.specs = _load_specs() + [m.spec for m in extra_mounts]
        self.sandbox.spec_entries = _spec_entries(self.specs)
        self._allowed = [entry for spec in self.specs for entry in spec.path_methods()]
        self.connexion = self._build_connexion()
        inner: Any = self.connexion
        inner = SpecFileMiddleware(inner, self.specs)
        inner = ConsentPageMiddleware(inner, self.sandbox)
        inner = ProviderCORSMiddleware(inner, settings.cors_origins)
        inner = JournalMiddleware(inner, self.sandbox)
        inner = ExplorerMiddleware(inner, self.specs, self.sandbox)  # pages: not journaled
        self._asgi = ContextMiddleware(inner, self.sandbox)
        self._warming: threading.Thread | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan" and not self._warming:
            # Seed the default namespace in the background: the server answers health checks
            # at once, and the first real request finds its data ready (or waits for it).
            self._warming = threading.Thread(target=self._warm_up, name="warm-up", daemon=True)
            self._warming.start()
        if scope["type"] == "lifespan":
            # Webhooks go out from a worker that runs from startup until shutdown.
            receive = lifespan_receive(receive, self.sandbox)
        await self._asgi(scope, receive, send)

    def _warm_up(self) -> None:
        try:
            self.sandbox.identity.keys.jwks()  # made once per store: RSA key generation is slow
            self.sandbox.ensure_namespace(DEFAULT_NAMESPACE)
        except Exception:  # the first request will try again and report it
            log.exception("could not warm up")

    def _build_connexion(self) -> AsyncApp:
        app = AsyncApp(
            __name__,
            strict_validation=True,
            validate_responses=self.settings.response_validation,
            validator_map={"parameter": NamedParameterValidator, "body": BODY_VALIDATORS},
            swagger_ui_options=SwaggerUIOptions(serve_spec=False, swagger_ui=False),
        )
        for spec in self.specs:
            app.add_api(
                spec.for_connexion,
                base_path=spec.base_path,
                name=spec.name,
                resolver=RelativeResolver(
                    self._extra_handlers.get(spec.base_path) or _handler_module(spec)
                ),
                resolver_error=501,
            )
        app.add_middleware(
            FaultMiddleware, position=MiddlewarePosition.BEFORE_SECURITY, sandbox=self.sandbox
        )
        produced = {
            (spec.base_path, operation_id): types
            for spec in self.specs
            for operation_id, types in spec.produced_media_types().items()
        }
        app.add_middleware(
            AcceptMiddleware, position=MiddlewarePosition.BEFORE_SECURITY, produced=produced
        )
        for exc_class in (Exception, HTTPException, ProblemException, ApiError):
            app.add_error_handler(exc_class, self._render_error)
        return app

    def _render_error(self, _request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        error = from_exception(exc)
        if error.status == 500 and not isinstance(exc, ApiError | HTTPException):
            log.error("unhandled error", exc_info=exc)
        ctx = context.current()
        if error.status == 405:
            error.headers["Allow"] = ", ".join(sorted(self._allowed_methods(ctx.path)))
        error = as_oauth_error(error, ctx.provider, ctx.path)
        body = error_body(error, ctx.provider, ctx.interaction_id)
        if body is None:  # the provider answers this status with no body
            return ConnexionResponse(status_code=error.status, body=b"", headers=error.headers)
        return ConnexionResponse(
            status_code=error.status, mimetype=JSON, body=to_bytes(body), headers=error.headers
        )

    def _allowed_methods(self, path: str) -> set[str]:
        # Connexion's 405 lists only one route's method (one route per method); use the spec.
        methods: set[str] = set()
        for pattern, path_methods in self._allowed:
            if pattern.match(path):
                methods |= path_methods
        return methods


def _load_specs() -> list[LoadedSpec]:
    specs_dir = bundled_dir("specs")
    loaded = [load_spec(specs_dir / "admin.yaml", ADMIN_BASE)]
    for provider in PROVIDERS:
        loaded += [load_spec(specs_dir / m.spec, m.base_path) for m in provider.mounts]
    return loaded


def _handler_module(spec: LoadedSpec) -> str:
    if spec.base_path == ADMIN_BASE:
        return "mockserver.admin.handlers"
    for provider in PROVIDERS:
        for mount in provider.mounts:
            if mount.base_path == spec.base_path:
                return f"mockserver.providers.{provider.key}.handlers"
    raise LookupError(spec.base_path)


def _spec_entries(specs: list[LoadedSpec]) -> list[dict[str, str]]:
    entries = []
    for spec in specs:
        provider = next((p.key for p in PROVIDERS if p.owns(spec.base_path)), "admin")
        entries.append(
            {
                "provider": provider,
                "name": spec.name,
                "title": spec.title,
                "base_path": spec.base_path,
                "spec_url": spec.spec_url,
                "ui_url": f"{spec.base_path}/ui/",
            }
        )
    return entries


def create_app(
    settings: Settings | None = None, extra_mounts: tuple[ExtraMount, ...] = ()
) -> SandboxApp:
    return SandboxApp(settings or Settings(), extra_mounts)
