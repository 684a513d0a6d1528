"""Fena's client authentication: the ``client_id`` and ``client_secret`` request headers.

``specs/fena.yaml`` declares both headers as apiKey schemes required together, each naming one
of the functions below as its ``x-apikeyInfoFunc``. How Connexion 3.3 runs them
(``connexion.security``):

- ``verify_multiple_schemes`` calls the schemes of the requirement in their spec order,
  ``FenaClientId`` then ``FenaClientSecret``; each gets its header's value and, because it
  accepts them, the ``request`` and ``required_scopes`` keywords.
- A header that is absent is not passed to us at all: that scheme yields ``NO_VALUE``, the
  requirement fails as a whole and Connexion raises its own 401 ("No authorization token
  provided"), which the app renders in Fena's envelope like every other error.
- An exception we raise is collected and re-raised by ``verify_security`` (the most specific
  by ``status``), so an ``ApiError(401, ...)`` leaves as Fena's 401. Returning ``None`` would
  be Connexion's generic 401; any other value means the scheme passed.

Both functions check the whole pair, so neither relies on the order above: the pair must be a
client registered for Fena in the request's sandbox namespace. The client record is read once
per request and shared through the request context.
"""

from __future__ import annotations

import hmac
from typing import Any

from mockserver.core import context
from mockserver.core.errors import ApiError
from mockserver.core.sandbox import current_sandbox
from mockserver.core.seeding import CLIENT_KIND

PROVIDER = "fena"
CLIENT_ID_HEADER = "client_id"
CLIENT_SECRET_HEADER = "client_secret"
_CACHE_KEY = "fena_client"


def client_id_info(api_key: str, request: Any = None, **_: Any) -> dict[str, Any]:
    """``x-apikeyInfoFunc`` of ``FenaClientId``: the pair names a registered Fena client."""
    return _authenticate(api_key, _header(request, CLIENT_SECRET_HEADER))


def client_secret_info(api_key: str, request: Any = None, **_: Any) -> dict[str, Any]:
    """``x-apikeyInfoFunc`` of ``FenaClientSecret``: the secret is that client's."""
    return _authenticate(_header(request, CLIENT_ID_HEADER), api_key)


def _header(request: Any, name: str) -> str | None:
    if request is not None:
        value = request.headers.get(name)
        return None if value is None else str(value)
    headers: dict[str, str] = context.current().extra.get("headers", {})
    return headers.get(name)


def _authenticate(client_id: str | None, secret: str | None) -> dict[str, Any]:
    if not client_id:
        raise _unauthorized("The client_id header is required.", CLIENT_ID_HEADER)
    if not secret:
        raise _unauthorized("The client_secret header is required.", CLIENT_SECRET_HEADER)
    client = _registered_client(client_id)
    if client is None:
        raise _unauthorized("Unknown client_id.", CLIENT_ID_HEADER)
    if not _same_secret(secret, client.get("client_secret")):
        raise _unauthorized("Invalid client_secret.", CLIENT_SECRET_HEADER)
    context.current().client_id = client_id
    return {"sub": client_id, "client_id": client_id}


def _registered_client(client_id: str) -> dict[str, Any] | None:
    """The Fena client of the request's namespace with this id, read once per request."""
    ctx = context.current()
    cached = ctx.extra.get(_CACHE_KEY)
    if isinstance(cached, tuple) and cached[0] == client_id:
        found: dict[str, Any] | None = cached[1]
        return found
    sandbox = current_sandbox()
    with sandbox.store.read() as tx:
        client = tx.get(ctx.namespace, CLIENT_KIND, client_id)
    if client is not None and client.get("provider") != PROVIDER:
        client = None  # another provider's client is no Fena client
    ctx.extra[_CACHE_KEY] = (client_id, client)
    return client


def _same_secret(given: str, expected: Any) -> bool:
    return isinstance(expected, str) and hmac.compare_digest(given.encode(), expected.encode())


def _unauthorized(message: str, header: str) -> ApiError:
    return ApiError(401, message, path=header)
