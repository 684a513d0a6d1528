"""The per-request context: which namespace, provider and operation a request belongs to.

The outermost middleware creates it and stores it in the ASGI scope and a context variable;
inner layers (fault rules after routing, handlers, models) read and complete it.
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from mockserver.core.errors import ApiError
from mockserver.core.providers import Provider

NAMESPACE_HEADER = "x-sandbox-namespace"
NAMESPACE_QUERY = "sandbox_namespace"  # URLs handed to browsers carry the namespace here
DEFAULT_NAMESPACE = "default"
_NAMESPACE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
SCOPE_KEY = "mockserver.context"


@dataclass
class RequestContext:
    namespace: str
    provider: Provider | None
    method: str
    path: str
    interaction_id: str | None = None
    operation_id: str | None = None
    client_id: str | None = None
    fault_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


_current: ContextVar[RequestContext | None] = ContextVar("mockserver_request", default=None)


def current() -> RequestContext:
    ctx = _current.get()
    if ctx is None:
        raise RuntimeError("no request is being served")
    return ctx


def current_namespace() -> str:
    ctx = _current.get()
    return DEFAULT_NAMESPACE if ctx is None else ctx.namespace


def activate(ctx: RequestContext) -> object:
    return _current.set(ctx)


def deactivate(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]


def valid_namespace(name: str) -> str:
    if not _NAMESPACE_RE.match(name):
        raise ApiError(
            400,
            "X-Sandbox-Namespace must be 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit",
            path="X-Sandbox-Namespace",
        )
    return name


def from_scope(scope: MutableMapping[str, Any]) -> RequestContext | None:
    ctx = scope.get(SCOPE_KEY)
    return ctx if isinstance(ctx, RequestContext) else None
