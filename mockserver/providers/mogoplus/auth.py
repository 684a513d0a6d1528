"""MogoPlus's token endpoint: client_credentials with HTTP Basic, on the shared OAuth core.

MogoPlus has no user-facing authorisation: its clients are CDR participants calling with their
own credentials. The profile only serves ``POST /mogoplus/api/v1/oauth2/token``; its other paths
are never mounted.
"""

from __future__ import annotations

from mockserver.core.oauth.profile import AuthServerProfile

MOGOPLUS_AUTH = AuthServerProfile(
    provider="mogoplus",
    issuer_path="/mogoplus",
    authorization_path="/mogoplus/api/v1/oauth2/authorize",
    token_path="/mogoplus/api/v1/oauth2/token",
    jwks_path="/mogoplus/api/v1/oauth2/jwks",
    consent_path="/mogoplus/consent",
    grant_types=("client_credentials",),
    auth_methods=("client_secret_basic",),
    scopes_supported=("insights",),
)
