"""The OBIE bank's authorisation server (FAPI / OBIE security profile), on the shared core."""

from __future__ import annotations

from mockserver.core.oauth.profile import AuthServerProfile

OB_AUTH = AuthServerProfile(
    provider="ob",
    issuer_path="/ob",
    authorization_path="/ob/oauth2/authorize",
    token_path="/ob/oauth2/token",
    jwks_path="/ob/oauth2/jwks",
    par_path="/ob/oauth2/par",
    consent_path="/ob/consent",
    scopes_supported=("openid", "accounts", "payments", "fundsconfirmations"),
    response_types=("code id_token", "code"),
    # The consent's id travels as claims.id_token.openbanking_intent_id and comes back in it.
    intent_claim="openbanking_intent_id",
    id_token_alg="PS256",
    extra_discovery={"claims_supported": ["sub", "openbanking_intent_id", "acr"]},
)
