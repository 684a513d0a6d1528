"""A token or PAR request refused before its handler, answered as RFC 6749 5.2 says.

Connexion validates the form first: no body, a ``grant_type`` outside the spec's enum or a
``code_verifier`` of the wrong length never reach the handler, and their 400 came in the
provider's envelope, which no OAuth client reads (and the specs of these endpoints do not
allow). They are ``invalid_request`` (``unsupported_grant_type`` for the grant type) instead.
"""

from __future__ import annotations

from mockserver.core.errors import ApiError, oauth_error
from mockserver.core.providers import Provider


def as_oauth_error(error: ApiError, provider: Provider | None, path: str) -> ApiError:
    profile = provider.auth_server if provider is not None else None
    if error.status != 400 or error.body is not None or profile is None:
        return error
    if path not in (profile.token_path, profile.par_path):
        return error
    code = "unsupported_grant_type" if error.path == "grant_type" else "invalid_request"
    return oauth_error(400, code, error.message, **error.headers)
