"""Absolute URLs the sandbox hands out (links, discovery documents, consent pages, redirects).

They are built from the request's own scheme and host, honouring ``X-Forwarded-Proto`` and
``X-Forwarded-Host`` so the sandbox works behind a proxy, and they carry the namespace so a
browser following them stays in it.
"""

from __future__ import annotations

from urllib.parse import urlencode

from mockserver.core import context


def base_url(headers: dict[str, str], scheme: str, server: tuple[str, int] | None) -> str:
    """``scheme://host[:port]`` as the client sees this server."""
    forwarded_proto = headers.get("x-forwarded-proto", "").split(",")[0].strip()
    forwarded_host = headers.get("x-forwarded-host", "").split(",")[0].strip()
    host = forwarded_host or headers.get("host", "")
    if not host and server is not None:
        host = f"{server[0]}:{server[1]}"
    return f"{forwarded_proto or scheme}://{host or 'localhost'}"


def absolute_url(path: str, query: dict[str, str] | None = None) -> str:
    """An absolute URL for ``path`` on this server, in the current request's namespace."""
    ctx = context.current()
    params = dict(query or {})
    if ctx.namespace != context.DEFAULT_NAMESPACE:
        params[context.NAMESPACE_QUERY] = ctx.namespace
    suffix = f"?{urlencode(params)}" if params else ""
    return f"{ctx.extra['base_url']}{path}{suffix}"
