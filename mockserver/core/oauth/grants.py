"""The token endpoint's grants: client_credentials, authorization_code (PKCE), refresh_token."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime
from typing import Any

from mockserver.core.errors import ApiError, oauth_error
from mockserver.core.oauth.decisions import CODE_KIND
from mockserver.core.oauth.profile import AuthServerProfile
from mockserver.core.store import Tx
from mockserver.core.tokens import Grant, TokenRejected, Tokens


def invalid_grant(description: str) -> ApiError:
    return oauth_error(400, "invalid_grant", description)


def exchange(
    tx: Tx,
    ns: str,
    client: dict[str, Any],
    form: dict[str, str],
    *,
    profile: AuthServerProfile,
    tokens: Tokens,
    issuer: str,
    now: datetime,
) -> dict[str, Any]:
    """The token response for an authenticated client's grant request."""
    grant_type = form.get("grant_type", "")
    if grant_type not in profile.grant_types:
        raise oauth_error(400, "unsupported_grant_type", f"grant_type {grant_type!r}")
    if grant_type == "client_credentials":
        grant = _client_credentials(client, form, profile)
        if profile.subject_check is not None and grant.subject != client["client_id"]:
            profile.subject_check(tx, ns, client, grant.subject)
        return _respond(tx, ns, grant, profile, tokens, issuer, now, refresh=False)
    if grant_type == "authorization_code":
        code = _redeem(tx, ns, client, form, now)
        if profile.on_code_exchange is not None:
            profile.on_code_exchange(tx, ns, code)
        grant = Grant(
            client_id=client["client_id"],
            subject=code["subject"],
            scopes=tuple(code["scope"]),
            consent_id=code["consent_id"],
            extra_claims=code["access_token_claims"],
        )
        body = _respond(tx, ns, grant, profile, tokens, issuer, now, refresh=True)
        if "openid" in code["scope"]:
            body["id_token"] = tokens.issue_id_token(
                issuer=issuer,
                client_id=client["client_id"],
                subject=code["subject"],
                now=now,
                lifetime=profile.id_token_lifetime,
                nonce=code["nonce"],
                access_token=body["access_token"],
                extra_claims=code["id_token_claims"],
                alg=profile.id_token_alg,
            )
        return body
    try:
        grant = tokens.use_refresh(tx, ns, form.get("refresh_token", ""), client["client_id"], now)
    except TokenRejected as exc:
        raise invalid_grant(exc.reason) from exc
    return _respond(tx, ns, grant, profile, tokens, issuer, now, refresh=True)


def _client_credentials(
    client: dict[str, Any], form: dict[str, str], profile: AuthServerProfile
) -> Grant:
    requested = form.get("scope", "").split()
    allowed = client.get("scopes") or list(profile.scopes_supported)
    if not_allowed := [s for s in requested if s not in allowed]:
        raise oauth_error(400, "invalid_scope", f"not allowed for this client: {not_allowed}")
    subject = client["client_id"]
    param = profile.client_credentials_subject_param
    if param and form.get(param):
        subject = form[param]  # a user-scoped token (Moneyhub's `sub`)
    return Grant(client_id=client["client_id"], subject=subject, scopes=tuple(requested))


def _redeem(
    tx: Tx, ns: str, client: dict[str, Any], form: dict[str, str], now: datetime
) -> dict[str, Any]:
    code = tx.lock(ns, CODE_KIND, form.get("code", ""))
    if code is None or code["client_id"] != client["client_id"]:
        raise invalid_grant("unknown authorisation code")
    if code["used"]:
        raise invalid_grant("the authorisation code has been used already")
    if code["expires_at"] <= now.timestamp():
        raise invalid_grant("the authorisation code has expired")
    # RFC 6749 4.1.3: required, and identical, when the authorisation request had one.
    if form.get("redirect_uri") != code["redirect_uri"]:
        raise invalid_grant("redirect_uri differs from the authorisation request's")
    if code["code_challenge"]:
        verifier = form.get("code_verifier", "")
        if not hmac.compare_digest(s256(verifier), code["code_challenge"]):
            raise invalid_grant("code_verifier does not match the code_challenge")
    code["used"] = True
    tx.put(ns, CODE_KIND, form["code"], code, tenant=client["client_id"])
    return code


def s256(verifier: str) -> str:
    """RFC 7636 S256: base64url(SHA-256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii", errors="replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _respond(
    tx: Tx,
    ns: str,
    grant: Grant,
    profile: AuthServerProfile,
    tokens: Tokens,
    issuer: str,
    now: datetime,
    *,
    refresh: bool,
) -> dict[str, Any]:
    access, _ = tokens.issue_access(
        tx,
        ns,
        grant,
        issuer=issuer,
        audience=issuer,
        now=now,
        lifetime=profile.access_token_lifetime,
    )
    body: dict[str, Any] = {
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": profile.access_token_lifetime,
        "scope": " ".join(grant.scopes),
    }
    if refresh:
        body["refresh_token"] = tokens.issue_refresh(
            tx, ns, grant, now=now, lifetime=profile.refresh_token_lifetime
        )
    return body
