"""How one provider's authorisation server is configured."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class AuthServerProfile:
    provider: str
    # Paths, absolute on this server; URLs are built from the request's own scheme and host.
    issuer_path: str
    authorization_path: str
    token_path: str
    jwks_path: str
    consent_path: str  # the consent page: {consent_path}/{request_id}
    par_path: str | None = None
    scopes_supported: tuple[str, ...] = ("openid",)
    grant_types: tuple[str, ...] = ("client_credentials", "authorization_code", "refresh_token")
    response_types: tuple[str, ...] = ("code", "code id_token")
    auth_methods: tuple[str, ...] = (
        "client_secret_basic",
        "client_secret_post",
        "client_secret_jwt",
        "private_key_jwt",
    )
    access_token_lifetime: int = 3600
    refresh_token_lifetime: int = 90 * 24 * 3600
    id_token_lifetime: int = 3600
    code_lifetime: int = 120
    request_lifetime: int = 900  # how long an authorisation request (and its page) stays open
    id_token_alg: str = "PS256"
    # Moneyhub: client_credentials may name a user (`sub`) to get a user-scoped token.
    client_credentials_subject_param: str | None = None
    # OBIE: the consent id travels in claims.id_token.<this>.value and comes back in the id_token.
    intent_claim: str | None = None
    # PKCE: required for every authorization_code grant, or only when the request used it.
    require_pkce: bool = False
    extra_discovery: dict[str, Any] = field(default_factory=dict)
    # Provider rules the generic checks cannot know (Moneyhub's exclusive scopes, its payment
    # claim): called with (tx, ns, client, request); returns (error, description) or None.
    request_rules: Callable[..., tuple[str, str] | None] | None = None
    # Called with (tx, ns, client, subject) when a client_credentials grant names a subject.
    subject_check: Callable[..., None] | None = None
    # Called with (tx, ns, code record) when an authorization code is exchanged (Moneyhub
    # completes a payment only then).
    on_code_exchange: Callable[..., None] | None = None

    def issuer(self, base: str) -> str:
        return base + self.issuer_path
